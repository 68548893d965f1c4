from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    EMPTY_DAY,
    all_succeeded,
    assert_empty_day_skipped,
    assert_failed_with_report,
    edited_sample,
    task_states,
)

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
    assert all_succeeded(states), states

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


def test_traceability_run_fails_when_an_outbound_order_is_refused_and_still_reports(
    run_dag: Any, sandbox_cluster: Any, tmp_path: Path
) -> None:
    """A shipment 超8 refuses (a line of quantity 0) fails the run; the report is written."""
    bad = "BAD-20261120-01"

    shipments_file = edited_sample(
        tmp_path,
        "chao8_dealer_shipments.json",
        rename=("shipment_id", "SHP-", "BAD-"),
        edit=lambda rows: rows[0]["lines"][0].update(quantity=0),
    )

    dag_run = run_dag(
        "chao8_traceability_sync",
        logical_date=DAY,
        conf={"shipments_file": shipments_file, "output_dir": str(tmp_path)},
    )
    states = assert_failed_with_report(dag_run, "traceability_report", "create_outbound_orders")
    assert states["wait_until_completed"] == "upstream_failed", states
    backend = sandbox_cluster.backends["chao8"]
    assert not [k for k in backend.store.table("logistics_orders") if k.startswith("BAD-")]  # none sent
    (csv_path,) = (tmp_path / "chao8_traceability_sync").glob("*/outbound_orders.csv")
    rows = {r["order_no"]: r for r in csv.DictReader(csv_path.open(encoding="utf-8"))}
    assert bad in rows
    assert {r["created"] for r in rows.values()} == {"not sent"}
    assert "No outbound order was sent" in (csv_path.parent / "outbound_orders.md").read_text(
        encoding="utf-8"
    )


def test_traceability_of_a_day_without_shipments_skips(run_dag: Any, tmp_path: Path) -> None:
    """No dealer shipment in the interval: the syncs run, the order steps skip, the run succeeds."""
    dag_run = run_dag("chao8_traceability_sync", logical_date=EMPTY_DAY, conf={"output_dir": str(tmp_path)})
    states = assert_empty_day_skipped(dag_run, "plan_outbound_orders")
    assert states["create_outbound_orders"] == states["wait_until_completed"] == "skipped", states
    assert states["sync_products"] == states["sync_dealers"] == "success", states
    assert states["traceability_report"] == "success", states
    (markdown,) = (tmp_path / "chao8_traceability_sync").glob("*/outbound_orders.md")
    assert "No dealer shipments in this run's data interval" in markdown.read_text(encoding="utf-8")
