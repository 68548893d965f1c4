"""
Where a bulk run's per-item results go: inline in the XCom report, or, when the operator is
given ``results_path``, a JSON-lines file (local or any ``ObjectStoragePath``) whose location is
the report's ``results_file`` while the XCom keeps the counts and the failures only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

#: failures listed in an XCom report that points to a results file
MAX_FAILURES_IN_XCOM = 100


def write_results(path: str, results: Iterable[Mapping[str, Any]]) -> str:
    """Write one JSON object per line to ``path`` (parent folders created); returns the path."""
    from airflow.sdk import ObjectStoragePath

    target = ObjectStoragePath(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as handle:
        for result in results:
            handle.write(json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n")
    return str(target)


def iter_results_file(path: str) -> Iterator[dict[str, Any]]:
    """The results of a JSON-lines file written by :func:`write_results`, one at a time."""
    from airflow.sdk import ObjectStoragePath

    with ObjectStoragePath(path).open("r", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def read_results(report: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item result of a bulk report, inline or from its ``results_file``."""
    if isinstance(report.get("results"), list):
        yield from report["results"]
    elif report.get("results_file"):
        yield from iter_results_file(str(report["results_file"]))
