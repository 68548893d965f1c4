"""
``supership_cod_on_delivery``: the watcher of its asset fires on parcels delivered in the sandbox,
and a run given those events (as the triggerer records them) reconciles their COD.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from dag_states import task_states

pytestmark = pytest.mark.dags

DAG_ID = "supership_cod_on_delivery"


class StateStore:
    """An asset state store in memory (``aget``/``aset``)."""

    def __init__(self) -> None:
        self.rows: dict[str, Any] = {}

    async def aget(self, key: str, default: Any = None) -> Any:
        return self.rows.get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        self.rows[key] = value


def _watched(dag: Any) -> tuple[Any, Any]:
    """The DAG's scheduling asset and its watcher's trigger, as parsed."""
    (asset,) = dag.timetable.asset_condition.objects
    (watcher,) = asset.watchers
    return asset, watcher.trigger


def _events_until(trigger: Any, codes: set[str], advance: Any) -> list[dict[str, Any]]:
    """Poll with the DAG's own trigger (no pause) until every code in ``codes`` has fired."""
    trigger.asset_state_store = StateStore()
    fired: set[str] = set()
    payloads: list[dict[str, Any]] = []

    async def no_pause(seconds: float) -> None:
        await asyncio.sleep(0)

    trigger.sleep = trigger.settle = no_pause

    async def watch() -> None:
        polls = 0
        agen = trigger.run()
        try:
            while not codes <= fired:
                polls += 1
                assert polls < 50, f"never fired for {codes - fired}"
                advance()
                event = await asyncio.wait_for(agen.__anext__(), timeout=60)
                payloads.append(event.payload)
                fired.update(c["id"] for c in event.payload["changes"])
        finally:
            await agen.aclose()
            await trigger.cleanup()

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(watch())
    finally:
        loop.close()
    return payloads


@contextmanager
def runs_consuming(asset: Any, payloads: list[dict[str, Any]]) -> Iterator[None]:
    """``dag.test()`` runs consume asset events recorded as the triggerer records a watcher's."""
    from airflow.assets.manager import AssetManager
    from airflow.models import dagrun
    from airflow.models.asset import AssetModel

    create = dagrun.get_or_create_dagrun

    def with_events(**kwargs: Any) -> Any:
        session = kwargs["session"]
        run = create(**kwargs)
        model = session.query(AssetModel).filter(AssetModel.uri == asset.uri).one()
        for payload in payloads:
            event = AssetManager.register_asset_change(
                asset=model.to_serialized(), extra={"from_trigger": True, "payload": payload}, session=session
            )
            run.consumed_asset_events.append(event)
        session.commit()
        return run

    with mock.patch.object(dagrun, "get_or_create_dagrun", with_events):
        yield


def test_cod_is_reconciled_from_the_watchers_events(
    run_dag: Any, dag_bag: Any, sandbox_cluster: Any, work_dir: Path, reports_dir: Path
) -> None:
    from airflow_provider.common.results import write_results
    from airflow_provider.sandbox.supership import SECONDS_TO_DELIVERED, sample_order
    from airflow_provider.supership.hooks import SuperShipHook

    dag = dag_bag.get_dag(DAG_ID)
    asset, trigger = _watched(dag)
    assert asset.uri == "supership://supership_default/status-changes"
    # the parcels a supership_cod_delivery run made: its create's results in its working folder
    hook = SuperShipHook()
    try:
        made = [
            hook.create_order(sample_order("EVDAG-DELIVER-1", cod=150000)),
            hook.create_order(sample_order("EVDAG-PARTIAL-2", cod=300000)),
        ]
    finally:
        hook.close()
    assert trigger.results_path == str(work_dir / "supership_cod_delivery")
    write_results(
        str(work_dir / "supership_cod_delivery" / "evdag" / "parcels-0.results.jsonl"),
        [{"key": m.soc, "outcome": "created", "id": m.code, "status": m.status} for m in made],
    )
    ours = {m.code for m in made}
    clock = sandbox_cluster.backends["supership"].clock
    payloads = _events_until(trigger, ours, lambda: clock.advance(SECONDS_TO_DELIVERED / 4))
    for payload in payloads:  # ids and statuses only: nothing about the receivers
        assert set(payload) == {"platform", "conn_id", "batch", "observed_at", "count", "changes"}
        for change in payload["changes"]:
            assert set(change) <= {"id", "key", "old_status", "new_status"}
            assert change["new_status"] in {"12", "13", "16"}

    with runs_consuming(asset, payloads):
        dag_run = run_dag(DAG_ID)
    states = task_states(dag_run)
    assert str(dag_run.state) == "success", states
    assert set(states.values()) == {"success"}

    from fulfillment_reports import report_folder

    folder = Path(str(report_folder(str(reports_dir), DAG_ID, dag_run.run_id)))
    rows = {
        r["supership_code"]: r
        for r in csv.DictReader((folder / "cod_on_delivery.csv").open(encoding="utf-8"))
    }
    fired = {c["id"] for p in payloads for c in p["changes"]}
    assert set(rows) == fired  # one row per delivered parcel of the events, no more
    full, partial = (rows[m.code] for m in made)
    assert (full["soc"], full["cod_expected"], full["cod_short"]) == ("EVDAG-DELIVER-1", "150000", "0")
    assert partial["cod_expected"] == "300000"
    assert int(partial["cod_short"]) > 0  # partly delivered: not all the COD was collected
    markdown = (folder / "cod_on_delivery.md").read_text(encoding="utf-8")
    assert f"{len(fired)} parcel(s) delivered in this batch." in markdown


def test_a_run_without_watcher_events_skips(run_dag: Any) -> None:
    dag_run = run_dag(DAG_ID)
    states = task_states(dag_run)
    assert states["delivered_parcels"] == "skipped", states
    assert str(dag_run.state) == "success"
