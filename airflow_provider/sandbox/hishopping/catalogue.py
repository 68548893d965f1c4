"""The HiShopping simulator's Temu goods catalogue: goods lists (filtered, paged) and goods with SKUs."""

from __future__ import annotations

from typing import Any

from airflow_provider.sandbox.hishopping.seed import CURRENCY, SANDBOX_GOODS
from airflow_provider.sandbox.hishopping.wire import SandboxAnswer, page_of, paged
from airflow_provider.sandbox.kit import SandboxBackend


class GoodsCatalogue(SandboxBackend):
    """The goods part of the HiShopping backend: the seeded catalogue by goods id."""

    goods: dict[str, dict[str, Any]]

    def list_goods(self, query: dict[str, Any]) -> dict[str, Any]:
        """One page of goods (without SKUs), optionally of one category or matching a keyword."""
        page, size = page_of(query)
        category = query.get("category_id")
        keyword = str(query.get("keyword") or "").lower()
        rows = [
            {key: value for key, value in item.items() if key != "skus"} | {"currency": CURRENCY}
            for item in SANDBOX_GOODS
            if (category in (None, "") or str(item["category_id"]) == str(category))
            and keyword in item["goods_name"].lower()
        ]
        return paged(rows, page, size)

    def goods_detail(self, goods_id: Any) -> dict[str, Any]:
        """A goods item with its SKUs (404 when unknown)."""
        item = self.goods.get(str(goods_id))
        if item is None:
            raise SandboxAnswer(404, f"goods {goods_id!r} not found", 404)
        return {**item, "currency": CURRENCY, "skus": [dict(sku) for sku in item["skus"]]}
