"""
超8 simulated products (基础资料/商品): state and rules, no HTTP.

Products are keyed by ``productCode`` (the seed's ``data/products.json`` loaded at start): listed
by keyword, read, added or updated one at a time or in batches, enabled, disabled or deleted by
code in batches (a code the sandbox does not know is a failure line of the batch answer).
"""

from __future__ import annotations

from typing import Any

from airflow_provider.chao8 import constants as c
from airflow_provider.sandbox.chao8.rules import (
    Chao8Error,
    batch_answer,
    page_answer,
    page_args,
    require_batch,
    require_dict,
    required_codes,
    required_text,
)
from airflow_provider.sandbox.chao8.state import Chao8State


class Products(Chao8State):
    """The product rules of :class:`~airflow_provider.sandbox.chao8.backend.Chao8Backend`."""

    # ------------------------------------------------------------------ list, add or update, query
    def products_page(self, body: Any) -> dict[str, Any]:
        query = require_dict(body)
        page_num, page_size = page_args(query)
        keyword = str(query.get("keyword") or "").strip().lower()
        rows = sorted(self.store.values("products"), key=lambda p: p["productCode"])
        if keyword:
            rows = [
                p
                for p in rows
                if keyword in p["productCode"].lower() or keyword in str(p["productName"]).lower()
            ]
        return page_answer([dict(p) for p in rows], page_num, page_size)

    def upsert_products(self, body: Any) -> dict[str, Any]:
        items = require_batch(body)
        failures: list[dict[str, Any]] = []
        with self.store.lock:
            table = self.store.table("products")
            for item in items:
                code = str(item.get("productCode") or "").strip() if isinstance(item, dict) else ""
                name = str(item.get("productName") or "").strip() if isinstance(item, dict) else ""
                if not code or not name:
                    failures.append({"productCode": code or None, "reason": "商品编号和商品名称不能为空"})
                    continue
                row = table.setdefault(code, {"productCode": code, "status": 1})
                row["productName"] = name
                for field in ("spec", "barcode"):
                    if item.get(field) is not None:
                        row[field] = item[field]
        return batch_answer(len(items), failures)

    def query_products(self, body: Any) -> list[dict[str, Any]]:
        codes = required_codes(body, "productCodes")
        rows = [self.store.get("products", code) for code in codes]
        return [dict(row) for row in rows if row is not None]

    # ------------------------------------------------------------------ one product, batches by code
    def _product(self, code: str) -> dict[str, Any]:
        row = self.store.get("products", code)
        if row is None:
            raise Chao8Error(c.ORDER_NOT_FOUND, f"商品不存在(product not found): {code}")
        return dict(row)

    def op_product_detail(self, path: dict[str, str], params: dict[str, str], body: Any) -> dict[str, Any]:
        return self._product(path["product_code"])

    def op_product_upsert(self, path: dict[str, str], params: dict[str, str], body: Any) -> dict[str, Any]:
        item = require_dict(body)
        answer = self.upsert_products([item])
        if answer["failList"]:
            raise Chao8Error(c.INVALID_PARAMS, answer["failList"][0]["reason"])
        return self._product(required_text(item, "productCode"))

    op_product_upsert_v1 = op_product_upsert
    op_product_upsert_v2 = op_product_upsert

    def _products_by_code(self, body: Any, change: Any) -> dict[str, Any]:
        codes = required_codes(body, "productCodes")
        failures = []
        with self.store.lock:
            table = self.store.table("products")
            for code in codes:
                if code not in table:
                    failures.append({"productCode": code, "reason": "商品不存在"})
                else:
                    change(table, code)
        return batch_answer(len(codes), failures)

    def op_products_batch_delete(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> dict[str, Any]:
        return self._products_by_code(body, lambda table, code: table.pop(code))

    def op_products_batch_disable(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> dict[str, Any]:
        return self._products_by_code(body, lambda table, code: table[code].update(status=0))

    def op_products_batch_enable(
        self, path: dict[str, str], params: dict[str, str], body: Any
    ) -> dict[str, Any]:
        return self._products_by_code(body, lambda table, code: table[code].update(status=1))
