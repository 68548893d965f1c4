"""The SuperShip sandbox on loopback, called with a plain HTTP client: the documented wire format."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from airflow_provider.sandbox import supership as ss
from airflow_provider.sandbox.kit import Faults, SandboxClock
from airflow_provider.sandbox.supership import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_EMAIL,
    SANDBOX_PARTNER,
    SANDBOX_PASSWORD,
    SANDBOX_PERSONAL_TOKEN,
    SECONDS_TO_DELIVERED,
    STEP_SECONDS,
    SuperShipBackend,
    create_app,
    sample_order,
)

pytestmark = pytest.mark.integration
BEARER = {"Authorization": f"Bearer {SANDBOX_PERSONAL_TOKEN}", "Accept": "application/json"}
LOGIN = {
    "client_id": SANDBOX_CLIENT_ID,
    "client_secret": SANDBOX_CLIENT_SECRET,
    "username": SANDBOX_EMAIL,
    "password": SANDBOX_PASSWORD,
    "partner": SANDBOX_PARTNER,
}
# SuperShip's documented create example, numbers as strings, with a declared value
VENDOR_EXAMPLE: dict[str, Any] = {
    "pickup_phone": "0989999999",
    "pickup_address": "45 Nguyễn Chí Thanh",
    "pickup_commune": "Phường Ngọc Khánh",
    "pickup_district": "Quận Ba Đình",
    "pickup_province": "Thành phố Hà Nội",
    "name": "Trương Thế Ngọc",
    "phone": "0945900350",
    "email": None,
    "address": "35 Trương Định",
    "province": "Thành phố Hồ Chí Minh",
    "district": "Quận 3",
    "commune": "Phường 6",
    "amount": "220000",
    "value": "1600000",
    "weight": "200",
    "payer": "1",
    "service": "1",
    "config": "1",
    "soc": "KAN7453535",
    "note": "Giao giờ hành chính",
    "product_type": "2",
    "products": [
        {"sku": "P899234", "name": "Tên Sản Phẩm 1", "price": 200000, "weight": 200, "quantity": 1},
        {"sku": "P899789", "name": "Tên Sản Phẩm 2", "price": 250000, "weight": 300, "quantity": 2},
    ],
}


class Swappable:
    """One loopback server for the module; each test mounts a fresh sandbox app on it."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Swappable, str]]:
    from airflow_provider.sandbox.kit import start_server

    mount = Swappable()
    running = start_server(mount)
    yield mount, running.url
    running.stop()


@pytest.fixture
def backend() -> SuperShipBackend:
    return SuperShipBackend(clock=SandboxClock(speed=1), faults=Faults(retry_after=0.01))


@pytest.fixture
def client(server: tuple[Swappable, str], backend: SuperShipBackend) -> Iterator[httpx.Client]:
    mount, url = server
    mount.app = create_app(backend)
    with httpx.Client(base_url=url, timeout=10) as http:
        yield http


def create(client: httpx.Client, order: dict[str, Any]) -> httpx.Response:
    return client.post("/v1/partner/orders/add", json=order, headers=BEARER)


def info(client: httpx.Client, code: str, kind: str = "1") -> dict[str, Any]:
    response = client.get("/v1/partner/orders/info", params={"code": code, "type": kind}, headers=BEARER)
    assert response.status_code == 200, response.text
    return response.json()["results"]


# ----------------------------------------------------------------------------- auth
def test_password_grant_login(client: httpx.Client, backend: SuperShipBackend) -> None:
    response = client.post("/v1/partner/auth/login", json=LOGIN)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "Success"
    results = body["results"]
    assert results["token_type"] == "Bearer"
    assert results["expires_in"] == 31536000
    assert results["access_token"]
    assert results["refresh_token"]
    assert backend.token_calls == 1
    warehouses = client.get(
        "/v1/partner/warehouses", headers={"Authorization": f"Bearer {results['access_token']}"}
    )
    assert warehouses.status_code == 200


