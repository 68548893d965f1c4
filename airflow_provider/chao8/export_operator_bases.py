"""
The bases of the 超8 exports to JSON-lines files: rows read page after page
(:class:`Chao8ExportBase`), over a time window (:class:`Chao8WindowExportBase`) or for
several orders (:class:`Chao8OrdersExportBase`).

Imported on every DAG parse (through :mod:`airflow_provider.chao8.operators`): only operator
bases at module level; hooks and models are imported inside the methods, when a task runs.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.chao8.base_operator import Chao8Operator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.chao8.hooks import Chao8Hook


class Chao8ExportBase(Chao8Operator):
    """Rows read page after page and written as JSON lines to ``output_path``; XCom ``{"file", "rows"}``."""

    template_fields: Sequence[str] = ("output_path",)

    def __init__(self, *, output_path: str, page_size: int = 200, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 1 <= page_size <= 500:
            raise ValueError("page_size must be between 1 and 500")
        self.output_path = output_path
        self.page_size = page_size

    @abstractmethod
    def rows(self, hook: Chao8Hook) -> Any:
        """An async iterator of the rows (models or dicts)."""

    def execute(self, context: Context) -> dict[str, Any]:
        if not str(self.output_path or "").strip():
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(f"{self.task_id}: output_path is required")
        from typing import cast

        with self.session() as hook, self.fail_fast():
            self.prime_token(hook)
            rows = hook.run_async(self._collect(cast("Chao8Hook", hook)))
        from airflow_provider.common.results import write_results

        path = write_results(str(self.output_path), rows)
        self.log.info("%s: %d row(s) written to %s", self.task_id, len(rows), path)
        self.exported(context, path, rows=len(rows))
        return {"file": path, "rows": len(rows)}

    async def _collect(self, hook: Chao8Hook) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        async for row in self.rows(hook):
            out.append(
                row.model_dump(mode="json", by_alias=True) if hasattr(row, "model_dump") else dict(row)
            )
        return out


class Chao8WindowExportBase(Chao8ExportBase):
    """An export over a time window (``start_time`` / ``end_time``, templated)."""

    template_fields: Sequence[str] = ("output_path", "start_time", "end_time", "filters")

    def __init__(
        self,
        *,
        start_time: Any = None,
        end_time: Any = None,
        filters: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start_time = start_time
        self.end_time = end_time
        self.filters = filters or {}

    def window(self) -> dict[str, Any]:
        window = {"start_time": self.start_time or None, "end_time": self.end_time or None}
        return {**{k: v for k, v in window.items() if v is not None}, **dict(self.filters)}


class Chao8OrdersExportBase(Chao8ExportBase):
    """Rows of several orders (``order_nos``), each row tagged with its ``orderNo``."""

    template_fields: Sequence[str] = ("output_path", "order_nos")

    def __init__(self, *, order_nos: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order_nos = order_nos

    @abstractmethod
    def fetch(self, hook: Chao8Hook, order_no: str) -> Any: ...

    def execute(self, context: Context) -> dict[str, Any]:
        self._ids = self.ids_or_skip(self.order_nos, param="order_nos", report_field="key")
        return super().execute(context)

    async def rows(self, hook: Chao8Hook) -> Any:
        """Every order's rows, read ``max_concurrency`` orders at a time, in the orders' order."""

        async def one(order_no: str) -> list[dict[str, Any]]:
            return [
                {"orderNo": order_no, **row.model_dump(mode="json", by_alias=True)}
                async for row in self.fetch(hook, order_no)
            ]

        for rows in await hook.gather_limited(self._ids, one, limit=self.concurrency()):
            for row in rows:
                yield row
