"""
What every example DAG needs to tell the truth about its run (DESIGN, "Example DAGs tell the truth").

- :func:`orders_or_skip`: a day without orders skips (the task and, through the default trigger
  rule, everything downstream of it) instead of failing for lack of input; the operators skip on
  an empty input the same way.
- :func:`fail_run_on_failed_task`: Airflow's "watcher" pattern. A DAG's report task runs with
  ``trigger_rule="all_done"`` so it is always written, which alone would let a run whose orders
  were not bought end ``success`` (a run's state comes from its leaf tasks). The watcher is a
  leaf downstream of every task with ``trigger_rule="one_failed"``: it raises when any task
  failed (or could not run because one failed), so the run ends ``failed`` and alerting fires;
  when nothing failed it is skipped and the run ends ``success``.
- :func:`retry_delay`: the example DAGs' retry delay, shortened by ``FULFILLMENT_RETRY_SECONDS``
  (the DAG tests and the demo; a minute by default).

Imported at the top of DAG files, so parsing pays only for Airflow's SDK.
"""

from __future__ import annotations

import os
from collections.abc import Sized
from datetime import timedelta
from typing import Any, TypeVar

#: task id of the watcher leaf
WATCHER_TASK_ID = "fail_run_if_a_task_failed"

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
    """
    from airflow.sdk import task
    from airflow.sdk.definitions._internal.contextmanager import DagContext

    dag = DagContext.get_current()
    if dag is None:
        raise RuntimeError("fail_run_on_failed_task() must be called while a DAG is being defined")
    others = list(dag.tasks)

    @task(task_id=task_id, trigger_rule="one_failed", retries=0)
    def watcher(**context: Any) -> None:
        """Fail the run: a task upstream failed (its report was still written by the report task)."""
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(
            "this run failed: " + (_failed_tasks(context) or "a task upstream failed") + "; see its log"
        )

    leaf = watcher()
    for other in others:
        other >> leaf
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
