"""
Every example DAG, run twice over the same day, creates nothing the second time (issue 17).

Two DagRuns per DAG with the same data interval and different run ids: logical dates 00:00 and
06:00 of 2026-11-21 both cover 2026-11-20 (``dag.test()`` would replace a run of the *same*
logical date, its task instances and XComs with it; a re-trigger keeps both). The sandbox runs
in its default mode: HyperSKU and SuperShip ACCEPT a reused caller id (a second create makes a
second order, as their APIs document nothing else), 超8 and HiShopping refuse it. So the second
run must not send a create for any order that exists: every order is looked up by its own id
first. The proof is twofold: the simulators' stores hold as many orders after the second run as
before it, and every result of every create report of the second run (every map index) is
``existed``.

The inputs are copies of the samples with ids of their own (``RR…-``), so the first run really
creates every order; the mapped DAGs run with a small ``batch_size``, so their creates run over
several batches (map indexes) and the reports must read all of them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dag_states import SAMPLES, all_succeeded, edited_sample, task_states
from sqlalchemy import select

from airflow_provider.common import read_report

pytestmark = pytest.mark.dags

#: two logical dates of one data interval, [2026-11-20, 2026-11-21) UTC
FIRST = datetime(2026, 11, 21, tzinfo=UTC)
SECOND = datetime(2026, 11, 21, 6, tzinfo=UTC)
#: what the simulators store per platform: the orders (and the catalogues 超8's DAG syncs)
TABLES = {
    "hypersku": ("orders",),
    "supership": ("orders",),
    "chao8": ("logistics_orders", "production_orders", "products", "dealers"),
    "hishopping": ("orders",),
}
PRESENT = {"created", "existed", "updated", "ok"}


def store_counts(cluster: Any) -> dict[str, int]:
    """Rows per simulator table, and HiShopping's credit transactions (a create charges one)."""
    counts = {
        f"{platform}.{table}": len(cluster.backends[platform].store.table(table))
        for platform, tables in TABLES.items()
        for table in tables
    }
    counts["hishopping.transactions"] = len(cluster.backends["hishopping"].transactions)
    return counts


def reports_of(dag_run: Any, task_id: str) -> list[dict[str, Any]]:
    """The XCom report of every map index of ``task_id`` in ``dag_run``, in map-index order."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.scalars(
            XComModel.get_many(
                run_id=dag_run.run_id, key="return_value", dag_ids=dag_run.dag_id, task_ids=[task_id]
            )
        ).all()
        return [XComModel.deserialize_value(row) for row in sorted(rows, key=lambda row: row.map_index)]


def personal_data(sample: str, rows_key: str | None, field: str, keys: tuple[str, ...]) -> set[str]:
    """The customers' names, phones and street addresses of a sample input (what must stay in files)."""
    data = json.loads((SAMPLES / sample).read_text(encoding="utf-8"))
    return {
        str(row[field][key])
        for row in (data[rows_key] if rows_key else data)
        for key in keys
        if row[field].get(key)
    }


