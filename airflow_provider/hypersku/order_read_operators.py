"""
Per-order reads of HyperSKU, many orders with bounded concurrency: international tracking
(:class:`HyperSkuGetTrackingOperator`) and the stock movements each order caused
(:class:`HyperSkuGetInventoryHistoryOperator`), on one base that writes the full records to a
JSON file.

Light at DAG parse time: the hook and the models are imported inside methods.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider.common.operator_bases import BulkOperator
from airflow_provider.hypersku.base_operator import HyperSkuOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.common.results import BulkReport, ItemResult
    from airflow_provider.hypersku.hooks import HyperSkuHook


class HyperSkuPerOrderReadOperator(HyperSkuOperator, BulkOperator[str]):
    """
    Base of the operators that read one record per order id with bounded concurrency and put
    the full records in one JSON file under ``output_path`` (its path in XCom under ``file``).

    Subclasses set :attr:`file_prefix` and implement :meth:`read`, returning the compact
    ``ItemResult`` and the full record of one id.
    """

    #: the JSON file's name starts with this
    file_prefix: ClassVar[str] = ""

    def __init__(self, *, output_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.output_path = output_path
        self._records: dict[str, Any] = {}
        self._file: str | None = None

    def item_key(self, item: str) -> str:
        return item

    @abstractmethod
    async def read(self, hook: HyperSkuHook, item: str) -> tuple[ItemResult, Any]:
        """The compact result of ``item`` and its full record (JSON-ready) for the file."""

    async def run_item(self, hook: HyperSkuHook, item: str) -> ItemResult:
        result, record = await self.read(hook, item)
        self._records[item] = record
        return result

    def finish(self, context: Context, report: BulkReport) -> dict[str, Any]:
        if self.output_path:
            self._file = self.write_file(context, self.file_prefix, self._records)
        return super().finish(context, report)

    def report_extra(self, report: BulkReport) -> dict[str, Any]:
        return {"file": self._file}


class HyperSkuGetTrackingOperator(HyperSkuPerOrderReadOperator):
    """
    Fetch the international tracking of many orders with bounded concurrency.

    Tracking is looked up by ``storeOrderId``, i.e. your ``thirdOrderId``. Without
    ``output_path`` the XCom report carries, per order, the tracking number, carrier, event
    count, the last event and the latest ``events_in_xcom`` events (compact). With
    ``output_path`` the full histories go to a JSON file in that folder (any
    ``ObjectStoragePath`` URL: a local path, ``s3://...``) and XCom carries its path under
    ``file`` plus the compact summary without the event lists. An empty input skips the task.

    Pushes to XCom ``{"counts", "results": [{key (storeOrderId), outcome (ok/failed), status
    (tracked/no_tracking), data: {trackingNumber, carrier, eventCount, lastEvent, events}}],
    "file"}``.

    :param store_order_ids: one ``thirdOrderId`` or a list (templated; a create report works).
    :param output_path: folder for the full histories (templated).
    :param events_in_xcom: latest events per order kept in XCom when there is no file.
    :param on_invalid: ``"stop"`` (default), ``"report"`` or ``"allow"``: what invalid input does
        (see :class:`~airflow_provider.common.operator_bases.BulkOperator`).
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: tracking calls in flight at once.
    """

    action = "HyperSKU tracking"
    items_param = "store_order_ids"
    file_prefix = "hypersku_tracking"
    template_fields: Sequence[str] = ("store_order_ids", "output_path", "results_path")

    def __init__(self, *, store_order_ids: Any, events_in_xcom: int = 10, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store_order_ids = store_order_ids
        self.events_in_xcom = events_in_xcom

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="store_order_ids", report_field="key", report_key="third_order_ids")

    async def read(self, hook: HyperSkuHook, item: str) -> tuple[ItemResult, Any]:
        from airflow_provider.common.results import ItemResult

        info = await hook.aget_international_logistics(item)
        events = info.sorted_tracks()
        data: dict[str, Any] = {
            "trackingNumber": info.tracking_number,
            "carrier": info.express_delivery,
            "eventCount": len(events),
        }
        if events:
            data["lastEvent"] = events[-1].compact()
        if self.events_in_xcom > 0 and not self.output_path:
            data["events"] = [event.compact() for event in events[-self.events_in_xcom :]]
        tracked = bool(info.tracking_number or events)
        result = ItemResult(key=item, outcome="ok", status="tracked" if tracked else "no_tracking", data=data)
        return result, info.model_dump(mode="json", by_alias=True)


class HyperSkuGetInventoryHistoryOperator(HyperSkuPerOrderReadOperator):
    """
    Read the stock movements orders caused (``getInventoryHistoryByOrderId``), many orders with
    bounded concurrency.

    An order that ships from your stock held by HyperSKU locks that stock (a negative ``num``);
    cancelling it releases the stock again (a positive ``num``). Without ``output_path`` the XCom
    report carries, per order, the movement count, the net quantity per SKU and the latest
    ``rows_in_xcom`` movements (compact). With ``output_path`` every movement goes to a JSON file
    in that folder (``{orderId: [OrderInventoryHistoryDto]}``; any ``ObjectStoragePath`` URL) and
    XCom carries its path under ``file`` plus the counts without the rows. Order ids are
    validated before any request; an empty input skips the task.

    Pushes to XCom ``{"counts", "results": [{key (orderId), outcome (ok/failed), status
    (moved/no_movement), data: {movements, netBySku: {skuId: num}, rows: [{skuId, num, type,
    warehouseName, time}]}}], "file"}``, before failing on any failed order (an unknown order id
    fails that order only).

    :param order_ids: one HyperSKU ``orderId`` or a list (templated): a create report works
        (its ``order_ids``), as do ``"id1,id2"`` and a JSON list.
    :param output_path: folder for the full histories (templated).
    :param rows_in_xcom: latest movements per order kept in XCom when there is no file.
    :param on_invalid: ``"stop"`` (default), ``"report"`` or ``"allow"``: what invalid input does
        (see :class:`~airflow_provider.common.operator_bases.BulkOperator`).
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: history calls in flight at once.
    """

    action = "HyperSKU inventory history"
    items_param = "order_ids"
    file_prefix = "hypersku_inventory_history"
    template_fields: Sequence[str] = ("order_ids", "output_path", "results_path")

    def __init__(self, *, order_ids: Any, rows_in_xcom: int = 20, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if int(rows_in_xcom) < 0:
            raise ValueError(f"rows_in_xcom must be 0 or more, not {rows_in_xcom!r}")
        self.order_ids = order_ids
        self.rows_in_xcom = int(rows_in_xcom)

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="order_ids", report_key="order_ids")

    async def read(self, hook: HyperSkuHook, item: str) -> tuple[ItemResult, Any]:
        from airflow_provider.common.results import ItemResult

        rows = await hook.aget_inventory_history_by_order_id(item)
        rows.sort(key=lambda row: (row.crt_time is None, row.crt_time or 0))
        net: dict[str, int] = {}
        for row in rows:
            if row.sku_id is not None:
                net[row.sku_id] = net.get(row.sku_id, 0) + (row.num or 0)
        data: dict[str, Any] = {"movements": len(rows), "netBySku": net}
        if self.rows_in_xcom > 0 and not self.output_path:
            data["rows"] = [row.compact() for row in rows[-self.rows_in_xcom :]]
        result = ItemResult(
            key=item, outcome="ok", id=item, status="moved" if rows else "no_movement", data=data
        )
        return result, [row.model_dump(mode="json", by_alias=True) for row in rows]
