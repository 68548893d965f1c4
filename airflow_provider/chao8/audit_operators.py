"""
超8 anti-diversion audit operators (稽查, 窜货稽查): audit codes found on sale, export the audit
history.

Imported on every DAG parse (through :mod:`airflow_provider.chao8.operators`): only operator
bases at module level; hooks and models are imported inside the methods, when a task runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.chao8.base_operator import Chao8Operator
from airflow_provider.chao8.export_operator_bases import Chao8WindowExportBase
from airflow_provider.common.operator_bases import BulkOperator

if TYPE_CHECKING:
    from airflow_provider.chao8.hooks import Chao8Hook
    from airflow_provider.common.results import BulkReport, ItemResult


class Chao8AuditCodesOperator(Chao8Operator, BulkOperator[Any]):
    """
    Audit codes found on sale (稽查, 窜货稽查): one audit record per code and region.

    Each audit is ``{code, region (行政区划编码 where found), address?, auditor?, remark?}``,
    validated before any request. 超8 answers whether the code was sold outside its dealer's
    region (``diverted``). An audit creates a record: a retried task audits again (records are
    history, not state). An empty input skips the task.

    XCom (return value): ``{"counts": {"ok", "failed"}, "results": [{key (code), outcome, id
    (the audit record), data: {"diverted", "dealerCode"}}], "diverted": [codes]}``, pushed before
    the task fails on any failure.

    :param audits: one audit or a list (templated, XCom works).
    :param results_path: optional JSON-lines file for the per-code results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("audits",)

    template_fields: Sequence[str] = ("audits", "results_path")
    action = "audit 超8 codes"
    items_param = "audits"

    def __init__(self, *, audits: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.audits = audits

    def validate_items(self, raw: Any) -> list[Any]:
        from airflow_provider.chao8.models import AuditCreate
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import validate_all

        return validate_all(AuditCreate, items_from(raw, param="audits"), id_field="code")

    def item_key(self, item: Any) -> str:
        return str(item.code)

    async def run_item(self, hook: Chao8Hook, item: Any) -> ItemResult:
        from airflow_provider.common.results import ItemResult

        record = await hook.acreate_audit(item)
        return ItemResult(
            key=item.code,
            outcome="ok",
            id=record.id,
            status=None if record.status is None else str(record.status),
            data={"diverted": record.diverted, "dealerCode": record.dealer_code},
        )

    def report_extra(self, report: BulkReport) -> dict[str, Any]:
        return {"diverted": [r.key for r in report.results if (r.data or {}).get("diverted")]}


class Chao8ExportAuditHistoryOperator(Chao8WindowExportBase):
    """
    Export 超8 anti-diversion audit records (查询稽查历史记录(并翻页)) to a JSON-lines file.

    XCom (return value): ``{"file": the file's path, "rows": the number of rows}``.

    :param output_path: the file to write (local path or ObjectStoragePath URL; templated).
    :param start_time: window start (templated).
    :param end_time: window end (templated).
    :param filters: more filters: ``diverted`` (``True`` for diverted codes only; templated).
    :param page_size: records per call (1-500, default 200).
    :param chao8_conn_id: the 超8 connection id.
    """

    #: the dataset it exports to files (an AssetAlias): see airflow_provider.common.assets
    asset_exports = ("audit-exports",)

    def rows(self, hook: Chao8Hook) -> Any:
        window = self.window()
        return hook._awalk(lambda n: hook.aget_audit_history_page(n, self.page_size, **window))
