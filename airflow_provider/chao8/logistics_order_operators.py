"""
超8 logistics order operators (物流订单): create, complete, update, reset, delete, and export
their scans.

Imported on every DAG parse (through :mod:`airflow_provider.chao8.operators`): only operator
bases at module level; hooks and models are imported inside the methods, when a task runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.chao8.base_operator import Chao8Operator
from airflow_provider.chao8.export_operator_bases import Chao8OrdersExportBase
from airflow_provider.chao8.order_operator_bases import (
    Chao8CreateOrdersBase,
    Chao8OrderChangesBase,
    Chao8OrderNosBase,
    deleted_result,
)
from airflow_provider.common.operator_bases import BulkOperator

if TYPE_CHECKING:
    from airflow_provider.chao8.hooks import Chao8Hook
    from airflow_provider.chao8.models import LogisticsOrderCreate
    from airflow_provider.common.results import ItemResult


class Chao8CreateLogisticsOrdersOperator(Chao8CreateOrdersBase):
    """
    Create 超8 logistics orders (创建物流订单) in bulk, each at most once, keyed by your ``orderNo``.

    Every order is validated before any request (the error names the order and the field). A
    lost answer is followed by a look-up (物流订单详情) before any new attempt. 超8 refuses a
    reused ``orderNo``: that "duplicate" answer reads the existing order and counts as success
    (``existed``) when it matches the payload (type, organisations and product quantities), else
    the order fails as a conflict. An attempt that is not the first (or ``lookup_first=True``)
    looks every order up before sending any create. An empty input skips the task.

    XCom (return value): ``{"counts": {outcome: n}, "results": [{key (orderNo), outcome
    (created / existed / failed / unknown), id, status, error, data}]}`` (with ``results_path``:
    the results go to that JSON-lines file and XCom keeps the counts and the failures), pushed
    before the task fails on any failed or unknown order.

    :param orders: one order or a list (dicts with the vendor's field names ``orderNo``,
        ``orderType``, ``sourceOrgCode``, ``targetOrgCode``, ``products`` ...; templated, XCom works).
    :param lookup_first: look every order up by ``orderNo`` before creating (default: only on a retry).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: orders in flight at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("logistics-orders",)

    action = "create 超8 logistics orders"

    def request_model(self) -> type[LogisticsOrderCreate]:
        from airflow_provider.chao8.models import LogisticsOrderCreate

        return LogisticsOrderCreate

    async def create(self, hook: Chao8Hook, item: LogisticsOrderCreate) -> Any:
        return await hook.acreate_logistics_order(item)

    async def lookup(self, hook: Chao8Hook, item: LogisticsOrderCreate) -> Any:
        return await hook.aget_logistics_order(item.order_no)

    def matches(self, item: LogisticsOrderCreate, value: Any) -> bool:
        def lines(products: Sequence[Any]) -> dict[str, int]:
            totals: dict[str, int] = {}
            for line in products:
                totals[str(line.product_code)] = totals.get(str(line.product_code), 0) + int(line.quantity)
            return totals

        return (
            (value.order_type is None or int(value.order_type) == int(item.order_type))
            and value.source_org_code in (None, item.source_org_code)
            and value.target_org_code in (None, item.target_org_code)
            and (not value.products or lines(value.products) == lines(item.products))
        )