def test_login_errors_use_the_error_envelope(client: httpx.Client, backend: SuperShipBackend) -> None:
    wrong = client.post("/v1/partner/auth/login", json={**LOGIN, "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["status"] == "Error"
    missing = client.post("/v1/partner/auth/login", json={k: v for k, v in LOGIN.items() if k != "partner"})
    assert missing.status_code == 422
    assert "partner" in missing.json()["errors"]
    assert backend.token_calls == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": SANDBOX_PERSONAL_TOKEN},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic c2hvcDpwYXNz"},
    ],
)
def test_business_calls_need_a_bearer_token(client: httpx.Client, headers: dict[str, str]) -> None:
    response = client.get("/v1/partner/warehouses", headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == "Error"
    assert response.json()["message"] == "Unauthenticated."


def test_expired_and_revoked_tokens_are_refused(client: httpx.Client, backend: SuperShipBackend) -> None:
    token = client.post("/v1/partner/auth/login", json=LOGIN).json()["results"]["access_token"]
    backend.expire_tokens()
    assert (
        client.get("/v1/partner/warehouses", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    assert client.get("/v1/partner/warehouses", headers=BEARER).status_code == 200
    backend.revoke_personal_token()
    assert client.get("/v1/partner/warehouses", headers=BEARER).status_code == 401


def test_short_lived_tokens_expire_on_the_sandbox_clock(server: tuple[Swappable, str]) -> None:
    backend = SuperShipBackend(token_ttl=60)
    server[0].app = create_app(backend)
    with httpx.Client(base_url=server[1]) as http:
        results = http.post("/v1/partner/auth/login", json=LOGIN).json()["results"]
        assert results["expires_in"] == 60
        headers = {"Authorization": f"Bearer {results['access_token']}"}
        assert http.get("/v1/partner/webhooks", headers=headers).status_code == 200
        backend.clock.advance(61)
        assert http.get("/v1/partner/webhooks", headers=headers).status_code == 401


# ----------------------------------------------------------------------------- areas and status list
def test_areas_lists(client: httpx.Client) -> None:
    provinces = client.get("/v1/partner/areas/province").json()["results"]
    by_code = {p["code"]: p["name"] for p in provinces}
    assert by_code["79"] == "Thành phố Hồ Chí Minh"
    assert by_code["01"] == "Thành phố Hà Nội"
    assert by_code["48"] == "Thành phố Đà Nẵng"
    districts = client.get("/v1/partner/areas/district", params={"province": "79"}, headers=BEARER).json()[
        "results"
    ]
    assert {"code": "770", "name": "Quận 3", "province": "Thành phố Hồ Chí Minh"} in districts
    assert len(districts) >= 20
    communes = client.get("/v1/partner/areas/commune", params={"district": "767"}).json()["results"]
    assert {
        "code": "27037",
        "name": "Phường Hiệp Tân",
        "district": "Quận Tân Phú",
        "province": "Thành phố Hồ Chí Minh",
    } in communes
    hanoi = client.get("/v1/partner/areas/district", params={"province": "01"}).json()["results"]
    assert len(hanoi) >= 5
    danang = client.get("/v1/partner/areas/district", params={"province": "48"}).json()["results"]
    assert "Quận Hải Châu" in {d["name"] for d in danang}
    assert client.get("/v1/partner/areas/district").status_code == 422


def test_status_list(client: httpx.Client) -> None:
    results = client.get("/v1/partner/orders/status").json()["results"]
    assert len(results) == 28
    assert {"key": "0", "value": "Huỷ"} in results
    assert results[11] == {"key": "12", "value": "Đã Giao Hàng Toàn Bộ"}


# ----------------------------------------------------------------------------- fee quote
def test_price_by_get_and_by_post_with_short_names(client: httpx.Client) -> None:
    params = {
        "sender_province": "Hồ Chí Minh",
        "sender_district": "Bình Chánh",
        "receiver_province": "Hà Nội",
        "receiver_district": "Tây Hồ",
        "weight": "200",
        "value": "12000000",
    }
    by_get = client.get("/v1/partner/orders/price", params=params, headers=BEARER)
    assert by_get.status_code == 200
    quote = by_get.json()["results"][0]
    assert quote["service"] == "Tốc Hành"
    assert quote["fee"] == 30000
    assert quote["insurance"] == 120000
    assert set(quote["pickup"]) == {"name"}
    assert set(quote["delivery"]) == {"name"}
    by_post = client.post("/v1/partner/orders/price", params=params, json=params, headers=BEARER)
    assert by_post.json()["results"][0]["fee"] == quote["fee"]
    unknown = client.get(
        "/v1/partner/orders/price", params={**params, "receiver_district": "Quận 99"}, headers=BEARER
    )
    assert unknown.status_code == 422
    assert "receiver_district" in unknown.json()["errors"]
    assert client.get("/v1/partner/orders/price", params=params).status_code == 401


# ----------------------------------------------------------------------------- create
def test_create_the_vendor_example(client: httpx.Client, backend: SuperShipBackend) -> None:
    response = create(client, VENDOR_EXAMPLE)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert results["soc"] == "KAN7453535"
    assert results["status"] == "2"
    assert results["status_name"] == "Chờ Lấy Hàng"
    assert results["amount"] == 220000
    assert results["value"] == 1600000
    assert results["weight"] == 200
    assert results["insurance"] == 8000
    assert results["fee"] > 0
    assert results["code"].startswith("HNIS983262SG.")
    assert results["shortcode"] == results["code"].split(".")[1]
    assert len(backend.orders()) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"value": None}, "value"),
        ({"amount": "-5"}, "amount"),
        ({"weight": "abc"}, "weight"),
        ({"phone": "12345"}, "phone"),
        ({"product_type": "1", "products": None}, "product"),
        ({"product_type": "2", "products": []}, "products"),
        ({"commune": "Phường 99"}, "commune"),
        ({"district": "Quận 3", "province": "Thành phố Hà Nội"}, "district"),
        ({"province": "79"}, "province"),
        ({"pickup_province": None}, "pickup_province"),
        ({"pickup_code": "WNOPE"}, "pickup_code"),
        ({"config": "9"}, "config"),
        ({"name": ""}, "name"),
    ],
)
def test_create_rejects_bad_fields_with_422(
    client: httpx.Client, backend: SuperShipBackend, change: dict[str, Any], field: str
) -> None:
    response = create(client, {**VENDOR_EXAMPLE, **change})
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "Error"
    assert field in body["errors"]
    assert backend.orders() == []


