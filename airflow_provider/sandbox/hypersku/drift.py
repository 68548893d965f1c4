"""What the HyperSKU simulator changes with drift on (``--drift``, ``PUT /_sandbox/drift``)."""

from __future__ import annotations

from typing import Any

from airflow_provider.sandbox.kit.drift import DriftPlan

ORDERS = "/api/customer/admin/orders"


def _other_envelope(body: Any) -> Any:
    """AG-Admin's ``{status, message, data}`` as ``{code, msg, result}``."""
    if not isinstance(body, dict):
        return body
    return {"code": 0, "msg": body.get("message", "success"), "result": body.get("data")}


DRIFT_PLAN = DriftPlan(
    # the created order's id, and the order rows of the lists and of the look-up
    renamed=("orderId", "orderID"),
    rename_paths=(f"{ORDERS}/create", f"{ORDERS}/getOrderInfos", f"{ORDERS}/getOrdersByExternalOrderId"),
    moved=("/api/customer/admin/product/getProductInfo", "/api/customer/admin/product/getProductInfoV2"),
    status_path=f"{ORDERS}/status",
    status_key="status",
    status_id_key="orderId",
    status_value=99,
    status_drop=("statusName",),
    business_path=f"{ORDERS}/getStockOrderInfo",
    business_answer={"status": 40999, "message": "stock orders are read from the new WMS", "rel": False},
    envelope_path=f"{ORDERS}/getCustomerInventoryInfo",
    rewrap=_other_envelope,
)
