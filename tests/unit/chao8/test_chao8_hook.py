"""Chao8Hook against an in-process fake gateway (httpx.MockTransport, no sockets)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from airflow_provider.chao8 import constants as c
from airflow_provider.chao8.client import parse_iso_duration, secret_sign
from airflow_provider.chao8.hooks import Chao8Hook
from airflow_provider.chao8.models import LogisticsOrderCreate
from airflow_provider.common.auth import MemoryTokenStore, Token, TokenManager
from airflow_provider.common.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConfigurationError,
    DuplicateError,
    NotFoundError,
    RateLimitError,
    ResponseError,
)
from airflow_provider.common.retry import RetryPolicy

SECRET = "app-secret-Ω"
ACCESS_KEY = "eb5e78cca74647aa8dea4cb7d1cbb2f0"
BASE = "https://gw.example.com"

Route = Callable[[httpx.Request], Any]


def envelope(code: int = 200, message: str = "success", data: Any = None, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "data": data,
        "timestamp": 1677737429715,
        "traceId": extra.pop("traceId", "trace-1"),
        "exception": None,
        "meta": extra.pop("meta", None),
        "ext": None,
    }


class FakeGateway:
    """A scripted 超8 gateway: token calls plus any business routes the test adds."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.token_calls = 0
        self.issued: list[str] = []
        self.valid: set[str] = set()
        self.token_answers: list[dict[str, Any]] = []
        self.token_data: dict[str, Any] = {"tokenTtl": "PT8H", "tokenTtlSeconds": 28800}
        self.routes: dict[tuple[str, str], Route] = {}

    def route(self, method: str, path: str, handler: Route) -> None:
        self.routes[(method, path)] = handler

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith(c.TOKEN_PATH):
            self.token_calls += 1
            if self.token_answers:
                return httpx.Response(200, json=self.token_answers.pop(0))
            token = f"tok-{self.token_calls}"
            self.issued.append(token)
            self.valid.add(token)
            return httpx.Response(200, json=envelope(data={"accessToken": token, **self.token_data}))
        handler = self.routes.get((request.method, request.url.path))
        if handler is None:
            return httpx.Response(404, text="no route")
        if request.headers.get("Authorization") not in self.valid:
            return httpx.Response(200, json=envelope(c.TOKEN_INVALID, "token无效"))
        answer = handler(request)
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    def business(self) -> list[httpx.Request]:
        return [r for r in self.requests if not r.url.path.endswith(c.TOKEN_PATH)]


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def conn_id(make_conn: Callable[..., str]) -> str:
    return make_conn("chao8_unit", "chao8", host=BASE, login=ACCESS_KEY, password=SECRET)


@pytest.fixture
def store() -> MemoryTokenStore:
    return MemoryTokenStore()


def make_hook(gateway: FakeGateway, conn_id: str, store: MemoryTokenStore | None = None) -> Chao8Hook:
    return Chao8Hook(
        conn_id,
        transport=httpx.MockTransport(gateway),
        token_store=store if store is not None else MemoryTokenStore(),
        retry_policy=RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.01),
    )


def products_route(total: int = 3) -> Route:
    def handler(request: httpx.Request) -> dict[str, Any]:
        body = json.loads(request.content)
        num, size = body["pageNum"], body["pageSize"]
        codes = [f"P{i}" for i in range(total)][(num - 1) * size : num * size]
        items = [{"productCode": code, "productName": code, "status": 1} for code in codes]
        return envelope(data={"total": total, "pageNum": num, "pageSize": size, "list": items})

    return handler


