from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import task_states

pytestmark = pytest.mark.dags
DAY = datetime(2026, 11, 21, tzinfo=UTC)  # the run covering 2026-11-20
SHIPMENTS = {f"SHP-20261120-0{n}" for n in range(1, 5)}


def test_traceability_sync_end_to_end_and_rerun(
    run_dag: Any, sandbox_cluster: Any, reports_dir: Path
) -> None:
    backend = sandbox_cluster.backends["chao8"]
    dag_run = run_dag("chao8_traceability_sync", logical_date=DAY)
    states = task_states(dag_run)
    assert str(dag_run.state) == "success", states
    assert set(states.values()) == {"success"}, states

    assert {"P-GIFT-2026", "P-BJ53-100"} <= set(backend.store.table("products"))
    assert "DL-HZ-005" in backend.store.table("dealers")
    orders = {k: v for k, v in backend.store.table("logistics_orders").items() if k.startswith("SHP-")}
    assert set(orders) == SHIPMENTS
    assert orders["SHP-20261120-03"]["targetOrgCode"] == "DL-HZ-005"

    (csv_path,) = (reports_dir / "chao8_traceability_sync").glob("*/outbound_orders.csv")
    rows = {r["order_no"]: r for r in csv.DictReader(csv_path.open(encoding="utf-8"))}
    assert set(rows) == SHIPMENTS
    assert all(r["status"].startswith("completed") for r in rows.values())
    assert rows["SHP-20261120-03"]["units"] == "300"
    summary = (csv_path.parent / "outbound_orders.md").read_text(encoding="utf-8")
    assert "products: 2 created, 0 failed, 4 updated" in summary
    assert "dealers: 1 created, 0 failed, 3 updated" in summary
    assert "4 completed" in summary

    again = run_dag("chao8_traceability_sync", logical_date=DAY)
    assert str(again.state) == "success"
    assert {k for k in backend.store.table("logistics_orders") if k.startswith("SHP-")} == SHIPMENTS
