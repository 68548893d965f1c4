"""Reports a person opens: a CSV of rows plus a short Markdown summary, per DAG run.

Shipped beside the example DAGs (imported as ``fulfillment_reports`` inside their report tasks),
not in the provider's wheel. Written through ``ObjectStoragePath`` so the output folder can be
local or any object store Airflow supports (``s3://...``, ``gs://...``, ``file:///...``); which
folder is decided when the task runs (:func:`fulfillment_dag_helpers.configured_dir`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fulfillment_dag_helpers import configured_dir, run_folder


def report_folder(output_dir: str, dag_id: str, run_id: str) -> Any:
    """``<output_dir>/<dag_id>/<run_id>`` as an ``ObjectStoragePath`` (created)."""
    return run_folder("reports", {"output_dir": output_dir}, dag_id, run_id)


def rows_to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """CSV text of ``rows``; columns in first-seen order unless given."""
    if columns is None:
        seen: dict[str, None] = {}
        for row in rows:
            seen.update(dict.fromkeys(row))
        columns = list(seen)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if row.get(key) is None else row.get(key) for key in columns})
    return buffer.getvalue()


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], limit: int = 50) -> list[str]:
    """A Markdown table of the first ``limit`` rows."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows[:limit]:
        cells = ("" if row.get(c) is None else str(row.get(c)).replace("|", "/") for c in columns)
        lines.append("| " + " | ".join(cells) + " |")
    if len(rows) > limit:
        lines.append(f"\n... and {len(rows) - limit} more rows in the CSV.")
    return lines


def write_report(
    *,
    output_dir: str,
    dag_id: str,
    run_id: str,
    name: str,
    title: str,
    rows: Sequence[Mapping[str, Any]],
    summary: Iterable[str] = (),
    columns: Sequence[str] | None = None,
) -> dict[str, str]:
    """
    Write ``<name>.csv`` (every row) and ``<name>.md`` (title, summary lines, the first rows).

    :returns: ``{"csv": path, "markdown": path, "rows": count}`` as strings, for XCom.
    """
    folder = report_folder(output_dir, dag_id, run_id)
    csv_text = rows_to_csv(rows, columns)
    header = next(csv.reader(io.StringIO(csv_text)), [])
    csv_path = folder / f"{name}.csv"
    csv_path.write_text(csv_text, encoding="utf-8")
    md_lines = [f"# {title}", "", f"DAG `{dag_id}`, run `{run_id}`.", ""]
    md_lines += [f"- {line}" for line in summary]
    if rows and header:
        md_lines += ["", *markdown_table(rows, header)]
    md_lines += ["", f"All rows: `{csv_path.name}` ({len(rows)} rows)."]
    md_path = folder / f"{name}.md"
    md_path.write_text("\n".join(md_lines) + "\n", encoding="utf-8")
    return {"csv": str(csv_path), "markdown": str(md_path), "rows": str(len(rows))}


def write_run_report(context: Mapping[str, Any], **report: Any) -> dict[str, str]:
    """:func:`write_report` for the running task: the run's reports folder (the ``output_dir``
    param, else the configured default, read now), the DAG id and run id from ``context``;
    ``report`` is ``name``, ``title``, ``rows``, ...
    """
    return write_report(
        output_dir=configured_dir("reports", context.get("params")),
        dag_id=context["dag"].dag_id,
        run_id=context["run_id"],
        **report,
    )