# ------------------------------------------------------------------------------ token call
def test_token_call_sends_md5_sign_never_the_secret(gateway: FakeGateway, conn_id: str) -> None:
    hook = make_hook(gateway, conn_id)
    assert hook.get_token() == "tok-1"
    (call,) = gateway.requests
    assert call.method == "POST"
    assert str(call.url) == f"{BASE}{c.TOKEN_PATH}"
    body = json.loads(call.content)
    assert body == {"accessKey": ACCESS_KEY, "secretKeySign": hashlib.md5(SECRET.encode()).hexdigest()}
    assert len(body["secretKeySign"]) == 32
    assert body["secretKeySign"] == body["secretKeySign"].lower()
    assert SECRET.encode() not in call.content
    assert call.headers["content-type"] == "application/json"
    assert "authorization" not in call.headers


def test_secret_sign_is_lowercase_md5_hex() -> None:
    assert secret_sign("123456") == "e10adc3949ba59abbe56e057f20f883e"


def test_token_reused_and_sent_raw(gateway: FakeGateway, conn_id: str) -> None:
    gateway.route("POST", "/cncop/basic/v3/products/page", products_route())
    hook = make_hook(gateway, conn_id)
    for _ in range(5):
        hook.get_products_page(1, 10)
    assert gateway.token_calls == 1
    assert {r.headers["Authorization"] for r in gateway.business()} == {"tok-1"}


def test_token_shared_by_two_hooks_through_the_store(
    gateway: FakeGateway, conn_id: str, store: MemoryTokenStore, make_conn: Callable[..., str]
) -> None:
    other = make_conn("chao8_other", "chao8", host=BASE, login=ACCESS_KEY, password=SECRET)
    gateway.route("POST", "/cncop/basic/v3/products/page", products_route())
    make_hook(gateway, conn_id, store).get_products_page()
    TokenManager.clear_process_cache()  # a second worker process: empty process cache
    make_hook(gateway, other, store).get_products_page()
    assert gateway.token_calls == 1


def test_store_key_does_not_contain_the_md5(
    gateway: FakeGateway, conn_id: str, store: MemoryTokenStore
) -> None:
    hook = make_hook(gateway, conn_id, store)
    hook.get_token()
    sign = secret_sign(SECRET)
    assert sign not in hook.token_manager.key
    assert ACCESS_KEY not in hook.token_manager.key
    assert "token" in hook.token_manager.key
    assert all(sign not in key and sign not in value for key, value in store._data.items())


@pytest.mark.parametrize(
    ("data", "ttl"),
    [
        ({"tokenTtl": "PT8H", "tokenTtlSeconds": 28800}, 28800),
        ({"tokenTtl": "PT8H"}, 28800),
        ({"tokenTtl": "PT1H30M"}, 5400),
        ({"tokenTtlSeconds": 600, "tokenTtl": "PT8H"}, 600),
        ({"tokenTtlSeconds": 3600}, 3600),
    ],
)
def test_token_ttl_and_vendor_refresh_window(
    gateway: FakeGateway, conn_id: str, data: dict[str, Any], ttl: float
) -> None:
    gateway.token_data = data
    hook = make_hook(gateway, conn_id)
    hook.get_token()
    token = hook.token_manager.cached()
    assert token is not None
    assert token.expires_at is not None
    assert token.refresh_at is not None
    assert token.expires_at - token.fetched_at == pytest.approx(ttl, abs=1)
    # the vendor's rule: never refresh before TTL - TTL/10 has passed (54 min of 60: "30m<54m,
    # 不刷新"); workers spread their refresh points after that, and all before the token expires
    assert token.refresh_at >= token.fetched_at + (ttl - ttl / 10)
    assert token.refresh_at < token.expires_at
    assert token.usable(token.fetched_at + ttl / 2)
    assert token.usable(token.fetched_at + (ttl - ttl / 10) - 1)
    assert not token.usable(token.expires_at)