def test_short_place_names_and_a_warehouse_are_accepted(client: httpx.Client) -> None:
    order = sample_order("SHORT-1", province="Hồ Chí Minh", district="3", commune="Phường 06")
    assert create(client, order).status_code == 200


def test_a_reused_soc_makes_a_second_order_by_default(
    client: httpx.Client, backend: SuperShipBackend
) -> None:
    assert backend.duplicate_ids == "accept"  # SuperShip documents no refusal
    first = create(client, VENDOR_EXAMPLE).json()["results"]["code"]
    second = create(client, VENDOR_EXAMPLE).json()["results"]["code"]
    assert first != second
    assert [o["code"] for o in backend.orders_by_soc(VENDOR_EXAMPLE["soc"])] == [first, second]


def test_a_reused_soc_is_a_422_saying_it_exists_when_refused(
    client: httpx.Client, backend: SuperShipBackend
) -> None:
    backend.set_duplicate_ids("refuse")
    assert create(client, VENDOR_EXAMPLE).status_code == 200
    again = create(client, VENDOR_EXAMPLE)
    assert again.status_code == 422
    assert "đã tồn tại" in again.json()["message"]
    assert again.json()["errors"] == {"soc": ["The soc has already been taken."]}
    assert len(backend.orders()) == 1


# ----------------------------------------------------------------------------- info and lifecycle
def test_info_by_code_and_by_soc(client: httpx.Client) -> None:
    created = create(client, VENDOR_EXAMPLE).json()["results"]
    by_code = info(client, created["code"])
    by_soc = info(client, "KAN7453535", "2")
    assert by_code["code"] == by_soc["code"] == created["code"]
    assert by_code["receiver"]["phone"] == "094****350"
    assert (
        by_code["receiver"]["formatted_address"] == "35 Trương Định, Phường 6, Quận 3, Thành phố Hồ Chí Minh"
    )
    assert by_code["payer"] == "Người Gửi"
    assert by_code["config"] == "Cho Xem Hàng Nhưng Không Cho Thử Hàng"
    assert set(by_code["fee"]) == {"shipment", "insurance", "return", "barter", "address"}
    assert [j["status"] for j in by_code["journeys"]] == ["Chờ Duyệt", "Chờ Lấy Hàng"]
    assert by_code["created_at"].endswith("+07:00")
    missing = client.get("/v1/partner/orders/info", params={"code": "NOPE", "type": "2"}, headers=BEARER)
    assert missing.status_code == 404
    assert missing.json()["status"] == "Error"


