from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import EMPTY_DAY, WATCHER, all_succeeded, assert_empty_day_skipped, edited_sample, task_states

pytestmark = pytest.mark.dags
DAY = datetime(2026, 11, 21, tzinfo=UTC)  # the run covering 2026-11-20


def test_dropship_fulfilment_end_to_end_and_rerun(
    run_dag: Any, sandbox_cluster: Any, reports_dir: Path, refuse_reused_ids: None
) -> None:
    backend = sandbox_cluster.backends["hypersku"]
    before = set(backend.store.table("orders"))
    dag_run = run_dag("hypersku_dropship_fulfilment", logical_date=DAY)
    assert str(dag_run.state) == "success", task_states(dag_run)
    assert all_succeeded(task_states(dag_run)), task_states(dag_run)

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


def test_dropship_run_fails_when_hypersku_refuses_an_order_and_still_reports(
    run_dag: Any, sandbox_cluster: Any, tmp_path: Path
) -> None:
    """An order HyperSKU refuses (a SKU it does not sell) fails the run; the report is written."""
    orders_file = edited_sample(
        tmp_path,
        "hypersku_store_orders.json",
        rename=("store_order_id", "SHOP-", "REFUSED-"),
        edit=lambda rows: rows[1]["lines"][0].update(sku="SKU-NOT-SOLD"),  # REFUSED-1002
    )

    dag_run = run_dag(
        "hypersku_dropship_fulfilment",
        logical_date=DAY,
        conf={"orders_file": orders_file, "output_dir": str(tmp_path)},
    )
    states = task_states(dag_run)
    assert str(dag_run.state) == "failed", states
    assert states["tracking_report"] == "success", states
    assert states[WATCHER] == "failed", states
    assert "failed" in {states["quote_logistics"], states["create_orders"]}, states
    (markdown,) = (tmp_path / "hypersku_dropship_fulfilment").glob("*/tracking.md")
    assert markdown.exists()


def test_dropship_of_a_day_without_orders_skips(run_dag: Any, tmp_path: Path) -> None:
    """No store order in the interval: every step skips, nothing fails, the run succeeds."""
    dag_run = run_dag(
        "hypersku_dropship_fulfilment", logical_date=EMPTY_DAY, conf={"output_dir": str(tmp_path)}
    )
    states = assert_empty_day_skipped(dag_run, "load_store_orders")
    assert states["quote_logistics"] == states["create_orders"] == "skipped", states
    assert states["tracking_report"] == "success", states
    (markdown,) = (tmp_path / "hypersku_dropship_fulfilment").glob("*/tracking.md")
    assert "No store orders in this run's data interval" in markdown.read_text(encoding="utf-8")
