"""
SuperShip tracking: :class:`SuperShipGetTrackingOperator` reads the status, COD figures and
journey of many orders (compact in XCom, in full to a JSON file).

Light at DAG parse time: the hook and the models are imported inside methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.common.operator_bases import BulkOperator
from airflow_provider.supership.base_operator import SuperShipOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.common.results import BulkReport, ItemResult
    from airflow_provider.supership.hooks import SuperShipHook

#: what ``SuperShipGetTrackingOperator(lookup_by=...)`` takes
LOOKUP_BY = ("code", "soc")


class SuperShipGetTrackingOperator(SuperShipOperator, BulkOperator[str]):
    """
    Read the status, COD figures and journey of many orders (order info, bounded concurrency).

    XCom stays compact: ``{"counts", "results": [{"key": the id asked, "outcome": ok | failed,
    "id": SuperShip code, "status", "data": {soc, status_name, amount (COD expected),
    collection, collected, value, fee, insurance, return_fee, journeys (count), last_event
    {time, status, note}, updated_at}}]}``, plus ``"file"`` when ``output_path`` is given: the
    full order infos with every journey step are then written as JSON to a file under that
    folder (any ``ObjectStoragePath`` URL, e.g. ``file:///data/tracking`` or ``s3://bucket/tracking``;
    a path ending in ``.json`` is used as the file itself). The file holds receiver names and
    addresses: choose its location accordingly. An empty input skips.

    :param codes: SuperShip order codes (or socs with ``lookup_by="soc"``), templated; the XCom
        of :class:`SuperShipCreateOrdersOperator` works too.
    :param supership_conn_id: the SuperShip connection id.
    :param lookup_by: ``code`` (info ``type=1``) or ``soc`` (``type=2``).
    :param output_path: folder (or ``.json`` file) for the full journeys (templated).
    :param on_invalid: ``"stop"`` (default), ``"report"`` or ``"allow"``: what invalid input does
        (see :class:`~airflow_provider.common.operator_bases.BulkOperator`).
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param max_concurrency: info calls in flight at once.
    """

    template_fields: Sequence[str] = ("codes", "output_path", "results_path")
    ui_color = "#e2f0fd"
    action = "SuperShip tracking"
    items_param = "codes"

    def __init__(
        self, *, codes: Any, lookup_by: str = "code", output_path: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if lookup_by not in LOOKUP_BY:
            raise ValueError(f"lookup_by must be 'code' or 'soc', not {lookup_by!r}")
        self.codes = codes
        self.lookup_by = lookup_by
        self.output_path = output_path
        self._journeys: dict[str, Any] = {}
        self._file: str | None = None

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="codes", report_field="key" if self.lookup_by == "soc" else "id")

    def item_key(self, item: str) -> str:
        return item

    async def run_item(self, hook: SuperShipHook, item: str) -> ItemResult:
        from airflow_provider.common.results import ItemResult

        info = await hook.aget_order(item, lookup_by="soc" if self.lookup_by == "soc" else "code")
        self._journeys[item] = info.model_dump(mode="json", by_alias=True)
        return ItemResult(key=item, outcome="ok", id=info.code, status=info.status, data=info.tracking())

    def finish(self, context: Context, report: BulkReport) -> dict[str, Any]:
        self._file = self._write(context) if self.output_path and self._journeys else None
        return super().finish(context, report)

    def report_extra(self, report: BulkReport) -> dict[str, Any]:
        return {"file": self._file} if self._file else {}

    def _write(self, context: Context) -> str:
        import json
        import re
        from datetime import UTC, datetime

        from airflow.sdk import ObjectStoragePath

        target = str(self.output_path)
        if not target.endswith(".json"):
            ti = context.get("ti")
            parts = [
                "supership-tracking",
                str(getattr(context.get("dag"), "dag_id", "") or ""),
                str(getattr(ti, "task_id", "") or self.task_id),
                str(context.get("run_id") or datetime.now(UTC).strftime("%Y%m%dT%H%M%S")),
            ]
            map_index = getattr(ti, "map_index", -1)
            if isinstance(map_index, int) and map_index >= 0:
                parts.append(str(map_index))
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(p for p in parts if p)) + ".json"
            target = target.rstrip("/") + "/" + name
        path = ObjectStoragePath(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"generated_at": datetime.now(UTC).isoformat(), "orders": self._journeys}
        with path.open("w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=1)
        self.log.info("Wrote the journeys of %d order(s) to %s", len(self._journeys), path)
        return str(path)
