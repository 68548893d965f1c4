"""The ``supership_cod_delivery`` example DAG, end to end against the sandbox with ``dag.test()``."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dag_states import (
    EMPTY_DAY,
    WATCHER,
    all_succeeded,
    assert_empty_day_skipped,
    assert_failed_with_report,
    edited_sample,
    task_states,
)

pytestmark = pytest.mark.dags

DAG_ID = "supership_cod_delivery"
DAY = datetime(2026, 11, 21, tzinfo=UTC)  # the run covering 2026-11-20
DATA = Path(__file__).resolve().parents[2] / "dags" / "data" / "supership_orders.json"
# created_at in [2026-11-20 00:00 UTC, 2026-11-21 00:00 UTC) = [07:00+07:00, next day 07:00+07:00):
# DH-261120-00 (06:50+07:00) and DH-261121-01 (07:00+07:00 next day) are outside;
# DH-261120-13 names a district that does not exist
SHIPPED = [f"DH-261120-{n:02d}" for n in range(1, 13)]
SHIPPED[4] += "-RETURN"
SHIPPED[8] += "-PARTIAL"
REJECTED = "DH-261120-13"
RETURN_PATH = {"15", "20", "21"}  # undeliverable -> returning -> returned


def _report(output_dir: Path, dag_run: Any) -> tuple[dict[str, dict[str, str]], str]:
    from fulfillment_reports import report_folder

    csv_path = Path(str(report_folder(str(output_dir), DAG_ID, dag_run.run_id))) / "cod_reconciliation.csv"
    rows = {row["order_id"]: row for row in csv.DictReader(csv_path.open(encoding="utf-8"))}
    return rows, csv_path.with_suffix(".md").read_text(encoding="utf-8")


def _ours(backend: Any) -> list[dict[str, Any]]:
    return [o for o in backend.orders() if str(o["soc"]).startswith("FF-DH-")]


def test_sample_file_covers_the_interval_edges() -> None:
    orders = json.loads(DATA.read_text(encoding="utf-8"))["orders"]
    start, end = datetime(2026, 11, 20, tzinfo=UTC), DAY
    inside = [o["order_id"] for o in orders if start <= datetime.fromisoformat(o["created_at"]) < end]
    assert inside == [*SHIPPED, REJECTED]
    assert {"DH-261120-00", "DH-261121-01"} < {o["order_id"] for o in orders} - set(inside)


def test_cod_delivery_end_to_end_and_rerun(
    run_dag: Any, sandbox_cluster: Any, tmp_path: Path, work_dir: Path, refuse_reused_ids: None
) -> None:
    backend = sandbox_cluster.backends["supership"]
    conf = {"output_dir": str(tmp_path)}

    dag_run = run_dag(DAG_ID, logical_date=DAY, conf=conf)
    states = task_states(dag_run)
    # every step ran: the returned parcel and the rejected address are in the report, not a failed run
    assert str(dag_run.state) == "success", states
    assert all_succeeded(states), states
    assert "wait_settled[0]" in states

    # each order of the interval created exactly once, under its derived soc; nothing else
    orders = _ours(backend)
    assert Counter(o["soc"] for o in orders) == Counter(f"FF-{order_id}" for order_id in SHIPPED)
    by_soc = {o["soc"]: o for o in orders}
    # the unaccented address was sent with SuperShip's names
    assert by_soc["FF-DH-261120-02"]["receiver"]["province"] == "Thành phố Hà Nội"
    assert by_soc["FF-DH-261120-02"]["receiver"]["district"] == "Quận Hai Bà Trưng"

    rows, markdown = _report(tmp_path, dag_run)
    assert set(rows) == {*SHIPPED, REJECTED}
    assert all(rows[o]["create_outcome"] == "created" for o in SHIPPED)

    returned = rows["DH-261120-05-RETURN"]
    assert returned["delivery"] == "not delivered"
    assert returned["status"].split()[0] in RETURN_PATH
    assert "Không Giao Được (undeliverable)" in returned["why"]
    assert returned["cod_collected"] == "0"
    assert returned["cod_expected"] == "500000"

    partial = rows["DH-261120-09-PARTIAL"]
    assert partial["delivery"] == "partly delivered"
    assert "13 Đã Giao Hàng Một Phần (partly delivered)" in partial["why"]
    assert (partial["cod_expected"], partial["cod_collected"], partial["cod_short"]) == (
        "640000",
        "320000",
        "320000",
    )

    rejected = rows[REJECTED]
    assert (rejected["create_outcome"], rejected["delivery"]) == ("rejected", "not sent")
    assert "Quận 13" in rejected["why"]

    delivered = [o for o in SHIPPED if "RETURN" not in o and "PARTIAL" not in o]
    for order_id in delivered:
        row = rows[order_id]
        assert row["delivery"] == "delivered", row
        assert row["status"].split()[0] in {"12", "16"}
        assert row["cod_collected"] == row["cod_expected"] != "0"
        assert row["fee"] == row["quoted_fee"]  # the quote is what the create charged

    # COD figures agree with the sandbox: the receiver of DH-261120-07 pays the fees on top
    payer_two = by_soc["FF-DH-261120-07"]
    assert payer_two["collection"] == 325000 + payer_two["fee"] + payer_two["insurance"]
    expected = sum(o["collection"] for o in orders)
    collected = sum(backend.collected(o) for o in orders)
    assert expected == 3_845_000 + payer_two["fee"] + payer_two["insurance"]
    assert collected == expected - 500_000 - 320_000
    assert sum(int(r["cod_expected"]) for r in rows.values()) == expected
    assert sum(int(r["cod_collected"]) for r in rows.values()) == collected
    assert f"COD expected: {expected:,} VND; COD collected: {collected:,} VND" in markdown
    assert "Delivered: 10; partly delivered: 1; not delivered: 1; in transit: 0." in markdown
    # the report says plainly which order was not delivered and why, with status names
    (line,) = [li for li in markdown.splitlines() if li.startswith("- NOT DELIVERED:")]
    assert "DH-261120-05-RETURN" in line
    assert "Không Giao Được (undeliverable): Không giao được: Người Nhận từ chối nhận hàng" in line
    assert "- PARTLY DELIVERED: DH-261120-09-PARTIAL: 320,000 VND not collected" in markdown
    assert f"- NOT SENT: {REJECTED}: invalid address" in markdown
    assert "print token" in markdown
    assert "token=" not in markdown
    # the full journeys (receivers' names and addresses) went to a file of the run's work folder
    assert list((work_dir / DAG_ID).glob("*/supership-tracking-*.json"))
    assert not list(tmp_path.rglob("*tracking*"))

    # a second run of the same day finds every order instead of creating it again
    again = run_dag(DAG_ID, logical_date=DAY, conf=conf)
    again_states = task_states(again)
    assert str(again.state) == "success", again_states
    assert all_succeeded(again_states), again_states
    assert Counter(o["soc"] for o in _ours(backend)) == Counter(f"FF-{order_id}" for order_id in SHIPPED)
    rows, markdown = _report(tmp_path, again)
    assert all(rows[o]["create_outcome"] == "existed" for o in SHIPPED)
    assert "0 created, 12 already existed, 1 rejected before sending" in markdown
    assert f"COD collected: {collected:,} VND" in markdown


def test_cod_delivery_of_a_day_without_orders(run_dag: Any, tmp_path: Path) -> None:
    """An empty interval ships nothing, skips (fails nothing) and still writes its (empty) reconciliation."""
    dag_run = run_dag(DAG_ID, logical_date=EMPTY_DAY, conf={"output_dir": str(tmp_path)})
    states = assert_empty_day_skipped(dag_run, "select_orders")
    assert states["check_addresses"] == states["plan_quotes"] == "skipped", states
    assert states["cod_report"] == "success"
    rows, markdown = _report(tmp_path, dag_run)
    assert rows == {}
    assert "0 order(s) created from 2026-11-09" in markdown
    assert "No shop orders in this run's data interval" in markdown


def test_cod_delivery_run_fails_when_supership_refuses_the_orders_and_still_reports(
    run_dag: Any, sandbox_cluster: Any, tmp_path: Path
) -> None:
    """Orders sent from a warehouse SuperShip does not know are refused: the run fails, the report is written."""
    orders_file = edited_sample(
        tmp_path, "supership_orders.json", rows_key="orders", rename=("order_id", "DH-", "NOWH-")
    )
    warehouse = {
        "pickup_code": "NO-SUCH-WAREHOUSE",
        "province": "Thành phố Hồ Chí Minh",
        "district": "Quận Tân Bình",
    }

    dag_run = run_dag(
        DAG_ID,
        logical_date=DAY,
        conf={"orders_file": orders_file, "output_dir": str(tmp_path), "warehouse": warehouse},
    )
    states = assert_failed_with_report(dag_run, "cod_report", "create_orders[0]")
    assert states["wait_settled"] == "upstream_failed", states
    backend = sandbox_cluster.backends["supership"]
    assert not [o for o in backend.orders() if str(o["soc"]).startswith("FF-NOWH-")]
    rows, markdown = _report(tmp_path, dag_run)
    assert len(rows) == len(SHIPPED) + 1
    assert {r["delivery"] for r in rows.values()} == {"not sent"}
    assert "0 created, 0 already existed" in markdown


def test_cod_delivery_with_no_valid_address_skips_the_mapped_steps(
    run_dag: Any, sandbox_cluster: Any, tmp_path: Path
) -> None:
    """Every address set aside: the batch list is empty, so Airflow skips the mapped steps over it
    (no wrapper needed); nothing fails, the reconciliation names every order, the run succeeds."""

    def nowhere(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            row["receiver"]["district"] = "Quận 99"

    orders_file = edited_sample(
        tmp_path,
        "supership_orders.json",
        rows_key="orders",
        rename=("order_id", "DH-", "NOADDR-"),
        edit=nowhere,
    )
    dag_run = run_dag(
        DAG_ID, logical_date=DAY, conf={"orders_file": orders_file, "output_dir": str(tmp_path)}
    )
    states = task_states(dag_run)
    assert str(dag_run.state) == "success", states
    assert states["check_addresses"] == states["plan_quotes"] == states["cod_report"] == "success", states
    for mapped in ("quote_fees", "create_orders", "print_labels", "wait_settled", "track_orders"):
        assert states[mapped] == "skipped", states
    assert states[WATCHER] == "skipped", states
    assert not [o for o in sandbox_cluster.backends["supership"].orders() if "NOADDR-" in str(o["soc"])]
    rows, markdown = _report(tmp_path, dag_run)
    assert len(rows) == len(SHIPPED) + 1
    assert {r["create_outcome"] for r in rows.values()} == {"rejected"}
    assert "0 created, 0 already existed, 13 rejected before sending" in markdown
