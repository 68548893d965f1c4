"""
Load DAGs for the distributed deployment: ``bulk_orders_load`` (one HyperSKU bulk create of
``count`` orders) and ``bulk_orders_wait`` (a create, then a deferrable sensor waiting until every
order has settled: the system test's chaos scenarios fault the fleet while it waits).

The orders are generated inside the task from ``count`` and ``prefix`` (``thirdOrderId`` =
``<prefix>-<n>``, the same on every attempt), so 20,000 orders cost no XCom on the way in; the
per-order results go to a JSON-lines file (``results_path``) and XCom keeps the counts.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import Param, dag

from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator
from airflow_provider.hypersku.sensors import HyperSkuOrderStatusSensor

# only names at parse time: the folder is made by the task that writes to it
RESULTS_DIR = os.environ.get("FULFILLMENT_REPORTS_DIR", "/tmp/fulfillment-reports")
RESULTS_FILE = "{{ run_id | replace(':', '_') | replace('+', '_') }}.jsonl"
POLL_SECONDS = float(os.environ.get("FULFILLMENT_POLL_SECONDS", "60"))
# an attempt lost to a fault is retried after 5, 10, 20, 40 s: the retries outlast a component's
# restart (an api-server down for a minute fails every attempt started meanwhile)
RETRIES: dict[str, Any] = {
    "retries": 4,
    "retry_delay": timedelta(seconds=5),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(seconds=60),
}
# HyperSKU: shipped or delivered, or ended for good (closed, refunding, overdue, returned)
SETTLED = ["4", "5", "6", "7", "10", "11"]
ADDRESS = {
    "firstName": "Load",
    "lastName": "Test",
    "countryCode": "US",
    "province": "CA",
    "city": "San Francisco",
    "address1": "1 Market St",
    "zipCode": "94105",
    "phone": "+1 415 555 0100",
}


class GeneratedOrdersCreate(HyperSkuCreateOrdersOperator):
    """:class:`HyperSkuCreateOrdersOperator` whose ``orders`` is ``{"count": n, "prefix": p}``."""

    def validate_items(self, raw: Any) -> Any:
        spec = dict(raw)
        orders = [
            {
                "thirdOrderId": f"{spec['prefix']}-{number:06d}",
                "thirdOrderName": f"{spec['prefix']}-{number:06d}",
                "logisticsId": "1002",
                "shippingAddress": ADDRESS,
                "skuItems": [{"skuId": "SKU1001-BLK", "num": 1}],
            }
            for number in range(int(spec["count"]))
        ]
        return super().validate_items(orders)


@dag(
    dag_id="bulk_orders_load",
    schedule=None,
    start_date=datetime(2026, 11, 1),
    catchup=False,
    default_args=RETRIES,
    params={
        "count": Param(20000, type="integer", minimum=1),
        "prefix": Param("LOAD", type="string"),
        "max_concurrency": Param(16, type="integer", minimum=1),
    },
    tags=["load", "system-test"],
)
def bulk_orders_load() -> None:
    GeneratedOrdersCreate(
        task_id="create_orders",
        orders={"count": "{{ params.count }}", "prefix": "{{ params.prefix }}"},
        max_concurrency=16,
        results_path=f"{RESULTS_DIR}/bulk_orders_load/{RESULTS_FILE}",
    )


bulk_orders_load()


@dag(
    dag_id="bulk_orders_wait",
    schedule=None,
    start_date=datetime(2026, 11, 1),
    catchup=False,
    default_args=RETRIES,
    params={
        "count": Param(200, type="integer", minimum=1),
        "prefix": Param("WAIT", type="string"),
    },
    tags=["load", "system-test"],
)
def bulk_orders_wait() -> None:
    created = GeneratedOrdersCreate(
        task_id="create_orders",
        orders={"count": "{{ params.count }}", "prefix": "{{ params.prefix }}"},
        max_concurrency=16,
        results_path=f"{RESULTS_DIR}/bulk_orders_wait/{RESULTS_FILE}",
    )
    HyperSkuOrderStatusSensor(
        task_id="wait_settled",
        order_ids=created.output,
        success_statuses=SETTLED,
        failure_statuses=[],
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=timedelta(hours=2).total_seconds(),
    )


bulk_orders_wait()
