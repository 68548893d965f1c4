"""
超8 simulated production orders (溯源体系/生产订单): state and rules, no HTTP.

An order goes 0 pending -> 1 producing -> 2 completed on the sandbox clock, its codes made evenly
while it produces (``CANCEL`` in the ``orderNo``: 0 -> 3). A pending order can be changed; any
but a completed one deleted.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime
from typing import Any

from airflow_provider.chao8 import constants as c
from airflow_provider.sandbox.chao8.rules import (
    Chao8Error,
    page_answer,
    page_args,
    require_dict,
    required_text,
    scan_code,
)
from airflow_provider.sandbox.chao8.seed import PRODUCTION_PENDING_SECONDS, PRODUCTION_RUNNING_SECONDS
from airflow_provider.sandbox.chao8.state import Chao8State
from airflow_provider.sandbox.chao8.wire import wire_time
from airflow_provider.sandbox.kit import Lifecycle

_NORMAL = Lifecycle(((0, PRODUCTION_PENDING_SECONDS), (1, PRODUCTION_RUNNING_SECONDS), (2, 0.0)))
_CANCELLED = Lifecycle(((0, PRODUCTION_PENDING_SECONDS), (3, 0.0)))


class ProductionOrders(Chao8State):
    """The production-order rules of :class:`~airflow_provider.sandbox.chao8.backend.Chao8Backend`."""

    # ------------------------------------------------------------------ create and read
    def create_production_order(self, body: Any) -> dict[str, Any]:
        order = require_dict(body)
        order_no = required_text(order, "orderNo")
        product_code = required_text(order, "productCode")
        quantity = order.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise Chao8Error(c.INVALID_PARAMS, "quantity必须为正整数")
        batch_no = required_text(order, "batchNo")
        production_date = required_text(order, "productionDate")
        try:
            datetime.strptime(production_date[:10], "%Y-%m-%d")
        except ValueError as err:
            raise Chao8Error(c.INVALID_PARAMS, "productionDate格式应为yyyy-MM-dd") from err
        now = self.clock.now()
        row = {
            "id": self.new_id(),
            "orderNo": order_no,
            "productCode": product_code,
            "quantity": quantity,
            "batchNo": batch_no,
            "productionDate": production_date[:10],
            "created": now,
        }
        self._insert_order("production_orders", order_no, row)
        return {"id": row["id"], "orderNo": order_no, "status": 0}

    def production_view(self, row: dict[str, Any], now: float | None = None) -> dict[str, Any]:
        now = self.clock.now() if now is None else now
        cancelled = "CANCEL" in row["orderNo"].upper()
        path = _CANCELLED if cancelled else _NORMAL
        status = int(path.status_at(row["created"], now))
        elapsed = now - row["created"] - PRODUCTION_PENDING_SECONDS
        produced = (
            0
            if cancelled or elapsed <= 0
            else min(row["quantity"], math.floor(elapsed / PRODUCTION_RUNNING_SECONDS * row["quantity"]))
        )
        done_at = row["created"] + PRODUCTION_PENDING_SECONDS + PRODUCTION_RUNNING_SECONDS
        return {
            "id": row["id"],
            "orderNo": row["orderNo"],
            "productCode": row["productCode"],
            "quantity": row["quantity"],
            "batchNo": row["batchNo"],
            "productionDate": row["productionDate"],
            "status": status,
            "producedCount": produced,
            "createdAt": wire_time(row["created"]),
            "completedAt": wire_time(done_at) if status == 2 else None,
        }

    def production_order(self, order_no: str) -> dict[str, Any]:
        row = self.store.get("production_orders", order_no)
        if row is None:
            raise Chao8Error(c.ORDER_NOT_FOUND, f"生产订单不存在(order not found): {order_no}")
        return self.production_view(row)

    def production_page(self, body: Any) -> dict[str, Any]:
        query = require_dict(body)
        page_num, page_size = page_args(query)
        now = self.clock.now()
        rows = sorted(self.store.values("production_orders"), key=lambda r: (r["created"], r["orderNo"]))
        views = [self.production_view(row, now) for row in rows]
        for name in ("status", "productCode", "batchNo"):
            if query.get(name) not in (None, ""):
                views = [view for view in views if str(view[name]) == str(query[name])]
        return page_answer(views, page_num, page_size)

    # ------------------------------------------------------------------ change, delete, codes, statistics
    def _production_row(self, order_no: str) -> dict[str, Any]:
        row = self.store.get("production_orders", order_no)
        if row is None:
            raise Chao8Error(c.ORDER_NOT_FOUND, f"生产订单不存在(order not found): {order_no}")
        return dict(row)

    def op_production_order_update(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> dict[str, Any]:
        order_no = path["order_no"]
        changes = require_dict(body)
        with self.store.lock:
            row = self._production_row(order_no)
            if self.production_view(row)["status"] != 0:
                raise Chao8Error(
                    c.ORDER_STATE_CONFLICT,
                    f"订单已开始生产，不能修改(order already in production): {order_no}",
                )
            update: dict[str, Any] = {}
            for name in ("productCode", "batchNo"):
                if name in changes:
                    update[name] = required_text(changes, name)
            if "quantity" in changes:
                quantity = changes["quantity"]
                if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
                    raise Chao8Error(c.INVALID_PARAMS, "quantity必须为正整数")
                update["quantity"] = quantity
            if "productionDate" in changes:
                update["productionDate"] = required_text(changes, "productionDate")[:10]
            self.store.table("production_orders")[order_no].update(update)
        return self.production_order(order_no)

    def op_production_order_delete(self, path: dict[str, str], params: dict[str, str], body: Any) -> None:
        order_no = path["order_no"]
        with self.store.lock:
            row = self._production_row(order_no)
            if self.production_view(row)["status"] == 2:
                raise Chao8Error(
                    c.ORDER_STATE_CONFLICT, f"已完成的订单不能删除(order is completed): {order_no}"
                )
            self.store.delete("production_orders", order_no)

    def op_production_order_codes(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> dict[str, Any]:
        order_no = path["order_no"]
        row = self._production_row(order_no)
        page_num, page_size = page_args(params)
        view = self.production_view(row)
        start = row["created"] + PRODUCTION_PENDING_SECONDS
        step = PRODUCTION_RUNNING_SECONDS / row["quantity"]
        records = [
            {
                "code": scan_code(f"P:{order_no}", index),
                "productCode": row["productCode"],
                "batchNo": row["batchNo"],
                "producedAt": wire_time(start + (index + 1) * step),
            }
            for index in range((page_num - 1) * page_size, min(view["producedCount"], page_num * page_size))
        ]
        return {"total": view["producedCount"], "pageNum": page_num, "pageSize": page_size, "list": records}

    def op_production_order_statistics(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> dict[str, Any]:
        query = body if isinstance(body, dict) else {}
        views = [self.production_view(row) for row in self.store.values("production_orders")]
        if query.get("productCode"):
            views = [v for v in views if v["productCode"] == query["productCode"]]
        by_status = Counter(str(v["status"]) for v in views)
        return {
            "total": len(views),
            "byStatus": dict(by_status),
            "plannedQuantity": sum(v["quantity"] for v in views),
            "producedQuantity": sum(v["producedCount"] for v in views),
        }