def test_ttl_from_jwt_exp_in_ms_when_answer_has_none(gateway: FakeGateway, conn_id: str) -> None:
    exp_ms = int((time.time() + 3600) * 1000)
    payload = base64.urlsafe_b64encode(json.dumps({"iss": "yesno.com.cn", "exp": exp_ms}).encode()).rstrip(
        b"="
    )
    jwt = f"eyJhbGciOiJIUzI1NiJ9.{payload.decode()}.sig"
    gateway.token_answers.append(envelope(data={"accessToken": jwt}))
    hook = make_hook(gateway, conn_id)
    hook.get_token()
    token = hook.token_manager.cached()
    assert token is not None
    assert token.expires_at is not None
    assert token.expires_at - token.fetched_at == pytest.approx(3600, abs=2)


def test_refresh_after_the_refresh_point(gateway: FakeGateway, conn_id: str) -> None:
    gateway.route("POST", "/cncop/basic/v3/products/page", products_route())
    hook = make_hook(gateway, conn_id)
    hook.get_products_page()
    token = hook.token_manager.cached()
    assert token is not None
    token.refresh_at = time.time() - 1  # 54 of 60 minutes have passed, for every worker
    hook.token_manager.store.set(hook.token_manager.key, token.to_json())
    hook.get_products_page()
    assert gateway.token_calls == 2
    assert gateway.business()[-1].headers["Authorization"] == "tok-2"


@pytest.mark.parametrize(
    "refusal",
    [
        envelope(c.TOKEN_INVALID, "token无效"),
        envelope(c.TOKEN_EXPIRED, "token已过期"),
        envelope(401, "Unauthorized", meta={"status": 401}),
        envelope(200, "ok", meta={"status": 401}),
    ],
)
def test_refused_token_is_refreshed_and_the_call_retried_once(
    gateway: FakeGateway, conn_id: str, refusal: dict[str, Any]
) -> None:
    answers = [refusal]
    page = products_route()

    def handler(request: httpx.Request) -> Any:
        return answers.pop(0) if answers else page(request)

    gateway.route("POST", "/cncop/basic/v3/products/page", handler)
    hook = make_hook(gateway, conn_id)
    result = hook.get_products_page()
    assert result.total == 3
    assert gateway.token_calls == 2
    assert [r.headers["Authorization"] for r in gateway.business()] == ["tok-1", "tok-2"]


def test_a_token_refused_twice_fails_without_looping(gateway: FakeGateway, conn_id: str) -> None:
    gateway.route(
        "GET", "/cncop/trace/v1/logistics-orders/A1", lambda r: envelope(c.TOKEN_EXPIRED, "token已过期")
    )
    hook = make_hook(gateway, conn_id)
    with pytest.raises(AuthError) as caught:
        hook.get_logistics_order("A1")
    assert caught.value.code == c.TOKEN_EXPIRED
    assert len(gateway.business()) == 2
    assert gateway.token_calls == 2


@pytest.mark.parametrize(
    ("code", "vendor", "advice"),
    [
        (21184031, "应用账号或密钥不正确", "access key or the application secret is wrong"),
        (21184032, "应用账号被禁用", "disabled"),
        (21184033, "应用账号不存在", "no application has this access key"),
        (21180031, "Access Key不能为空", "access key is empty"),
        (21180041, "密钥不能为空", "application secret is empty"),
    ],
)
def test_token_error_codes_are_clear_configuration_errors(
    gateway: FakeGateway, conn_id: str, code: int, vendor: str, advice: str
) -> None:
    gateway.token_answers.append(envelope(code, vendor, traceId="t-42"))
    gateway.route("POST", "/cncop/basic/v3/products/page", products_route())
    hook = make_hook(gateway, conn_id)
    with pytest.raises(ConfigurationError) as caught:
        hook.get_products_page()
    err = caught.value
    assert err.code == code
    assert err.trace_id == "t-42"
    assert advice in err.message
    assert vendor in err.message
    assert not err.retryable
    assert gateway.token_calls == 1  # never retried
    assert gateway.business() == []


