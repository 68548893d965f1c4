from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import task_states

pytestmark = pytest.mark.dags
DAY = datetime(2026, 11, 21, tzinfo=UTC)  # the run covering 2026-11-20


def test_dropship_fulfilment_end_to_end_and_rerun(
    run_dag: Any, sandbox_cluster: Any, reports_dir: Path, refuse_reused_ids: None
) -> None:
    backend = sandbox_cluster.backends["hypersku"]
    before = set(backend.store.table("orders"))
    dag_run = run_dag("hypersku_dropship_fulfilment", logical_date=DAY)
    assert str(dag_run.state) == "success", task_states(dag_run)
    assert set(task_states(dag_run).values()) == {"success"}

    # the interval [11-20 00:00 UTC, 11-21 00:00 UTC) holds SHOP-1001..1006 (+08:00 timestamps)
    created = {o["thirdOrderId"] for k, o in backend.store.table("orders").items() if k not in before}
    assert created == {f"SHOP-{n}" for n in range(1001, 1007)}

    report = reports_dir / "hypersku_dropship_fulfilment"
    (csv_path,) = report.glob("*/tracking.csv")
    rows = list(csv.DictReader(csv_path.open()))
    assert {r["store_order_id"] for r in rows} == created
    assert all(r["tracking_number"] and r["outcome"] == "created" for r in rows)
    assert {r["logistics_id"] for r in rows} == {"1001"}  # cheapest channel everywhere
    summary = (csv_path.parent / "tracking.md").read_text()
    assert "6 with a tracking number" in summary

    again = run_dag("hypersku_dropship_fulfilment", logical_date=DAY)
    assert str(again.state) == "success"
    assert (
        len([o for o in backend.store.table("orders").values() if o["thirdOrderId"].startswith("SHOP-")]) == 6
    )
