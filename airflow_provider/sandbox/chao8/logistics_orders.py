"""
超8 simulated logistics orders (溯源体系/物流订单): state and rules, no HTTP.

An order goes 0 created -> 1 scanning -> 2 completed on the sandbox clock, its scans appearing
evenly while it scans; an ``orderNo`` containing ``CANCEL`` goes 0 -> 3 cancelled. Orders can be
completed, reset, changed (before scanning starts) and deleted (unless completed); the outbound
(type 1) and return-inbound (type 2) lists and the stock movement summary read them.
"""

from __future__ import annotations

import bisect
import itertools
import math
from typing import Any

from airflow_provider.chao8 import constants as c
from airflow_provider.sandbox.chao8.rules import (
    Chao8Error,
    check_page,
    int_like,
    page_answer,
    page_args,
    product_lines,
    query_time,
    require_dict,
    required_text,
    scan_code,
)
from airflow_provider.sandbox.chao8.seed import (
    LOGISTICS_CREATED_SECONDS,
    LOGISTICS_SCANNING_SECONDS,
    SCAN_OPERATORS,
)
from airflow_provider.sandbox.chao8.state import Chao8State
from airflow_provider.sandbox.chao8.wire import wire_time
from airflow_provider.sandbox.kit import Lifecycle

_NORMAL = Lifecycle(((0, LOGISTICS_CREATED_SECONDS), (1, LOGISTICS_SCANNING_SECONDS), (2, 0.0)))
_CANCELLED = Lifecycle(((0, LOGISTICS_CREATED_SECONDS), (3, 0.0)))


