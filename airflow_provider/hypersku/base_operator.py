"""
The base of every HyperSKU operator: the connection and the hook, HyperSKU's time inputs, and
the JSON files the read operators write.

Imported on every DAG parse: only Airflow's SDK and the common operator bases at module level;
the hook is imported when a task runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_provider.common.operator_bases import PlatformOperator

if TYPE_CHECKING:
    from contextlib import _GeneratorContextManager

    from airflow.sdk import Context

    from airflow_provider.hypersku.hooks import HyperSkuHook


class HyperSkuOperator(PlatformOperator):
    """
    Base of the HyperSKU operators: the connection and the hook.

    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: calls in flight at once; defaults to the connection's
        ``max_concurrency`` extra (16).
    """

    registry_key = "hypersku"
    ui_color = "#fde8d7"
    #: folder of :meth:`write_file` (operators that write files take it as a parameter)
    output_path: str | None = None

    def __init__(
        self, *, hypersku_conn_id: str = "hypersku_default", max_concurrency: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(conn_id=hypersku_conn_id, max_concurrency=max_concurrency, **kwargs)
        self.hypersku_conn_id = hypersku_conn_id

    if TYPE_CHECKING:  # the core's hook and session, typed as HyperSKU's

        @property
        def hook(self) -> HyperSkuHook: ...

        def session(self) -> _GeneratorContextManager[HyperSkuHook, None, None]: ...

    @staticmethod
    def as_time(value: Any) -> datetime | str | None:
        """A datetime, an ISO string (read as a datetime; naive = UTC) or a string in HyperSKU's form."""
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
        if isinstance(value, datetime):
            return value
        raise ValueError(f"expected a datetime or an ISO time string, got {value!r}")

    def write_file(self, context: Context, prefix: str, payload: Any) -> str:
        """Write ``payload`` as JSON to ``output_path/<prefix>_<dag>_<task>_<run>[_<map>].json``."""
        import json
        import re

        from airflow.sdk import ObjectStoragePath

        ti = context.get("ti")
        parts = [prefix, getattr(ti, "dag_id", None), getattr(ti, "task_id", None), context.get("run_id")]
        map_index = getattr(ti, "map_index", -1)
        if isinstance(map_index, int) and map_index >= 0:
            parts.append(str(map_index))
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(str(part) for part in parts if part)) + ".json"
        folder = ObjectStoragePath(str(self.output_path))
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        target.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str))
        self.log.info("%s written to %s", prefix, target)
        self.exported(context, str(target), rows=len(payload) if isinstance(payload, list) else None)
        return str(target)
