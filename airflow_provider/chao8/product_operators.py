"""
超8 product operators (基础资料/商品): sync a catalogue, enable / disable / delete products.

Imported on every DAG parse (through :mod:`airflow_provider.chao8.operators`): only operator
bases at module level; hooks and models are imported inside the methods, when a task runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider.chao8.base_operator import Chao8Operator
from airflow_provider.chao8.sync_operator_base import Chao8SyncBase
from airflow_provider.common.operator_bases import BulkOperator

if TYPE_CHECKING:
    from airflow_provider.chao8.hooks import Chao8Hook
    from airflow_provider.chao8.models import BatchResult, ProductUpsert
    from airflow_provider.common.results import ItemResult


class Chao8SyncProductsOperator(Chao8SyncBase):
    """
    Sync a product catalogue to 超8 商品 with 通过商品编号新增/修改商品信息(批量)V3.

    The catalogue comes as a list (or XCom) of ``{productCode, productName, spec?, barcode?}``
    or as a JSON / CSV file (header row with those field names). Every product is validated
    first; then each chunk is looked up with 根据商品编号查询(批量)V3 (to tell created from
    updated) and upserted in one call. An empty catalogue skips the task.

    XCom (return value): ``{"counts": {"created", "updated", "failed"}, "results": [{key
    (productCode), outcome, error}], "file"?}`` (with ``results_path``: the results go to that
    JSON-lines file and XCom keeps the counts and the failures), pushed before the task fails
    when any product failed. With ``output_path`` every product's result also goes to that JSON
    file, whose path is under ``file``.

    :param products: the catalogue (templated, XCom works); or give ``path``.
    :param path: a ``.json`` or ``.csv`` file (local or ObjectStoragePath URL; templated).
    :param chunk_size: products per batch call (1-200, default 100).
    :param output_path: optional JSON file for the per-product results (templated).
    :param results_path: optional JSON-lines file for the results, keeping XCom small (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: chunks in flight at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("products",)

    template_fields: Sequence[str] = ("products", "path", "output_path", "results_path")
    action = "sync 超8 products"
    items_param = "products"
    key_field = "productCode"

    def __init__(self, *, products: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if products is None and self.path is None:
            raise ValueError("give products or path")
        self.products = products

    def request_model(self) -> type[ProductUpsert]:
        from airflow_provider.chao8.models import ProductUpsert

        return ProductUpsert

    def item_key(self, item: ProductUpsert) -> str:
        return str(item.product_code)

    async def existing_keys(self, hook: Chao8Hook, keys: list[str]) -> set[str]:
        return {str(found.product_code) for found in await hook.aquery_products(keys)}

    async def upsert(self, hook: Chao8Hook, chunk: list[ProductUpsert]) -> BatchResult:
        return await hook.aupsert_products(chunk)


class Chao8ProductsStatusOperator(Chao8Operator, BulkOperator[Any]):
    """
    Enable, disable or delete 超8 products by code (通过商品编号启用 / 禁用 / 删除(批量)V3).

    Codes go in batches of ``chunk_size`` (one call per batch); every code gets its own result:
    ``ok``, or ``failed`` with 超8's reason (an unknown code). An empty input skips the task.

    XCom (return value): ``{"counts": {"ok", "failed"}, "results": [{key (productCode), outcome,
    error}]}``, pushed before the task fails on any failure.

    :param product_codes: one code, a list, or a product sync's report (templated, XCom works).
    :param action_name: ``"enable"``, ``"disable"`` or ``"delete"``.
    :param chunk_size: codes per call (1-200, default 100).
    :param results_path: optional JSON-lines file for the per-product results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("products",)

    template_fields: Sequence[str] = ("product_codes", "results_path")
    resumes_from_checkpoint = True
    action = "enable / disable / delete 超8 products"
    items_param = "product_codes"
    actions: ClassVar[dict[str, str]] = {
        "enable": "aenable_products",
        "disable": "adisable_products",
        "delete": "adelete_products",
    }

    def __init__(self, *, product_codes: Any, action_name: str, chunk_size: int = 100, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if action_name not in self.actions:
            raise ValueError(f"action_name must be one of {sorted(self.actions)}, not {action_name!r}")
        if not 1 <= chunk_size <= 200:
            raise ValueError("chunk_size must be between 1 and 200")
        self.product_codes = product_codes
        self.action_name = action_name
        self.chunk_size = chunk_size

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="product_codes", report_field="key")

    def item_key(self, item: str) -> str:
        return item

    def items_per_call(self) -> int:
        return self.chunk_size

    async def run_item(self, hook: Chao8Hook, item: str) -> ItemResult:
        """One product code on its own (a chunk of one)."""
        return (await self.run_batch(hook, [item]))[0]

    async def run_batch(self, hook: Chao8Hook, chunk: list[str]) -> list[ItemResult]:
        """The action on one chunk of codes: ``ok`` each, or ``failed`` with 超8's reason."""
        from airflow_provider.common.errors import ApiError
        from airflow_provider.common.results import ItemResult, error_dict

        call = getattr(hook, self.actions[self.action_name])
        try:
            refused = (await call(chunk)).failed_keys()
        except ApiError as err:
            return [ItemResult(key=code, outcome="failed", error=error_dict(err)) for code in chunk]
        return [
            ItemResult(key=code, outcome="failed", error={"kind": "refused", "message": refused[code]})
            if code in refused
            else ItemResult(key=code, outcome="ok")
            for code in chunk
        ]
