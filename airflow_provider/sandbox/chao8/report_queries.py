"""
超8 simulated traceability reports (溯源体系/溯源报表), computed from the orders: production per
product and batch, inbound quantities per organisation and product, and the inbound scans.
"""

from __future__ import annotations

from typing import Any

from airflow_provider.sandbox.chao8.logistics_orders import LogisticsOrders
from airflow_provider.sandbox.chao8.production_orders import ProductionOrders
from airflow_provider.sandbox.chao8.rules import page_answer, page_args, query_time, require_dict


class Reports(LogisticsOrders, ProductionOrders):
    """The report rules of :class:`~airflow_provider.sandbox.chao8.backend.Chao8Backend`."""

    def op_report_production(self, path: dict[str, str], params: dict[str, str], body: Any) -> dict[str, Any]:
        query = require_dict(body)
        page_num, page_size = page_args(query)
        start = query_time(query.get("startTime"), "startTime")
        end = query_time(query.get("endTime"), "endTime")
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        for row in self.store.values("production_orders"):
            if (start is not None and row["created"] < start) or (end is not None and row["created"] > end):
                continue
            if query.get("productCode") and row["productCode"] != query["productCode"]:
                continue
            view = self.production_view(row)
            product = self.store.get("products", row["productCode"]) or {}
            group = groups.setdefault(
                (row["productCode"], row["batchNo"]),
                {
                    "productCode": row["productCode"],
                    "productName": product.get("productName"),
                    "batchNo": row["batchNo"],
                    "orderCount": 0,
                    "plannedQuantity": 0,
                    "producedQuantity": 0,
                },
            )
            group["orderCount"] += 1
            group["plannedQuantity"] += row["quantity"]
            group["producedQuantity"] += view["producedCount"]
        return page_answer([groups[key] for key in sorted(groups)], page_num, page_size)

    def _inbound_orders(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        rows = [row for row in self._window(query) if row["orderType"] in (2, 3)]
        if query.get("orgCode"):
            rows = [row for row in rows if row["targetOrgCode"] == query["orgCode"]]
        return rows

    def op_report_inbound(self, path: dict[str, str], params: dict[str, str], body: Any) -> dict[str, Any]:
        query = require_dict(body)
        page_num, page_size = page_args(query)
        now = self.clock.now()
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        for row in self._inbound_orders(query):
            for product_code, scanned in self._line_scans(row, now):
                if query.get("productCode") and product_code != query["productCode"]:
                    continue
                group = groups.setdefault(
                    (row["targetOrgCode"], product_code),
                    {
                        "orgCode": row["targetOrgCode"],
                        "productCode": product_code,
                        "orderCount": 0,
                        "quantity": 0,
                    },
                )
                group["orderCount"] += 1
                group["quantity"] += scanned
        return page_answer([groups[key] for key in sorted(groups)], page_num, page_size)

    def op_report_inbound_scans(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> dict[str, Any]:
        query = require_dict(body)
        page_num, page_size = page_args(query)
        now = self.clock.now()
        records = [
            {**record, "orderNo": row["orderNo"], "orgCode": row["targetOrgCode"]}
            for row in self._inbound_orders(query)
            for record in self._scan_records(row, now, 0, None)
            if not query.get("productCode") or record["productCode"] == query["productCode"]
        ]
        return page_answer(records, page_num, page_size)
