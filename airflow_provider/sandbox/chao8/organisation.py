"""
超8 simulated organisation (基础资料/组织): dealers (经销商), stores (门店) and the organisations
that ship, state and rules, no HTTP.

Dealers are keyed by ``code`` (the seed's ``data/dealers.json`` loaded at start); a store needs a
dealer the sandbox knows; the shipping organisations are the seed's fixed ``SANDBOX_ORG_CODES``.
"""

from __future__ import annotations

from typing import Any

from airflow_provider.chao8 import constants as c
from airflow_provider.sandbox.chao8.rules import (
    Chao8Error,
    batch_answer,
    int_like,
    page_answer,
    page_args,
    require_batch,
    require_dict,
    required_codes,
)
from airflow_provider.sandbox.chao8.seed import SANDBOX_ORG_CODES
from airflow_provider.sandbox.chao8.state import Chao8State


class Organisation(Chao8State):
    """The organisation rules (dealers, stores) of :class:`~airflow_provider.sandbox.chao8.backend.Chao8Backend`."""

    # ------------------------------------------------------------------ dealers: query, sync
    def query_dealers(self, body: Any) -> list[dict[str, Any]]:
        codes = required_codes(body, "codes")
        rows = [self.store.get("dealers", code) for code in codes]
        return [dict(row) for row in rows if row is not None]

    def sync_dealers(self, body: Any) -> dict[str, Any]:
        items = require_batch(body)
        failures: list[dict[str, Any]] = []
        with self.store.lock:
            table = self.store.table("dealers")
            for item in items:
                values = {
                    name: str(item.get(name) or "").strip() if isinstance(item, dict) else ""
                    for name in ("code", "name", "region")
                }
                missing = [name for name, value in values.items() if not value]
                if missing:
                    failures.append(
                        {"code": values["code"] or None, "reason": f"{'、'.join(missing)}不能为空"}
                    )
                    continue
                row = table.setdefault(values["code"], {"code": values["code"], "status": 1})
                row.update(name=values["name"], region=values["region"])
                if isinstance(item, dict) and item.get("contact") is not None:
                    row["contact"] = item["contact"]
        return batch_answer(len(items), failures)

    # ------------------------------------------------------------------ dealers by code, pages, stores
    def _dealers_by_code(self, codes: list[str], change: Any) -> dict[str, Any]:
        failures = []
        with self.store.lock:
            table = self.store.table("dealers")
            for code in codes:
                if code not in table:
                    failures.append({"code": code, "reason": "经销商不存在"})
                else:
                    change(table, code)
        return batch_answer(len(codes), failures)

    def op_dealers_batch_delete(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> dict[str, Any]:
        return self._dealers_by_code(required_codes(body, "codes"), lambda table, code: table.pop(code))

    def op_dealers_batch_status(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> dict[str, Any]:
        query = require_dict(body)
        status = int_like(query.get("status"))
        if status not in (0, 1):
            raise Chao8Error(c.INVALID_PARAMS, "status必须为0(禁用)或1(启用)")
        return self._dealers_by_code(
            required_codes(query, "codes"), lambda table, code: table[code].update(status=status)
        )

    def _dealers_matching(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        rows = sorted(self.store.values("dealers"), key=lambda d: d["code"])
        keyword = str(query.get("keyword") or "").strip().lower()
        if keyword:
            rows = [d for d in rows if keyword in d["code"].lower() or keyword in str(d.get("name")).lower()]
        for name in ("region", "status"):
            if query.get(name) not in (None, ""):
                rows = [d for d in rows if str(d.get(name)) == str(query[name])]
        return [dict(d) for d in rows]

    def op_dealers_page(self, path: dict[str, str], params: dict[str, str], body: Any) -> dict[str, Any]:
        query = require_dict(body)
        page_num, page_size = page_args(query)
        return page_answer(self._dealers_matching(query), page_num, page_size)

    def op_dealers_count(self, path: dict[str, str], params: dict[str, str], body: Any) -> int:
        return len(self._dealers_matching(require_dict(body)))

    def op_organizations_batch_query(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> list[dict[str, Any]]:
        wanted = set(required_codes(body, "ids"))
        orgs = [{"id": code, "code": code, "name": code, "type": "warehouse"} for code in SANDBOX_ORG_CODES]
        orgs += [{"id": d["code"], **d, "type": "dealer"} for d in self.store.values("dealers")]
        orgs += [{"id": s["code"], **s, "type": "store"} for s in self.store.values("stores")]
        return [dict(org) for org in orgs if org["id"] in wanted]

    def op_stores_sync(self, path: dict[str, str], params: dict[str, str], body: Any) -> dict[str, Any]:
        items = require_batch(body)
        failures: list[dict[str, Any]] = []
        with self.store.lock:
            table = self.store.table("stores")
            for item in items:
                item = item if isinstance(item, dict) else {}
                values = {name: str(item.get(name) or "").strip() for name in ("code", "name", "dealerCode")}
                missing = [name for name, value in values.items() if not value]
                if missing:
                    failures.append(
                        {"code": values["code"] or None, "reason": f"{'、'.join(missing)}不能为空"}
                    )
                    continue
                if self.store.get("dealers", values["dealerCode"]) is None:
                    failures.append(
                        {"code": values["code"], "reason": f"经销商不存在: {values['dealerCode']}"}
                    )
                    continue
                row = table.setdefault(values["code"], {"code": values["code"], "status": 1})
                row.update(values)
                for name in ("region", "address", "contact"):
                    if item.get(name) is not None:
                        row[name] = item[name]
        return batch_answer(len(items), failures)