def assert_no_personal_data_in_xcom(dag_run: Any, personal: set[str]) -> None:
    """No XCom value and no rendered template field of the run holds a customer's name, phone or
    street address: the orders travelled as files, XCom carried their paths."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    assert personal
    with create_session() as session:
        xcoms = session.scalars(XComModel.get_many(run_id=dag_run.run_id, dag_ids=dag_run.dag_id)).all()
        stored = [
            json.dumps(XComModel.deserialize_value(row), ensure_ascii=False, default=str) for row in xcoms
        ]
        rendered = session.scalars(
            select(RenderedTaskInstanceFields).where(
                RenderedTaskInstanceFields.dag_id == dag_run.dag_id,
                RenderedTaskInstanceFields.run_id == dag_run.run_id,
            )
        ).all()
        stored += [json.dumps(row.rendered_fields, ensure_ascii=False, default=str) for row in rendered]
    assert len(stored) > 5
    leaks = {value for value in personal for text in stored if value in text}
    assert not leaks, f"{dag_run.dag_id}: personal data in XCom or rendered fields: {sorted(leaks)}"


def report_text(output_dir: Path, dag_run: Any, name: str) -> str:
    """A report file the run wrote under ``<output_dir>/<dag_id>/<run_id>/``."""
    from fulfillment_reports import report_folder

    folder = Path(str(report_folder(str(output_dir), dag_run.dag_id, dag_run.run_id)))
    return (folder / name).read_text(encoding="utf-8")


def create_results(dag_run: Any, task_ids: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """Every result of every create report of the run, read through ``read_report``, per task."""
    return {task_id: list(read_report(reports_of(dag_run, task_id)).results()) for task_id in task_ids}


@pytest.fixture
def run_twice(run_dag: Callable[..., Any], sandbox_cluster: Any) -> Callable[..., tuple[Any, Any]]:
    """``run_twice(dag_id, conf)`` -> the two finished DagRuns, after checking the stores.

    Asserts on the way: both runs succeed with every task done (no watcher firing), their run
    ids differ, their data intervals are the same, the first run created orders and the
    second created nothing in any simulator.
    """

    def run(dag_id: str, conf: dict[str, Any]) -> tuple[Any, Any]:
        before = store_counts(sandbox_cluster)
        first = run_dag(dag_id, logical_date=FIRST, conf=conf)
        assert str(first.state) == "success", task_states(first)
        assert all_succeeded(task_states(first)), task_states(first)
        after_first = store_counts(sandbox_cluster)
        assert after_first != before, "the first run created nothing: the test would prove nothing"

        second = run_dag(dag_id, logical_date=SECOND, conf=conf)
        assert str(second.state) == "success", task_states(second)
        assert all_succeeded(task_states(second)), task_states(second)
        assert second.run_id != first.run_id
        assert (second.data_interval_start, second.data_interval_end) == (
            first.data_interval_start,
            first.data_interval_end,
        )
        grown = {
            table: (after_first[table], count)
            for table, count in store_counts(sandbox_cluster).items()
            if count != after_first[table]
        }
        assert not grown, f"the second run of {dag_id} created rows (before, after): {grown}"
        return first, second

    return run


def assert_nothing_created(first: Any, second: Any, task_ids: tuple[str, ...]) -> None:
    """Run 1 created every order of its reports; run 2's reports name the same orders, all ``existed``."""
    made, again = create_results(first, task_ids), create_results(second, task_ids)
    for task_id in task_ids:
        assert made[task_id], f"{task_id}: no results in the first run"
        assert {r["outcome"] for r in made[task_id]} == {"created"}, (task_id, made[task_id])
        assert [r["key"] for r in again[task_id]] == [r["key"] for r in made[task_id]], task_id
        outcomes = {r["key"]: r["outcome"] for r in again[task_id]}
        assert set(outcomes.values()) == {"existed"}, (task_id, outcomes)
        # the same platform orders, found by the caller's id
        assert [r["id"] for r in again[task_id]] == [r["id"] for r in made[task_id]], task_id


def test_hypersku_dropship_twice(run_twice: Callable[..., tuple[Any, Any]], tmp_path: Path) -> None:
    orders_file = edited_sample(
        tmp_path, "hypersku_store_orders.json", rename=("store_order_id", "SHOP-", "RRH-")
    )
    first, second = run_twice(
        "hypersku_dropship_fulfilment", {"orders_file": orders_file, "output_dir": str(tmp_path)}
    )
    assert_nothing_created(first, second, ("create_orders",))
    personal = personal_data(
        "hypersku_store_orders.json", None, "customer", ("lastName", "phone", "address1", "email")
    )
    assert_no_personal_data_in_xcom(first, personal)
    assert "6 order(s) sent to HyperSKU: 6 created" in report_text(tmp_path, first, "tracking.md")
    assert "6 order(s) sent to HyperSKU: 6 existed" in report_text(tmp_path, second, "tracking.md")


