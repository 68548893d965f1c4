"""The ``hishopping_temu_sourcing`` example DAG, end to end against the sandbox with ``dag.test()``."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dag_states import (
    all_succeeded,
    assert_empty_day_skipped,
    assert_failed_with_report,
    edited_sample,
    task_states,
)

pytestmark = pytest.mark.dags

DAG_ID = "hishopping_temu_sourcing"
DAY = datetime(2026, 11, 21, tzinfo=UTC)  # the run covering 2026-11-20
# requested_at in [2026-11-20, 2026-11-21) UTC; TEMU-261121-01 (00:00 next day) is outside
PLANNED = [
    "TEMU-261120-01",
    "TEMU-261120-02",
    "TEMU-261120-03",
    "TEMU-261120-04-CANCEL",
    "TEMU-261120-05",
    "TEMU-261120-06",
]
CANCELLED = "TEMU-261120-04-CANCEL"
# goods x quantity, plus the sandbox's 3 % fee (rounded per order)
GOODS = {
    "TEMU-261120-01": Decimal("12.99") * 4,
    "TEMU-261120-02": Decimal("6.49") * 6,
    "TEMU-261120-03": Decimal("10.49") * 3,
    CANCELLED: Decimal("15.80") * 2,
    "TEMU-261120-05": Decimal("7.50") * 10,
    "TEMU-261120-06": Decimal("24.90") * 2,
}
CHARGES = {k: v + (v * Decimal("0.03")).quantize(Decimal("0.01")) for k, v in GOODS.items()}


def _summary(output_dir: Path, dag_run: Any) -> tuple[dict[str, dict[str, str]], str]:
    from fulfillment_reports import report_folder

    folder = Path(str(report_folder(str(output_dir), DAG_ID, dag_run.run_id)))
    rows = {
        r["merchant_order"]: r
        for r in csv.DictReader((folder / "purchase_summary.csv").open(encoding="utf-8"))
    }
    return rows, (folder / "purchase_summary.md").read_text(encoding="utf-8")


def _ledger(output_dir: Path, day: datetime) -> list[dict[str, str]]:
    """The finance export of the run covering ``day`` (named by its data interval)."""
    end = day + timedelta(days=1)
    name = f"hishopping_credit_{day:%Y%m%dT%H%M%SZ}_{end:%Y%m%dT%H%M%SZ}.csv"
    path = output_dir / DAG_ID / "credit_ledger" / name
    return list(csv.DictReader(path.open(encoding="utf-8")))


def _ours(backend: Any) -> list[dict[str, Any]]:
    return [o for o in backend.store.values("orders") if o["merchant_order"].startswith("TEMU-")]


def test_temu_sourcing_end_to_end_rerun_and_ledger(
    run_dag: Any, sandbox_cluster: Any, tmp_path: Path
) -> None:
    backend = sandbox_cluster.backends["hishopping"]
    conf = {"output_dir": str(tmp_path)}
    opening = backend.balance

    dag_run = run_dag(DAG_ID, logical_date=DAY, conf=conf)
    states = task_states(dag_run)
    # every step ran: the cancelled order is in the report, not a failed run
    assert str(dag_run.state) == "success", states
    assert all_succeeded(states), states
    assert "wait_settled[0]" in states

    # each planned order created exactly once, charged once; the cancelled one refunded once
    orders = {o["merchant_order"]: o for o in _ours(backend)}
    assert Counter(o["merchant_order"] for o in _ours(backend)) == Counter(PLANNED)
    order_nos = {o["order_no"]: o["merchant_order"] for o in orders.values()}
    kinds = Counter(
        (t["type"], order_nos[t["order_no"]]) for t in backend.transactions if t["order_no"] in order_nos
    )
    assert kinds == Counter({("charge", m) for m in PLANNED} | {("refund", CANCELLED)})
    assert {m: orders[m]["total_charge"] for m in PLANNED} == CHARGES
    charged = sum(CHARGES.values(), Decimal(0))
    refunded = CHARGES[CANCELLED]
    assert backend.balance == opening - charged + refunded

    rows, markdown = _summary(tmp_path, dag_run)
    assert list(rows) == PLANNED
    assert all(rows[m]["outcome"] == "created" for m in PLANNED)
    assert {m: Decimal(rows[m]["total_charge"]) for m in PLANNED} == CHARGES
    assert rows[CANCELLED]["status"] == "cancelled"
    assert Decimal(rows[CANCELLED]["refunded"]) == refunded
    shipped = [m for m in PLANNED if m != CANCELLED]
    assert all(rows[m]["status"] in ("shipped", "completed") and rows[m]["tracking_no"] for m in shipped)
    # the credit sensor waited for the real batch total, estimated with the 3 % fee
    assert f"credit needed for new orders: {charged:.2f} USD." in markdown
    assert (
        f"Total charged: {charged} USD; refunds: {refunded} USD; net spend: {charged - refunded} USD."
        in markdown
    )
    assert f"Credit balance now: {backend.balance:.2f} USD." in markdown
    assert "Orders placed: 6 (6 created by this run, 0 already existed); not placed: 0." in markdown
    (line,) = [li for li in markdown.splitlines() if li.startswith("- CANCELLED:")]
    assert CANCELLED in line
    assert f"{refunded} USD refunded" in line
    assert "NOT SHIPPED YET" not in markdown

    # the finance export covers the data interval, 2026-11-20; the sandbox's ledger lives on its
    # own clock (now), so that day holds no transaction of the sandbox
    day = datetime(2026, 11, 20, tzinfo=UTC)
    assert _ledger(tmp_path, day) == []
    assert not [t for t in backend.transactions if day.timestamp() <= t["_at"] < DAY.timestamp()]
    assert "Credit ledger of 2026-11-20 (UTC): 0 transaction(s)" in markdown

    # a second run of the same day creates and charges nothing again: the credit needed is 0
    transactions = len(backend.transactions)
    again = run_dag(DAG_ID, logical_date=DAY, conf=conf)
    again_states = task_states(again)
    assert str(again.state) == "success", again_states
    assert all_succeeded(again_states), again_states
    assert Counter(o["merchant_order"] for o in _ours(backend)) == Counter(PLANNED)
    assert len(backend.transactions) == transactions
    rows, markdown = _summary(tmp_path, again)
    assert all(rows[m]["outcome"] == "existed" for m in PLANNED)
    assert "credit needed for new orders: 0.00 USD." in markdown
    assert "Orders placed: 6 (0 created by this run, 6 already existed)" in markdown
    assert f"Credit balance now: {backend.balance:.2f} USD." in markdown

    # the run whose data interval is the day the sandbox charged the orders: nothing planned,
    # but the finance export holds that day's charges and the refund, as the sandbox booked them
    charge_at = next(t["_at"] for t in backend.transactions if t["order_no"] in order_nos)
    sandbox_day = datetime.fromtimestamp(charge_at, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    # (a day without purchases: the buying steps skip, nothing fails, the run succeeds)
    ledger_run = run_dag(DAG_ID, logical_date=sandbox_day + timedelta(days=1), conf=conf)
    ledger_states = assert_empty_day_skipped(ledger_run, "plan_purchases")
    assert ledger_states["wait_for_credit"] == ledger_states["create_orders"] == "skipped", ledger_states
    assert ledger_states["export_ledger"] == ledger_states["purchase_summary"] == "success", ledger_states
    ledger = _ledger(tmp_path, sandbox_day)
    window = (sandbox_day.timestamp(), sandbox_day.timestamp() + 86400)
    booked = [t for t in backend.transactions if window[0] <= t["_at"] < window[1]]
    assert [(r["reference_no"], r["type"], r["amount"]) for r in ledger] == [
        (t["reference_no"], t["type"], t["amount"]) for t in booked
    ]
    ours = [t for t in booked if t["order_no"] in order_nos]
    if len(ours) == len(PLANNED) + 1:  # unless the sandbox's midnight fell between charge and refund
        assert sum(Decimal(t["amount"]) for t in ours) == -(charged - refunded)
    _, markdown = _summary(tmp_path, ledger_run)
    assert "No purchases were planned for this day" in markdown
    assert f"Credit ledger of {sandbox_day.date()} (UTC): {len(booked)} transaction(s)" in markdown


def test_temu_sourcing_run_fails_when_hishopping_refuses_an_order_and_still_reports(
    run_dag: Any, sandbox_cluster: Any, tmp_path: Path
) -> None:
    """A purchase HiShopping refuses (no zip code) fails the run; the summary is still written."""
    bad = "NOZIP-261120-02"
    purchases_file = edited_sample(
        tmp_path,
        "hishopping_purchases.json",
        rows_key="purchases",
        rename=("merchant_order", "TEMU-", "NOZIP-"),
        edit=lambda rows: next(r for r in rows if r["merchant_order"] == bad)["receiver"].update(zip=""),
    )

    dag_run = run_dag(
        DAG_ID, logical_date=DAY, conf={"purchases_file": purchases_file, "output_dir": str(tmp_path)}
    )
    states = assert_failed_with_report(dag_run, "purchase_summary", "create_orders[0]")
    assert states["wait_settled"] == "upstream_failed", states
    backend = sandbox_cluster.backends["hishopping"]
    assert bad not in {o["merchant_order"] for o in backend.store.values("orders")}
    rows, markdown = _summary(tmp_path, dag_run)
    assert rows[bad]["order_no"] == ""
    assert f"NOT PLACED: {bad}" in markdown
