"""
OpenLineage events of a real DAG run (``dag.test()``) with the OpenLineage provider installed
and a ``file`` transport: the bulk create and the syncs name the 超8 datasets they changed, the
input files they read, and their counts; a failed create carries its error in a run facet.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dag_states import edited_sample, task_states

pytestmark = pytest.mark.dags
pytest.importorskip("airflow.providers.openlineage")

DAY = datetime(2026, 11, 21, tzinfo=UTC)  # the run covering 2026-11-20
CHAO8 = "chao8://chao8_default"


def _clear_openlineage_settings() -> None:
    """The provider caches its settings (``functools.cache``): forget them."""
    from airflow.providers.openlineage import conf

    for value in vars(conf).values():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


@pytest.fixture
def lineage_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """OpenLineage on, with every event appended to a JSON-lines file, for this test only."""
    from airflow.providers.openlineage.plugins.listener import OpenLineageListener
    from airflow.sdk.listener import get_listener_manager

    path = tmp_path / "openlineage.jsonl"
    monkeypatch.setenv(
        "AIRFLOW__OPENLINEAGE__TRANSPORT",
        json.dumps({"type": "file", "log_file_path": str(path), "append": True}),
    )
    monkeypatch.setenv("AIRFLOW__OPENLINEAGE__NAMESPACE", "fulfillment-tests")
    _clear_openlineage_settings()
    listener = OpenLineageListener()
    manager = get_listener_manager()
    manager.add_listener(listener)
    yield path
    manager.pm.unregister(listener)
    monkeypatch.undo()
    _clear_openlineage_settings()


def task_events(path: Path, job: str) -> dict[str, dict[str, Any]]:
    """The last event of each type (START, COMPLETE, FAIL) of one task's job."""
    events: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event.get("job", {}).get("name") == job:
            events[event["eventType"]] = event
    return events


def datasets(event: dict[str, Any], side: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["namespace"], d["name"]): d for d in event.get(side, [])}


def test_bulk_create_and_syncs_emit_platform_datasets_and_counts(run_dag: Any, lineage_file: Path) -> None:
    dag_run = run_dag("chao8_traceability_sync", logical_date=DAY)
    assert str(dag_run.state) == "success", task_states(dag_run)

    create = task_events(lineage_file, "chao8_traceability_sync.create_outbound_orders")["COMPLETE"]
    outputs = datasets(create, "outputs")
    assert set(outputs) == {(CHAO8, "logistics-orders")}
    statistics = outputs[(CHAO8, "logistics-orders")]["outputFacets"]["outputStatistics"]
    assert statistics["rowCount"] == 4  # the sample's four dealer shipments of 2026-11-20
    facet = create["run"]["facets"]["fulfillment"]
    assert sum(facet["counts"].values()) == facet["total"] == 4
    assert set(facet["counts"]) <= {"created", "existed"}
    assert facet["failed"] == []

    sync = task_events(lineage_file, "chao8_traceability_sync.sync_products")["COMPLETE"]
    (products,) = datasets(sync, "outputs").values()
    assert (products["namespace"], products["name"]) == (CHAO8, "products")
    synced = sync["run"]["facets"]["fulfillment"]["counts"]
    assert products["outputFacets"]["outputStatistics"]["rowCount"] == sum(synced.values())
    assert sum(synced.values()) == 6
    (source,) = datasets(sync, "inputs")
    assert source[0] == "file"
    assert source[1].endswith("/dags/data/chao8_products.csv")


def test_a_failed_create_names_its_failed_orders_and_error(
    run_dag: Any, lineage_file: Path, tmp_path: Path
) -> None:
    """A second run asking for other quantities under the same orderNo: 超8 refuses the reused
    id, the order found differs, the item fails as a conflict, the task fails."""
    first = edited_sample(tmp_path, "chao8_dealer_shipments.json", rename=("shipment_id", "SHP-", "LIN-"))
    assert str(
        run_dag("chao8_traceability_sync", logical_date=DAY, conf={"shipments_file": first}).state
    ) == ("success")
    (tmp_path / "changed").mkdir()
    changed = edited_sample(
        tmp_path / "changed",
        "chao8_dealer_shipments.json",
        rename=("shipment_id", "SHP-", "LIN-"),
        edit=lambda rows: rows[0]["lines"][0].update(quantity=rows[0]["lines"][0]["quantity"] + 1),
    )
    changed_id = json.loads(Path(changed).read_text(encoding="utf-8"))[0]["shipment_id"]
    dag_run = run_dag("chao8_traceability_sync", logical_date=DAY, conf={"shipments_file": changed})
    assert task_states(dag_run)["create_outbound_orders"] == "failed"

    failed = task_events(lineage_file, "chao8_traceability_sync.create_outbound_orders")["FAIL"]
    facets = failed["run"]["facets"]
    assert facets["fulfillment"]["failed"] == [changed_id]
    counts = facets["fulfillment"]["counts"]
    assert counts["existed"] == 3  # the three unchanged orders were read back, not sent again
    assert sum(counts.values()) == facets["fulfillment"]["total"] == 4
    assert changed_id in facets["errorMessage"]["message"]
    (orders,) = datasets(failed, "outputs").values()
    assert (orders["namespace"], orders["name"]) == (CHAO8, "logistics-orders")
    assert orders["outputFacets"]["outputStatistics"]["rowCount"] == 3
