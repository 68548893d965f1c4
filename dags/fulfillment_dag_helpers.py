"""
What every example DAG needs to tell the truth about its run (DESIGN, "Example DAGs tell the truth").

Shipped beside the example DAGs, not in the provider's wheel: Airflow puts the DAGs folder on
``sys.path`` (the DAG processor, workers and ``airflow dags test``), so a DAG file imports it as
``fulfillment_dag_helpers``; ``.airflowignore`` keeps the DAG processor from parsing it as a
DAG file. Copy it with the DAGs you copy.

- :func:`orders_or_skip`: a day without orders skips (the task and, through the default trigger
  rule, everything downstream of it) instead of failing for lack of input; the operators skip on
  an empty input the same way, and a mapped task over an empty list is skipped by Airflow.
- :func:`fail_run_on_failed_task`: Airflow's "watcher" pattern. A DAG's report task runs with
  ``trigger_rule="all_done"`` so it is always written, which alone would let a run whose orders
  were not bought end ``success`` (a run's state comes from its leaf tasks). The watcher is a
  leaf downstream of every task with ``trigger_rule="one_failed"``: it raises when any task
  failed (or could not run because one failed), so the run ends ``failed`` and alerting fires;
  when nothing failed it is skipped and the run ends ``success``.
- :func:`retry_delay`: the example DAGs' retry delay, shortened by ``FULFILLMENT_RETRY_SECONDS``
  (the DAG tests and the demo; a minute by default).
- Where files go, decided when a task runs (never from the working directory at parse time):
  :func:`configured_dir` and :func:`run_folder`, and the :data:`FOLDER_MACROS` templates use.
  Reports go to ``<reports dir>/<dag_id>/<run_id>/``; the run's working files (the customers'
  orders handed from task to task as JSON-lines files, results files, tracking histories) to
  ``<work dir>/<dag_id>/<run_id>/``.
- :func:`write_jsonl` / :func:`read_jsonl`: orders passed between tasks as files (the XCom
  value is the file's path), in batches a mapped task expands over.
- :func:`pull_all`: a task's XCom of every map index (a report must see every batch).

Imported at the top of DAG files, so parsing pays only for Airflow's SDK and the standard library.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from datetime import timedelta
from typing import Any, TypeVar, cast

from jinja2 import pass_context

#: task id of the watcher leaf
WATCHER_TASK_ID = "fail_run_if_a_task_failed"

#: the two folders a run writes to: the DAG param, the Airflow Variable, the environment variable
#: consulted in that order when a task runs, and the folder under ``$AIRFLOW_HOME`` used otherwise
FOLDERS: dict[str, tuple[str, str, str, str]] = {
    "reports": ("output_dir", "fulfillment_reports_dir", "FULFILLMENT_REPORTS_DIR", "fulfillment/reports"),
    "work": ("work_dir", "fulfillment_work_dir", "FULFILLMENT_WORK_DIR", "fulfillment/work"),
}

#: orders per batch file when a DAG does not say (a mapped task runs one batch per task instance)
DEFAULT_BATCH_SIZE = 500

SizedT = TypeVar("SizedT", bound=Sized)


def retry_delay(default_seconds: float = 60.0) -> timedelta:
    """The delay before a task's retry: ``FULFILLMENT_RETRY_SECONDS`` when set, else the default."""
    return timedelta(seconds=float(os.environ.get("FULFILLMENT_RETRY_SECONDS", default_seconds)))


def orders_or_skip(orders: SizedT, what: str = "orders", *, interval: Any = None) -> SizedT:
    """``orders`` when there are any, else skip the task (a day without orders is not a failure).

    :param orders: the day's orders (or batches of them).
    :param what: how the skip message names them ("store orders", "purchases").
    :param interval: ``(start, end)`` of the data interval, named in the skip message.
    """
    if len(orders):
        return orders
    from airflow.sdk.exceptions import AirflowSkipException

    when = f" between {interval[0]} and {interval[1]}" if interval else ""
    raise AirflowSkipException(f"no {what}{when}: nothing to do today")


