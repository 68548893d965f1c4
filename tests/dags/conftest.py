"""DAG tests: every example DAG against the sandbox, with ``dag.test()`` on SQLite."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
# the DAGs import their helpers (fulfillment_dag_helpers, fulfillment_reports) from their own
# folder, which Airflow puts on sys.path when it parses a bundle; the tests import them too
if str(DAGS) not in sys.path:
    sys.path.append(str(DAGS))
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
    os.environ["FULFILLMENT_WORK_DIR"] = str(tmp_path_factory.mktemp("work"))
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
def work_dir(sandbox_cluster: Any) -> Path:
    """Where the example DAGs write their working files (orders, results) in this test session."""
    return Path(os.environ["FULFILLMENT_WORK_DIR"])


@pytest.fixture(scope="session")
def dag_bag(sandbox_cluster: Any) -> Any:
    """The example DAGs, parsed as Airflow parses a bundle (its folder on sys.path)."""
    from airflow.dag_processing.dagbag import BundleDagBag

    bag = BundleDagBag(str(DAGS), bundle_path=DAGS)
    assert bag.import_errors == {}, bag.import_errors
    return bag


@pytest.fixture(scope="session")
def param_defaults(dag_bag: Any) -> dict[str, dict[str, Any]]:
    """Every example DAG's params as parsed, before any run (see ``run_dag``)."""
    import json

    return {dag_id: json.loads(json.dumps(dag.params.dump())) for dag_id, dag in dag_bag.dags.items()}


@pytest.fixture
def run_dag(dag_bag: Any, param_defaults: dict[str, dict[str, Any]]) -> Callable[..., Any]:
    """``run_dag(dag_id, logical_date=..., conf=...)`` -> the finished DagRun.

    ``dag.test()`` replaces an earlier run of the same logical date (its task instances and
    XComs go); a second run of the same data interval that keeps the first is one with another
    logical date inside that interval (the run of 06:00 covers the same day as the one of 00:00).

    Every run passes every param, the parsed defaults under ``conf``: ``dag.test()`` runs the
    tasks in this process, where Airflow resolves a run's conf into the DAG's own ``Param``
    objects (``ParamsDict.update`` keeps the object and resolves the new value into it), so a
    later run leaving a key out would inherit the value an earlier run gave it.
    """

    def run(dag_id: str, logical_date: datetime | None = None, conf: dict[str, Any] | None = None) -> Any:
        dag = dag_bag.get_dag(dag_id)
        assert dag is not None, f"no DAG {dag_id} in {DAGS}"
        return dag.test(logical_date=logical_date, run_conf={**param_defaults[dag_id], **(conf or {})})

    return run


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
