"""The doctor's HyperSKU probes: every read of the customer API, with harmless parameters."""

from __future__ import annotations

from typing import Any

from airflow_provider.doctor.catalogue import PROBE_ID, Found, Probe, first


def _products(hook: Any, found: Found) -> Any:
    page = hook.get_product_info(1, 5)
    for product in page.items:
        if product.skus:
            found.setdefault("sku", product.skus[0].sku_id)
    return page


def _private(hook: Any, found: Found) -> Any:
    page = hook.get_private_product(1, 5)
    for product in page.items:
        if product.skus:
            found.setdefault("sku", product.skus[0].sku_id)
    return page


def _countries(hook: Any, found: Found) -> Any:
    countries = hook.get_country_codes()
    found["country"] = first(countries, "country_code")
    return countries


def _logistics(hook: Any, found: Found) -> Any:
    request = {
        "countryCode": found.get("country") or "US",
        "skuItems": [{"skuId": str(found.get("sku") or PROBE_ID), "num": 1}],
    }
    return hook.get_logistics_sku(request)


def _orders(hook: Any, found: Found) -> Any:
    page = hook.get_order_infos(1, 20)
    found["order_ids"] = [order.order_id for order in page.items][:5]
    found["store_order_id"] = first(page.items, "own_id")
    return page


def probes(hook: Any) -> list[Probe]:
    return [
        Probe("getCountryCode", _countries),
        Probe("getProductInfo", _products),
        Probe("getPrivateProduct", _private),
        Probe("getLogisticsSku", _logistics, used_by_examples=True),
        Probe("getOrderInfos", _orders),
        Probe(
            "getOrdersStatus",
            lambda h, f: h.get_orders_status(f.get("order_ids") or [PROBE_ID]),
            used_by_examples=True,
        ),
        Probe(
            "getOrdersByExternalOrderId",
            lambda h, f: h.get_orders_by_external_order_id(PROBE_ID),
            used_by_examples=True,
        ),
        Probe(
            "internationalLogisticsInfo",
            lambda h, f: h.get_international_logistics(f.get("store_order_id") or PROBE_ID),
            used_by_examples=True,
            by_probe_id=True,
        ),
        Probe("getStockOrderInfo", lambda h, f: h.get_stock_order_info(1, 5)),
        Probe("getInventoryInfo", lambda h, f: h.get_inventory_info(1, 5)),
        Probe("getCustomerInventoryInfo", lambda h, f: h.get_customer_inventory_info()),
        Probe(
            "getInventoryHistoryByOrderId",
            lambda h, f: h.get_inventory_history_by_order_id((f.get("order_ids") or [PROBE_ID])[0]),
            by_probe_id=True,
        ),
        Probe("create", lambda h, f: None, used_by_examples=True, writes=True),
        Probe("cancelOrder", lambda h, f: None, writes=True),
        Probe("updateOrderAddress", lambda h, f: None, writes=True),
    ]
