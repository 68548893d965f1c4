"""
HiShopping goods operator: Temu goods with their SKUs and prices, by id or by category.

Imported on every DAG parse (through :mod:`airflow_provider.hishopping.operators`): only
operator bases at module level; the hook, the models and the trigger are imported when a task
runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.hishopping.base_operator import HiShoppingOperator, task_failure

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.hishopping.hooks import HiShoppingHook
    from airflow_provider.hishopping.models import Goods


class HiShoppingGoodsOperator(HiShoppingOperator):
    """
    Read Temu goods with their SKUs and prices: given goods ids, or every goods of a category.

    Pushes to XCom ``{"count", "goods": [{goods_id, goods_name, category_id, price, currency,
    skus: [{sku_id, spec, price, stock}]}]}``, or ``{"count", "goods_ids", "file"}`` when
    ``output_path`` is given (the full goods go to a JSON file there, its path under ``file``).
    No ``goods_ids`` (none or empty), no category and no keyword: the task skips.

    :param goods_ids: one goods id or a list (templated; XCom works).
    :param category_id: read every goods of this category instead (templated).
    :param keyword: with ``category_id`` or alone: only goods whose name contains it (templated).
    :param output_path: folder for the JSON file (templated).
    :param api: ``auto``, ``open`` or ``web``.
    :param hishopping_conn_id: the connection.
    """

    template_fields: Sequence[str] = ("goods_ids", "category_id", "keyword", "output_path")

    def __init__(
        self,
        *,
        goods_ids: Any = None,
        category_id: Any = None,
        keyword: str | None = None,
        output_path: str | None = None,
        api: str = "auto",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.goods_ids = goods_ids
        self.category_id = category_id
        self.keyword = keyword
        self.output_path = output_path
        self.api = api

    def ids(self) -> list[Any]:
        """The goods ids (numbers where they are numbers, as the API takes them)."""
        from airflow_provider.common.inputs import ids_from
        from airflow_provider.common.models import InputError

        try:
            ids = ids_from(self.goods_ids, param="goods_ids")
        except InputError as err:
            raise task_failure(f"{self.task_id}: {err}") from err
        return [int(goods_id) if goods_id.isdigit() else goods_id for goods_id in ids]

    def execute(self, context: Context) -> dict[str, Any]:
        import json

        ids = self.ids()
        if not ids and self.category_id in (None, "") and not self.keyword:
            from airflow.sdk.exceptions import AirflowSkipException

            raise AirflowSkipException("goods_ids: nothing to do (no ids, no category_id, no keyword)")
        with self.hishopping() as hook:
            api = hook.resolve_api(self.api)
            if api == "web":
                self.prime_token(hook)
            goods, missing = hook.run_async(self._read(hook, api, ids))
        if missing:
            raise task_failure(f"goods not found: {', '.join(str(m) for m in missing)}")
        self.log.info("%d goods read with %d SKUs", len(goods), sum(len(g.skus) for g in goods))
        if not self.output_path:
            return {"count": len(goods), "goods": [item.compact() for item in goods]}
        rows = [item.model_dump(mode="json") for item in goods]
        run = str(context.get("run_id") or "manual").replace(":", "_").replace("+", "_")
        path = self.write_output(
            self.output_path, f"hishopping_goods_{run}.json", json.dumps(rows, ensure_ascii=False, indent=1)
        )
        return {"count": len(goods), "goods_ids": [item.goods_id for item in goods], "file": path}

    async def _read(self, hook: HiShoppingHook, api: Any, ids: list[Any]) -> tuple[list[Goods], list[Any]]:
        """Each goods with its SKUs (the category's goods when no ids); the ids not found."""
        from airflow_provider.common.errors import NotFoundError

        if not ids:
            listed = await hook.alist_all_goods_any(
                category_id=self.category_id or None, keyword=self.keyword, api=api
            )
            ids = [item.goods_id for item in listed]

        async def read(goods_id: Any) -> Goods | None:
            try:
                return await hook.agoods_any(goods_id, api=api)
            except NotFoundError:
                return None

        found = await hook.gather_limited(ids, read, limit=self.concurrency())
        missing = [goods_id for goods_id, item in zip(ids, found, strict=True) if item is None]
        return [item for item in found if item is not None], missing