def fail_run_on_failed_task(*, task_id: str = WATCHER_TASK_ID) -> Any:
    """
    Add the watcher leaf to the DAG being defined, downstream of every task defined so far.

    Call it last in the DAG's body (``@dag`` function or ``with DAG(...)`` block), after the
    report task. Returns the watcher (an ``XComArg`` of its task, like any ``@task`` call).
    Public API only: the ``@task`` call joins the DAG being defined, and that task's ``dag``
    lists every other task.
    """
    from airflow.sdk import task

    @task(task_id=task_id, trigger_rule="one_failed", retries=0)
    def watcher(**context: Any) -> None:
        """Fail the run: a task upstream failed (its report was still written by the report task)."""
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(
            "this run failed: " + (_failed_tasks(context) or "a task upstream failed") + "; see its log"
        )

    leaf = watcher()
    operator = cast(Any, leaf).operator  # the @task's operator (a PlainXComArg's ``operator``)
    if not operator.has_dag():
        raise RuntimeError("fail_run_on_failed_task() must be called while a DAG is being defined")
    for other in operator.dag.tasks:
        if other is not operator:
            other >> operator
    return leaf


def _failed_tasks(context: Any) -> str:
    """The failed tasks of this run, named (best effort: only a running task can ask)."""
    try:
        ti = context["ti"]
        states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[context["run_id"]])
        failed = sorted(
            task
            for task, state in states.get(context["run_id"], {}).items()
            if str(state) in ("failed", "upstream_failed")
        )
    except Exception:
        return ""
    return ", ".join(failed) + (" failed or could not run" if failed else "")


# ----------------------------------------------------------------------------- folders (run time)
def configured_dir(kind: str, params: Mapping[str, Any] | None = None) -> str:
    """
    The reports (``kind="reports"``) or working-files (``kind="work"``) folder, read when a task
    runs: the run's ``output_dir`` / ``work_dir`` param when set, else the Airflow Variable
    ``fulfillment_reports_dir`` / ``fulfillment_work_dir`` (``AIRFLOW_VAR_...`` works), else the
    environment variable ``FULFILLMENT_REPORTS_DIR`` / ``FULFILLMENT_WORK_DIR``, else
    ``$AIRFLOW_HOME/fulfillment/reports`` / ``.../work``. A local path or any
    ``ObjectStoragePath`` URL (``s3://bucket/fulfillment``): on several machines, a place every
    worker reaches.
    """
    param, variable, env, default = FOLDERS[kind]
    value = (params or {}).get(param)
    if not value:
        from airflow.sdk import Variable

        value = Variable.get(variable, default=None)
    if not value:
        value = os.environ.get(env)
    if not value:
        home = os.environ.get("AIRFLOW_HOME") or os.path.expanduser("~/airflow")
        value = os.path.join(home, default)
    return str(value)