@pytest.mark.parametrize(
    ("login", "password", "advice"), [("", SECRET, "access key"), (ACCESS_KEY, "", "secret")]
)
def test_empty_credentials_refused_before_any_call(
    gateway: FakeGateway, make_conn: Callable[..., str], login: str, password: str, advice: str
) -> None:
    conn = make_conn("chao8_empty", "chao8", host=BASE, login=login, password=password)
    hook = make_hook(gateway, conn)
    with pytest.raises(ConfigurationError, match=advice):
        hook.get_token()
    assert gateway.requests == []


def test_rate_limited_token_call_is_not_retried_by_the_pipeline(gateway: FakeGateway, conn_id: str) -> None:
    gateway.token_answers.append(envelope(c.TOKEN_RATE_LIMITED, "获取Token超出频率限制"))
    hook = make_hook(gateway, conn_id)
    with pytest.raises(RateLimitError) as caught:
        hook.fetch_token()
    assert caught.value.retry_after == 60
    assert caught.value.code == c.TOKEN_RATE_LIMITED
    assert gateway.token_calls == 1


def test_rate_limited_worker_waits_for_the_other_workers_token(
    gateway: FakeGateway, conn_id: str, store: MemoryTokenStore
) -> None:
    """21185002: the token manager re-reads the shared store instead of calling again."""
    gateway.token_answers.append(envelope(c.TOKEN_RATE_LIMITED, "获取Token超出频率限制"))
    gateway.valid.add("winner-token")
    gateway.route("POST", "/cncop/basic/v3/products/page", products_route())
    hook = make_hook(gateway, conn_id, store)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 3:  # meanwhile another worker stored its token
            store.set(hook.token_manager.key, Token.with_ttl("winner-token", 28800).to_json())

    manager = TokenManager(hook.token_manager.key, hook.fetch_token, store=store, sleep=sleep)
    hook.__dict__["token_manager"] = manager
    assert hook.get_products_page().total == 3
    assert gateway.token_calls == 1
    assert gateway.business()[0].headers["Authorization"] == "winner-token"


# ------------------------------------------------------------------------------ envelope
def test_errors_keep_code_message_and_trace_id(gateway: FakeGateway, conn_id: str) -> None:
    gateway.route(
        "GET",
        "/cncop/trace/v1/logistics-orders/A1",
        lambda r: envelope(30001, "目标组织编码错误", traceId="abc-123"),
    )
    hook = make_hook(gateway, conn_id)
    with pytest.raises(BadRequestError) as caught:
        hook.get_logistics_order("A1")
    err = caught.value
    assert (err.code, err.message, err.trace_id) == (30001, "目标组织编码错误", "abc-123")
    assert "abc-123" in str(err)
    assert "30001" in str(err)
    assert len(gateway.business()) == 1  # business answers are not retried


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (envelope(c.ORDER_EXISTS, "订单编号已存在"), DuplicateError),
        (envelope(40010, "订单号重复"), DuplicateError),
        (envelope(40011, "order LO-1 already exists"), DuplicateError),
        (envelope(c.ORDER_NOT_FOUND, "物流订单不存在"), NotFoundError),
        (envelope(40012, "Order not found"), NotFoundError),
        (envelope(500, "未知错误"), ApiError),
    ],
)
def test_business_codes_map_to_error_kinds(
    gateway: FakeGateway, conn_id: str, answer: dict[str, Any], kind: type[ApiError]
) -> None:
    gateway.route("GET", "/cncop/trace/v1/logistics-orders/A1", lambda r: answer)
    with pytest.raises(kind) as caught:
        make_hook(gateway, conn_id).get_logistics_order("A1")
    assert type(caught.value) is kind
    assert caught.value.code == answer["code"]


def test_unknown_path_is_a_configuration_error_not_a_missing_order(
    gateway: FakeGateway, conn_id: str
) -> None:
    with pytest.raises(ConfigurationError, match="endpoints"):
        make_hook(gateway, conn_id).get_logistics_order("A1")


