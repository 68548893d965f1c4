"""HiShoppingHook against httpx.MockTransport: web envelope and codes, JWT, open API envelope."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.errors import (
    AuthError,
    BadRequestError,
    ConfigurationError,
    DuplicateError,
    InsufficientCreditError,
    NotFoundError,
    ResponseError,
    TransientError,
)
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.hishopping import envelope
from airflow_provider.hishopping.hooks import HiShoppingHook
from airflow_provider.hishopping.models import OrderCreateRequest

APP_ID = "app_unit"
SECRET = "unit-test-secret-key-0123456789a"
SIGN = "unit-sign-key"
FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.01)


def jwt(exp: float) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part({'sub': 'm', 'exp': int(exp)})}.c2ln"


def ok(data: Any) -> httpx.Response:
    return httpx.Response(200, json={"code": 0, "message": "success", "data": data})


def sealed(data: Any, *, sign_key: str = SIGN, app_id: str = APP_ID) -> httpx.Response:
    body = envelope.seal(data, app_id=app_id, secret_key=SECRET, sign_key=sign_key)
    return httpx.Response(200, json={"code": 0, "message": "success", **body})


class Fake:
    """A scripted server: ``routes[path]`` is a list of answers (callables of the request)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: dict[str, list[Callable[[httpx.Request], httpx.Response]]] = {}
        self.logins = 0

    def on(self, path: str, *answers: Callable[[httpx.Request], httpx.Response]) -> None:
        self.routes.setdefault(path, []).extend(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/api/v1/web/login":
            self.logins += 1
            if "/api/v1/web/login" not in self.routes:
                return ok({"token": jwt(time.time() + 86400)})
        answers = self.routes.get(request.url.path)
        if not answers:
            return httpx.Response(404, json={"code": 404, "message": "no route"})
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return answer(request)

    def opened(self, request: httpx.Request) -> Any:
        return envelope.open_envelope(json.loads(request.content), secret_key=SECRET, sign_key=SIGN)


@pytest.fixture
def fake() -> Fake:
    return Fake()


@pytest.fixture
def hook(make_conn: Callable[..., str], fake: Fake) -> HiShoppingHook:
    make_conn(
        "hs_unit",
        "hishopping",
        host="https://hs.example",
        login="m@example.com",
        password="pw",
        extra={"app_id": APP_ID, "secret_key": SECRET, "sign_secret": SIGN},
    )
    return HiShoppingHook(
        "hs_unit", transport=httpx.MockTransport(fake), token_store=MemoryTokenStore(), retry_policy=FAST
    )


# ----------------------------------------------------------------------------- web API
def test_login_sends_email_password_and_reuses_the_jwt(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on("/api/v1/web/credit", lambda r: ok({"balance": "12.50", "currency": "USD"}))
    for _ in range(3):
        assert hook.get_credit().balance == Decimal("12.50")
    assert fake.logins == 1
    login = fake.requests[0]
    assert json.loads(login.content) == {"email": "m@example.com", "password": "pw"}
    assert "authorization" not in login.headers
    assert all(r.headers["authorization"].startswith("Bearer ") for r in fake.requests[1:])


def test_token_refresh_point_follows_jwt_exp(hook: HiShoppingHook, fake: Fake) -> None:
    exp = time.time() + 86400
    fake.on("/api/v1/web/login", lambda r: ok({"token": jwt(exp)}))
    token = hook.token_manager.get()
    assert token.expires_at == pytest.approx(exp, abs=2)
    assert token.refresh_at is not None
    assert exp - 86400 * 0.15 < token.refresh_at < exp


def test_code_4001_logs_in_again_once_and_retries(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on(
        "/api/v1/web/credit",
        lambda r: httpx.Response(200, json={"code": 4001, "message": "unauthorized"}),
        lambda r: ok({"balance": "1.00"}),
    )
    assert hook.get_credit().balance == Decimal("1.00")
    assert fake.logins == 2


def test_persistent_4001_is_an_auth_error_after_one_refresh(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on(
        "/api/v1/web/credit", lambda r: httpx.Response(200, json={"code": 4001, "message": "unauthorized"})
    )
    with pytest.raises(AuthError):
        hook.get_credit()
    assert fake.logins == 2


@pytest.mark.parametrize(
    ("code", "kind"), [(3001, "user not found"), (3002, "invalid credentials"), (3003, "disabled")]
)
def test_login_account_codes_are_configuration_errors(
    hook: HiShoppingHook, fake: Fake, code: int, kind: str
) -> None:
    fake.on("/api/v1/web/login", lambda r: httpx.Response(200, json={"code": code, "message": "nope"}))
    with pytest.raises(ConfigurationError) as err:
        hook.get_token()
    assert err.value.code == code
    assert kind in str(err.value)
    assert fake.logins == 1  # never retried


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (1001, ConfigurationError),
        (1002, ConfigurationError),
        (1003, ConfigurationError),
        (1004, ConfigurationError),
        (1005, ConfigurationError),
        (2001, InsufficientCreditError),
        (2002, DuplicateError),
        (3003, ConfigurationError),
        (4002, ConfigurationError),
        (404, NotFoundError),
        (9999, BadRequestError),
    ],
)
def test_body_codes_map_to_error_kinds(hook: HiShoppingHook, fake: Fake, code: int, error: type) -> None:
    fake.on(
        "/api/v1/web/orders/HS1",
        lambda r: httpx.Response(200, json={"code": code, "message": "m", "trace_id": "t-1"}),
    )
    with pytest.raises(error) as err:
        hook.get_order("HS1")
    assert err.value.code == code
    assert err.value.trace_id == "t-1"
    assert len([r for r in fake.requests if r.url.path.endswith("HS1")]) == 1


def test_1001_message_points_at_sign_key_and_clock(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on(
        "/api/v1/open/credit/balance", lambda r: httpx.Response(200, json={"code": 1001, "message": "bad"})
    )
    with pytest.raises(ConfigurationError, match="Sign Key and this machine's clock"):
        hook.get_credit_balance()


def test_5001_is_retried_for_reads(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on(
        "/api/v1/web/credit",
        lambda r: httpx.Response(200, json={"code": 5001, "message": "internal error"}),
        lambda r: httpx.Response(200, json={"code": 5001, "message": "internal error"}),
        lambda r: ok({"balance": "3"}),
    )
    assert hook.get_credit().balance == Decimal("3")
    assert len([r for r in fake.requests if r.url.path == "/api/v1/web/credit"]) == 3


def test_5001_persisting_is_a_transient_error(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on("/api/v1/web/credit", lambda r: httpx.Response(200, json={"code": 5001, "message": "internal"}))
    with pytest.raises(TransientError):
        hook.get_credit()
    assert len([r for r in fake.requests if r.url.path == "/api/v1/web/credit"]) == FAST.max_attempts


def test_answer_without_code_is_a_response_error(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on("/api/v1/web/credit", lambda r: httpx.Response(200, json={"balance": "1"}))
    with pytest.raises(ResponseError):
        hook.get_credit()


def test_paged_list_walks_to_the_end_with_page_params(hook: HiShoppingHook, fake: Fake) -> None:
    def page(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        size = int(request.url.params["page_size"])
        rows = [{"order_no": f"HS{i}", "status": "pending"} for i in range(105)]
        return ok({"list": rows[(number - 1) * size : number * size], "total": 105})

    fake.on("/api/v1/web/orders", page)
    start, end = 1_700_000_000, 1_700_086_400
    orders = list(hook.iter_orders(start_time=start, end_time=end, page_size=50))
    assert [o.order_no for o in orders] == [f"HS{i}" for i in range(105)]
    calls = [r for r in fake.requests if r.url.path == "/api/v1/web/orders"]
    assert [r.url.params["page"] for r in calls] == ["1", "2", "3"]
    assert calls[0].url.params["start_time"] == str(start)
    assert calls[0].url.params["end_time"] == str(end)


def test_goods_detail_path_and_sku_prices(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on(
        "/api/v1/web/goods/detail/601",
        lambda r: ok(
            {
                "goods_id": 601,
                "goods_name": "Bottle",
                "price": 9.99,
                "skus": [{"sku_id": 7, "price": "10.49"}],
            }
        ),
    )
    goods = hook.get_goods(601)
    assert goods.unit_price(7) == Decimal("10.49")
    assert goods.unit_price("7") == Decimal("10.49")
    assert goods.price == Decimal("9.99")
    assert goods.unit_price(8) is None


def test_endpoint_override_from_connection(make_conn: Callable[..., str], fake: Fake) -> None:
    make_conn(
        "hs_override",
        "hishopping",
        host="https://hs.example/prefix",
        login="m@example.com",
        password="pw",
        extra={"endpoints": {"web_credit": "/api/v2/web/credit"}},
    )
    fake.on("/prefix/api/v2/web/credit", lambda r: ok({"balance": "2"}))
    fake.on("/prefix/api/v1/web/login", lambda r: ok({"token": jwt(time.time() + 3600)}))
    hook = HiShoppingHook("hs_override", transport=httpx.MockTransport(fake), token_store=MemoryTokenStore())
    assert hook.get_credit().balance == Decimal("2")


def test_transactions_parse_money_as_decimal_and_dates_tz_aware(hook: HiShoppingHook, fake: Fake) -> None:
    row = {
        "reference_no": "T1",
        "type": "charge",
        "amount": -26.76,
        "balance_before": "500.00",
        "balance_after": "473.24",
        "created_at": "2025-01-02 03:04:05",
    }
    fake.on("/api/v1/web/credit/transactions", lambda r: ok({"list": [row], "total": 1}))
    (txn,) = list(hook.iter_credit_transactions())
    assert txn.amount == Decimal("-26.76")
    assert txn.created_at is not None
    assert txn.created_at.utcoffset() is not None


# ----------------------------------------------------------------------------- open API
ORDER = {
    "merchant_order": "M-1",
    "goods_id": 601,
    "sku_id": 7,
    "quantity": 2,
    "receiver": {
        "name": "A",
        "phone": "123",
        "country": "US",
        "province": "CA",
        "city": "SF",
        "address": "1 St",
        "zip": "94105",
    },
}


def test_open_request_is_a_signed_encrypted_envelope_without_token(hook: HiShoppingHook, fake: Fake) -> None:
    answer = {
        "order_no": "HS1",
        "merchant_order": "M-1",
        "goods_amount": "20.00",
        "fee": "0.60",
        "total_charge": "20.60",
        "status": "pending",
    }
    fake.on("/api/v1/open/order/create", lambda r: sealed(answer))
    order = hook.create_order(ORDER)
    assert order.order_no == "HS1"
    assert order.total_charge == Decimal("20.60")
    (request,) = fake.requests
    assert "authorization" not in request.headers
    body = json.loads(request.content)
    assert set(body) == {"app_id", "nonce", "timestamp", "data", "sign"}
    assert body["app_id"] == APP_ID
    assert isinstance(body["timestamp"], int)
    assert abs(body["timestamp"] - time.time()) < 5
    assert 16 <= len(body["nonce"]) <= 32
    assert fake.opened(request) == OrderCreateRequest.model_validate(ORDER).dump()
    assert fake.logins == 0


def test_each_attempt_gets_a_fresh_nonce(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on(
        "/api/v1/open/credit/balance",
        lambda r: httpx.Response(503),
        lambda r: sealed({"balance": "9.00"}),
    )
    assert hook.get_credit_balance().balance == Decimal("9.00")
    nonces = [json.loads(r.content)["nonce"] for r in fake.requests]
    assert len(nonces) == 2
    assert nonces[0] != nonces[1]


def test_open_answer_with_bad_signature_is_never_data(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on("/api/v1/open/credit/balance", lambda r: sealed({"balance": "9.00"}, sign_key="forged"))
    with pytest.raises(ResponseError, match="Sign Key"):
        hook.get_credit_balance()


def test_open_answer_for_another_app_is_refused(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on("/api/v1/open/credit/balance", lambda r: sealed({"balance": "9.00"}, app_id="other"))
    with pytest.raises(ResponseError, match="another App ID"):
        hook.get_credit_balance()


def test_tampered_open_answer_is_refused(hook: HiShoppingHook, fake: Fake) -> None:
    def tampered(request: httpx.Request) -> httpx.Response:
        body = json.loads(sealed({"balance": "9.00"}).content)
        body["data"] = body["data"][:-2] + ("00" if body["data"][-2:] != "00" else "11")
        return httpx.Response(200, json=body)

    fake.on("/api/v1/open/credit/balance", tampered)
    with pytest.raises(ResponseError):
        hook.get_credit_balance()


def test_unsigned_plain_answer_is_accepted_only_as_an_error(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on(
        "/api/v1/open/order/create",
        lambda r: httpx.Response(200, json={"code": 2001, "message": "insufficient credit"}),
        lambda r: httpx.Response(200, json={"code": 2002, "message": "duplicate order"}),
        lambda r: httpx.Response(200, json={"code": 0, "message": "success", "data": {"order_no": "HS1"}}),
    )
    with pytest.raises(InsufficientCreditError):
        hook.create_order(ORDER)
    with pytest.raises(DuplicateError):
        hook.create_order(ORDER)
    with pytest.raises(ResponseError, match="refusing unverified data"):
        hook.create_order(ORDER)


def test_create_is_not_resent_after_a_server_error(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on("/api/v1/open/order/create", lambda r: httpx.Response(502))
    with pytest.raises(TransientError):
        hook.create_order(ORDER)
    assert len(fake.requests) == 1


def test_nested_and_inner_envelope_shapes_are_accepted(hook: HiShoppingHook, fake: Fake) -> None:
    def nested(request: httpx.Request) -> httpx.Response:
        inner = envelope.seal({"balance": "4.00"}, app_id=APP_ID, secret_key=SECRET, sign_key=SIGN)
        return httpx.Response(200, json={"code": 0, "message": "success", "data": inner})

    fake.on(
        "/api/v1/open/credit/balance",
        nested,
        lambda r: sealed({"code": 0, "message": "success", "data": {"balance": "5.00"}}),
        lambda r: sealed({"code": 2001, "message": "insufficient credit"}),
    )
    assert hook.get_credit_balance().balance == Decimal("4.00")
    assert hook.get_credit_balance().balance == Decimal("5.00")
    with pytest.raises(InsufficientCreditError):
        hook.get_credit_balance()


def test_order_detail_by_merchant_order_and_not_found(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on(
        "/api/v1/open/order/detail",
        lambda r: sealed(
            {"order_no": "HS1", "merchant_order": "M-1", "status": "SHIPPED", "tracking_no": "T"}
        ),
        lambda r: httpx.Response(404, json={"code": 404, "message": "order not found"}),
        lambda r: sealed(None),
    )
    order = hook.open_get_order(merchant_order="M-1")
    assert order.status == "shipped"
    assert fake.opened(fake.requests[0]) == {"merchant_order": "M-1"}
    with pytest.raises(NotFoundError):
        hook.open_get_order("HS404")
    with pytest.raises(NotFoundError):
        hook.open_get_order("HS405")
    with pytest.raises(ValueError, match="exactly one"):
        hook.open_get_order("HS1", merchant_order="M-1")


def test_open_list_payload_and_paging(hook: HiShoppingHook, fake: Fake) -> None:
    def page(request: httpx.Request) -> httpx.Response:
        payload = fake.opened(request)
        rows = [{"order_no": f"HS{i}", "status": "completed"} for i in range(3)]
        size = payload["page_size"]
        return sealed({"list": rows[(payload["page"] - 1) * size : payload["page"] * size], "total": 3})

    fake.on("/api/v1/open/order/list", page)
    orders = list(hook.open_iter_orders(status="completed", start_time=10, end_time=20, page_size=2))
    assert [o.order_no for o in orders] == ["HS0", "HS1", "HS2"]
    first = fake.opened(fake.requests[0])
    assert first == {"page": 1, "page_size": 2, "status": "completed", "start_time": 10, "end_time": 20}


def test_open_api_without_keys_is_a_configuration_error(make_conn: Callable[..., str], fake: Fake) -> None:
    make_conn("hs_web_only", "hishopping", host="https://hs.example", login="m@example.com", password="pw")
    hook = HiShoppingHook("hs_web_only", transport=httpx.MockTransport(fake), token_store=MemoryTokenStore())
    with pytest.raises(ConfigurationError, match="secret_key"):
        hook.get_credit_balance()
    assert fake.requests == []
    assert hook.resolve_api("auto") == "web"


def test_open_only_connection_tests_without_login(make_conn: Callable[..., str], fake: Fake) -> None:
    make_conn(
        "hs_open_only",
        "hishopping",
        host="https://hs.example",
        extra={"app_id": APP_ID, "secret_key": SECRET, "sign_secret": SIGN},
    )
    fake.on("/api/v1/open/credit/balance", lambda r: sealed({"balance": "7.00"}))
    hook = HiShoppingHook("hs_open_only", transport=httpx.MockTransport(fake), token_store=MemoryTokenStore())
    ok_, message = hook.test_connection()
    assert ok_, message
    assert "open API credit 7.00" in message
    assert fake.logins == 0
    with pytest.raises(ConfigurationError, match="login"):
        hook.get_credit()


def test_test_connection_reports_bad_password(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on("/api/v1/web/login", lambda r: httpx.Response(200, json={"code": 3002, "message": "invalid"}))
    ok_, message = hook.test_connection()
    assert not ok_
    assert "3002" in message


def test_fetch_statuses_reads_each_order(hook: HiShoppingHook, fake: Fake) -> None:
    def detail(request: httpx.Request) -> httpx.Response:
        order_no = fake.opened(request)["order_no"]
        if order_no == "HS404":
            return httpx.Response(404, json={"code": 404, "message": "order not found"})
        return sealed({"order_no": order_no, "status": "processing" if order_no == "HS1" else "shipped"})

    fake.on("/api/v1/open/order/detail", detail)
    assert hook.fetch_statuses(["HS1", "HS2", "HS404"]) == {"HS1": "processing", "HS2": "shipped"}


def test_credit_status_pseudo_id(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on("/api/v1/open/credit/balance", lambda r: sealed({"balance": "10.00"}))
    assert hook.fetch_credit_status(["credit"], amount="10.00") == {"credit": "covered"}
    assert hook.fetch_credit_status(["credit"], amount="10.01") == {"credit": "short"}


def test_secrets_are_masked_when_the_connection_loads(hook: HiShoppingHook) -> None:
    from airflow.sdk.log import mask_secret

    assert mask_secret  # the hook registers through it
    hook.connection  # noqa: B018 - loading registers the secrets
    from airflow.sdk.log import redact

    text = redact(f"keys {SECRET} {SIGN} pw")
    assert SECRET not in str(text)
    assert SIGN not in str(text)


def test_paging_trusts_total_over_a_capped_page_size(hook: HiShoppingHook, fake: Fake) -> None:
    def capped(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        rows = [{"goods_id": i} for i in range(25)]
        return ok({"list": rows[(number - 1) * 10 : number * 10], "total": 25})  # server caps at 10

    fake.on("/api/v1/web/goods", capped)
    assert [g.goods_id for g in hook.iter_goods(page_size=50)] == list(range(25))


def test_paging_without_total_stops_at_a_short_page(hook: HiShoppingHook, fake: Fake) -> None:
    fake.on(
        "/api/v1/web/goods",
        lambda r: ok([{"goods_id": 1}, {"goods_id": 2}]),
        lambda r: ok([{"goods_id": 3}]),
    )
    assert [g.goods_id for g in hook.iter_goods(page_size=2)] == [1, 2, 3]