def test_the_normal_path_ends_delivered_then_reconciled(
    client: httpx.Client, backend: SuperShipBackend
) -> None:
    code = create(client, sample_order("DELIVER-1", cod=350000)).json()["results"]["code"]
    seen = []
    for step in ("2", "3", "4", "8", "9", "10", "11"):
        seen.append(info(client, code)["status"])
        backend.clock.advance(STEP_SECONDS[step])
    delivered = info(client, code)
    assert seen == ["2", "3", "4", "8", "9", "10", "11"]
    assert delivered["status"] == "12"
    assert delivered["collected"] == 350000
    assert delivered["amount"] == 350000
    assert [j["status"] for j in delivered["journeys"]][-1] == "Đã Giao Hàng Toàn Bộ"
    backend.clock.advance(STEP_SECONDS["12"])
    assert info(client, code)["status"] == "16"


def test_fail_in_the_soc_returns_the_parcel(client: httpx.Client, backend: SuperShipBackend) -> None:
    code = create(client, sample_order("ORDER-FAIL-7")).json()["results"]["code"]
    backend.clock.advance(SECONDS_TO_DELIVERED)
    assert info(client, code)["status"] == "15"
    backend.clock.advance(ss.SECONDS_TO_FINAL)
    returned = info(client, code)
    assert returned["status"] == "21"
    assert [j["status"] for j in returned["journeys"]][-4:] == [
        "Đang Giao Hàng",
        "Không Giao Được",
        "Đang Trả Hàng",
        "Đã Trả Hàng",
    ]
    assert returned["collected"] == 0
    assert returned["fee"]["return"] > 0


def test_partial_delivery_collects_part_of_the_cod(client: httpx.Client, backend: SuperShipBackend) -> None:
    code = create(client, sample_order("PARTIAL-1", cod=400000)).json()["results"]["code"]
    backend.clock.advance(SECONDS_TO_DELIVERED)
    partial = info(client, code)
    assert partial["status"] == "13"
    assert partial["collected"] == 200000
    assert partial["collection"] == 400000


def test_paths_are_deterministic_and_weights_configurable() -> None:
    first, second = SuperShipBackend(), SuperShipBackend()
    for index in range(20):
        soc = f"ORDER-{index}"
        assert first._path_for(soc) == second._path_for(soc)
    returned = SuperShipBackend(outcome_weights={"returned": 1})
    assert returned._path_for("ORDER-1") == "returned"
    assert returned._path_for("ORDER-DELIVER-1") == "delivered"
    with pytest.raises(ValueError, match="unknown outcomes"):
        SuperShipBackend(outcome_weights={"teleported": 1})


# ----------------------------------------------------------------------------- cancel
def test_cancel_rules(client: httpx.Client, backend: SuperShipBackend) -> None:
    code = create(client, sample_order("CANCEL-1")).json()["results"]["code"]
    cancelled = client.post("/v1/partner/orders/cancel", json={"code": code}, headers=BEARER)
    assert cancelled.status_code == 200
    assert cancelled.json()["results"] == {
        "code": code,
        "soc": "CANCEL-1",
        "address": "35 Trương Định, Phường 6, Quận 3, Thành phố Hồ Chí Minh",
        "status": "0",
        "status_name": "Hủy",
    }
    assert client.post("/v1/partner/orders/cancel", json={"code": code}, headers=BEARER).status_code == 422
    after = info(client, code)
    assert after["status"] == "0"
    assert after["journeys"][-1]["status"] == "Huỷ"
    backend.clock.advance(SECONDS_TO_DELIVERED)
    assert info(client, code)["status"] == "0"
    picked = create(client, sample_order("CANCEL-2")).json()["results"]["code"]
    backend.clock.advance(STEP_SECONDS["2"] + STEP_SECONDS["3"])
    refused = client.post("/v1/partner/orders/cancel", json={"code": picked}, headers=BEARER)
    assert refused.status_code == 422
    assert "không thể hủy" in refused.json()["message"]
    assert client.post("/v1/partner/orders/cancel", json={"code": "NOPE"}, headers=BEARER).status_code == 404