def test_not_json_answer_is_a_response_error(gateway: FakeGateway, conn_id: str) -> None:
    gateway.route("GET", "/cncop/trace/v1/logistics-orders/A1", lambda r: httpx.Response(200, text="<html>"))
    with pytest.raises(ResponseError):
        make_hook(gateway, conn_id).get_logistics_order("A1")


def test_server_errors_are_retried_for_reads(gateway: FakeGateway, conn_id: str) -> None:
    answers = [httpx.Response(503), httpx.Response(429, headers={"Retry-After": "0"})]
    gateway.route(
        "GET",
        "/cncop/trace/v1/logistics-orders/A1",
        lambda r: answers.pop(0) if answers else envelope(data={"orderNo": "A1", "status": 1}),
    )
    order = make_hook(gateway, conn_id).get_logistics_order("A1")
    assert order.status == 1
    assert len(gateway.business()) == 3


def test_create_is_not_resent_after_a_server_error(gateway: FakeGateway, conn_id: str) -> None:
    gateway.route("POST", "/cncop/trace/v1/logistics-orders", lambda r: httpx.Response(502))
    hook = make_hook(gateway, conn_id)
    with pytest.raises(ApiError) as caught:
        hook.create_logistics_order(order_payload("LO-9"))
    assert caught.value.retryable
    assert len(gateway.business()) == 1


# ------------------------------------------------------------------------------ endpoints
def order_payload(order_no: str) -> dict[str, Any]:
    return {
        "orderNo": order_no,
        "orderType": 1,
        "sourceOrgCode": "WH1",
        "targetOrgCode": "DL1",
        "products": [{"productCode": "P1", "quantity": 2}],
    }


def test_create_and_detail_on_the_documented_paths(gateway: FakeGateway, conn_id: str) -> None:
    gateway.route(
        "POST",
        "/cncop/trace/v1/logistics-orders",
        lambda r: envelope(data={"id": 123, "orderNo": json.loads(r.content)["orderNo"], "status": 0}),
    )
    gateway.route(
        "GET",
        "/cncop/trace/v1/logistics-orders/LO 1",
        lambda r: envelope(
            data={
                "id": "123",
                "orderNo": "LO 1",
                "orderType": 1,
                "status": 1,
                "products": [{"productCode": "P1", "quantity": 2}],
                "scannedCount": 1,
                "createdAt": "2024-05-01 10:00:00",
            }
        ),
    )
    hook = make_hook(gateway, conn_id)
    created = hook.create_logistics_order(LogisticsOrderCreate.model_validate(order_payload("LO 1")))
    assert (created.id, created.order_no, created.status) == ("123", "LO 1", 0)
    assert json.loads(gateway.business()[0].content) == order_payload("LO 1")
    order = hook.get_logistics_order("LO 1")
    assert gateway.business()[1].url.raw_path == b"/cncop/trace/v1/logistics-orders/LO%201"
    assert order.created_at == datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
    assert order.scanned_count == 1


def test_connection_can_override_any_endpoint(gateway: FakeGateway, make_conn: Callable[..., str]) -> None:
    conn = make_conn(
        "chao8_custom",
        "chao8",
        host=f"{BASE}/prefix",
        login=ACCESS_KEY,
        password=SECRET,
        extra={"endpoints": {"logistics_order_detail": "/cncop/trace/v2/logistics/{order_no}/detail"}},
    )
    gateway.route(
        "GET",
        "/prefix/cncop/trace/v2/logistics/A1/detail",
        lambda r: envelope(data={"orderNo": "A1", "status": 2}),
    )
    hook = make_hook(gateway, conn)
    assert hook.get_logistics_order("A1").status == 2
    assert gateway.requests[0].url.path == f"/prefix{c.TOKEN_PATH}"


def test_unknown_endpoint_override_is_a_configuration_error(
    gateway: FakeGateway, make_conn: Callable[..., str]
) -> None:
    conn = make_conn(
        "chao8_typo",
        "chao8",
        host=BASE,
        login=ACCESS_KEY,
        password=SECRET,
        extra={"endpoints": {"detail": "/x"}},
    )
    with pytest.raises(ConfigurationError, match="unknown endpoints"):
        make_hook(gateway, conn).get_logistics_order("A1")


