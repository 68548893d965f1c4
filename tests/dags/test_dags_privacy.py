"""
The example DAGs keep customers' personal data out of Airflow (issue 22, items 5 and 6).

The HyperSKU and SuperShip DAGs run with ``dag.test()`` over their sample day, the customers
replaced by 1,000 (HyperSKU) or 200 (SuperShip) orders with planted names, addresses, phones and
e-mails (:mod:`planted_values`). (HiShopping's DAG would wait for credit the session's sandbox
does not have; its operator is checked with 1,000 orders in the integration test.) Then the
metadata DB (XCom, rendered template fields, the log table, task instances, DAG runs), everything
the run printed or logged, and the reports the DAG wrote are searched for every planted value.
The run's work folder is left out: handing orders on as files there is the point.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES
from dag_states import task_states
from planted_values import Person, Planted, logs_kept

pytestmark = pytest.mark.dags
DAY = datetime(2026, 11, 21, tzinfo=UTC)  # the run covering 2026-11-20


def _in_day(stamp: str) -> bool:
    return datetime(2026, 11, 20, tzinfo=UTC) <= datetime.fromisoformat(stamp.replace("Z", "+00:00")) < DAY


def _hypersku(people: list[Person]) -> Any:
    rows = [
        r
        for r in json.loads((SAMPLES / "hypersku_store_orders.json").read_text())
        if _in_day(r["created_at"])
    ]
    planted = []
    for p in people:
        row = json.loads(json.dumps(rows[p.n % len(rows)]))
        row["store_order_id"] = f"PV-{p.n:04d}"
        row["customer"].update(
            firstName=p.first_name, lastName=p.last_name, address1=p.street, phone=p.phone, email=p.email
        )
        planted.append(row)
    return planted


def _supership(people: list[Person]) -> Any:
    sample = json.loads((SAMPLES / "supership_orders.json").read_text())
    rows = [r for r in sample["orders"] if _in_day(r["created_at"]) and "-13" not in r["order_id"]]
    orders = []
    for p in people:
        row = json.loads(json.dumps(rows[p.n % len(rows)]))
        row["order_id"] = f"PV-{p.n:04d}"
        row["receiver"].update(name=p.name, phone=p.phone, address=p.street)
        orders.append(row)
    return {**sample, "orders": orders}


#: dag id -> (input param, how many orders, planted input builder)
CASES: dict[str, tuple[str, int, Callable[[list[Person]], Any]]] = {
    "hypersku_dropship_fulfilment": ("orders_file", 1000, _hypersku),
    "supership_cod_delivery": ("orders_file", 200, _supership),
}


@pytest.mark.parametrize("dag_id", list(CASES))
def test_no_planted_value_in_the_metadata_db_logs_or_reports(
    dag_id: str,
    run_dag: Any,
    sandbox_cluster: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    param, count, build = CASES[dag_id]
    planted = Planted()
    for conn in sandbox_cluster.connections.values():
        planted.add_connection_secrets(conn)
    source = tmp_path / "input.json"
    source.write_text(json.dumps(build(planted.people(count)), ensure_ascii=False), encoding="utf-8")
    assert planted.leaks(source.read_text(encoding="utf-8"))
    reports, work = tmp_path / "reports", tmp_path / "work"
    caplog.set_level(logging.INFO)

    with logs_kept() as records:
        dag_run = run_dag(
            dag_id,
            logical_date=DAY,
            conf={param: str(source), "output_dir": str(reports), "work_dir": str(work)},
        )

    states = task_states(dag_run)
    assert str(dag_run.state) == "success", states
    assert _xcom_rows(dag_id) > 0, "no XCom stored to search"
    assert _rendered_rows(dag_id) > 0, "no rendered fields stored to search"
    out, err = capfd.readouterr()
    findings = planted.scan_metadata_db()
    findings += planted.findings("printed", out + err)
    findings += planted.findings("logged", [caplog.text, records.lines])
    findings += planted.scan_files(reports)
    assert not findings, f"{len(findings)} planted value(s) leaked ({states}):\n  " + "\n  ".join(
        findings[:20]
    )
    # the orders did go through: handed on as files in the work folder
    assert any(planted.leaks(path.read_text(encoding="utf-8")) for path in work.rglob("*.jsonl")), states


def _count(table: str, dag_id: str) -> int:
    from airflow.settings import engine
    from sqlalchemy import text

    with engine.connect() as connection:
        return int(
            connection.execute(
                text(f"SELECT COUNT(*) FROM {table} WHERE dag_id = :d"), {"d": dag_id}
            ).scalar()
            or 0
        )


def _xcom_rows(dag_id: str) -> int:
    return _count("xcom", dag_id)


def _rendered_rows(dag_id: str) -> int:
    return _count("rendered_task_instance_fields", dag_id)
