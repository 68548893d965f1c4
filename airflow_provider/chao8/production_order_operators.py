"""
超8 production order operators (生产订单): create, update, delete, and export their codes.

Imported on every DAG parse (through :mod:`airflow_provider.chao8.operators`): only operator
bases at module level; hooks and models are imported inside the methods, when a task runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider.chao8.export_operator_bases import Chao8OrdersExportBase
from airflow_provider.chao8.order_operator_bases import (
    Chao8CreateOrdersBase,
    Chao8OrderChangesBase,
    Chao8OrderNosBase,
    deleted_result,
)

if TYPE_CHECKING:
    from airflow_provider.chao8.hooks import Chao8Hook
    from airflow_provider.chao8.models import ProductionOrderCreate
    from airflow_provider.common.results import ItemResult


class Chao8CreateProductionOrdersOperator(Chao8CreateOrdersBase):
    """
    Create 超8 production orders (创建生产订单), each at most once, keyed by your ``orderNo``.

    Same guarantees as
    :class:`~airflow_provider.chao8.operators.Chao8CreateLogisticsOrdersOperator`: validation before any
    request, a look-up (生产订单详情) after a lost answer and before any create on a retried
    attempt, a matching duplicate counts as ``existed``; an empty input skips.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome, id, status}]}``.

    :param orders: one production order or a list (``orderNo``, ``productCode``, ``quantity``,
        ``batchNo``, ``productionDate``; templated, XCom works).
    :param lookup_first: look every order up by ``orderNo`` before creating (default: only on a retry).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: orders in flight at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("production-orders",)

    action = "create 超8 production orders"

    def request_model(self) -> type[ProductionOrderCreate]:
        from airflow_provider.chao8.models import ProductionOrderCreate

        return ProductionOrderCreate

    async def create(self, hook: Chao8Hook, item: ProductionOrderCreate) -> Any:
        return await hook.acreate_production_order(item)

    async def lookup(self, hook: Chao8Hook, item: ProductionOrderCreate) -> Any:
        return await hook.aget_production_order(item.order_no)

    def matches(self, item: ProductionOrderCreate, value: Any) -> bool:
        return (
            value.product_code in (None, item.product_code)
            and value.quantity in (None, item.quantity)
            and value.batch_no in (None, item.batch_no)
            and value.production_date in (None, item.production_date)
        )


class Chao8UpdateProductionOrdersOperator(Chao8OrderChangesBase):
    """
    Update 超8 production orders (更新生产订单) while they are pending (status 0).

    Each change is ``{orderNo, productCode?, quantity?, batchNo?, productionDate?}``, validated
    before any request (the error names the order and the field). Updating is idempotent: a
    retried task sends the same values again. An order already in production fails (state
    conflict). An empty input skips the task.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome (updated /
    failed), status, error}]}``, pushed before the task fails on any failure.

    :param changes: one change or a list (templated, XCom works).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("production-orders",)

    action = "update 超8 production orders"

    change_model_name = "ProductionOrderUpdate"
    update_method = "aupdate_production_order"


class Chao8DeleteProductionOrdersOperator(Chao8OrderNosBase):
    """
    Delete 超8 production orders (删除生产订单) by ``orderNo``.

    An order that is already gone counts as success (``data.already_deleted``: a retried task is
    harmless); a completed order is refused by 超8 and fails. An empty input skips the task.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome (ok / failed),
    data: {"already_deleted": bool}, error}]}``, pushed before the task fails on any failure.

    :param order_nos: one ``orderNo``, a list, or a create operator's report (templated, XCom works).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("production-orders",)

    action = "delete 超8 production orders"

    async def run_item(self, hook: Chao8Hook, item: str) -> ItemResult:
        return await deleted_result(item, hook.adelete_production_order)


class Chao8ExportProductionOrderCodesOperator(Chao8OrdersExportBase):
    """
    Export the codes of 超8 production orders (生产订单数码明细) to a JSON-lines file.

    One line per code: ``orderNo``, ``code``, ``productCode``, ``batchNo``, ``producedAt``. An
    empty ``order_nos`` skips the task.

    XCom (return value): ``{"file": the file's path, "rows": the number of rows}``.

    :param order_nos: one ``orderNo``, a list, or a create operator's report (templated, XCom works).
    :param output_path: the file to write (local path or ObjectStoragePath URL; templated).
    :param page_size: codes per call (1-500, default 200).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: orders read at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it exports to files (an AssetAlias): see airflow_provider.common.assets
    asset_exports = ("code-exports",)

    def fetch(self, hook: Chao8Hook, order_no: str) -> Any:
        return hook.aiter_production_order_codes(order_no, self.page_size)
