"""
HyperSKU's catalogue and stock levels: :class:`HyperSkuListProductsOperator` and
:class:`HyperSkuGetInventoryOperator`.

Light at DAG parse time: the hook and the models are imported inside methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.hypersku.base_operator import HyperSkuOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.hypersku.hooks import HyperSkuHook

#: what ``HyperSkuGetInventoryOperator(source=...)`` takes
INVENTORY_SOURCES = ("customer", "inventory")


class HyperSkuListProductsOperator(HyperSkuOperator):
    """
    Read the whole product catalogue (or your private products), page after page.

    Pushes to XCom ``{"count", "sku_ids": [...], "products": [{productId, title, skus:
    [{skuId, price, attributes}]}], "file"}``; with ``output_path`` the full products go to a
    JSON file (its path under ``file``) and ``products`` is left out of XCom.

    :param keyword: search keyword (templated).
    :param private: read ``getPrivateProduct`` (your sourced products) instead of ``getProductInfo``.
    :param output_path: folder for the full product JSON (templated).
    :param page_size: rows per page.
    :param hypersku_conn_id: the HyperSKU connection id.
    """

    template_fields: Sequence[str] = ("keyword", "output_path")

    def __init__(
        self,
        *,
        keyword: str | None = None,
        private: bool = False,
        output_path: str | None = None,
        page_size: int = 50,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.keyword = keyword
        self.private = private
        self.output_path = output_path
        self.page_size = page_size

    def execute(self, context: Context) -> dict[str, Any]:
        with self.session() as hook, self.fail_fast():
            products = hook.list_products(
                keyword=self.keyword or None, private=self.private, limit=self.page_size
            )
        payload: dict[str, Any] = {
            "count": len(products),
            "sku_ids": [sku.sku_id for product in products for sku in product.skus],
            "file": None,
        }
        if self.output_path:
            full = [p.model_dump(mode="json", by_alias=True) for p in products]
            payload["file"] = self.write_file(context, "hypersku_products", full)
        else:
            payload["products"] = [product.compact() for product in products]
        self.log.info("Read %d HyperSKU product(s), %d SKU(s)", payload["count"], len(payload["sku_ids"]))
        return payload


class HyperSkuGetInventoryOperator(HyperSkuOperator):
    """
    Read stock levels per SKU and warehouse.

    ``source="customer"`` (default) reads ``getCustomerInventoryInfo`` (your stock held by
    HyperSKU); ``source="inventory"`` walks ``getInventoryInfo`` page after page (one walk per
    SKU when ``sku_ids`` is given, with bounded concurrency).

    Pushes to XCom ``{"count", "rows": [{skuId, available, locked, warehouseName}],
    "available": {skuId: total available}, "file"}``; with ``output_path`` the rows go to a JSON
    file (its path under ``file``) instead of XCom (``available`` stays).

    :param sku_ids: only these SKUs (templated); all when omitted.
    :param source: ``customer`` or ``inventory``.
    :param output_path: folder for the rows as JSON (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    """

    template_fields: Sequence[str] = ("sku_ids", "output_path")

    def __init__(
        self, *, sku_ids: Any = None, source: str = "customer", output_path: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if source not in INVENTORY_SOURCES:
            raise ValueError(f"source must be one of {INVENTORY_SOURCES}, not {source!r}")
        self.sku_ids = sku_ids
        self.source = source
        self.output_path = output_path

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.common.inputs import ids_from

        with self.fail_fast():
            skus = ids_from(self.sku_ids, param="sku_ids")
        with self.session() as hook, self.fail_fast():
            rows = hook.run_async(self._read(hook, skus))
        available: dict[str, int] = {}
        for row in rows:
            if row["skuId"]:
                available[row["skuId"]] = available.get(row["skuId"], 0) + int(row["available"] or 0)
        payload: dict[str, Any] = {"count": len(rows), "available": available, "file": None}
        if self.output_path:
            payload["file"] = self.write_file(context, "hypersku_inventory", rows)
        else:
            payload["rows"] = rows
        self.log.info("Read %d HyperSKU stock row(s) for %d SKU(s)", len(rows), len(available))
        return payload

    async def _read(self, hook: HyperSkuHook, skus: list[str]) -> list[dict[str, Any]]:
        """Stock rows ``{skuId, available, locked, warehouseName}`` of ``skus`` (all when empty)."""
        rows: list[Any]
        if self.source == "customer":
            rows = [r for r in await hook.aget_customer_inventory_info() if not skus or r.sku_id in skus]
        elif not skus:
            rows = await hook.alist_inventory()
        else:

            async def walk(sku_id: str) -> list[Any]:
                return [r for r in await hook.alist_inventory(sku_id=sku_id) if r.sku_id in (None, sku_id)]

            walks = await hook.gather_limited(skus, walk, limit=self.concurrency())
            rows = [row for found in walks for row in found]
        return [
            {
                "skuId": r.sku_id,
                "available": r.available,
                "locked": r.locked,
                "warehouseName": r.warehouse_name,
            }
            for r in rows
        ]
