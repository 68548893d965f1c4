"""An example DAG against a drifting sandbox: the drifted items fail naming the field, the others
go through, the report is written."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dag_states import WATCHER, edited_sample, task_states

from airflow_provider.sandbox.kit.drift import hashed_in

pytestmark = pytest.mark.dags
DAY = datetime(2026, 11, 21, tzinfo=UTC)


@pytest.fixture
def drifting_hypersku(sandbox_cluster: Any) -> Iterator[Any]:
    backend = sandbox_cluster.backends["hypersku"]
    backend.drift.set(True)
    yield backend
    backend.drift.set(False)


def test_dropship_with_drift_fails_only_the_drifted_orders_naming_the_field(
    run_dag: Any, drifting_hypersku: Any, tmp_path: Path
) -> None:
    orders_file = edited_sample(
        tmp_path, "hypersku_store_orders.json", rename=("store_order_id", "SHOP-", "DRIFT-")
    )
    dag_run = run_dag(
        "hypersku_dropship_fulfilment",
        logical_date=DAY,
        conf={"orders_file": orders_file, "output_dir": str(tmp_path)},
    )
    states = task_states(dag_run)
    made = {
        order["thirdOrderId"]: order["orderId"]
        for order in drifting_hypersku.store.table("orders").values()
        if str(order["thirdOrderId"]).startswith("DRIFT-")
    }
    hit = {third for third, order_id in made.items() if hashed_in(order_id)}
    assert len(made) == 6  # every order was made once: the drifted answers were never resent blind

    (csv_path,) = (tmp_path / "hypersku_dropship_fulfilment").glob("*/tracking.csv")
    rows = {row["store_order_id"]: row for row in csv.DictReader(csv_path.open())}
    assert set(rows) == set(made)
    for third, row in rows.items():
        if third in hit:
            assert row["outcome"] in ("unknown", "failed"), row
            # named with its operation: the create's answer, or (on the task's retry) the look-up's
            assert "fields differ: expected but missing" in row["error"], row
            assert (
                "hypersku create: fields differ: expected but missing: orderBaseInfo.orderId" in row["error"]
                or "hypersku getOrdersByExternalOrderId: fields differ: expected but missing: orderId"
                in row["error"]
            ), row
        else:
            assert row["outcome"] in ("created", "existed"), row  # existed: seen by the task's retry
            assert row["hypersku_order_id"] == made[third]
    assert states["tracking_report"] == "success", states
    if hit:
        assert str(dag_run.state) == "failed", states
        assert states[WATCHER] == "failed", states
