"""The doctor's HyperSKU probes: every read of the customer API, with harmless parameters."""

from __future__ import annotations

from typing import Any

from airflow_provider.doctor.catalogue import PROBE_ID, Found, MissingInput, Probe, first


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
    result = hook.get_logistics_sku(request)
    found["logistics_id"] = first(result.options, "logistics_id")
    return result


#: the address of the doctor's own sandbox order: obviously not a person
PROBE_ADDRESS = {
    "firstName": "Doctor",
    "lastName": "Probe",
    "countryCode": "US",
    "province": "CA",
    "city": "Sandbox",
    "address1": "1 Probe Street",
    "zipCode": "94105",
    "phone": "0000000000",
}


def _create(hook: Any, found: Found) -> Any:
    if not found.get("sku") or not found.get("logistics_id"):
        raise MissingInput("no SKU or channel found by the reads: nothing to order")
    order = {
        "thirdOrderId": f"doctor-{found.get('run_id', 'probe')}",
        "logisticsId": found["logistics_id"],
        "shippingAddress": {**PROBE_ADDRESS, "countryCode": found.get("country") or "US"},
        "skuItems": [{"skuId": found["sku"], "num": 1}],
    }
    created = hook.create_order(order)
    found["created_id"] = created.order_base_info.order_id
    return created


def _update_address(hook: Any, found: Found) -> Any:
    address = {**PROBE_ADDRESS, "countryCode": found.get("country") or "US", "address1": "2 Probe Street"}
    return hook.update_order_address(_created(found), address)


def _cancel(hook: Any, found: Found) -> Any:
    return hook.cancel_order(_created(found))


def _created(found: Found) -> str:
    if not found.get("created_id"):
        raise MissingInput("the doctor's create did not succeed: nothing to change")
    return str(found["created_id"])


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
        Probe("create", _create, used_by_examples=True, writes=True),
        Probe("updateOrderAddress", _update_address, writes=True),
        Probe("cancelOrder", _cancel, writes=True),
    ]
