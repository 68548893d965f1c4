"""
``orders_from_file``: one HyperSKU bulk create of the orders in a JSON-lines file (``orders_file``,
one order per line); ``parcels_from_file``: the same for SuperShip parcels. Both are made the
way the docs say to keep customers' data out of XCom and the UI: only the file's path is a
template field. The results go beside it (``orders.jsonl`` ->
``orders.results.jsonl``). The system test's ``watcher`` scenario makes the orders its watcher
follows with ``orders_from_file``, and ``planted`` sends orders and parcels carrying planted
personal data through both.

Invalid orders are reported (``on_invalid="report"``): the valid ones are created, the task
fails naming each invalid order and field, and its one retry finds the orders already made.
No default outlet: the example DAGs scheduled on HyperSKU's orders do not run on these orders.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, BaseOperator, Param, dag

from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator
from airflow_provider.supership.operators import SuperShipCreateOrdersOperator

RETRY_ONCE = {"retries": 1, "retry_delay": timedelta(seconds=5)}


def orders_file() -> Param:
    return Param(type="string", description="an absolute path to a .jsonl file")


def load_from_file(dag_id: str, operator: type[BaseOperator], task_id: str) -> DAG:
    """A DAG creating the orders of one JSON-lines file (its path the only template field)."""

    @dag(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 11, 1),
        catchup=False,
        default_args=RETRY_ONCE,
        params={"orders_file": orders_file()},
        tags=["load", "system-test"],
    )
    def load() -> None:
        operator(
            task_id=task_id,
            orders="{{ params.orders_file }}",
            on_invalid="report",
            max_concurrency=8,
            outlets=[],
        )

    return load()


orders_from_file = load_from_file("orders_from_file", HyperSkuCreateOrdersOperator, "create_orders")
parcels_from_file = load_from_file("parcels_from_file", SuperShipCreateOrdersOperator, "create_parcels")
