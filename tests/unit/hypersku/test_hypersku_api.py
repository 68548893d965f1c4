"""One test per HyperSKU endpoint method (paths, bodies, parsing), paging, endpoint overrides."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.errors import ConfigurationError
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.hypersku.hooks import HyperSkuHook
from airflow_provider.hypersku.models import CST

FAST = RetryPolicy(max_attempts=2, base_delay=0.001)
ADDRESS = {
    "firstName": "Jane",
    "lastName": "Doe",
    "countryCode": "us",
    "province": "CA",
    "city": "San Francisco",
    "address1": "1 Market St",
    "zipCode": 94105,
    "phone": "+1 415 555 0100",
}


def envelope(data: Any) -> dict[str, Any]:
    return {"status": 200, "message": "success", "data": data, "rel": True}


def table(rows: list[Any], total: int) -> dict[str, Any]:
    return {"status": 200, "message": "success", "data": {"total": total, "rows": rows}}


class Fake:
    """Answers every business call with ``answers[path]`` and records it."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/api/auth/admin/token"):
            return httpx.Response(200, json={"status": 200, "token": "tok"})
        self.requests.append(request)
        answer = self.answers[request.url.path]
        return httpx.Response(200, json=answer(request) if callable(answer) else answer)

    def only(self) -> tuple[str, str, Any]:
        (request,) = self.requests
        return request.method, request.url.path, json.loads(request.content) if request.content else None


def make_hook(make_conn: Callable[..., str], fake: Fake, extra: dict[str, Any] | None = None) -> HyperSkuHook:
    make_conn(
        "hs",
        "hypersku",
        host="https://hs.test/gateway",
        login="a",
        password="b",
        extra={"store_code": "STORE1", **(extra or {})},
    )
    return HyperSkuHook(
        "hs", transport=httpx.MockTransport(fake), token_store=MemoryTokenStore(), retry_policy=FAST
    )


P = "/gateway"


def test_every_documented_endpoint_is_in_the_table() -> None:
    names = set(HyperSkuHook.endpoints)
    assert len(names) == 18  # 3 auth + 14 seeded business calls + the lookup by thirdOrderId
    assert HyperSkuHook.endpoints["create"] == "/api/customer/admin/orders/create"
    assert HyperSkuHook.endpoints["getOrdersStatus"] == "/api/customer/admin/orders/status"
    assert HyperSkuHook.endpoints["getLogisticsSku"] == "/api/customer/admin/logistics/getLogisticsInfo-Sku"
    assert HyperSkuHook.inferred_endpoints < names
    assert all(path.startswith("/api/") for path in HyperSkuHook.endpoints.values())