class LogisticsOrders(Chao8State):
    """The logistics-order rules of :class:`~airflow_provider.sandbox.chao8.backend.Chao8Backend`."""

    # ------------------------------------------------------------------ create and read
    def create_logistics_order(self, body: Any) -> dict[str, Any]:
        order = require_dict(body)
        order_no = required_text(order, "orderNo")
        order_type = int_like(order.get("orderType"))
        if order_type not in (1, 2, 3):
            raise Chao8Error(c.INVALID_PARAMS, "orderType必须为1(出库)、2(退货入库)或3(调拨)")
        source, target = required_text(order, "sourceOrgCode"), required_text(order, "targetOrgCode")
        lines = product_lines(order.get("products"))
        now = self.clock.now()
        row = {
            "id": self.new_id(),
            "orderNo": order_no,
            "orderType": order_type,
            "businessType": order.get("businessType"),
            "sourceOrgCode": source,
            "targetOrgCode": target,
            "products": lines,
            "remark": order.get("remark"),
            "created": now,
            "completed": None,
        }
        self._insert_order("logistics_orders", order_no, row)
        return {"id": row["id"], "orderNo": order_no, "status": self._logistics_status(row, now)}

    def _logistics_row(self, order_no: str) -> dict[str, Any]:
        row = self.store.get("logistics_orders", order_no)
        if row is None:
            raise Chao8Error(c.ORDER_NOT_FOUND, f"物流订单不存在(order not found): {order_no}")
        return dict(row)

    def _logistics_status(self, row: dict[str, Any], now: float) -> int:
        if row["completed"] is not None and now >= row["completed"]:
            return 2
        path = _CANCELLED if "CANCEL" in row["orderNo"].upper() else _NORMAL
        return int(path.status_at(row["created"], now))

    def _scanned_count(self, row: dict[str, Any], now: float) -> int:
        if "CANCEL" in row["orderNo"].upper():
            return 0
        total = sum(line["quantity"] for line in row["products"])
        if row["completed"] is not None:
            now = min(now, row["completed"])
        elapsed = now - row["created"] - LOGISTICS_CREATED_SECONDS
        if elapsed <= 0:
            return 0
        return min(total, math.floor(elapsed / LOGISTICS_SCANNING_SECONDS * total))

    def logistics_view(self, row: dict[str, Any], now: float | None = None) -> dict[str, Any]:
        now = self.clock.now() if now is None else now
        status = self._logistics_status(row, now)
        completed_at = None
        if status == 2:
            natural = row["created"] + LOGISTICS_CREATED_SECONDS + LOGISTICS_SCANNING_SECONDS
            completed_at = wire_time(row["completed"] if row["completed"] is not None else natural)
        return {
            "id": row["id"],
            "orderNo": row["orderNo"],
            "orderType": row["orderType"],
            "businessType": row["businessType"],
            "status": status,
            "sourceOrgCode": row["sourceOrgCode"],
            "targetOrgCode": row["targetOrgCode"],
            "products": [dict(line) for line in row["products"]],
            "scannedCount": self._scanned_count(row, now),
            "remark": row["remark"],
            "createdAt": wire_time(row["created"]),
            "completedAt": completed_at,
        }

    def logistics_order(self, order_no: str) -> dict[str, Any]:
        return self.logistics_view(self._logistics_row(order_no))

    def _scan_records(
        self, row: dict[str, Any], now: float, first: int, stop: int | None
    ) -> list[dict[str, Any]]:
        """The scans ``first`` to ``stop`` (``None``: all) of an order that have happened by ``now``."""
        count = self._scanned_count(row, now)
        lines = row["products"]
        bounds = list(itertools.accumulate(line["quantity"] for line in lines))
        total = bounds[-1] if bounds else 0
        start = row["created"] + LOGISTICS_CREATED_SECONDS
        records = []
        for index in range(first, count if stop is None else min(count, stop)):
            which = bisect.bisect_right(bounds, index)
            line = lines[which]
            within = index - (bounds[which - 1] if which else 0)
            codes = line.get("codes") or []
            code = codes[within] if within < len(codes) else scan_code(row["orderNo"], index)
            records.append(
                {
                    "code": code,
                    "productCode": line["productCode"],
                    "scannedAt": wire_time(start + (index + 1) * LOGISTICS_SCANNING_SECONDS / total),
                    "operator": SCAN_OPERATORS[index % len(SCAN_OPERATORS)],
                }
            )
        return records

    def logistics_scans(self, order_no: str, page_num: int, page_size: int) -> dict[str, Any]:
        row = self._logistics_row(order_no)
        check_page(page_num, page_size)
        now = self.clock.now()
        records = self._scan_records(row, now, (page_num - 1) * page_size, page_num * page_size)
        return {
            "total": self._scanned_count(row, now),
            "pageNum": page_num,
            "pageSize": page_size,
            "list": records,
        }

    def complete_logistics_order(self, order_no: str) -> dict[str, Any]:
        with self.store.lock:
            row = self._logistics_row(order_no)
            now = self.clock.now()
            status = self._logistics_status(row, now)
            if status == 3:
                raise Chao8Error(
                    c.ORDER_STATE_CONFLICT, f"订单已取消，不能完成(order is cancelled): {order_no}"
                )
            if status == 2:
                raise Chao8Error(
                    c.ORDER_STATE_CONFLICT, f"订单已完成，请勿重复操作(order already completed): {order_no}"
                )
            self.store.table("logistics_orders")[order_no]["completed"] = now
        return {"orderNo": order_no, "status": 2}

    def update_logistics_order(self, order_no: str, body: Any) -> dict[str, Any]:
        changes = require_dict(body)
        with self.store.lock:
            row = self._logistics_row(order_no)
            if self._logistics_status(row, self.clock.now()) != 0:
                raise Chao8Error(
                    c.ORDER_STATE_CONFLICT, f"订单已开始作业，不能修改(order already in progress): {order_no}"
                )
            update: dict[str, Any] = {}
            if "orderType" in changes:
                order_type = int_like(changes["orderType"])
                if order_type not in (1, 2, 3):
                    raise Chao8Error(c.INVALID_PARAMS, "orderType必须为1(出库)、2(退货入库)或3(调拨)")
                update["orderType"] = order_type
            for name in ("sourceOrgCode", "targetOrgCode"):
                if name in changes:
                    update[name] = required_text(changes, name)
            if "products" in changes:
                update["products"] = product_lines(changes["products"])
            for name in ("businessType", "remark"):
                if name in changes:
                    update[name] = changes[name]
            self.store.table("logistics_orders")[order_no].update(update)
        return self.logistics_order(order_no)

    def delete_logistics_order(self, order_no: str) -> None:
        with self.store.lock:
            row = self._logistics_row(order_no)
            if self._logistics_status(row, self.clock.now()) == 2:
                raise Chao8Error(
                    c.ORDER_STATE_CONFLICT, f"已完成的订单不能删除(order is completed): {order_no}"
                )
            self.store.delete("logistics_orders", order_no)

    def outbound_page(self, body: Any) -> dict[str, Any]:
        return self._orders_page(require_dict(body), order_type=1)

    def _orders_page(self, query: dict[str, Any], order_type: int) -> dict[str, Any]:
        """A page of the logistics orders of one type (出库单 1, 退入单 2) in the query's window."""
        page_num, page_size = page_args(query)
        status = query.get("status")
        now = self.clock.now()
        views = [
            self.logistics_view(row, now) for row in self._window(query) if row["orderType"] == order_type
        ]
        if status not in (None, ""):
            views = [view for view in views if str(view["status"]) == str(status)]
        return page_answer(views, page_num, page_size)

    def orders_by_no(self, order_no: str) -> list[dict[str, Any]]:
        """Every logistics order created with ``orderNo`` (several only when duplicates are accepted)."""
        rows = self.store.table("logistics_orders")
        return [row for key, row in rows.items() if key.split("#", 1)[0] == order_no]

    # ------------------------------------------------------------------ reset, by id, return inbound, stock
    def op_logistics_order_reset(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> dict[str, Any]:
        order_no = path["order_no"]
        with self.store.lock:
            row = self._logistics_row(order_no)
            if self._logistics_status(row, self.clock.now()) == 3:
                raise Chao8Error(
                    c.ORDER_STATE_CONFLICT, f"已取消的订单不能重置(order is cancelled): {order_no}"
                )
            self.store.table("logistics_orders")[order_no].update(created=self.clock.now(), completed=None)
        return {"orderNo": order_no, "status": 0}

    def op_logistics_order_detail_by_id(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> dict[str, Any]:
        for row in self.store.values("logistics_orders"):
            if row["id"] == path["order_id"]:
                return self.logistics_view(row)
        raise Chao8Error(c.ORDER_NOT_FOUND, f"物流订单不存在(order not found): id {path['order_id']}")

    def op_logistics_return_inbound_page(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> dict[str, Any]:
        return self._orders_page(require_dict(body), order_type=2)

    def op_logistics_order_code_relations(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> list[dict[str, Any]]:
        row = self._logistics_row(path["order_no"])
        return [
            {**record, "orderNo": row["orderNo"]}
            for record in self._scan_records(row, self.clock.now(), 0, None)
        ]

    def _window(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Logistics orders created inside the query's ``startTime``/``endTime`` window."""
        start = query_time(query.get("startTime"), "startTime")
        end = query_time(query.get("endTime"), "endTime")
        rows = sorted(self.store.values("logistics_orders"), key=lambda r: (r["created"], r["orderNo"]))
        return [
            row
            for row in rows
            if (start is None or row["created"] >= start) and (end is None or row["created"] <= end)
        ]

    def _line_scans(self, row: dict[str, Any], now: float) -> list[tuple[str, int]]:
        """``(productCode, scanned quantity)`` of each line of an order."""
        left = self._scanned_count(row, now)
        out = []
        for line in row["products"]:
            done = min(left, line["quantity"])
            out.append((line["productCode"], done))
            left -= done
        return out

    def op_stock_movement_summary(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> list[dict[str, Any]]:
        query = body if isinstance(body, dict) else {}
        now = self.clock.now()
        totals: dict[tuple[str, str], list[int]] = {}
        for row in self._window(query):
            for product_code, scanned in self._line_scans(row, now):
                if row["orderType"] in (2, 3):
                    totals.setdefault((row["targetOrgCode"], product_code), [0, 0])[0] += scanned
                if row["orderType"] in (1, 3):
                    totals.setdefault((row["sourceOrgCode"], product_code), [0, 0])[1] += scanned
        rows = [
            {
                "orgCode": org,
                "productCode": product,
                "inboundQuantity": inbound,
                "outboundQuantity": outbound,
                "netQuantity": inbound - outbound,
            }
            for (org, product), (inbound, outbound) in sorted(totals.items())
        ]
        for name in ("orgCode", "productCode"):
            if query.get(name):
                rows = [r for r in rows if r[name] == query[name]]
        return rows