def safe_part(part: str) -> str:
    """A run id or DAG id as one path segment (``manual__2026-11-21T00:00:00+00:00`` -> ``manual__2026-11-21T00_00_00_00_00``)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", part).strip("_") or "run"


def run_folder(kind: str, params: Mapping[str, Any] | None, dag_id: str, run_id: str | None = None) -> Any:
    """``<configured_dir(kind)>/<dag_id>/<run_id>`` (or the DAG's folder without ``run_id``) as an
    ``ObjectStoragePath`` (created)."""
    from airflow.sdk import ObjectStoragePath

    folder = ObjectStoragePath(configured_dir(kind, params)) / safe_part(dag_id)
    if run_id is not None:
        folder = folder / safe_part(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def context_folder(context: Mapping[str, Any], kind: str) -> Any:
    """:func:`run_folder` of the running task's DAG run (``kind``: ``reports`` or ``work``)."""
    return run_folder(kind, context.get("params"), context["dag"].dag_id, context["run_id"])


@pass_context
def _run_folder_macro(template_context: Any, kind: str = "work") -> str:
    return str(context_folder(template_context, kind))


@pass_context
def _dag_folder_macro(template_context: Any, kind: str = "reports") -> str:
    return str(run_folder(kind, template_context.get("params"), template_context["dag"].dag_id))


#: ``user_defined_macros`` of the example DAGs: in a templated field, ``{{ run_folder('work') }}``
#: (or ``'reports'``) renders, when the task runs, to that folder of the run, and
#: ``{{ dag_folder('reports') }}`` to the DAG's folder above the runs' folders
FOLDER_MACROS: dict[str, Any] = {"run_folder": _run_folder_macro, "dag_folder": _dag_folder_macro}


# ----------------------------------------------------------------------------- orders as files
def write_jsonl(
    folder: Any, name: str, rows: Iterable[Mapping[str, Any]], *, batch_size: int = 0
) -> list[str]:
    """
    Write ``rows`` as JSON-lines files in ``folder`` and return their paths (for XCom).

    With ``batch_size``, one file of at most that many rows per batch (``<name>-000.jsonl``,
    ...): a mapped task expands over the list, one task instance per batch; no rows, no file
    (and a mapped task over ``[]`` is skipped). Without it, one ``<name>.jsonl``. The bulk
    operators take such a path as their items (``orders="…/orders.jsonl"``) and stream it.
    """
    rows = list(rows)
    size = batch_size if batch_size > 0 else max(len(rows), 1)
    batches = [rows[start : start + size] for start in range(0, len(rows), size)]
    if not batch_size:
        batches = batches or [[]]
    paths: list[str] = []
    for number, batch in enumerate(batches):
        path = folder / (f"{name}-{number:03d}.jsonl" if batch_size else f"{name}.jsonl")
        text = str(path)
        if any(char.isspace() for char in text):
            raise ValueError(
                f"{text}: the bulk operators read a JSON-lines path without spaces; "
                "choose a work folder whose path has none (FULFILLMENT_WORK_DIR)"
            )
        with path.open("w", encoding="utf-8") as handle:
            handle.write("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in batch))
        paths.append(text)
    return paths


def read_jsonl(paths: str | Iterable[str] | None) -> Iterator[dict[str, Any]]:
    """Every row of one JSON-lines file or of several (in order); ``None`` reads nothing."""
    from airflow.sdk import ObjectStoragePath

    if paths is None:
        return
    for path in [paths] if isinstance(paths, str) else paths:
        with ObjectStoragePath(path).open("r", encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


# ----------------------------------------------------------------------------- XCom
def pull_all(ti: Any, task_id: str, key: str = "return_value") -> list[Any]:
    """
    The XCom values of every map index of ``task_id`` (one for an unmapped task), in map-index
    order; map indexes that pushed nothing (skipped, failed before pushing) are left out.

    Pulling with a list of task ids returns a list whatever the count; on Airflow 3.3
    ``map_indexes=None`` asks for map index -1 only, which a mapped task does not have.
    """
    values = ti.xcom_pull(task_ids=[task_id], key=key)
    return [value for value in values or [] if value is not None]


def every_map_index(values: Iterable[Any]) -> list[Any]:
    """A mapped task's output passed to a task (``create.output``: every map index), as a list.

    Read by length and index: iterating Airflow's lazy sequence asks for one index past the end,
    which its API client logs as an ``XCom not found`` error in the task log.
    """
    if isinstance(values, Sequence):
        return [values[index] for index in range(len(values))]
    return list(values)


def merged(values: Iterable[Mapping[str, Any] | None]) -> dict[str, Any]:
    """The dicts of every map index merged into one (the ``{order id: status}`` of mapped sensors)."""
    result: dict[str, Any] = {}
    for value in every_map_index(values):
        result.update(value or {})
    return result