def test_supership_cod_delivery_twice(run_twice: Callable[..., tuple[Any, Any]], tmp_path: Path) -> None:
    orders_file = edited_sample(
        tmp_path, "supership_orders.json", rows_key="orders", rename=("order_id", "DH-", "RRS-")
    )
    conf = {"orders_file": orders_file, "output_dir": str(tmp_path), "batch_size": 5}
    first, second = run_twice("supership_cod_delivery", conf)
    assert "create_orders[2]" in task_states(first)  # 12 parcels in batches of 5: three map indexes
    assert_nothing_created(first, second, ("create_orders",))
    personal = personal_data("supership_orders.json", "orders", "receiver", ("name", "phone", "address"))
    assert_no_personal_data_in_xcom(first, personal)

    def rows(dag_run: Any) -> dict[str, dict[str, str]]:
        text = report_text(tmp_path, dag_run, "cod_reconciliation.csv")
        return {row["order_id"]: row for row in csv.DictReader(text.splitlines())}

    # the reconciliation reads every batch: all 12 parcels (and the rejected address) each time
    made, again = rows(first), rows(second)
    assert len(made) == len(again) == 13
    assert sorted(r["create_outcome"] for r in made.values()) == ["created"] * 12 + ["rejected"]
    assert sorted(r["create_outcome"] for r in again.values()) == ["existed"] * 12 + ["rejected"]
    assert all(again[o]["quoted_fee"] for o in again if again[o]["create_outcome"] == "existed")


def test_chao8_traceability_twice(run_twice: Callable[..., tuple[Any, Any]], tmp_path: Path) -> None:
    shipments_file = edited_sample(
        tmp_path, "chao8_dealer_shipments.json", rename=("shipment_id", "SHP-", "RRC-")
    )
    first, second = run_twice(
        "chao8_traceability_sync", {"shipments_file": shipments_file, "output_dir": str(tmp_path)}
    )
    assert_nothing_created(first, second, ("create_outbound_orders",))
    # the catalogue syncs upsert: the second run updates, it never adds a product or a dealer
    for task_id in ("sync_products", "sync_dealers"):
        (results,) = create_results(second, (task_id,)).values()
        assert {r["outcome"] for r in results} == {"updated"}, results


def test_hishopping_temu_sourcing_twice(
    run_twice: Callable[..., tuple[Any, Any]], sandbox_cluster: Any, tmp_path: Path
) -> None:
    backend = sandbox_cluster.backends["hishopping"]
    backend.top_up(Decimal("500"), remark="rerun test")  # earlier tests may have spent the credit
    purchases_file = edited_sample(
        tmp_path,
        "hishopping_purchases.json",
        rows_key="purchases",
        rename=("merchant_order", "TEMU-", "RRT-"),
    )
    conf = {"purchases_file": purchases_file, "output_dir": str(tmp_path), "batch_size": 4}
    first, second = run_twice("hishopping_temu_sourcing", conf)
    assert "create_orders[1]" in task_states(first)  # 6 purchases in batches of 4
    assert_nothing_created(first, second, ("create_orders",))
    personal = personal_data(
        "hishopping_purchases.json", "purchases", "receiver", ("name", "phone", "address")
    )
    assert_no_personal_data_in_xcom(first, personal)
    # nothing charged twice, and the credit sensor asked for nothing the second time
    (need,) = reports_of(second, "price_batch")
    assert Decimal(str(need)) == 0


def test_order_to_doorstep_twice(run_twice: Callable[..., tuple[Any, Any]], tmp_path: Path) -> None:
    orders_file = edited_sample(
        tmp_path, "order_to_doorstep_orders.json", rename=("order_id", "DTD-", "RRD-")
    )
    conf = {"orders_file": orders_file, "output_dir": str(tmp_path), "batch_size": 4}
    first, second = run_twice("order_to_doorstep", conf)
    states = task_states(first)
    # six orders, five parcels: two batches each
    assert "buy_from_hypersku[1]" in states
    assert "hand_to_supership[1]" in states
    creates = (
        "buy_from_hypersku",
        "hand_to_supership",
        "record_outbound_in_chao8",
        "record_returns_in_chao8",
    )
    assert_nothing_created(first, second, creates)
    personal = personal_data("order_to_doorstep_orders.json", None, "receiver", ("name", "phone", "address"))
    assert_no_personal_data_in_xcom(first, personal)

    summaries = {dag_run.run_id: report_text(tmp_path, dag_run, "summary.md") for dag_run in (first, second)}
    assert "Orders created by this run: 6 HyperSKU, 5 SuperShip, 6 超8" in summaries[first.run_id]
    assert "Orders created by this run: 0 HyperSKU, 0 SuperShip, 0 超8" in summaries[second.run_id]
    assert (
        "found already there (not created again): 6 HyperSKU, 5 SuperShip, 6 超8" in summaries[second.run_id]
    )
    # the report of either run reads every batch: six customer orders, four delivered
    assert "6 customer order(s); 4 delivered to the doorstep" in summaries[second.run_id]
