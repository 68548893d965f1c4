"""The HyperSKU sandbox speaks the documented wire format (in process, no sockets)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from test_hypersku_support import AppTransport

from airflow_provider.common.auth import jwt_expiry
from airflow_provider.sandbox.hypersku import (
    LIFECYCLE_SECONDS,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_EXAMPLE_ORDER,
    SANDBOX_PASSWORD,
    SANDBOX_REDIRECT_URI,
    SANDBOX_REFRESH_TOKEN,
    SANDBOX_SKUS,
    SANDBOX_STORE_CODE,
    SANDBOX_TOKEN_TTL,
    SANDBOX_USERNAME,
    SHIPPED_AFTER,
    HyperSkuBackend,
    create_app,
    sandbox_outcome,
)

BASE = "/api/customer/admin"


@pytest.fixture
def backend() -> HyperSkuBackend:
    return HyperSkuBackend(failure_share=0)


@pytest.fixture
def client(backend: HyperSkuBackend) -> Iterator[httpx.Client]:
    transport = AppTransport(create_app(backend))
    with httpx.Client(transport=transport, base_url="http://sandbox.test") as test_client:
        yield test_client
    transport.shutdown()


def login(client: httpx.Client) -> str:
    answer = client.post(
        "/api/auth/admin/token", json={"username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == 200
    assert set(body) == {"message", "status", "token"}
    token: str = body["token"]
    return token


def post(client: httpx.Client, token: str, path: str, body: Any) -> dict[str, Any]:
    answer = client.post(BASE + path, json=body, headers={"Authorization": token})
    assert answer.status_code == 200
    result: dict[str, Any] = answer.json()
    return result


def create(client: httpx.Client, token: str, third: str, **changes: Any) -> dict[str, Any]:
    return post(client, token, "/orders/create", {**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": third, **changes})


def test_token_is_a_jwt_with_exp_and_counted(client: httpx.Client, backend: HyperSkuBackend) -> None:
    token = login(client)
    exp = jwt_expiry(token)
    assert exp is not None
    assert abs(exp - (backend.clock.now() + SANDBOX_TOKEN_TTL)) < 5
    assert backend.token_calls == 1


def test_wrong_credentials_answer_40102_in_http_200(client: httpx.Client, backend: HyperSkuBackend) -> None:
    answer = client.post("/api/auth/admin/token", json={"username": SANDBOX_USERNAME, "password": "x"})
    assert answer.status_code == 200
    assert answer.json()["status"] == 40102
    assert backend.token_calls == 0


def test_raw_and_bearer_tokens_work_and_bad_ones_get_40101(
    client: httpx.Client, backend: HyperSkuBackend
) -> None:
    token = login(client)
    path = BASE + "/logistics/getCountryCode"
    assert client.get(path, headers={"Authorization": token}).json()["status"] == 200
    assert client.get(path, headers={"Authorization": f"Bearer {token}"}).json()["status"] == 200
    assert client.get(path).json()["status"] == 40101
    assert client.get(path, headers={"Authorization": token + "x"}).json()["status"] == 40101
    backend.clock.advance(SANDBOX_TOKEN_TTL + 1)
    expired = client.get(path, headers={"Authorization": token})
    assert expired.status_code == 200
    assert expired.json() == {
        "status": 40101,
        "message": "Token invalid or expired",
        "rel": False,
    }


def test_expire_tokens_refuses_every_issued_token(client: httpx.Client, backend: HyperSkuBackend) -> None:
    token = login(client)
    backend.expire_tokens()
    assert (
        client.get(BASE + "/logistics/getCountryCode", headers={"Authorization": token}).json()["status"]
        == 40101
    )
    assert (
        client.get(BASE + "/logistics/getCountryCode", headers={"Authorization": login(client)}).json()[
            "status"
        ]
        == 200
    )


def test_api_key_can_be_required(backend: HyperSkuBackend) -> None:
    strict = HyperSkuBackend(require_api_key=True, api_key="k1")
    transport = AppTransport(create_app(strict))
    with httpx.Client(transport=transport, base_url="http://sandbox.test") as client:
        creds = {"username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD}
        assert client.post("/api/auth/admin/token", json=creds).json()["status"] == 40331
        ok = client.post("/api/auth/admin/token", json=creds, headers={"Authorization": "k1"}).json()
        assert ok["status"] == 200
        assert ok["token"]
    transport.shutdown()
    assert strict.api_keys_seen == [None, "k1"]


def test_country_codes_and_logistics_options(client: httpx.Client) -> None:
    token = login(client)
    countries = client.get(BASE + "/logistics/getCountryCode", headers={"Authorization": token}).json()[
        "data"
    ]
    codes = {c["countryCode"] for c in countries}
    assert {"VN", "US", "GB", "DE", "FR"} <= codes
    body = {"countryCode": "VN", "skuItems": [{"skuId": SANDBOX_SKUS[0], "num": 2}]}
    data = post(client, token, "/logistics/getLogisticsInfo-Sku", body)["data"]
    assert data["countryCode"] == "VN"
    assert all(
        {"logisticsId", "logisticsName", "freight", "currency", "deliveryDays"} <= set(o)
        for o in data["options"]
    )
    us = post(client, token, "/logistics/getLogisticsInfo-Sku", {**body, "countryCode": "US"})["data"][
        "options"
    ]
    assert us[0]["freight"] > data["options"][0]["freight"]  # farther costs more
    assert (
        post(client, token, "/logistics/getLogisticsInfo-Sku", {**body, "countryCode": "AQ"})["status"] == 500
    )


def test_create_answers_order_base_info_and_rejects_a_duplicate(
    client: httpx.Client, backend: HyperSkuBackend
) -> None:
    backend.set_duplicate_ids("refuse")
    token = login(client)
    first = create(client, token, "SHOP-1")
    info = first["data"]["orderBaseInfo"]
    assert first["status"] == 200
    assert info["storeOrderId"] == "SHOP-1"
    assert info["status"] == 8
    assert {"orderId", "amount", "currencyCode"} <= set(info)
    second = create(client, token, "SHOP-1")
    assert second["status"] != 200
    assert "exists" in second["message"]
    assert len(backend.store.table("orders")) == 1


def test_a_reused_third_order_id_makes_a_second_order_by_default(
    client: httpx.Client, backend: HyperSkuBackend
) -> None:
    assert backend.duplicate_ids == "accept"  # HyperSKU documents no refusal
    token = login(client)
    first = create(client, token, "SHOP-2")["data"]["orderBaseInfo"]
    second = create(client, token, "SHOP-2")["data"]["orderBaseInfo"]
    assert first["orderId"] != second["orderId"]
    assert [o["orderId"] for o in backend.orders_by_third("SHOP-2")] == [first["orderId"], second["orderId"]]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"skuItems": []}, "skuItems"),
        ({"skuItems": [{"skuId": "NOPE", "num": 1}]}, "not found"),
        ({"skuItems": [{"skuId": "SKU1001-BLK", "num": 0}]}, "positive"),
        ({"logisticsId": "999"}, "logisticsId"),
        ({"shippingAddress": {**SANDBOX_EXAMPLE_ORDER["shippingAddress"], "zipCode": ""}}, "zipCode"),
    ],
)
def test_create_refuses_bad_orders(client: httpx.Client, changes: dict[str, Any], message: str) -> None:
    answer = create(client, login(client), "SHOP-BAD", **changes)
    assert answer["status"] == 500
    assert message in answer["message"]
    assert answer["rel"] is False


def statuses(client: httpx.Client, token: str, ids: list[str]) -> dict[str, int]:
    rows = post(client, token, "/orders/status", ids)["data"]
    return {row["orderId"]: row["status"] for row in rows}


def test_orders_advance_on_the_sandbox_clock(client: httpx.Client, backend: HyperSkuBackend) -> None:
    token = login(client)
    order_id = create(client, token, "SHOP-OK")["data"]["orderBaseInfo"]["orderId"]
    seen = []
    for _ in range(int(LIFECYCLE_SECONDS / 30) + 2):
        seen.append(statuses(client, token, [order_id])[order_id])
        backend.clock.advance(30)
    path = [s for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]]
    assert path == [8, 1, 9, 2, 3, 4, 5]
    assert post(client, token, "/orders/status", {"ids": [order_id]})["status"] == 500


@pytest.mark.parametrize(
    ("third", "final"), [("SHOP-CANCEL-1", 6), ("SHOP-RETURN-1", 11), ("X-refund", 7), ("X-overdue", 10)]
)
def test_marked_orders_end_in_failure_statuses(
    client: httpx.Client, backend: HyperSkuBackend, third: str, final: int
) -> None:
    token = login(client)
    order_id = create(client, token, third)["data"]["orderBaseInfo"]["orderId"]
    backend.clock.advance(LIFECYCLE_SECONDS + 60)
    assert statuses(client, token, [order_id]) == {order_id: final}


def test_outcome_pick_is_deterministic() -> None:
    assert {sandbox_outcome(f"ORDER-{i}") for i in range(400)} == {"delivered"}  # default: markers only
    picks = [sandbox_outcome(f"ORDER-{i}", failure_share=0.1) for i in range(400)]
    assert picks == [sandbox_outcome(f"ORDER-{i}", failure_share=0.1) for i in range(400)]
    assert {"delivered", "closed", "returned"} == set(picks)
    assert picks.count("delivered") > 300
    assert sandbox_outcome("order-cancel-7", failure_share=0) == "closed"


def test_tracking_appears_from_status_4(client: httpx.Client, backend: HyperSkuBackend) -> None:
    token = login(client)
    create(client, token, "SHOP-TRACK")
    path = BASE + "/logistics/internationalLogisticsInfo/SHOP-TRACK"
    before = client.get(path, headers={"Authorization": token}).json()["data"]
    assert before == {"trackingNumber": None, "expressDelivery": None, "tracks": []}
    backend.clock.advance(SHIPPED_AFTER + 1)
    shipped = client.get(path, headers={"Authorization": token}).json()["data"]
    assert shipped["trackingNumber"]
    assert shipped["expressDelivery"] == "4PX"
    assert [t["eventThing"] for t in shipped["tracks"]] == ["Shipment information received"]
    backend.clock.advance(LIFECYCLE_SECONDS)
    done = client.get(path, headers={"Authorization": token}).json()["data"]["tracks"]
    assert done[0]["eventThing"] == "Delivered"
    assert set(done[0]) == {
        "eventTime",
        "eventThing",
        "eventCity",
        "eventCountry",
    }


def test_cancel_update_and_inventory(client: httpx.Client, backend: HyperSkuBackend) -> None:
    token = login(client)
    order_id = create(client, token, "SHOP-C")["data"]["orderBaseInfo"]["orderId"]
    stock = post(client, token, "/orders/getCustomerInventoryInfo", {})["data"]
    assert {"skuId": "SKU1001-BLK", "available": 299, "locked": 1, "warehouseName": "Yiwu Warehouse"} in stock
    new_address = {**SANDBOX_EXAMPLE_ORDER["shippingAddress"], "city": "Oakland"}
    moved = post(
        client, token, "/orders/updateOrderAddress", {"orderId": order_id, "shippingAddress": new_address}
    )
    assert moved["status"] == 200
    assert moved["data"]["thirdRegionName"] == "Oakland"
    assert post(client, token, "/orders/cancelOrder", {"orderId": order_id})["status"] == 200
    again = post(client, token, "/orders/cancelOrder", {"orderId": order_id})
    assert again["status"] == 500
    assert "already closed" in again["message"]
    history = post(client, token, "/orders/getInventoryHistoryByOrderId", {"orderId": order_id})["data"]
    assert [h["type"] for h in history] == ["LOCK", "RELEASE"]
    assert statuses(client, token, [order_id]) == {order_id: 6}
    shipped_id = create(client, token, "SHOP-D")["data"]["orderBaseInfo"]["orderId"]
    backend.clock.advance(SHIPPED_AFTER + 1)
    refused = post(client, token, "/orders/cancelOrder", {"orderId": shipped_id})
    assert refused["status"] == 500
    assert "cannot be cancelled" in refused["message"]


def test_lookup_by_external_id_needs_the_right_store(client: httpx.Client) -> None:
    token = login(client)
    create(client, token, "SHOP-L")
    found = post(
        client,
        token,
        "/orders/getOrdersByExternalOrderId",
        {"storeCode": SANDBOX_STORE_CODE, "storeOrderId": "SHOP-L"},
    )
    assert [o["storeOrderId"] for o in found["data"]] == ["SHOP-L"]
    absent = post(
        client,
        token,
        "/orders/getOrdersByExternalOrderId",
        {"storeCode": SANDBOX_STORE_CODE, "storeOrderId": "NO"},
    )
    assert absent["data"] == []
    wrong = post(
        client, token, "/orders/getOrdersByExternalOrderId", {"storeCode": "OTHER", "storeOrderId": "SHOP-L"}
    )
    assert wrong["status"] == 500


def test_tables_page_with_total_and_rows(client: httpx.Client) -> None:
    token = login(client)
    first = post(client, token, "/product/getProductInfo", {"page": 1, "limit": 2})
    assert set(first["data"]) == {"total", "rows"}
    assert first["data"]["total"] == 5
    assert len(first["data"]["rows"]) == 2
    last = post(client, token, "/product/getProductInfo", {"page": 3, "limit": 2})
    assert len(last["data"]["rows"]) == 1
    assert post(client, token, "/product/getProductInfo", {"keyword": "lamp"})["data"]["total"] == 1
    assert post(client, token, "/product/getPrivateProduct", {})["data"]["total"] == 2
    assert (
        post(client, token, "/orders/getInventoryInfo", {"skuId": "SKU9002-RED"})["data"]["rows"][0][
            "available"
        ]
        == 40
    )
    assert post(client, token, "/orders/getStockOrderInfo", {"page": 1, "limit": 10})["data"]["total"] == 2
    for i in range(3):
        create(client, token, f"SHOP-P{i}")
    orders = post(client, token, "/orders/getOrderInfos", {"page": 1, "limit": 2, "status": 8})["data"]
    assert orders["total"] == 3
    assert len(orders["rows"]) == 2


def test_oauth2_authorise_exchange_refresh_and_rotation(
    client: httpx.Client, backend: HyperSkuBackend
) -> None:
    page = client.get(
        "/application/auth",
        params={
            "clientId": SANDBOX_CLIENT_ID,
            "scope": "oms",
            "redirectUri": SANDBOX_REDIRECT_URI,
            "state": "s1",
        },
        follow_redirects=False,
    )
    assert page.status_code == 302
    assert page.headers["location"].startswith(SANDBOX_REDIRECT_URI + "?code=")
    code = page.headers["location"].split("code=")[1].split("&")[0]
    assert page.headers["location"].endswith("state=s1")
    creds = {"clientId": SANDBOX_CLIENT_ID, "clientSecret": SANDBOX_CLIENT_SECRET}
    tokens = client.post("/api/auth/admin/token/access_token", json={**creds, "code": code}).json()
    assert tokens["status"] == 200
    assert set(tokens["data"]) >= {"accessToken", "refreshToken", "expiresIn"}
    assert (
        client.post("/api/auth/admin/token/access_token", json={**creds, "code": code}).json()["status"]
        != 200
    )
    access = tokens["data"]["accessToken"]
    assert (
        client.get(BASE + "/logistics/getCountryCode", headers={"Authorization": access}).json()["status"]
        == 200
    )
    refreshed = client.post(
        "/api/auth/admin/token/refresh_token", json={**creds, "refreshToken": SANDBOX_REFRESH_TOKEN}
    ).json()
    assert refreshed["status"] == 200
    assert refreshed["data"]["refreshToken"] != SANDBOX_REFRESH_TOKEN
    spent = client.post(
        "/api/auth/admin/token/refresh_token", json={**creds, "refreshToken": SANDBOX_REFRESH_TOKEN}
    ).json()
    assert spent["status"] == 40101
    wrong = client.post(
        "/api/auth/admin/token/refresh_token", json={**creds, "clientSecret": "x", "refreshToken": "y"}
    ).json()
    assert wrong["status"] == 40131
    assert backend.token_calls == 2


def test_shared_faults_apply(client: httpx.Client, backend: HyperSkuBackend) -> None:
    token = login(client)
    backend.faults.script("rate_limit", 1, path_contains="getCountryCode")
    limited = client.get(BASE + "/logistics/getCountryCode", headers={"Authorization": token})
    assert limited.status_code == 429
    assert "retry-after" in limited.headers
    assert client.get(BASE + "/logistics/getCountryCode", headers={"Authorization": token}).status_code == 200
    assert backend.requests[BASE + "/logistics/getCountryCode"] == 2
