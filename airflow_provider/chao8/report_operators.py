"""
超8 report exports to JSON-lines files: traceability reports (溯源报表), return-inbound orders
(退入单) and the stock movement summary (库存动态汇总).

Imported on every DAG parse (through :mod:`airflow_provider.chao8.operators`): only operator
bases at module level; hooks and models are imported inside the methods, when a task runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider.chao8.export_operator_bases import Chao8WindowExportBase

if TYPE_CHECKING:
    from airflow_provider.chao8.hooks import Chao8Hook


class Chao8ExportReportOperator(Chao8WindowExportBase):
    """
    Export a 超8 traceability report (溯源报表) to a JSON-lines file.

    ``report`` is ``"production"`` (生产统计报表: per product and batch), ``"inbound"``
    (入库统计报表: scanned inbound quantity per organisation and product) or ``"inbound_scans"``
    (入库扫码报表: one row per inbound scan). Every page is read; the file holds one row per line
    with the vendor's field names. An empty report writes an empty file.

    XCom (return value): ``{"file": the file's path, "rows": the number of rows}``.

    :param report: ``production``, ``inbound`` or ``inbound_scans``.
    :param output_path: the file to write (local path or ObjectStoragePath URL; templated).
    :param start_time: window start (datetime, date or text, e.g. ``{{ data_interval_start }}``;
        sent in Beijing time; templated).
    :param end_time: window end (templated).
    :param filters: more filters: ``product_code``, ``org_code`` (templated).
    :param page_size: rows per call (1-500, default 200).
    :param chao8_conn_id: the 超8 connection id.
    """

    #: the dataset it exports to files (an AssetAlias): see airflow_provider.common.assets
    asset_exports = ("report-exports",)

    def __init__(self, *, report: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        from airflow_provider.chao8.constants import REPORT_NAMES

        if report not in REPORT_NAMES:
            raise ValueError(f"report must be one of {sorted(REPORT_NAMES)}, not {report!r}")
        self.report = report

    def rows(self, hook: Chao8Hook) -> Any:
        fetch = getattr(hook, hook.REPORTS[self.report])
        window = self.window()
        return hook._awalk(lambda n: fetch(n, self.page_size, **window))


class Chao8ExportReturnInboundOrdersOperator(Chao8WindowExportBase):
    """
    Export 超8 return-inbound orders (退入单列表分页查询) of a time window to a JSON-lines file.

    XCom (return value): ``{"file": the file's path, "rows": the number of rows}``.

    :param output_path: the file to write (local path or ObjectStoragePath URL; templated).
    :param start_time: window start (templated).
    :param end_time: window end (templated).
    :param filters: more filters: ``status`` (templated).
    :param page_size: orders per call (1-500, default 200).
    :param chao8_conn_id: the 超8 connection id.
    """

    #: the dataset it exports to files (an AssetAlias): see airflow_provider.common.assets
    asset_exports = ("report-exports",)

    def rows(self, hook: Chao8Hook) -> Any:
        return hook.aiter_return_inbound_orders(self.page_size, **self.window())


class Chao8ExportStockMovementOperator(Chao8WindowExportBase):
    """
    Export 超8's stock movement summary (库存动态汇总) of a time window to a JSON-lines file.

    One row per organisation and product: ``orgCode``, ``productCode``, ``inboundQuantity``,
    ``outboundQuantity``, ``netQuantity``.

    XCom (return value): ``{"file": the file's path, "rows": the number of rows}``.

    :param output_path: the file to write (local path or ObjectStoragePath URL; templated).
    :param start_time: window start (templated).
    :param end_time: window end (templated).
    :param filters: more filters: ``org_code``, ``product_code`` (templated).
    :param chao8_conn_id: the 超8 connection id.
    """

    #: the dataset it exports to files (an AssetAlias): see airflow_provider.common.assets
    asset_exports = ("report-exports",)

    async def rows(self, hook: Chao8Hook) -> Any:
        for row in await hook.aget_stock_movement_summary(**self.window()):
            yield row
