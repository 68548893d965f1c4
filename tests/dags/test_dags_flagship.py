from __future__ import annotations

import csv
from collections import Counter
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
IN_INTERVAL = {"DTD-2001", "DTD-2002", "DTD-2003", "DTD-2004-CANCEL", "DTD-2005-FAIL", "DTD-2006"}


def _rows(reports_dir: Path, run_id: str) -> dict[str, dict[str, str]]:
    (path,) = (reports_dir / "order_to_doorstep").glob(
        f"{run_id.replace(':', '_').replace('+', '_')}*/doorstep.csv"
    )
    return {row["order_id"]: row for row in csv.DictReader(path.open(encoding="utf-8"))}


def test_order_to_doorstep_across_three_platforms(
    run_dag: Any, sandbox_cluster: Any, reports_dir: Path
) -> None:
    dag_run = run_dag("order_to_doorstep", logical_date=DAY)
    states = task_states(dag_run)
    assert str(dag_run.state) == "success", states
    assert states["doorstep_report"] == "success"
    assert all_succeeded(states), states

    hypersku = {
        o["thirdOrderId"] for o in sandbox_cluster.backends["hypersku"].store.table("orders").values()
    }
    assert hypersku >= IN_INTERVAL
    assert not {"DTD-1999", "DTD-2007"} & hypersku
    socs = [
        o["soc"]
        for o in sandbox_cluster.backends["supership"].store.table("orders").values()
        if o["soc"].startswith("DTD-")
    ]
    # the supplier cancelled DTD-2004: it never reached the last mile
    assert sorted(socs) == sorted(IN_INTERVAL - {"DTD-2004-CANCEL"})

    rows = _rows(reports_dir, dag_run.run_id)
    assert set(rows) == IN_INTERVAL
    assert rows["DTD-2001"]["outcome"] == "delivered"
    assert rows["DTD-2001"]["cod_expected_vnd"] == "690000"
    assert rows["DTD-2003"]["cod_expected_vnd"] == "0"  # paid online
    assert rows["DTD-2004-CANCEL"]["outcome"].startswith("supplier order ended with HyperSKU status 6")
    assert rows["DTD-2005-FAIL"]["outcome"].startswith("not delivered")
    assert rows["DTD-2005-FAIL"]["chao8_return"] == "DTD-2005-FAIL-R"
    assert all(rows[o]["cross_border_tracking"] for o in IN_INTERVAL - {"DTD-2004-CANCEL"})
    assert {rows[o]["chao8_completed"] for o in ("DTD-2001", "DTD-2002", "DTD-2003", "DTD-2006")} <= {
        "updated",
        "ok",
    }
    summary = next((reports_dir / "order_to_doorstep").glob("*/summary.md")).read_text(encoding="utf-8")
    assert "4 delivered to the doorstep" in summary
    assert "DTD-2004-CANCEL" in summary
    assert "DTD-2005-FAIL" in summary


def test_order_to_doorstep_with_faults_creates_each_order_once(
    run_dag: Any, sandbox_cluster: Any, reports_dir: Path, tmp_path: Path
) -> None:
    """5xx answers, 429s and answers lost after the order was committed, on every platform."""
    orders_file = edited_sample(
        tmp_path, "order_to_doorstep_orders.json", rename=("order_id", "DTD-", "FLT-")
    )

    before = sum((b.faults.injected for b in sandbox_cluster.backends.values()), Counter())
    for name, backend in sandbox_cluster.backends.items():
        backend.faults.update(
            error_rate=0.08, rate_limit_rate=0.05, retry_after=0.05, lose_answer_rate=0.08, seed=len(name)
        )
    try:
        dag_run = run_dag("order_to_doorstep", logical_date=DAY, conf={"orders_file": orders_file})
    finally:
        for backend in sandbox_cluster.backends.values():
            backend.faults.clear()
    injected = sum((b.faults.injected for b in sandbox_cluster.backends.values()), Counter()) - before
    assert injected["error"] >= 3
    assert injected["lose_answer"] >= 3
    assert injected["rate_limit"] >= 1
    states = task_states(dag_run)
    assert str(dag_run.state) == "success", states
    assert all_succeeded(states), states

    def ids(platform: str, field: str) -> list[str]:
        rows = (
            sandbox_cluster.backends[platform]
            .store.table("logistics_orders" if platform == "chao8" else "orders")
            .values()
        )
        return [row[field] for row in rows if str(row.get(field, "")).startswith("FLT-")]

    in_interval = {o.replace("DTD-", "FLT-") for o in IN_INTERVAL}
    hypersku = ids("hypersku", "thirdOrderId")
    assert sorted(hypersku) == sorted(in_interval)  # each exactly once
    supership = ids("supership", "soc")
    assert sorted(supership) == sorted(in_interval - {"FLT-2004-CANCEL"})
    chao8 = ids("chao8", "orderNo")
    assert sorted(chao8) == sorted((in_interval - {"FLT-2004-CANCEL"}) | {"FLT-2005-FAIL-R"})


def test_order_to_doorstep_run_fails_when_an_item_cannot_be_bought_and_still_reports(
    run_dag: Any, sandbox_cluster: Any, tmp_path: Path
) -> None:
    """A customer order whose item HyperSKU does not sell: the buy fails, so does the run; the report is written."""
    orders_file = edited_sample(
        tmp_path,
        "order_to_doorstep_orders.json",
        rename=("order_id", "DTD-", "NOSKU-"),
        edit=lambda rows: rows[1]["lines"][0].update(hypersku_sku="SKU-NOT-SOLD"),  # NOSKU-2002
    )

    dag_run = run_dag(
        "order_to_doorstep",
        logical_date=DAY,
        conf={"orders_file": orders_file, "output_dir": str(tmp_path)},
    )
    states = assert_failed_with_report(dag_run, "doorstep_report", "buy_from_hypersku[0]")
    assert states["wait_supplier_settled"] == "upstream_failed", states
    (path,) = (tmp_path / "order_to_doorstep").glob("*/doorstep.csv")
    rows = {row["order_id"]: row for row in csv.DictReader(path.open(encoding="utf-8"))}
    assert set(rows) == {o.replace("DTD-", "NOSKU-") for o in IN_INTERVAL}
    assert rows["NOSKU-2002"]["outcome"].startswith("not bought")
    assert (path.parent / "summary.md").exists()


def test_order_to_doorstep_of_a_day_without_orders_skips(run_dag: Any, tmp_path: Path) -> None:
    """No customer order in the interval: every step skips, nothing fails, the run succeeds."""
    dag_run = run_dag("order_to_doorstep", logical_date=EMPTY_DAY, conf={"output_dir": str(tmp_path)})
    states = assert_empty_day_skipped(dag_run, "load_customer_orders")
    assert states["doorstep_report"] == "success", states
    summary = next((tmp_path / "order_to_doorstep").glob("*/summary.md")).read_text(encoding="utf-8")
    assert "No customer orders in this run's data interval" in summary
