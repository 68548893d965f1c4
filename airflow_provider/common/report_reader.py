"""
The one way to read a bulk operator's report, wherever its results are.

A bulk report (the XCom value of every bulk operator) has the same keys with or without a
results file: ``counts``, ``total``, ``results`` (the list, or ``None`` when they are in the
file), ``results_file`` (its path, or ``None``), ``failures`` (the first 100) and the
operator's named extra keys. :func:`read_report` reads one report, or the reports of every map
index of a mapped task, and gives the results, ids and failures of all of them::

    from airflow_provider.common import read_report


    @task
    def parcels(report):  # create.output: one report, or a mapped create's every map index
        made = read_report(report)
        for result in made.results(outcomes=("created", "existed")):
            ...
        return made.ids()
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from airflow_provider.common.results import FAILURE_OUTCOMES, PRESENT_OUTCOMES, iter_results_file

__all__ = [
    "FAILURE_OUTCOMES",
    "PRESENT_OUTCOMES",
    "BulkReportReader",
    "ReportError",
    "is_report",
    "read_report",
]


class ReportError(ValueError):
    """A report cannot give what was asked (not a report, or its results file is unreadable)."""


def is_report(value: Any) -> bool:
    """Whether ``value`` is one bulk operator's XCom report."""
    return (
        isinstance(value, Mapping) and "counts" in value and ("results" in value or "results_file" in value)
    )


class BulkReportReader:
    """
    The results of one or more bulk reports (every map index of a mapped task), read lazily.

    :param reports: the reports, in map-index order.
    """

    def __init__(self, reports: list[Mapping[str, Any]]) -> None:
        self.reports = reports

    @property
    def counts(self) -> dict[str, int]:
        """Items per outcome, summed over every report."""
        total: Counter[str] = Counter()
        for report in self.reports:
            total.update({str(k): int(v) for k, v in (report.get("counts") or {}).items()})
        return dict(total)

    @property
    def total(self) -> int:
        """Items in every report."""
        return sum(
            int(report["total"])
            if report.get("total") is not None
            else sum((report.get("counts") or {}).values())
            for report in self.reports
        )

    def results(self, outcomes: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Every item's result (``{key, outcome, id, status, error, data}``), in input order (the
        items of a batch, or of a file's chunk, that were not sent come first: invalid, refused),
        inline or read from each report's results file; only ``outcomes`` when given.

        :raises ReportError: a results file that cannot be read here, naming it.
        """
        wanted = None if outcomes is None else frozenset(outcomes)
        for report in self.reports:
            for result in _results_of(report):
                if wanted is None or result.get("outcome") in wanted:
                    yield result

    def ids(self, field: str = "id", outcomes: Iterable[str] | None = None) -> list[str]:
        """Unique ids, in order: ``field`` ``"id"`` (the platform's) or ``"key"`` (the caller's)
        of every result with one of ``outcomes`` (default: the orders present on the platform)."""
        wanted = PRESENT_OUTCOMES if outcomes is None else frozenset(outcomes)
        ids = (str(r[field]) for r in self.results(wanted) if r.get(field) not in (None, ""))
        return list(dict.fromkeys(ids))

    def failures(self) -> list[dict[str, Any]]:
        """Every failed, unknown or invalid item (all of them: read from the files when streamed)."""
        return list(self.results(FAILURE_OUTCOMES))

    def __len__(self) -> int:
        return self.total

    def __repr__(self) -> str:
        return f"BulkReportReader({len(self.reports)} report(s), counts={self.counts})"


def read_report(value: Any) -> BulkReportReader:
    """
    A reader of a bulk report: one report dict, a list of them, or a mapped task's output
    (``create.output`` passed to a task, or ``ti.xcom_pull(task_ids=["create"])``: every map
    index; skipped map indexes, ``None``, are left out).

    :raises ReportError: when ``value`` holds no bulk report (naming what it got).
    """
    if is_report(value):
        return BulkReportReader([value])
    if isinstance(value, Mapping):
        keys = ", ".join(sorted(map(str, value))[:8]) or "none"
        raise ReportError(
            f"not a bulk report (keys: {keys}); give the whole XCom value of a bulk operator, "
            "not one of its keys"
        )
    if value is None or isinstance(value, str | bytes):
        raise ReportError(f"not a bulk report: {type(value).__name__}")
    try:
        # by index, not by iteration: Airflow's lazy sequence of a mapped task's XComs asks
        # for one index past the end when iterated (an "XCom not found" error in the log)
        entries = [value[index] for index in range(len(value))]
    except TypeError as err:
        raise ReportError(f"not a bulk report: {type(value).__name__}") from err
    reports: list[Mapping[str, Any]] = []
    for index, entry in enumerate(entries):
        if entry is None:
            continue
        if not is_report(entry):
            raise ReportError(f"entry {index} is not a bulk report: {type(entry).__name__}")
        reports.append(entry)
    return BulkReportReader(reports)


def _results_of(report: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    inline = report.get("results")
    if isinstance(inline, list):
        yield from inline
        return
    path = report.get("results_file")
    if not path:
        raise ReportError("the report has neither inline results nor a results_file")
    try:
        yield from iter_results_file(str(path))
    except (OSError, ValueError) as err:
        raise ReportError(
            f"the results are in {path}, which cannot be read here ({type(err).__name__}: {err}); "
            "use a results_path every worker can read (object storage or a shared folder)"
        ) from err
