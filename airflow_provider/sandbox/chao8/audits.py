"""
超8 simulated anti-diversion audits (溯源体系/窜货稽查): state and rules, no HTTP.

An audit of a code found on sale in a region looks the code up among the scans of the outbound
orders: the dealer it was shipped to and that dealer's region say whether it is diverted (the
first two digits of the region codes differ). Records can be confirmed, queried by code and paged.
"""

from __future__ import annotations

from typing import Any

from airflow_provider.chao8 import constants as c
from airflow_provider.sandbox.chao8.logistics_orders import LogisticsOrders
from airflow_provider.sandbox.chao8.rules import (
    Chao8Error,
    page_answer,
    page_args,
    query_time,
    require_dict,
    required_codes,
    required_text,
)
from airflow_provider.sandbox.chao8.wire import wire_time


class Audits(LogisticsOrders):
    """The audit rules of :class:`~airflow_provider.sandbox.chao8.backend.Chao8Backend`."""

    def op_audit_configs(self, path: dict[str, str], params: dict[str, str], body: Any) -> dict[str, Any]:
        return {"regionLevel": "province", "channels": ["PDA", "MINI_PROGRAM", "WEB"], "autoConfirm": False}

    def _locate(self, code: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The outbound order and scan that shipped ``code``, if any."""
        now = self.clock.now()
        for row in self.store.values("logistics_orders"):
            if row["orderType"] != 1:
                continue
            for record in self._scan_records(row, now, 0, None):
                if record["code"] == code:
                    return row, record
        return None

    def op_audit_create(self, path: dict[str, str], params: dict[str, str], body: Any) -> dict[str, Any]:
        audit = require_dict(body)
        code, region = required_text(audit, "code"), required_text(audit, "region")
        found = self._locate(code)
        record: dict[str, Any] = {
            "id": self.new_id(),
            "code": code,
            "region": region,
            "address": audit.get("address"),
            "auditor": audit.get("auditor"),
            "remark": audit.get("remark"),
            "productCode": None,
            "orderNo": None,
            "dealerCode": None,
            "dealerRegion": None,
            "diverted": None,
            "status": 0,
            "result": None,
            "created": self.clock.now(),
            "confirmedAt": None,
        }
        if found is not None:
            row, scan = found
            dealer = self.store.get("dealers", row["targetOrgCode"]) or {}
            dealer_region = dealer.get("region")
            record.update(
                productCode=scan["productCode"],
                orderNo=row["orderNo"],
                dealerCode=row["targetOrgCode"],
                dealerRegion=dealer_region,
                diverted=None if not dealer_region else str(dealer_region)[:2] != region[:2],
            )
        self.store.insert("audits", record["id"], record)
        return self._audit_view(record)

    def _audit_view(self, record: dict[str, Any]) -> dict[str, Any]:
        view = {key: value for key, value in record.items() if key != "created"}
        view["createdAt"] = wire_time(record["created"])
        return view

    def op_audit_confirm(self, path: dict[str, str], params: dict[str, str], body: Any) -> dict[str, Any]:
        with self.store.lock:
            record = self.store.get("audits", path["audit_id"])
            if record is None:
                raise Chao8Error(c.ORDER_NOT_FOUND, f"稽查记录不存在(audit not found): {path['audit_id']}")
            if record["status"] != 1:
                result = body.get("result") if isinstance(body, dict) else None
                record.update(status=1, result=result, confirmedAt=self.now_text())
        return self._audit_view(record)

    def op_audit_records(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> list[dict[str, Any]]:
        codes = set(required_codes(body, "codes"))
        rows = sorted(self.store.values("audits"), key=lambda r: (r["created"], r["id"]))
        return [self._audit_view(r) for r in rows if r["code"] in codes]

    def op_audit_history_page(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> dict[str, Any]:
        query = require_dict(body)
        page_num, page_size = page_args(query)
        start = query_time(query.get("startTime"), "startTime")
        end = query_time(query.get("endTime"), "endTime")
        rows = sorted(self.store.values("audits"), key=lambda r: (r["created"], r["id"]))
        rows = [
            r
            for r in rows
            if (start is None or r["created"] >= start) and (end is None or r["created"] <= end)
        ]
        if query.get("diverted") is not None:
            rows = [r for r in rows if r["diverted"] is query["diverted"]]
        return page_answer([self._audit_view(r) for r in rows], page_num, page_size)