# ----------------------------------------------------------------------------- labels
def test_label_token_and_print_pages(client: httpx.Client) -> None:
    codes = [create(client, sample_order(f"LABEL-{i}", i)).json()["results"]["code"] for i in range(2)]
    token_answer = client.post("/v1/partner/orders/token", json={"code": codes}, headers=BEARER)
    assert token_answer.status_code == 200
    token = token_answer.json()["results"]["token"]
    for path in ("/v1/partner/orders/label", "/orders/awb"):
        page = client.get(path, params={"token": token, "size": "K46"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert all(code in page.text for code in codes)
    assert client.get("/orders/awb", params={"token": "nope", "size": "A5"}).status_code == 404
    assert client.get("/orders/awb", params={"token": token, "size": "A4"}).status_code == 422
    unknown = client.post("/v1/partner/orders/token", json={"code": ["NOPE"]}, headers=BEARER)
    assert unknown.status_code == 422


# ----------------------------------------------------------------------------- warehouses and webhooks
def test_warehouses_list_create_update(client: httpx.Client) -> None:
    listed = client.get("/v1/partner/warehouses", headers=BEARER).json()["results"]
    assert {w["code"] for w in listed} >= {ss.SANDBOX_PICKUP_CODE, ss.SANDBOX_PICKUP_CODE_HANOI}
    first = next(w for w in listed if w["code"] == ss.SANDBOX_PICKUP_CODE)
    assert first["formatted_address"] == "47 Huỳnh Văn Bánh, Phường 13, Quận Tân Bình, Thành phố Hồ Chí Minh"
    assert first["primary"] == "1"
    assert first["status"] == "1"
    body = {
        "name": "Kho Đà Nẵng",
        "phone": "0905111222",
        "contact": "Lê Văn Đức",
        "address": "88 Bạch Đằng",
        "province": "Thành phố Đà Nẵng",
        "district": "Quận Hải Châu",
        "commune": "Phường Hải Châu I",
        "primary": "2",
    }
    created = client.post("/v1/partner/warehouses/create", json=body, headers=BEARER)
    assert created.status_code == 200
    code = created.json()["results"]["code"]
    assert (
        client.post(
            "/v1/partner/warehouses/create", json={**body, "commune": "Phường X"}, headers=BEARER
        ).status_code
        == 422
    )
    updated = client.post(
        "/v1/partner/warehouses/update",
        json={"code": code, "name": "Kho Hải Châu", "phone": "0905111222", "contact": "Lê Nam Quân"},
        headers=BEARER,
    ).json()["results"]
    assert updated["diff"] == {"name": "Kho Hải Châu", "contact": "Lê Nam Quân"}
    order = sample_order("FROM-DN", 2, pickup_code=code)
    assert create(client, order).json()["results"]["code"].startswith("DNGS983262DN.")


def test_webhook_register_and_delivery(client: httpx.Client, backend: SuperShipBackend) -> None:
    assert client.get("/v1/partner/webhooks", headers=BEARER).json()["results"] is None
    bad = client.post("/v1/partner/webhooks/create", json={"url": "ftp://x"}, headers=BEARER)
    assert bad.status_code == 422
    registered = client.post(
        "/v1/partner/webhooks/create", json={"url": "https://example.com/listen/supership"}, headers=BEARER
    )
    assert registered.json()["results"]["url"] == "https://example.com/listen/supership"
    assert (
        client.get("/v1/partner/webhooks", headers=BEARER).json()["results"]["url"]
        == "https://example.com/listen/supership"
    )
    create(client, sample_order("HOOK-DELIVER-1"))
    received: list[dict[str, Any]] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        import json

        received.append(json.loads(request.content))
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(receiver)) as sink:
        assert backend.deliver_webhooks(sink) == 2
        backend.clock.advance(SECONDS_TO_DELIVERED)
        assert backend.deliver_webhooks(sink) == 7
        assert backend.deliver_webhooks(sink) == 0
    assert [p["status"] for p in received] == ["1", "2", "3", "4", "8", "9", "10", "11", "12"]
    last = received[-1]
    assert last["type"] == "update_status"
    assert last["soc"] == "HOOK-DELIVER-1"
    assert last["status_name"] == "Đã Giao Hàng Toàn Bộ"
    assert set(last) >= {
        "code",
        "shortcode",
        "fshipment",
        "finsurance",
        "partial",
        "barter",
        "reason_code",
        "pushed_at",
    }


def test_shared_faults_and_stats(client: httpx.Client, backend: SuperShipBackend) -> None:
    backend.faults.script("error", 1, path_contains="/warehouses")
    assert client.get("/v1/partner/warehouses", headers=BEARER).status_code == 500
    assert client.get("/v1/partner/warehouses", headers=BEARER).status_code == 200
    stats = client.get("/_sandbox/stats").json()
    assert stats["requests"]["/v1/partner/warehouses"] == 2
