"""Every example DAG parses with no import error, no network and a small parse time."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from fulfillment_demo import demo_dag_ids  # dags/ (on sys.path: tests/dags/conftest.py)

pytestmark = pytest.mark.dags
DAGS = Path(__file__).resolve().parents[2] / "dags"
#: the flagship and every registered platform's example DAGs (what the demo runs)
#: example DAGs scheduled by asset events (not run by the demo: a watcher on the triggerer starts them)
EVENT_DRIVEN = {"supership_cod_on_delivery"}
#: DAGs scheduled on assets another DAG produces (not daily: the demo does not run them)
ASSET_SCHEDULED = {"supplier_orders_to_parcels"}
EXPECTED = set(demo_dag_ids()) | ASSET_SCHEDULED
assert len(EXPECTED) == 6
#: the modules beside the DAGs that are not DAG files (.airflowignore keeps Airflow off them)
SUPPORT = {"fulfillment_dag_helpers.py", "fulfillment_reports.py", "fulfillment_demo.py"}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a DAG file opened a network connection at parse time")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_every_dag_file_parses_quickly_without_network(
    no_network: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from airflow.dag_processing.dagbag import BundleDagBag

    timings = {}
    for path in sorted(DAGS.glob("*.py")):
        if path.name in SUPPORT:
            continue
        started = time.perf_counter()
        bag = BundleDagBag(str(path), bundle_path=DAGS)
        timings[path.name] = time.perf_counter() - started
        assert bag.import_errors == {}, bag.import_errors
        assert bag.dag_ids, f"{path.name} defines no DAG"
    bag = BundleDagBag(str(DAGS), bundle_path=DAGS)
    assert set(bag.dag_ids) == EXPECTED | EVENT_DRIVEN
    # the support modules are not parsed as DAG files
    assert not {Path(file).name for file in bag.file_last_changed} & SUPPORT
    for dag_id in EXPECTED | EVENT_DRIVEN:
        dag = bag.dags[dag_id]
        assert dag.doc_md, f"{dag_id} has no doc_md"
        assert "example" in dag.tags
    with capsys.disabled():
        print(
            "\nDAG parse times: "
            + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in timings.items())
        )
