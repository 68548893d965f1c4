"""
The HyperSKU simulator's catalogue and stock: products and their SKUs (``data/*.json``), stock per
SKU and warehouse (locked for orders, released when they close), stock movements, stock orders.
"""

from __future__ import annotations

import json
from typing import Any

from airflow_provider.sandbox.hypersku.answers import (
    Envelope,
    SandboxInputError,
    format_time,
    ok,
    order_id_of,
    page_of,
    paging,
    parse_time,
)
from airflow_provider.sandbox.hypersku.seed import (
    SANDBOX_PRIVATE_PRODUCTS,
    SANDBOX_PRODUCTS,
    SANDBOX_STOCK_ORDERS,
)
from airflow_provider.sandbox.kit import SandboxBackend

#: skuId -> the SKU with its product's ``productId`` and ``title``
SKUS: dict[str, dict[str, Any]] = {
    sku["skuId"]: {**sku, "productId": p["productId"], "title": p["title"]}
    for p in (*SANDBOX_PRODUCTS, *SANDBOX_PRIVATE_PRODUCTS)
    for sku in p["skus"]
}


def sku_lines(items: Any) -> list[dict[str, Any]]:
    """Validated ``skuItems``: each line the SKU (with its product) and ``num``, not yet from stock."""
    if not isinstance(items, list) or not items:
        raise SandboxInputError("skuItems must list at least one SKU")
    lines = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise SandboxInputError(f"skuItems[{index}] must be an object")
        sku_id = str(item.get("skuId") or "")
        if sku_id not in SKUS:
            raise SandboxInputError(f"skuItems[{index}].skuId {sku_id or '(missing)'} not found")
        num = item.get("num")
        if not isinstance(num, int) or isinstance(num, bool) or num <= 0:
            raise SandboxInputError(f"skuItems[{index}].num must be a positive integer")
        sku = SKUS[sku_id]
        lines.append({**sku, "num": num, "fromInventory": False})
    return lines


class HyperSkuStock(SandboxBackend):
    """Products and stock of :class:`~airflow_provider.sandbox.hypersku.backend.HyperSkuBackend`."""

    # state, set up by HyperSkuBackend.__init__
    #: skuId -> ``{warehouseName, available, locked}``
    inventory: dict[str, dict[str, Any]]

    def _record_movement(self, order_id: str, sku_id: str, num: int, kind: str, warehouse: str) -> None:
        with self.store.lock:
            rows = self.store.table("inventory_history").setdefault(order_id, [])
            rows.append(
                {
                    "orderId": order_id,
                    "skuId": sku_id,
                    "num": num if kind == "RELEASE" else -num,
                    "type": kind,
                    "warehouseName": warehouse,
                    "crtTime": format_time(self.clock.now()),
                    "remark": "locked for order" if kind == "LOCK" else "released: order closed",
                }
            )

    def stock_order_info(self, body: Any) -> Envelope:
        """Stock orders by ``orderId``, ``status`` and creation time (``startTime`` <= crtTime < ``endTime``)."""
        page, limit = paging(body)
        body = body if isinstance(body, dict) else {}
        wanted = body.get("orderId")
        start, end = (
            parse_time(body.get("startTime"), "startTime"),
            parse_time(body.get("endTime"), "endTime"),
        )
        status = body.get("status")
        rows = []
        for order in SANDBOX_STOCK_ORDERS:
            created = parse_time(order["crtTime"], "crtTime") or 0.0
            if wanted not in (None, "") and str(wanted) != order["orderId"]:
                continue
            if (start is not None and created < start) or (end is not None and created >= end):
                continue
            if status not in (None, "") and str(order["status"]) != str(status):
                continue
            rows.append(json.loads(json.dumps(order)))
        return page_of(rows, page, limit)

    def _inventory_rows(self, sku_id: str | None = None) -> list[dict[str, Any]]:
        rows = []
        for sku, stock in self.inventory.items():
            if sku_id and sku != sku_id:
                continue
            rows.append(
                {
                    "skuId": sku,
                    "productId": SKUS[sku]["productId"],
                    "goodsName": SKUS[sku]["title"],
                    "available": stock["available"],
                    "locked": stock["locked"],
                    "warehouseName": stock["warehouseName"],
                }
            )
        return rows

    def inventory_info(self, body: Any) -> Envelope:
        page, limit = paging(body)
        sku_id = body.get("skuId") if isinstance(body, dict) else None
        return page_of(self._inventory_rows(sku_id), page, limit)

    def customer_inventory(self, body: Any) -> Envelope:
        sku_id = body.get("skuId") if isinstance(body, dict) else None
        return ok(
            [
                {k: row[k] for k in ("skuId", "available", "locked", "warehouseName")}
                for row in self._inventory_rows(sku_id)
            ]
        )

    def inventory_history(self, body: Any) -> Envelope:
        """Stock movements an order caused, by its ``orderId``."""
        order_id = order_id_of(body)
        if self.store.get("orders", order_id) is None:
            raise SandboxInputError(f"order {order_id} not found")
        return ok(list(self.store.table("inventory_history").get(order_id, [])))

    def _products(self, products: tuple[dict[str, Any], ...], body: Any) -> Envelope:
        page, limit = paging(body)
        keyword = str((body or {}).get("keyword") or "").strip().lower() if isinstance(body, dict) else ""
        rows = [
            p
            for p in products
            if not keyword
            or keyword in p["title"].lower()
            or any(keyword in s["skuId"].lower() for s in p["skus"])
        ]
        return page_of([json.loads(json.dumps(p)) for p in rows], page, limit)

    def product_info(self, body: Any) -> Envelope:
        return self._products(SANDBOX_PRODUCTS, body)

    def private_product(self, body: Any) -> Envelope:
        return self._products(SANDBOX_PRIVATE_PRODUCTS, body)
