"""
The flagship's buying task produces the HyperSKU orders asset; ``supplier_orders_to_parcels``,
scheduled on it, runs once per event with the event's extra in ``triggering_asset_events``.

``dag.test()`` runs no scheduler, so the test plays its part: it checks that each buy recorded
an event and queued the downstream DAG (the scheduler's ``AssetDagRunQueue``), then runs the
downstream DAG once per event with that event as the run's consumed event, which is what the
scheduler's asset-triggered run carries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dag_states import task_states
from sqlalchemy import select

from airflow_provider.common import read_report

pytestmark = pytest.mark.dags

DAY = datetime(2026, 11, 21, tzinfo=UTC)  # the run covering 2026-11-20
SUPPLIER_ORDERS = "hypersku://hypersku_default/orders"
PARCELS = "supership://supership_default/parcels"
IN_INTERVAL = {"DTD-2001", "DTD-2002", "DTD-2003", "DTD-2004-CANCEL", "DTD-2005-FAIL", "DTD-2006"}


def asset_events(uri: str, dag_id: str, run_id: str) -> list[Any]:
    """The events recorded for ``uri`` by the tasks of one DAG run, oldest first."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        events = session.scalars(
            select(AssetEvent)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(
                AssetModel.uri == uri,
                AssetEvent.source_dag_id == dag_id,
                AssetEvent.source_run_id == run_id,
            )
            .order_by(AssetEvent.id)
        ).all()
        session.expunge_all()
        return list(events)


def xcom(dag_run: Any, task_id: str) -> Any:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.scalars(
            XComModel.get_many(
                run_id=dag_run.run_id, key="return_value", dag_ids=dag_run.dag_id, task_ids=[task_id]
            )
        ).all()
        return XComModel.deserialize_value(rows[0]) if rows else None


@pytest.fixture
def consumer_unpaused(dag_bag: Any) -> None:
    """``supplier_orders_to_parcels`` in the metadata DB and unpaused (a paused DAG is not queued
    by asset events), as a user turns it on in the UI."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import sync_bag_to_db
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(dag_bag, "dags-folder", None)
    with create_session() as session:
        session.get(DagModel, "supplier_orders_to_parcels").is_paused = False


@pytest.fixture
def consuming(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """``consuming(event_id)``: the next ``dag.test()`` run consumes that asset event, as an
    asset-triggered run made by the scheduler does."""
    import airflow.models.dagrun as dagrun_module
    from airflow.models.asset import AssetEvent

    original = dagrun_module.get_or_create_dagrun
    chosen: list[int] = []

    def with_event(**kwargs: Any) -> Any:
        dag_run = original(**kwargs)
        if chosen:
            session = kwargs["session"]
            dag_run.consumed_asset_events.append(session.get(AssetEvent, chosen.pop()))
            session.commit()
        return dag_run

    monkeypatch.setattr(dagrun_module, "get_or_create_dagrun", with_event)
    return chosen.append


def test_buy_emits_its_counts_and_results_file_and_the_downstream_dag_runs_per_event(
    run_dag: Any, sandbox_cluster: Any, consumer_unpaused: None, consuming: Callable[[int], None]
) -> None:
    from airflow.models.asset import AssetDagRunQueue
    from airflow.utils.session import create_session

    producer = run_dag("order_to_doorstep", logical_date=DAY, conf={"batch_size": 2})
    assert str(producer.state) == "success", task_states(producer)

    # one event per batch (map index) of the buying task, each with what that batch did
    events = asset_events(SUPPLIER_ORDERS, "order_to_doorstep", producer.run_id)
    assert len(events) == 3
    assert sorted(event.source_map_index for event in events) == [0, 1, 2]
    bought: dict[str, str] = {}
    for event in events:
        extra = event.extra
        assert extra["total"] == 2
        assert sum(extra["counts"].values()) == 2
        assert set(extra["counts"]) <= {"created", "existed"}
        assert Path(extra["results_file"]).is_file(), extra
        assert len(extra["ids"]) == 2
        assert set(extra["ids"]) <= IN_INTERVAL
        assert all(order_id for order_id in extra["ids"].values())
        bought.update(extra["ids"])
    assert set(bought) == IN_INTERVAL
    # the scheduler is told to run the downstream DAG
    with create_session() as session:
        queued = session.scalars(
            select(AssetDagRunQueue).where(AssetDagRunQueue.target_dag_id == "supplier_orders_to_parcels")
        ).all()
    assert queued, "the buy's events did not queue supplier_orders_to_parcels"

    parcels_before = len(sandbox_cluster.backends["supership"].store.table("orders"))
    handed_over: set[str] = set()
    for index, event in enumerate(events):
        consuming(event.id)
        consumer = run_dag("supplier_orders_to_parcels", logical_date=DAY + timedelta(minutes=index + 1))
        states = task_states(consumer)
        # the run read exactly this event's orders from triggering_asset_events
        assert xcom(consumer, "bought") == event.extra["ids"], states
        if states["plan_parcels"] == "skipped":  # neither order of this batch shipped
            assert states["hand_to_supership"] == "skipped", states
            continue
        assert str(consumer.state) == "success", states
        results = list(read_report(xcom(consumer, "hand_to_supership")).results())
        keys = {result["key"] for result in results}
        assert keys <= set(event.extra["ids"])
        # the flagship already handed these parcels over: looked up by soc, never sent twice
        assert {result["outcome"] for result in results} == {"existed"}
        handed_over |= keys
        # and the hand-over produced the parcels asset in turn, with its own counts
        (parcels_event,) = asset_events(PARCELS, "supplier_orders_to_parcels", consumer.run_id)
        assert parcels_event.extra["counts"] == {"existed": len(keys)}
    # the sample's cancelled supplier order is never handed over; the shipped ones are
    assert "DTD-2004-CANCEL" not in handed_over
    assert {"DTD-2001", "DTD-2002", "DTD-2003"} <= handed_over
    assert len(sandbox_cluster.backends["supership"].store.table("orders")) == parcels_before