def test_empty_host_means_production_gateway(make_conn: Callable[..., str]) -> None:
    conn = make_conn("chao8_prod", "chao8", login=ACCESS_KEY, password=SECRET)
    assert Chao8Hook(conn).settings.base_url == "https://sapi.supercarrier8.com"


def test_every_endpoint_is_in_one_table() -> None:
    assert Chao8Hook.endpoints["token"] == "/cncop/ca/v1/applications/get-token"
    assert Chao8Hook.endpoints["logistics_outbound_page"] == "/cncop/trace/v1/logistics-orders/outbound/page"
    assert Chao8Hook.endpoints["products_batch_upsert"] == "/cncop/basic/v3/products/batch"
    assert Chao8Hook.endpoints["dealers_sync"] == "/cncop/org/v1/dealers/sync"
    assert all(path.startswith("/cncop/") for path in Chao8Hook.endpoints.values())


# ------------------------------------------------------------------------------ pagination and batches
def test_pages_are_walked_to_the_end(gateway: FakeGateway, conn_id: str) -> None:
    gateway.route("POST", "/cncop/basic/v3/products/page", products_route(total=5))
    hook = make_hook(gateway, conn_id)
    products = hook.list_products(page_size=2)
    assert [p.product_code for p in products] == ["P0", "P1", "P2", "P3", "P4"]
    assert [json.loads(r.content)["pageNum"] for r in gateway.business()] == [1, 2, 3]


def test_scan_pages_use_query_parameters(gateway: FakeGateway, conn_id: str) -> None:
    def scans(request: httpx.Request) -> dict[str, Any]:
        num, size = int(request.url.params["pageNum"]), int(request.url.params["pageSize"])
        rows = [
            {"code": f"C{i}", "productCode": "P1", "scannedAt": "2024-05-01 10:00:00", "operator": "op"}
            for i in range(3)
        ][(num - 1) * size : num * size]
        return envelope(data={"total": 3, "pageNum": num, "pageSize": size, "list": rows})

    gateway.route("GET", "/cncop/trace/v1/logistics-orders/A1/scans", scans)
    scans_seen = make_hook(gateway, conn_id).list_logistics_order_scans("A1", page_size=2)
    assert [s.code for s in scans_seen] == ["C0", "C1", "C2"]
    assert scans_seen[0].scanned_at is not None
    assert scans_seen[0].scanned_at.utcoffset() is not None


def test_outbound_query_times_are_sent_in_beijing_time(gateway: FakeGateway, conn_id: str) -> None:
    gateway.route(
        "POST",
        "/cncop/trace/v1/logistics-orders/outbound/page",
        lambda r: envelope(data={"total": 0, "pageNum": 1, "pageSize": 50, "list": []}),
    )
    hook = make_hook(gateway, conn_id)
    assert hook.list_outbound_orders(start_time=datetime(2024, 5, 1, tzinfo=UTC), status=2) == []
    body = json.loads(gateway.business()[0].content)
    assert body == {"pageNum": 1, "pageSize": 50, "startTime": "2024-05-01 08:00:00", "status": 2}


def test_batch_calls_send_lists_and_read_failures(gateway: FakeGateway, conn_id: str) -> None:
    gateway.route(
        "POST",
        "/cncop/basic/v3/products/batch",
        lambda r: envelope(
            data={
                "successCount": 1,
                "failCount": 1,
                "failList": [{"productCode": "B", "message": "名称过长"}],
            }
        ),
    )
    gateway.route(
        "POST",
        "/cncop/org/v1/dealers/batch-query",
        lambda r: envelope(data=[{"code": "D1", "name": "n", "region": "110000", "status": 1}]),
    )
    hook = make_hook(gateway, conn_id)
    result = hook.upsert_products(
        [{"productCode": "A", "productName": "a"}, {"productCode": "B", "productName": "b", "spec": "1L"}]
    )
    assert json.loads(gateway.business()[0].content) == [
        {"productCode": "A", "productName": "a"},
        {"productCode": "B", "productName": "b", "spec": "1L"},
    ]
    assert result.failed_keys() == {"B": "名称过长"}
    dealers = hook.query_dealers(["D1", "D2"])
    assert json.loads(gateway.business()[1].content) == {"codes": ["D1", "D2"]}
    assert [d.code for d in dealers] == ["D1"]