class Chao8CompleteLogisticsOrdersOperator(Chao8Operator, BulkOperator[str]):
    """
    Complete 超8 logistics orders (根据订单编号或Id完成订单): force them to status 2.

    An order that is already completed counts as success (a retried task is harmless); a
    cancelled order (status 3) or one that does not exist fails. An empty input skips.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome (ok / failed),
    status, data: {"already_completed": bool}}]}``, pushed before the task fails on any failure.

    :param order_nos: one ``orderNo``, a list, or a create operator's report (the ``orderNo`` of
        every created or existing order; templated, XCom works).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("logistics-orders",)

    template_fields: Sequence[str] = ("order_nos", "results_path")
    action = "complete 超8 logistics orders"
    items_param = "order_nos"

    def __init__(self, *, order_nos: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order_nos = order_nos

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="order_nos", report_field="key")

    def item_key(self, item: str) -> str:
        return item

    async def run_item(self, hook: Chao8Hook, item: str) -> ItemResult:
        from airflow_provider.chao8.constants import LOGISTICS_CANCELLED, LOGISTICS_COMPLETED
        from airflow_provider.common.errors import ApiError, NotFoundError
        from airflow_provider.common.results import ItemResult, error_dict

        try:
            state = await hook.acomplete_logistics_order(item)
        except NotFoundError:
            raise
        except ApiError as err:
            # "already completed" (or an answer lost after the platform acted): read the order
            try:
                order = await hook.aget_logistics_order(item)
            except ApiError:
                raise err from None
            status = None if order.status is None else str(order.status)
            if status == LOGISTICS_COMPLETED:
                return ItemResult(
                    key=item, outcome="ok", id=order.id, status=status, data={"already_completed": True}
                )
            failure = {**error_dict(err), "status": status}
            if status == LOGISTICS_CANCELLED:
                failure["message"] = f"order is cancelled (status 3): {err.message}"
            return ItemResult(key=item, outcome="failed", status=status, error=failure)
        status = LOGISTICS_COMPLETED if state.status is None else str(state.status)
        return ItemResult(key=item, outcome="ok", status=status, data={"already_completed": False})


class Chao8UpdateLogisticsOrdersOperator(Chao8OrderChangesBase):
    """
    Update 超8 logistics orders (修改物流订单) that have not started scanning (status 0).

    Each change is ``{orderNo, orderType?, businessType?, sourceOrgCode?, targetOrgCode?,
    products?, remark?}``, validated before any request. Idempotent on a retry; an order already
    scanning fails (state conflict). An empty input skips the task.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome (updated /
    failed), status, error}]}``, pushed before the task fails on any failure.

    :param changes: one change or a list (templated, XCom works).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("logistics-orders",)

    action = "update 超8 logistics orders"

    change_model_name = "LogisticsOrderUpdate"
    update_method = "aupdate_logistics_order"


class Chao8ResetLogisticsOrdersOperator(Chao8OrderNosBase):
    """
    Reset 超8 logistics orders (物流订单状态重置): back to created (status 0), scans cleared.

    Resetting is idempotent (a retried task resets again, harmlessly); a cancelled order fails.
    An empty input skips the task.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome (ok / failed),
    status ("0"), error}]}``, pushed before the task fails on any failure.

    :param order_nos: one ``orderNo``, a list, or a report (templated, XCom works).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("logistics-orders",)

    action = "reset 超8 logistics orders"

    async def run_item(self, hook: Chao8Hook, item: str) -> ItemResult:
        from airflow_provider.common.results import ItemResult

        state = await hook.areset_logistics_order(item)
        return ItemResult(key=item, outcome="ok", status=None if state.status is None else str(state.status))


class Chao8DeleteLogisticsOrdersOperator(Chao8OrderNosBase):
    """
    Delete 超8 logistics orders (删除物流订单) by ``orderNo``.

    An order that is already gone counts as success (``data.already_deleted``); a completed order
    is refused by 超8 and fails. An empty input skips the task.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome (ok / failed),
    data: {"already_deleted": bool}, error}]}``, pushed before the task fails on any failure.

    :param order_nos: one ``orderNo``, a list, or a create operator's report (templated, XCom works).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("logistics-orders",)

    action = "delete 超8 logistics orders"

    async def run_item(self, hook: Chao8Hook, item: str) -> ItemResult:
        return await deleted_result(item, hook.adelete_logistics_order)


class Chao8ExportScanDetailsOperator(Chao8OrdersExportBase):
    """
    Export the scan details of 超8 logistics orders (物流订单扫描明细) to a JSON-lines file.

    One line per scanned code: ``orderNo``, ``code``, ``productCode``, ``scannedAt``, ``operator``.
    An empty ``order_nos`` skips the task.

    XCom (return value): ``{"file": the file's path, "rows": the number of rows}``.

    :param order_nos: one ``orderNo``, a list, or a report (templated, XCom works).
    :param output_path: the file to write (local path or ObjectStoragePath URL; templated).
    :param page_size: scans per call (1-500, default 200).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: orders read at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it exports to files (an AssetAlias): see airflow_provider.common.assets
    asset_exports = ("scan-exports",)

    def fetch(self, hook: Chao8Hook, order_no: str) -> Any:
        return hook.aiter_logistics_order_scans(order_no, self.page_size)
