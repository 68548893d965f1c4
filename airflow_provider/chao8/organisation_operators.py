"""
超8 organisation operators (组织): sync dealers (经销商) and stores (门店).

Imported on every DAG parse (through :mod:`airflow_provider.chao8.operators`): only operator
bases at module level; hooks and models are imported inside the methods, when a task runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.chao8.sync_operator_base import Chao8SyncBase

if TYPE_CHECKING:
    from airflow_provider.chao8.hooks import Chao8Hook
    from airflow_provider.chao8.models import BatchResult, DealerSync
    from airflow_provider.common.models import ApiModel
    from airflow_provider.common.results import ItemResult


class Chao8SyncDealersOperator(Chao8SyncBase):
    """
    Sync dealers (经销商, under 组织) to 超8 with 同步经销商.

    The list comes as dicts (or XCom) of ``{code, name, region, contact?}`` or as a JSON / CSV
    file. Each chunk is looked up with 根据编码批量查询经销商 first (created vs updated), then
    synced in one call. An empty list skips the task.

    XCom (return value): ``{"counts": {"created", "updated", "failed"}, "results": [{key (code),
    outcome, error}], "file"?}``, pushed before the task fails when any dealer failed.

    :param dealers: the dealers (templated, XCom works); or give ``path``.
    :param path: a ``.json`` or ``.csv`` file (local or ObjectStoragePath URL; templated).
    :param chunk_size: dealers per batch call (1-200, default 100).
    :param output_path: optional JSON file for the per-dealer results (templated).
    :param results_path: optional JSON-lines file for the results, keeping XCom small (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: chunks in flight at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("dealers",)

    template_fields: Sequence[str] = ("dealers", "path", "output_path", "results_path")
    action = "sync 超8 dealers"
    items_param = "dealers"
    key_field = "code"

    def __init__(self, *, dealers: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if dealers is None and self.path is None:
            raise ValueError("give dealers or path")
        self.dealers = dealers

    def request_model(self) -> type[DealerSync]:
        from airflow_provider.chao8.models import DealerSync

        return DealerSync

    def item_key(self, item: DealerSync) -> str:
        return str(item.code)

    async def existing_keys(self, hook: Chao8Hook, keys: list[str]) -> set[str]:
        return {str(found.code) for found in await hook.aquery_dealers(keys)}

    async def upsert(self, hook: Chao8Hook, chunk: list[DealerSync]) -> BatchResult:
        return await hook.async_dealers(chunk)


class Chao8SyncStoresOperator(Chao8SyncBase):
    """
    Sync stores (门店, under 组织) to 超8 with 同步门店.

    The list comes as dicts (or XCom) of ``{code, name, dealerCode, region?, address?,
    contact?}`` or as a JSON / CSV file. 超8 has no store query by code in its navigation, so
    every synced store is reported ``synced`` (not created vs updated); a store whose dealer is
    unknown is refused by 超8 and fails. An empty list skips the task.

    XCom (return value): ``{"counts": {"synced", "failed"}, "results": [{key (code), outcome,
    error}], "file"?}``, pushed before the task fails when any store failed.

    :param stores: the stores (templated, XCom works); or give ``path``.
    :param path: a ``.json`` or ``.csv`` file (local or ObjectStoragePath URL; templated).
    :param chunk_size: stores per batch call (1-200, default 100).
    :param output_path: optional JSON file for the per-store results (templated).
    :param results_path: optional JSON-lines file for the results, keeping XCom small (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: chunks in flight at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("stores",)

    template_fields: Sequence[str] = ("stores", "path", "output_path", "results_path")
    action = "sync 超8 stores"
    items_param = "stores"
    key_field = "code"
    counted = ("synced", "failed")

    def __init__(self, *, stores: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if stores is None and self.path is None:
            raise ValueError("give stores or path")
        self.stores = stores

    def request_model(self) -> type[ApiModel]:
        from airflow_provider.chao8.models import StoreSync

        return StoreSync

    def item_key(self, item: Any) -> str:
        return str(item.code)

    async def existing_keys(self, hook: Chao8Hook, keys: list[str]) -> set[str]:
        return set()

    async def upsert(self, hook: Chao8Hook, chunk: list[Any]) -> BatchResult:
        return await hook.async_stores(chunk)

    async def run_batch(self, hook: Chao8Hook, chunk: list[Any]) -> list[ItemResult]:
        results = await super().run_batch(hook, chunk)
        return [r.model_copy(update={"outcome": "synced"}) if r.outcome == "created" else r for r in results]
