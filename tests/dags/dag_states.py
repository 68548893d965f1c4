"""What the DAG tests share besides fixtures: run states and edited sample inputs.

A module of its own (not ``conftest``): several test folders have a ``conftest.py``, and which
one ``import conftest`` finds depends on what else the session collected.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: the sample inputs of the example DAGs
SAMPLES = Path(__file__).resolve().parents[2] / "dags" / "data"

#: the watcher leaf that fails a run whose work failed (dags/fulfillment_dag_helpers.py)
WATCHER = "fail_run_if_a_task_failed"
#: a data interval without orders in any sample file: the run covering 2026-11-09
EMPTY_DAY = datetime(2026, 11, 10, tzinfo=UTC)


def task_states(dag_run: Any) -> dict[str, str]:
    return {
        ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]": str(ti.state)
        for ti in dag_run.get_task_instances()
    }


def all_succeeded(states: dict[str, str]) -> bool:
    """Every task succeeded, and the watcher (nothing to fail the run for) skipped."""
    return states.get(WATCHER) == "skipped" and {s for t, s in states.items() if t != WATCHER} == {"success"}


def assert_failed_with_report(dag_run: Any, report_task: str, failed_task: str) -> dict[str, str]:
    """The run ended ``failed``: ``failed_task`` failed, the report was written, the watcher fired."""
    states = task_states(dag_run)
    assert str(dag_run.state) == "failed", states
    assert states[failed_task] == "failed", states
    assert states[report_task] == "success", states
    assert states[WATCHER] == "failed", states
    return states


def assert_empty_day_skipped(dag_run: Any, first_task: str) -> dict[str, str]:
    """The run ended ``success``: nothing failed, the day's first step and its followers skipped."""
    states = task_states(dag_run)
    assert str(dag_run.state) == "success", states
    assert not {s for s in states.values() if s in ("failed", "upstream_failed")}, states
    assert states[first_task] == "skipped", states
    assert states[WATCHER] == "skipped", states
    return states


def edited_sample(
    tmp_path: Path,
    name: str,
    *,
    rows_key: str | None = None,
    rename: tuple[str, str, str] | None = None,
    edit: Callable[[list[dict[str, Any]]], Any] | None = None,
) -> str:
    """A copy of the sample input ``dags/data/<name>``, edited; its path.

    :param rows_key: where the rows are (``"orders"``), when the file is not a list of them.
    :param rename: ``(field, old, new)``: ``old`` becomes ``new`` in that id field of every row,
        so the run does not meet the orders other tests made from the same sample.
    :param edit: changes the rows in place.
    """
    data = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    rows = data[rows_key] if rows_key else data
    if rename:
        field, old, new = rename
        for row in rows:
            row[field] = row[field].replace(old, new)
    if edit:
        edit(rows)
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)