def test_get_country_codes(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/logistics/getCountryCode"
    fake = Fake(
        {path: envelope([{"countryCode": "VN", "countryName": "Vietnam", "regions": [{"regionCode": "HN"}]}])}
    )
    countries = make_hook(make_conn, fake).get_country_codes()
    assert fake.only() == ("GET", path, None)
    assert countries[0].country_code == "VN"
    assert countries[0].regions is not None
    assert countries[0].regions[0].region_code == "HN"


def test_get_logistics_sku(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/logistics/getLogisticsInfo-Sku"
    option = {
        "logisticsId": 11,
        "logisticsName": "Air",
        "freight": 3.3,
        "currency": "USD",
        "deliveryDays": "7-12",
    }
    fake = Fake({path: envelope({"options": [option]})})
    result = make_hook(make_conn, fake).get_logistics_sku(
        {"countryCode": "de", "skuItems": [{"skuId": "S", "num": 1}]}
    )
    assert fake.only() == ("POST", path, {"countryCode": "DE", "skuItems": [{"skuId": "S", "num": 1}]})
    (choice,) = result.options
    assert choice.logistics_id == "11"
    assert choice.freight == Decimal("3.3")
    assert choice.max_days() == 12


def test_international_logistics_by_store_order_id(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/logistics/internationalLogisticsInfo/T%2F1"
    data = {
        "trackingNumber": "LP1",
        "expressDelivery": "DHL",
        "tracks": [
            {
                "eventTime": "2024-05-02 10:00:00",
                "eventThing": "Delivered",
                "eventCity": "Berlin",
                "eventCountry": "DE",
            },
            {"eventTime": 1714528800000, "eventThing": "Accepted"},
        ],
    }
    fake = Fake({"/gateway/api/customer/admin/logistics/internationalLogisticsInfo/T/1": envelope(data)})
    info = make_hook(make_conn, fake).get_international_logistics("T/1")
    assert fake.requests[0].url.raw_path.decode() == path
    assert [e.event_thing for e in info.sorted_tracks()] == ["Accepted", "Delivered"]
    assert info.tracks[0].event_time == datetime(2024, 5, 2, 10, tzinfo=CST)


def test_international_logistics_before_shipping_is_empty(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/logistics/internationalLogisticsInfo/T1"
    info = make_hook(make_conn, Fake({path: envelope(None)})).get_international_logistics("T1")
    assert info.tracking_number is None
    assert info.tracks == []


def test_get_orders_status_posts_a_json_array(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/orders/status"
    rows = [{"orderId": 1, "status": 4, "statusName": "Shipping"}, {"orderId": "2", "status": 8}]
    fake = Fake({path: envelope(rows)})
    hook = make_hook(make_conn, fake)
    assert hook.fetch_statuses(["1", "2", "3"]) == {"1": "4", "2": "8"}
    assert fake.only() == ("POST", path, ["1", "2", "3"])


def test_fetch_statuses_batches_large_lists(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/orders/status"
    fake = Fake({path: lambda r: envelope([{"orderId": i, "status": 5} for i in json.loads(r.content)])})
    statuses = make_hook(make_conn, fake).fetch_statuses([str(i) for i in range(450)])
    assert len(statuses) == 450
    assert [len(json.loads(r.content)) for r in fake.requests] == [200, 200, 50]


async def test_afetch_statuses_one_call(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/orders/status"
    fake = Fake({path: envelope([{"orderId": "1", "status": 6}])})
    hook = make_hook(make_conn, fake)
    try:
        assert await hook.afetch_statuses(["1"]) == {"1": "6"}
    finally:
        await hook.aclose()
    assert len(fake.requests) == 1


def test_get_order_infos_sends_times_in_plus_eight(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/orders/getOrderInfos"
    order = {
        "orderId": "9",
        "storeOrderId": "T9",
        "status": 5,
        "amount": "12.30",
        "crtTime": "2024-05-01 08:00:00",
    }
    fake = Fake({path: table([order], 1)})
    page = make_hook(make_conn, fake).get_order_infos(
        status=5, start_time=datetime(2024, 5, 1, tzinfo=UTC), end_time="2024-05-02 00:00:00"
    )
    _method, _path, body = fake.only()
    assert body == {
        "page": 1,
        "limit": 50,
        "status": 5,
        "startTime": "2024-05-01 08:00:00",
        "endTime": "2024-05-02 00:00:00",
    }
    assert page.total == 1
    assert page.items[0].amount == Decimal("12.30")
    assert page.items[0].crt_time == datetime(2024, 5, 1, tzinfo=UTC)


def test_paged_walk_goes_to_the_end(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/orders/getOrderInfos"
    rows = [{"orderId": str(i)} for i in range(5)]

    def answer(request: httpx.Request) -> dict[str, Any]:
        body = json.loads(request.content)
        start = (body["page"] - 1) * body["limit"]
        return table(rows[start : start + body["limit"]], len(rows))

    fake = Fake({path: answer})
    orders = list(make_hook(make_conn, fake).iter_order_infos(limit=2))
    assert [o.order_id for o in orders] == ["0", "1", "2", "3", "4"]
    assert [json.loads(r.content)["page"] for r in fake.requests] == [1, 2, 3]


def test_paged_walk_stops_on_an_exact_multiple(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/product/getProductInfo"
    rows = [{"productId": str(i), "skus": None} for i in range(4)]

    def answer(request: httpx.Request) -> dict[str, Any]:
        body = json.loads(request.content)
        start = (body["page"] - 1) * body["limit"]
        return table(rows[start : start + body["limit"]], len(rows))

    fake = Fake({path: answer})
    products = make_hook(make_conn, fake).list_products(keyword="cup", limit=2)
    assert len(products) == 4
    assert products[0].skus == []
    assert [json.loads(r.content) for r in fake.requests] == [
        {"keyword": "cup", "page": 1, "limit": 2},
        {"keyword": "cup", "page": 2, "limit": 2},
    ]


async def test_async_paged_walk(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/product/getPrivateProduct"
    rows = [{"productId": str(i)} for i in range(3)]

    def answer(request: httpx.Request) -> dict[str, Any]:
        body = json.loads(request.content)
        start = (body["page"] - 1) * body["limit"]
        return table(rows[start : start + body["limit"]], len(rows))

    hook = make_hook(make_conn, Fake({path: answer}))
    try:
        assert len(await hook.alist_products(private=True, limit=2)) == 3
    finally:
        await hook.aclose()


def test_lookup_by_third_order_id_needs_the_store_code(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/orders/getOrdersByExternalOrderId"
    fake = Fake({path: envelope([{"orderId": "5", "storeOrderId": "T-5", "status": 2}])})
    hook = make_hook(make_conn, fake)
    found = hook.find_order("T-5")
    assert found is not None
    assert found.order_id == "5"
    assert fake.only() == ("POST", path, {"storeCode": "STORE1", "storeOrderId": "T-5"})
    make_conn("hs_nostore", "hypersku", host="https://hs.test", login="a", password="b")
    bare = HyperSkuHook("hs_nostore", transport=httpx.MockTransport(fake), token_store=MemoryTokenStore())
    with pytest.raises(ConfigurationError, match="store_code"):
        bare.find_order("T-5")


def test_lookup_ignores_other_orders(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/orders/getOrdersByExternalOrderId"
    fake = Fake({path: envelope([{"orderId": "5", "storeOrderId": "OTHER"}])})
    assert make_hook(make_conn, fake).find_order("T-5") is None
    fake = Fake({path: envelope([])})
    assert make_hook(make_conn, fake).find_order("T-5") is None


def test_cancel_order(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/orders/cancelOrder"
    fake = Fake({path: envelope(True)})
    assert make_hook(make_conn, fake).cancel_order("42") is True
    assert fake.only() == ("POST", path, {"orderId": "42"})


def test_update_order_address(make_conn: Callable[..., str]) -> None:
    path = P + "/api/customer/admin/orders/updateOrderAddress"
    fake = Fake(
        {path: envelope({"orderId": "42", "firstName": "Jane", "countryCode": "US", "zipCode": 94105})}
    )
    info = make_hook(make_conn, fake).update_order_address("42", ADDRESS)
    _method, _path, body = fake.only()
    assert body == {"orderId": "42", "shippingAddress": {**ADDRESS, "countryCode": "US", "zipCode": "94105"}}
    assert info.zip_code == "94105"
    assert info.country_code == "US"


def test_stock_and_inventory_calls(make_conn: Callable[..., str]) -> None:
    base = P + "/api/customer/admin/orders/"
    fake = Fake(
        {
            base + "getStockOrderInfo": table([{"orderId": "S1", "status": 5}], 1),
            base + "getInventoryInfo": table([{"skuId": "A", "available": 3, "locked": 1}], 1),
            base + "getCustomerInventoryInfo": envelope(
                [{"skuId": "A", "available": 3, "locked": 1, "warehouseName": "SZ"}]
            ),
            base + "getInventoryHistoryByOrderId": envelope(
                [{"orderId": "7", "skuId": "A", "num": -1, "type": "LOCK"}]
            ),
        }
    )
    hook = make_hook(make_conn, fake)
    assert hook.get_stock_order_info(orderId="S1").items[0].order_id == "S1"
    assert hook.get_inventory_info(sku_id="A").items[0].available == 3
    assert hook.get_customer_inventory_info()[0].warehouse_name == "SZ"
    assert hook.get_inventory_history_by_order_id("7")[0].num == -1
    bodies = [json.loads(r.content) for r in fake.requests]
    assert bodies == [
        {"orderId": "S1", "page": 1, "limit": 50},
        {"skuId": "A", "page": 1, "limit": 50},
        {},
        {"orderId": "7"},
    ]


def test_product_calls(make_conn: Callable[..., str]) -> None:
    base = P + "/api/customer/admin/product/"
    product = {
        "productId": 1,
        "title": "Mug",
        "skus": [
            {"skuId": "M1", "price": "3.10", "weight": 0.4, "attributes": [{"name": "Color", "value": "Red"}]}
        ],
        "vendorOnly": "kept",
    }
    fake = Fake({base + "getProductInfo": table([product], 1), base + "getPrivateProduct": table([], 0)})
    hook = make_hook(make_conn, fake)
    page = hook.get_product_info(keyword="mug")
    sku = page.items[0].skus[0]
    assert sku.price == Decimal("3.10")
    assert sku.attribute_text() == "Color: Red"
    assert page.items[0].model_extra == {"vendorOnly": "kept"}
    assert hook.get_private_product().items == []


def test_endpoint_overrides_from_the_connection(make_conn: Callable[..., str]) -> None:
    fake = Fake({P + "/v2/orders/list": table([], 0)})
    hook = make_hook(make_conn, fake, extra={"endpoints": {"getOrderInfos": "/v2/orders/list"}})
    assert hook.get_order_infos().items == []
    assert fake.requests[0].url.path == P + "/v2/orders/list"
    bad = make_hook(make_conn, fake, extra={"endpoints": {"listEverything": "/x"}})
    with pytest.raises(ConfigurationError, match="listEverything"):
        bad.get_order_infos()


def test_empty_host_means_production(make_conn: Callable[..., str]) -> None:
    make_conn("hs_prod", "hypersku", login="a", password="b")
    hook = HyperSkuHook("hs_prod")
    assert hook.settings.base_url == "https://api.hypersku.com"
    assert HyperSkuHook.conn_name_attr == "hypersku_conn_id"
    assert HyperSkuHook().conn_id == "hypersku_default"