# ------------------------------------------------------------------------------ statuses and async
def detail_route(orders: dict[str, dict[str, Any]]) -> Route:
    def handler(request: httpx.Request) -> dict[str, Any]:
        order_no = request.url.path.rsplit("/", 1)[-1]
        if order_no not in orders:
            return envelope(c.ORDER_NOT_FOUND, "物流订单不存在")
        return envelope(data={"orderNo": order_no, **orders[order_no]})

    return handler


ORDERS = {
    "A": {"status": 0, "scannedCount": 0},
    "B": {"status": 1, "scannedCount": 7},
    "C": {"status": 2, "scannedCount": 10},
    "D": {"status": 3, "scannedCount": 0},
}


def test_fetch_statuses_with_min_scanned_pseudo_status(gateway: FakeGateway, conn_id: str) -> None:
    for order_no in [*ORDERS, "X"]:
        gateway.route("GET", f"/cncop/trace/v1/logistics-orders/{order_no}", detail_route(ORDERS))
    hook = make_hook(gateway, conn_id)
    assert hook.fetch_statuses(["A", "B", "C", "D", "X"]) == {"A": "0", "B": "1", "C": "2", "D": "3"}
    assert hook.fetch_statuses(["A", "B", "C", "D"], min_scanned=5) == {
        "A": "0",
        "B": c.SCANNED,
        "C": "2",
        "D": "3",
    }
    assert gateway.token_calls == 1


async def test_async_methods(gateway: FakeGateway, conn_id: str) -> None:
    for order_no in [*ORDERS, "nope"]:
        gateway.route("GET", f"/cncop/trace/v1/logistics-orders/{order_no}", detail_route(ORDERS))
    gateway.route(
        "POST",
        "/cncop/trace/v1/logistics-orders/C/complete",
        lambda r: envelope(data={"orderNo": "C", "status": 2}),
    )
    hook = make_hook(gateway, conn_id)
    try:
        assert await hook.afetch_statuses(["B", "C"]) == {"B": "1", "C": "2"}
        assert (await hook.acomplete_logistics_order("C")).status == 2
        with pytest.raises(NotFoundError):
            await hook.aget_logistics_order("nope")
    finally:
        await hook.aclose()
    assert gateway.token_calls == 1


def test_test_connection_reads_but_never_writes_the_store(
    gateway: FakeGateway, conn_id: str, store: MemoryTokenStore
) -> None:
    gateway.route("POST", "/cncop/basic/v3/products/page", products_route(total=4))
    hook = make_hook(gateway, conn_id, store)
    ok, message = hook.test_connection()
    assert ok, message
    assert "4 product(s)" in message
    assert store._data == {}


def test_test_connection_reports_bad_credentials(gateway: FakeGateway, conn_id: str) -> None:
    gateway.token_answers.append(envelope(21184031, "应用账号或密钥不正确"))
    ok, message = make_hook(gateway, conn_id).test_connection()
    assert not ok
    assert "21184031" in message
    assert "应用账号或密钥不正确" in message


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT8H", 28800),
        ("PT1M30S", 90),
        ("PT0.5S", 0.5),
        ("P1DT2H", 93600),
        ("pt10m", 600),
        ("8H", None),
        ("", None),
    ],
)
def test_parse_iso_duration(text: str, seconds: float | None) -> None:
    assert parse_iso_duration(text) == seconds
