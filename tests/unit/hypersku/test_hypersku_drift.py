"""Drift is reported, not fatal: HyperSKU answers that differ from the documented contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_provider.common import drift
from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.errors import ResponseError, TransportError
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.doctor.run import path_variants
from airflow_provider.hypersku.hooks import HyperSkuHook

FAST = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.002)


def answering(body: Any) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/auth/admin/token":
            return httpx.Response(200, json={"status": 200, "message": "ok", "token": "tok"})
        return httpx.Response(200, json={"status": 200, "message": "success", "data": body})

    return handler


@pytest.fixture
def hook(make_conn: Callable[..., str]) -> Callable[[Any], HyperSkuHook]:
    drift.reset_warnings()
    make_conn("hs", "hypersku", host="https://hs.test", login="a", password="b", extra={"store_code": "S1"})

    def make(body: Any) -> HyperSkuHook:
        transport = httpx.MockTransport(answering(body))
        return HyperSkuHook("hs", transport=transport, token_store=MemoryTokenStore(), retry_policy=FAST)

    return make


def drift_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "airflow_provider.common.drift"]


def test_unknown_fields_are_kept_and_logged_once_per_field(
    hook: Callable[[Any], HyperSkuHook], caplog: pytest.LogCaptureFixture
) -> None:
    rows = [{"orderId": "1", "status": 4, "parcelCount": 2}, {"orderId": "2", "status": 5, "parcelCount": 1}]
    with caplog.at_level("WARNING"):
        first = hook(rows).get_orders_status(["1", "2"])
        hook(rows).get_orders_status(["1", "2"])  # a second answer: no second warning
    assert [row.model_dump(mode="json", by_alias=True)["parcelCount"] for row in first] == [2, 1]
    assert drift_warnings(caplog) == [
        "hypersku getOrdersStatus: fields differ: got and unknown: parcelCount (kept as it came)"
    ]


def test_a_missing_optional_field_is_none(hook: Callable[[Any], HyperSkuHook]) -> None:
    (row,) = hook([{"orderId": "1"}]).get_orders_status(["1"])
    assert row.status is None


def test_a_missing_required_field_fails_that_item_only(
    hook: Callable[[Any], HyperSkuHook], caplog: pytest.LogCaptureFixture
) -> None:
    rows = [{"orderID": "1", "status": 4}, {"orderId": "2", "status": 5}]
    with caplog.at_level("WARNING"):
        statuses = hook(rows).fetch_statuses(["1", "2"])
    assert statuses == {"2": "5"}  # order 1 stays pending for a sensor
    assert drift_warnings(caplog) == [
        "hypersku getOrdersStatus: fields differ: expected but missing: orderId (required): item left out",
        "hypersku getOrdersStatus: fields differ: got and unknown: orderID (kept as it came)",
    ]


def test_a_single_answer_missing_a_required_field_names_field_and_operation(
    hook: Callable[[Any], HyperSkuHook],
) -> None:
    order = {
        "thirdOrderId": "S-1",
        "logisticsId": "1001",
        "shippingAddress": {
            "firstName": "A",
            "lastName": "B",
            "countryCode": "US",
            "province": "CA",
            "city": "C",
            "address1": "D",
            "zipCode": "1",
            "phone": "2",
        },
        "skuItems": [{"skuId": "SKU", "num": 1}],
    }
    # a create whose answer cannot be read is treated as lost (looked up, never resent blind)
    with pytest.raises(TransportError) as caught:
        hook({"orderBaseInfo": {"orderID": "1"}}).create_order(order)
    assert "hypersku create: fields differ: expected but missing: orderBaseInfo.orderId (required)" in str(
        caught.value
    )


def test_a_look_up_by_own_id_stays_strict(hook: Callable[[Any], HyperSkuHook]) -> None:
    """Absent would let a create be sent again: a drifted look-up row fails the look-up."""
    with pytest.raises(ResponseError, match="getOrdersByExternalOrderId: fields differ"):
        hook([{"orderID": "1", "storeOrderId": "S-1"}]).find_order("S-1")


def test_an_undocumented_status_is_unknown_with_its_raw_value(
    hook: Callable[[Any], HyperSkuHook], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING"):
        made = hook([{"orderId": "1", "status": 99}])
        assert made.fetch_statuses(["1"]) == {"1": "99"}  # kept raw: a sensor keeps waiting on it
        made.fetch_statuses(["1"])
    assert made.status_label("99") == "unknown (99)"
    assert made.status_label("5") == "5"
    assert drift_warnings(caplog) == [
        "hypersku getOrdersStatus: unknown status: 99 is in no documented status table; "
        "reported as 'unknown' with its raw value"
    ]


def test_the_doctor_records_what_the_logs_say(hook: Callable[[Any], HyperSkuHook]) -> None:
    with drift.recording() as seen:
        hook([{"orderID": "1", "status": 99}, {"orderId": "2", "status": 99}]).get_orders_status(["1", "2"])
    assert (seen.missing, seen.unknown, seen.statuses) == ({"orderId"}, {"orderID"}, {"99"})


def test_moved_path_variants() -> None:
    variants = list(path_variants("/api/customer/admin/product/getProductInfo"))
    assert variants[0] == "/api/customer/admin/product/getProductInfoV2"
    assert "/api/customer/admin/product/get-product-info" in variants
    assert "/api/customer/admin/product/get_product_info" in variants
    assert "/cncop/trace/v2/logistics-orders" in path_variants("/cncop/trace/v1/logistics-orders")
