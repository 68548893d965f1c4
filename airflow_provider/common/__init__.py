"""
What every platform shares. Importing this package stays cheap: the one public helper for DAG
authors, :func:`read_report`, is loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider.common.report_reader import BulkReportReader, ReportError, read_report

__all__ = ["BulkReportReader", "ReportError", "read_report"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from airflow_provider.common import report_reader

        return getattr(report_reader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
