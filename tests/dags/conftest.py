"""DAG tests: every example DAG against the sandbox, with ``dag.test()`` on SQLite."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
#: the sample inputs of the example DAGs
SAMPLES = DAGS / "data"
#: sandbox clock pace for DAG tests: lifecycles of minutes pass in seconds
SPEED = 900.0


@pytest.fixture(scope="session")
def sandbox_cluster(airflow_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """All four simulators, the connections as AIRFLOW_CONN_* and a reports folder."""
    from airflow_provider.sandbox.cluster import start_cluster

    cluster = start_cluster(speed=SPEED)
    saved = dict(os.environ)
    os.environ.update(cluster.env())
    os.environ["FULFILLMENT_REPORTS_DIR"] = str(tmp_path_factory.mktemp("reports"))
    os.environ["FULFILLMENT_POLL_SECONDS"] = "0.5"
    # a failed task's one retry comes a second later, not a minute (dag.test() waits for it)
    os.environ["FULFILLMENT_RETRY_SECONDS"] = "1"
    yield cluster
    cluster.stop()
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="session")
def reports_dir(sandbox_cluster: Any) -> Path:
    """Where the example DAGs write their reports in this test session."""
    return Path(os.environ["FULFILLMENT_REPORTS_DIR"])


@pytest.fixture(scope="session")
def dag_bag(sandbox_cluster: Any) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(str(DAGS))
    assert bag.import_errors == {}, bag.import_errors
    return bag


@pytest.fixture
def run_dag(dag_bag: Any) -> Callable[..., Any]:
    """``run_dag(dag_id, logical_date=..., conf=...)`` -> the finished DagRun."""

    def run(dag_id: str, logical_date: datetime | None = None, conf: dict[str, Any] | None = None) -> Any:
        dag = dag_bag.get_dag(dag_id)
        assert dag is not None, f"no DAG {dag_id} in {DAGS}"
        return dag.test(logical_date=logical_date, run_conf=conf)

    return run


#: the watcher leaf that fails a run whose work failed (airflow_provider.common.dag_helpers)
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


@pytest.fixture
def refuse_reused_ids(sandbox_cluster: Any) -> Iterator[None]:
    """Every simulator refuses a reused caller order id for this test, then back to its default.

    A DAG re-run is a new run (try 1): HyperSKU's and SuperShip's documented answer (accept)
    would make every order again; with refuse, the re-run is told apart by the duplicate answer.
    """
    saved = {name: backend.duplicate_ids for name, backend in sandbox_cluster.backends.items()}
    sandbox_cluster.set_duplicate_ids("refuse")
    yield
    for name, mode in saved.items():
        sandbox_cluster.backends[name].set_duplicate_ids(mode)
