"""SuperShipHook against httpx.MockTransport: auth modes, envelope, retries, every endpoint (no sockets)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.errors import (
    AuthError,
    BadRequestError,
    ConfigurationError,
    DuplicateError,
    NotFoundError,
    RateLimitError,
    TransientError,
)
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.supership.hooks import SuperShipHook
from airflow_provider.supership.models import OrderCreateRequest

PAT = "pat-0123456789abcdef"
FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.01, max_total=5)

Handler = Callable[[httpx.Request], httpx.Response]


def ok(results: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"status": "Success", "message": "", "results": results})


def err(status: int, message: str, errors: Any = None) -> httpx.Response:
    return httpx.Response(status, json={"status": "Error", "message": message, "errors": errors or message})


class FakeSuperShip:
    """Routes ``(method, path)`` to handlers or scripted answer lists; records every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: dict[tuple[str, str], Handler | list[httpx.Response]] = {}
        self.logins = 0
        self.route("POST", "/v1/partner/auth/login", self._login)

    def route(self, method: str, path: str, answer: Handler | list[httpx.Response] | httpx.Response) -> None:
        self.routes[(method, path)] = [answer] if isinstance(answer, httpx.Response) else answer

    def _login(self, request: httpx.Request) -> httpx.Response:
        self.logins += 1
        return ok(
            {
                "token_type": "Bearer",
                "expires_in": 31536000,
                "access_token": f"access-{self.logins}",
                "refresh_token": f"refresh-{self.logins}",
            }
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.routes.get((request.method, request.url.path))
        if answer is None:
            return httpx.Response(404, json={"message": "no route"})
        if isinstance(answer, list):
            return answer.pop(0) if len(answer) > 1 else answer[0]
        return answer(request)

    def calls(self, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == path]


@pytest.fixture
def fake() -> FakeSuperShip:
    return FakeSuperShip()


@pytest.fixture
def token_hook(make_conn: Any, fake: FakeSuperShip) -> SuperShipHook:
    make_conn(
        "ss_token", "supership", host="https://api.example.vn", password=PAT, extra={"auth_mode": "token"}
    )
    return SuperShipHook(
        "ss_token", transport=httpx.MockTransport(fake), token_store=MemoryTokenStore(), retry_policy=FAST
    )


@pytest.fixture
def password_hook(make_conn: Any, fake: FakeSuperShip) -> SuperShipHook:
    make_conn(
        "ss_password",
        "supership",
        host="https://api.example.vn",
        login="shop@example.vn",
        password="s3cret-pass",
        extra={
            "auth_mode": "password",
            "client_id": "CID",
            "client_secret": "CSECRET",
            "partner_secret": "PARTNER",
        },
    )
    return SuperShipHook(
        "ss_password", transport=httpx.MockTransport(fake), token_store=MemoryTokenStore(), retry_policy=FAST
    )


# ----------------------------------------------------------------------------- auth
def test_token_mode_sends_the_personal_token_as_bearer_with_json_headers(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route("GET", "/v1/partner/warehouses", ok([{"code": "W1", "name": "Kho"}]))
    fake.route("GET", "/v1/partner/areas/province", ok([{"code": "79", "name": "Thành phố Hồ Chí Minh"}]))
    assert [w.code for w in token_hook.get_warehouses()] == ["W1"]
    token_hook.get_provinces()
    assert fake.logins == 0
    for request in fake.requests:
        assert request.headers["Authorization"] == f"Bearer {PAT}"
        assert request.headers["Accept"] == "application/json"
        assert request.headers["Content-Type"] == "application/json"
    assert str(fake.requests[0].url) == "https://api.example.vn/v1/partner/warehouses"


def test_token_mode_401_is_a_configuration_error_asking_for_a_new_token(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route("GET", "/v1/partner/warehouses", err(401, "Unauthenticated."))
    with pytest.raises(ConfigurationError, match="replace it in the connection's password field") as info:
        token_hook.get_warehouses()
    assert info.value.http_status == 401
    assert len(fake.requests) == 1
    assert fake.logins == 0
    assert PAT not in str(info.value)


def test_token_mode_without_a_token_says_where_it_belongs(make_conn: Any, fake: FakeSuperShip) -> None:
    make_conn("ss_empty", "supership", extra={"auth_mode": "token"})
    hook = SuperShipHook("ss_empty", transport=httpx.MockTransport(fake), token_store=MemoryTokenStore())
    with pytest.raises(ConfigurationError, match="personal access token in the connection's password"):
        hook.get_token()
    assert hook.settings.base_url == "https://api.mysupership.vn"


def test_password_grant_logs_in_once_with_the_documented_body(
    password_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route("GET", "/v1/partner/warehouses", ok([]))
    for _ in range(3):
        password_hook.get_warehouses()
    assert fake.logins == 1
    login = fake.calls("/v1/partner/auth/login")[0]
    assert json.loads(login.content) == {
        "client_id": "CID",
        "client_secret": "CSECRET",
        "username": "shop@example.vn",
        "password": "s3cret-pass",
        "partner": "PARTNER",
    }
    assert "Authorization" not in login.headers
    assert login.headers["Accept"] == "application/json"
    assert all(r.headers["Authorization"] == "Bearer access-1" for r in fake.calls("/v1/partner/warehouses"))
    token = password_hook.token_manager.cached()
    assert token is not None
    assert token.expires_at is not None
    assert token.expires_at - token.fetched_at == pytest.approx(31536000)
    assert token.refresh_at is not None
    assert token.refresh_at < token.expires_at
    assert token.extra == {"refresh_token": "refresh-1"}


def test_password_grant_401_logs_in_again_once_then_succeeds(
    password_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route("GET", "/v1/partner/warehouses", [err(401, "Unauthenticated."), ok([{"code": "W1"}])])
    assert [w.code for w in password_hook.get_warehouses()] == ["W1"]
    assert fake.logins == 2
    auths = [r.headers["Authorization"] for r in fake.calls("/v1/partner/warehouses")]
    assert auths == ["Bearer access-1", "Bearer access-2"]


def test_password_grant_401_twice_is_an_auth_error(password_hook: SuperShipHook, fake: FakeSuperShip) -> None:
    fake.route("GET", "/v1/partner/warehouses", err(401, "Unauthenticated."))
    with pytest.raises(AuthError):
        password_hook.get_warehouses()
    assert fake.logins == 2
    assert len(fake.calls("/v1/partner/warehouses")) == 2


def test_refused_login_is_a_configuration_error(password_hook: SuperShipHook, fake: FakeSuperShip) -> None:
    fake.route("POST", "/v1/partner/auth/login", err(401, "Thông tin đăng nhập không chính xác."))
    with pytest.raises(ConfigurationError, match="login refused"):
        password_hook.get_token()
    assert len(fake.requests) == 1


def test_password_mode_names_every_missing_credential(make_conn: Any, fake: FakeSuperShip) -> None:
    make_conn("ss_partial", "supership", login="a@b.vn", extra={"auth_mode": "password", "client_id": "C"})
    hook = SuperShipHook("ss_partial", transport=httpx.MockTransport(fake), token_store=MemoryTokenStore())
    with pytest.raises(ConfigurationError) as info:
        hook.get_token()
    for name in ("client_secret", "password", "partner_secret"):
        assert name in str(info.value)
    assert fake.requests == []


def test_unknown_auth_mode_is_rejected(make_conn: Any) -> None:
    make_conn("ss_bad", "supership", password="x", extra={"auth_mode": "oauth"})
    with pytest.raises(ConfigurationError, match="auth_mode"):
        SuperShipHook("ss_bad").get_token()


def test_test_connection_is_read_only(password_hook: SuperShipHook, fake: FakeSuperShip) -> None:
    store = MemoryTokenStore()
    password_hook._token_store = store
    fake.route("GET", "/v1/partner/warehouses", ok([{"code": "W1"}, {"code": "W2"}]))
    assert password_hook.test_connection() == (
        True,
        "Connected to supership at https://api.example.vn: 2 warehouse(s) visible",
    )
    assert store._data == {}
    assert {r.method for r in fake.requests if r.url.path != "/v1/partner/auth/login"} == {"GET"}


# ----------------------------------------------------------------------------- envelope and retries
def test_error_envelope_with_http_200_is_bad_input_and_not_retried(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route("GET", "/v1/partner/warehouses", err(200, "Tài khoản chưa được kích hoạt."))
    with pytest.raises(BadRequestError, match="chưa được kích hoạt") as info:
        token_hook.get_warehouses()
    assert info.value.http_status == 200
    assert len(fake.requests) == 1


def test_422_keeps_the_field_errors_and_is_never_retried(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route(
        "GET",
        "/v1/partner/orders/price",
        err(422, "Dữ liệu không hợp lệ.", {"weight": ["Trường weight là bắt buộc."]}),
    )
    quote = {
        "sender_province": "A",
        "sender_district": "B",
        "receiver_province": "C",
        "receiver_district": "D",
        "weight": 1,
    }
    with pytest.raises(BadRequestError, match="weight: Trường weight là bắt buộc") as info:
        token_hook.get_fee_quotes(quote)
    assert info.value.details == {"weight": ["Trường weight là bắt buộc."]}
    assert len(fake.requests) == 1


def test_5xx_and_429_are_retried_for_reads(token_hook: SuperShipHook, fake: FakeSuperShip) -> None:
    fake.route(
        "GET",
        "/v1/partner/warehouses",
        [
            err(500, "Lỗi máy chủ"),
            httpx.Response(429, headers={"Retry-After": "0"}, json={"message": "slow down"}),
            err(503, "maintenance"),
            ok([{"code": "W1"}]),
        ],
    )
    assert [w.code for w in token_hook.get_warehouses()] == ["W1"]
    assert len(fake.requests) == 4


def test_retries_stop_at_max_attempts_keeping_the_vendor_message(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route("GET", "/v1/partner/warehouses", err(502, "upstream down"))
    with pytest.raises(TransientError, match="upstream down"):
        token_hook.get_warehouses()
    assert len(fake.requests) == FAST.max_attempts


def test_create_is_sent_once_on_a_server_error(token_hook: SuperShipHook, fake: FakeSuperShip) -> None:
    fake.route("POST", "/v1/partner/orders/add", err(500, "boom"))
    with pytest.raises(TransientError):
        token_hook.create_order(ORDER)
    assert len(fake.requests) == 1


def test_create_is_resent_after_429_only(token_hook: SuperShipHook, fake: FakeSuperShip) -> None:
    fake.route(
        "POST",
        "/v1/partner/orders/add",
        [httpx.Response(429, headers={"Retry-After": "0"}, json={}), ok(CREATED)],
    )
    assert token_hook.create_order(ORDER).code == CREATED["code"]
    assert len(fake.requests) == 2


def test_rate_limit_without_retries_left_is_a_rate_limit_error(make_conn: Any, fake: FakeSuperShip) -> None:
    make_conn("ss_once", "supership", password=PAT, extra={"auth_mode": "token"})
    hook = SuperShipHook(
        "ss_once", transport=httpx.MockTransport(fake), retry_policy=RetryPolicy(max_attempts=1)
    )
    fake.route("GET", "/v1/partner/warehouses", httpx.Response(429, headers={"Retry-After": "7"}, json={}))
    with pytest.raises(RateLimitError) as info:
        hook.get_warehouses()
    assert info.value.retry_after == 7
    fake.route(
        "GET",
        "/v1/partner/warehouses",
        httpx.Response(503, headers={"Retry-After": "9"}, json={"message": "bảo trì"}),
    )
    with pytest.raises(TransientError, match="bảo trì") as transient:
        hook.get_warehouses()
    assert transient.value.retry_after == 9  # honoured on 503 as on 429


def test_every_call_sends_the_same_request_sync_and_async(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    """Each call is described once (an ApiCall): its sync and async forms send the same request."""
    answers: dict[tuple[str, str], Any] = {
        ("GET", "/v1/partner/orders/price"): [],
        ("POST", "/v1/partner/orders/price"): [],
        ("POST", "/v1/partner/orders/add"): CREATED,
        ("GET", "/v1/partner/orders/info"): {"code": "C1", "status": "2"},
        ("POST", "/v1/partner/orders/cancel"): {"code": "C1", "status": "0"},
        ("GET", "/v1/partner/warehouses"): [],
        ("POST", "/v1/partner/warehouses/create"): {"code": "W1"},
        ("POST", "/v1/partner/warehouses/update"): {"code": "W1"},
    }
    for (method, path), results in answers.items():
        fake.route(method, path, lambda _request, results=results: ok(results))
    quote = {
        "sender_province": "Hà Nội",
        "sender_district": "Ba Đình",
        "receiver_province": "Hồ Chí Minh",
        "receiver_district": "Quận 3",
        "weight": 500,
    }
    warehouse = {
        "name": "Kho",
        "phone": "0945900350",
        "contact": "A",
        "address": "1 Lê Lợi",
        "province": "Hà Nội",
        "district": "Ba Đình",
        "commune": "Phường Ngọc Khánh",
    }
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
        ("get_fee_quotes", (quote,), {}),
        ("get_fee_quotes", (quote,), {"method": "POST"}),
        ("create_order", (ORDER,), {}),
        ("get_order", ("C1",), {"lookup_by": "soc"}),
        ("cancel_order", ("C1",), {}),
        ("get_warehouses", (), {}),
        ("create_warehouse", (warehouse,), {}),
        ("update_warehouse", ({"code": "W1", "name": "Kho 2", "phone": "0945900350", "contact": "B"},), {}),
    ]

    def sent() -> tuple[str, str, str, bytes]:
        request = fake.requests.pop()
        return request.method, request.url.path, str(request.url.params), request.content

    for name, args, kwargs in calls:
        synced = getattr(token_hook, name)(*args, **kwargs)
        sync_request = sent()
        awaited = token_hook.run_async(getattr(token_hook, f"a{name}")(*args, **kwargs))
        assert sent() == sync_request, name
        assert awaited == synced, name


def test_404_is_not_found_and_find_by_soc_returns_none(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route("GET", "/v1/partner/orders/info", err(404, "Không tìm thấy đơn hàng."))
    with pytest.raises(NotFoundError, match="no order with order code 'X1'"):
        token_hook.get_order("X1")
    assert token_hook.find_order_by_soc("SOC-9") is None
    assert fake.requests[-1].url.params["type"] == "2"


def test_a_soc_already_taken_is_a_duplicate(token_hook: SuperShipHook, fake: FakeSuperShip) -> None:
    fake.route(
        "POST",
        "/v1/partner/orders/add",
        err(422, "Mã đơn riêng (soc) đã tồn tại.", {"soc": ["The soc has already been taken."]}),
    )
    with pytest.raises(DuplicateError):
        token_hook.create_order(ORDER)


def test_a_create_refused_because_the_order_exists_is_a_duplicate(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route("POST", "/v1/partner/orders/add", err(200, "Đơn hàng đã tồn tại trên hệ thống."))
    with pytest.raises(DuplicateError):
        token_hook.create_order(ORDER)
    fake.route("GET", "/v1/partner/warehouses", err(422, "Kho đã tồn tại."))
    with pytest.raises(BadRequestError) as info:
        token_hook.get_warehouses()
    assert not isinstance(info.value, DuplicateError)


def test_an_unknown_warehouse_is_bad_input_not_a_duplicate(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route(
        "POST",
        "/v1/partner/orders/add",
        err(422, "Mã kho hàng không tồn tại.", {"pickup_code": ["Mã kho hàng không tồn tại."]}),
    )
    with pytest.raises(BadRequestError) as info:
        token_hook.create_order(ORDER)
    assert not isinstance(info.value, DuplicateError)


def test_an_answer_that_is_not_json_is_a_response_error(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    from airflow_provider.common.errors import ResponseError

    fake.route("GET", "/v1/partner/warehouses", httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(ResponseError, match="not JSON"):
        token_hook.get_warehouses()


# ----------------------------------------------------------------------------- endpoints
ORDER: dict[str, Any] = {
    "pickup_code": "W1",
    "name": "Trương Thế Ngọc",
    "phone": "0945900350",
    "address": "35 Trương Định",
    "province": "Thành phố Hồ Chí Minh",
    "district": "Quận 3",
    "commune": "Phường 6",
    "amount": "220000",
    "value": "450000",
    "weight": "200",
    "soc": "KAN7453535",
    "service": "1",
    "config": "1",
    "payer": "1",
    "product_type": "1",
    "product": "Áo thun",
}
CREATED: dict[str, Any] = {
    "code": "BPCS983262NM.810000026",
    "sorting": "LUC3-J5",
    "shortcode": "810000026",
    "soc": "KAN7453535",
    "phone": "0945900350",
    "amount": 220000,
    "collection": 220000,
    "value": 450000,
    "weight": 200,
    "fee": 22000,
    "insurance": 0,
    "status": "2",
    "status_name": "Chờ Lấy Hàng",
}


def test_create_order_sends_ints_for_numbers_given_as_strings(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route("POST", "/v1/partner/orders/add", ok(CREATED))
    created = token_hook.create_order(OrderCreateRequest.model_validate(ORDER))
    body = json.loads(fake.requests[0].content)
    assert body["amount"] == 220000
    assert body["value"] == 450000
    assert body["weight"] == 200
    assert body["service"] == "1"
    assert body["product_type"] == "1"
    assert "pickup_phone" not in body
    assert "products" not in body
    assert created.status == "2"
    assert str(created.fee) == "22000"
    assert created.shortcode == "810000026"


def test_areas_are_cached_for_the_life_of_the_hook(token_hook: SuperShipHook, fake: FakeSuperShip) -> None:
    fake.route("GET", "/v1/partner/areas/province", ok([{"code": "79", "name": "Thành phố Hồ Chí Minh"}]))
    fake.route(
        "GET",
        "/v1/partner/areas/district",
        ok([{"code": "767", "name": "Quận Tân Phú", "province": "Thành phố Hồ Chí Minh"}]),
    )
    fake.route(
        "GET",
        "/v1/partner/areas/commune",
        ok([{"code": "27037", "name": "Phường Hiệp Tân", "district": "Quận Tân Phú", "province": "X"}]),
    )
    for _ in range(2):
        assert token_hook.get_provinces()[0].code == "79"
        assert token_hook.get_districts("79")[0].name == "Quận Tân Phú"
        assert token_hook.get_communes("767")[0].code == "27037"
    assert len(fake.requests) == 3
    assert fake.calls("/v1/partner/areas/district")[0].url.params["province"] == "79"
    assert fake.calls("/v1/partner/areas/commune")[0].url.params["district"] == "767"
    assert all(r.headers["Authorization"] == f"Bearer {PAT}" for r in fake.requests)


def test_fee_quote_get_uses_the_query_and_post_sends_it_twice(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    quote = {
        "sender_province": "Hồ Chí Minh",
        "sender_district": "Bình Chánh",
        "receiver_province": "Hà Nội",
        "receiver_district": "Tây Hồ",
        "weight": "200",
        "value": 12000000,
    }
    answer = [
        {
            "service": "Tốc Hành",
            "fee": 35000,
            "insurance": 120000,
            "pickup": {"name": "Chiều nay"},
            "delivery": {"name": "Sáng mốt"},
        }
    ]
    fake.route("GET", "/v1/partner/orders/price", ok(answer))
    fake.route("POST", "/v1/partner/orders/price", ok(answer))
    quotes = token_hook.get_fee_quotes(quote)
    assert quotes[0].service == "Tốc Hành"
    assert int(quotes[0].fee or 0) == 35000
    get = fake.requests[0]
    assert dict(get.url.params) == {
        "sender_province": "Hồ Chí Minh",
        "sender_district": "Bình Chánh",
        "receiver_province": "Hà Nội",
        "receiver_district": "Tây Hồ",
        "weight": "200",
        "value": "12000000",
    }
    assert get.content == b""
    token_hook.get_fee_quotes(quote, method="POST")
    post = fake.requests[1]
    assert post.url.params["weight"] == "200"
    assert json.loads(post.content)["weight"] == 200


def test_order_info_by_code_and_by_soc(token_hook: SuperShipHook, fake: FakeSuperShip) -> None:
    info = {
        "code": "SGNS983262NT.595050186",
        "soc": "2102040725580332",
        "status": "0",
        "status_name": "Huỷ",
        "receiver": {"name": "Chị Định", "phone": "098****294", "address": "187/9", "formatted_address": "x"},
        "fee": {"shipment": 16000, "insurance": 0, "return": 0, "barter": 0, "address": 0},
        "payer": "Người Gửi",
        "amount": 418000,
        "value": 418000,
        "weight": 300,
        "config": "Không Cho Xem Hàng",
        "journeys": [
            {
                "time": "2021-02-04T07:25:19+07:00",
                "status": "Chờ Duyệt",
                "province": "P",
                "district": "D",
                "note": "Tạo Đơn hàng",
            }
        ],
        "notes": [{"created_at": "2021-02-04T07:25:19+07:00", "type": "5", "note": "n"}],
        "calllogs": [],
        "created_at": "2021-02-04T07:25:19+07:00",
        "updated_at": "2021-02-04T08:41:17+07:00",
    }
    fake.route("GET", "/v1/partner/orders/info", ok(info))
    by_code = token_hook.get_order("SGNS983262NT.595050186")
    assert dict(fake.requests[0].url.params) == {"code": "SGNS983262NT.595050186", "type": "1"}
    by_soc = token_hook.get_order("2102040725580332", lookup_by="soc")
    assert dict(fake.requests[1].url.params) == {"code": "2102040725580332", "type": "2"}
    assert by_code == by_soc
    assert by_code.status == "0"
    assert by_code.fee is not None
    assert int(by_code.fee.shipment or 0) == 16000
    assert by_code.journeys[0].time is not None
    assert by_code.journeys[0].time.utcoffset() is not None
    assert by_code.model_extra == {"calllogs": []}


def test_status_list_cancel_and_labels(token_hook: SuperShipHook, fake: FakeSuperShip) -> None:
    fake.route(
        "GET",
        "/v1/partner/orders/status",
        ok([{"key": "1", "value": "Chờ Duyệt"}, {"key": "0", "value": "Huỷ"}]),
    )
    fake.route(
        "POST",
        "/v1/partner/orders/cancel",
        ok({"code": "C1", "soc": "S1", "status": "0", "status_name": "Hủy"}),
    )
    fake.route("POST", "/v1/partner/orders/token", ok({"token": "6cf2ce20-80e9-11eb-8974-cd483a610abd"}))
    assert [s.key for s in token_hook.get_order_statuses()] == ["1", "0"]
    assert token_hook.cancel_order("C1").status == "0"
    assert json.loads(fake.calls("/v1/partner/orders/cancel")[0].content) == {"code": "C1"}
    token = token_hook.create_label_token(["C1", "C2"])
    assert json.loads(fake.calls("/v1/partner/orders/token")[0].content) == {"code": ["C1", "C2"]}
    assert token_hook.print_url(token) == (
        "https://khachhang.supership.vn/orders/awb?token=6cf2ce20-80e9-11eb-8974-cd483a610abd&size=A5"
    )
    assert token_hook.print_url(token, "k46").endswith("&size=K46")
    assert token_hook.label_url(token, "S8") == (
        "https://api.example.vn/v1/partner/orders/label?token=6cf2ce20-80e9-11eb-8974-cd483a610abd&size=S8"
    )
    with pytest.raises(ValueError, match="not one of"):
        token_hook.print_url(token, "A4")


def test_warehouses_and_webhooks(token_hook: SuperShipHook, fake: FakeSuperShip) -> None:
    fake.route(
        "POST",
        "/v1/partner/warehouses/create",
        ok(
            {
                "code": "WLKGT07050",
                "name": "Kho HBT",
                "formatted_adress": "47 Lê Lợi, ...",
                "status": "1",
                "primary": "1",
            }
        ),
    )
    fake.route(
        "POST",
        "/v1/partner/warehouses/update",
        ok(
            {"code": "WLKGT07050", "diff": {"name": "Kho Ba Đình"}, "updated_at": "2018-08-14T15:03:59+07:00"}
        ),
    )
    fake.route(
        "GET",
        "/v1/partner/webhooks",
        [ok(None), ok({"url": "https://example.com/h", "created_at": "2017-09-29 01:52:09"})],
    )
    fake.route("POST", "/v1/partner/webhooks/create", ok({"url": "https://example.com/h"}))
    created = token_hook.create_warehouse(
        {
            "name": "Kho HBT",
            "phone": "0989 999 888",
            "contact": "Trần Cao Cường",
            "address": "47 Lê Lợi",
            "province": "Thành phố Hồ Chí Minh",
            "district": "Quận Tân Bình",
            "commune": "Phường 14",
            "primary": 1,
        }
    )
    assert created.formatted_address == "47 Lê Lợi, ..."
    body = json.loads(fake.calls("/v1/partner/warehouses/create")[0].content)
    assert body["phone"] == "0989999888"
    assert body["primary"] == "1"
    update = token_hook.update_warehouse(
        {"code": "WLKGT07050", "name": "Kho Ba Đình", "phone": "0989999888", "contact": "Quân"}
    )
    assert update.diff == {"name": "Kho Ba Đình"}
    assert token_hook.get_webhook() is None
    hook = token_hook.get_webhook()
    assert hook is not None
    assert hook.created_at is not None
    assert hook.created_at.utcoffset() is not None
    assert token_hook.register_webhook("https://example.com/h").url == "https://example.com/h"
    assert json.loads(fake.calls("/v1/partner/webhooks/create")[0].content) == {
        "url": "https://example.com/h"
    }


async def test_statuses_use_order_info_with_bounded_concurrency(make_conn: Any) -> None:
    make_conn("ss_async", "supership", password=PAT, extra={"auth_mode": "token", "max_concurrency": 3})
    in_flight = peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        code = request.url.params["code"]
        return ok({"code": code, "soc": f"S-{code}", "status": "12" if code.endswith("1") else "11"})

    hook = SuperShipHook("ss_async", transport=httpx.MockTransport(handler), retry_policy=FAST)
    ids = [f"C{i}" for i in range(10)]
    statuses = await hook.afetch_statuses(ids)
    await hook.aclose()
    assert statuses == {i: ("12" if i.endswith("1") else "11") for i in ids}
    assert peak == 3


# ----------------------------------------------------------------------------- place names
@pytest.fixture
def areas(token_hook: SuperShipHook, fake: FakeSuperShip) -> SuperShipHook:
    fake.route(
        "GET",
        "/v1/partner/areas/province",
        ok([{"code": "01", "name": "Thành phố Hà Nội"}, {"code": "79", "name": "Thành phố Hồ Chí Minh"}]),
    )
    fake.route(
        "GET",
        "/v1/partner/areas/district",
        ok([{"code": "767", "name": "Quận Tân Phú"}, {"code": "770", "name": "Quận 3"}]),
    )
    fake.route(
        "GET",
        "/v1/partner/areas/commune",
        ok([{"code": "27019", "name": "Phường Tân Quý"}, {"code": "27037", "name": "Phường Hiệp Tân"}]),
    )
    return token_hook


def test_place_names_match_full_or_short_forms(areas: SuperShipHook) -> None:
    check = areas.check_place("Hồ Chí Minh", "Tân Phú", "phường  hiệp tân")
    assert check.problems == []
    assert check.names == {
        "province": "Thành phố Hồ Chí Minh",
        "district": "Quận Tân Phú",
        "commune": "Phường Hiệp Tân",
    }
    assert check.codes == {"province": "79", "district": "767", "commune": "27037"}


def test_place_names_without_accents_get_a_did_you_mean(areas: SuperShipHook) -> None:
    check = areas.check_place("Ho Chi Minh", "Quận 3", "Phường 6")
    assert check.problems == [
        ("province", "unknown province 'Ho Chi Minh'; did you mean 'Thành phố Hồ Chí Minh'?")
    ]
    resolved = areas.check_place("Ho Chi Minh", "Quan Tan Phu", "Tan Quy", resolve=True)
    assert resolved.problems == []
    assert resolved.names["district"] == "Quận Tân Phú"
    assert resolved.names["commune"] == "Phường Tân Quý"


def test_place_codes_and_unknown_names_are_explained(areas: SuperShipHook) -> None:
    check = areas.check_place("79", "Quận 3")
    assert check.problems == [
        ("province", "'79' is a province code; SuperShip takes names: did you mean 'Thành phố Hồ Chí Minh'?")
    ]
    check = areas.check_place(
        "Thành phố Hồ Chí Minh",
        "Quận Tân Phú",
        "Phường Tân Qui",
        fields=("pickup_province", "pickup_district", "pickup_commune"),
    )
    assert check.problems == [
        (
            "pickup_commune",
            "unknown commune 'Phường Tân Qui' in 'Quận Tân Phú'; did you mean 'Phường Tân Quý'?",
        )
    ]
    check = areas.check_place("Thành phố Hồ Chí Minh", "Zzzzz", "x")
    assert check.problems[0][0] == "district"
    assert "no close match among the 2 district names" in check.problems[0][1]
    assert areas.check_place("Thành phố Hà Nội", "", None).problems == [
        ("district", "a district name is required")
    ]


# ----------------------------------------------------------------------------- register, login, label page
ACCOUNT: dict[str, Any] = {
    "project": "HMN Store",
    "name": "Hoàng Mạnh Nam",
    "phone": "0989998888",
    "email": "hmn.store@gmail.com",
    "password": "register-pw-323423",
    "partner": "partner-code-lPxLux",
}
LOGIN: dict[str, Any] = {
    "client_id": "AZN6QUo40w",
    "client_secret": "client-secret-C4fF",
    "username": "hmn.store@gmail.com",
    "password": "login-pw-323423",
    "partner": "partner-code-lPxLux",
}
REGISTERED = {
    "code": "S748146",
    "project": "HMN Store",
    "name": "Hoàng Mạnh Nam",
    "phone": "0989998888",
    "email": "hmn.store@gmail.com",
    "referral": "PLOKJ52747",
    "token_type": "Bearer",
    "expires_in": 31536000,
    "access_token": "registered-access-token",
}


@pytest.fixture
def masked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every value the SuperShip hook registers with Airflow's log masking."""
    values: list[str] = []
    monkeypatch.setattr("airflow_provider.supership.auth.mask", lambda value: values.append(value))
    return values


def test_register_sends_the_documented_body_without_a_token_and_masks_the_secrets(
    token_hook: SuperShipHook, fake: FakeSuperShip, masked: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    from pydantic import SecretStr

    caplog.set_level("DEBUG")
    fake.route("POST", "/v1/partner/auth/register", ok(REGISTERED))
    result = token_hook.register_account({**ACCOUNT, "phone": "0989 998 888"})
    request = fake.calls("/v1/partner/auth/register")[0]
    assert json.loads(request.content) == ACCOUNT  # the phone sent without separators
    assert "authorization" not in request.headers
    assert request.headers["accept"] == "application/json"
    assert {"register-pw-323423", "partner-code-lPxLux", "registered-access-token"} <= set(masked)
    assert result.code == "S748146"
    assert result.referral == "PLOKJ52747"
    assert isinstance(result.access_token, SecretStr)
    assert result.access_token.get_secret_value() == "registered-access-token"
    assert result.compact() == {
        "code": "S748146",
        "project": "HMN Store",
        "email": "hmn.store@gmail.com",
        "referral": "PLOKJ52747",
        "expires_in": 31536000,
    }
    for secret in ("register-pw-323423", "partner-code-lPxLux", "registered-access-token"):
        assert secret not in caplog.text
        assert secret not in repr(result)


def test_register_request_keeps_its_secrets_out_of_repr_and_model_dump() -> None:
    from airflow_provider.supership.models import RegisterRequest

    request = RegisterRequest.model_validate(ACCOUNT)
    for shown in (repr(request), str(request.model_dump()), request.model_dump_json()):
        assert "register-pw-323423" not in shown
        assert "partner-code-lPxLux" not in shown
    assert request.dump()["password"] == "register-pw-323423"
    assert request.dump()["partner"] == "partner-code-lPxLux"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12345"}, "phone"),
        ({"password": "  "}, "password"),
        ({"partner": None}, "partner"),
        ({"project": ""}, "project"),
        ({"referral": "X"}, "referral"),
    ],
)
def test_register_bad_input_is_refused_before_any_request(
    token_hook: SuperShipHook, fake: FakeSuperShip, change: dict[str, Any], field: str
) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=field):
        token_hook.register_account({**ACCOUNT, **change})
    assert fake.requests == []


def test_register_an_existing_email_is_a_duplicate_and_is_sent_once(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route(
        "POST",
        "/v1/partner/auth/register",
        err(422, "Email đã được sử dụng.", {"email": ["The email has already been taken."]}),
    )
    with pytest.raises(DuplicateError, match="e-mail exists") as info:
        token_hook.register_account(ACCOUNT)
    assert info.value.details == {"email": ["The email has already been taken."]}
    assert len(fake.calls("/v1/partner/auth/register")) == 1


def test_register_with_a_wrong_partner_code_is_an_auth_error_even_in_token_mode(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route("POST", "/v1/partner/auth/register", err(401, "Mã bí mật không hợp lệ."))
    with pytest.raises(AuthError, match="partner code"):
        token_hook.register_account(ACCOUNT)
    fake.route("POST", "/v1/partner/auth/register", err(422, "Trường phone là bắt buộc.", {"phone": ["x"]}))
    with pytest.raises(BadRequestError):
        token_hook.register_account(ACCOUNT)


def test_register_answer_lost_on_a_server_error_is_not_resent(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route("POST", "/v1/partner/auth/register", err(503, "down"))
    with pytest.raises(TransientError):
        token_hook.register_account(ACCOUNT)
    assert len(fake.calls("/v1/partner/auth/register")) == 1


def test_login_with_given_credentials_masks_them_and_the_tokens(
    token_hook: SuperShipHook, fake: FakeSuperShip, masked: list[str]
) -> None:
    result = token_hook.login(LOGIN)
    request = fake.calls("/v1/partner/auth/login")[0]
    assert json.loads(request.content) == LOGIN
    assert "authorization" not in request.headers
    assert result.access_token == "access-1"
    assert {"client-secret-C4fF", "login-pw-323423", "partner-code-lPxLux", "access-1", "refresh-1"} <= set(
        masked
    )


def test_label_page_is_html_with_the_token_and_size_in_the_query(
    token_hook: SuperShipHook, fake: FakeSuperShip
) -> None:
    fake.route("POST", "/v1/partner/orders/token", lambda _request: ok({"token": "print-token"}))
    fake.route(
        "GET", "/v1/partner/orders/label", lambda _request: httpx.Response(200, text="<html>C1</html>")
    )
    assert token_hook.fetch_labels(["C1"], "k46") == "<html>C1</html>"
    request = fake.calls("/v1/partner/orders/label")[0]
    assert dict(request.url.params) == {"token": "print-token", "size": "K46"}
    with pytest.raises(ValueError, match="label size"):
        token_hook.get_label_page("print-token", "B4")
