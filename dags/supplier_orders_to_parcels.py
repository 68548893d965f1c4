"""
Supplier orders to parcels, data-aware: scheduled on the HyperSKU orders asset that
``order_to_doorstep``'s buying task (any HyperSKU create on ``hypersku_default``) updates.

Each asset event carries what its create did (``triggering_asset_events``): the counts, the
results file and, for up to 100 orders, ``{customer order id: HyperSKU order id}``. This DAG
waits until those supplier orders have shipped or ended, then hands every shipped one to
SuperShip for the last mile (``soc`` = the customer order id, looked up first: an order the
flagship already handed over is reported ``existed``, never sent twice). Its own create
updates ``supership://supership_default/parcels`` in turn.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import Asset, Param, dag, task
from fulfillment_dag_helpers import (
    FOLDER_MACROS,
    context_folder,
    fail_run_on_failed_task,
    orders_or_skip,
    retry_delay,
    write_jsonl,
)

from airflow_provider.hypersku.sensors import HyperSkuOrderStatusSensor
from airflow_provider.supership.operators import SuperShipCreateOrdersOperator

#: what ``order_to_doorstep``'s ``buy_from_hypersku`` changes (its default outlet)
SUPPLIER_ORDERS = Asset("hypersku://hypersku_default/orders")
ORDERS_FILE = Path(__file__).parent / "data" / "order_to_doorstep_orders.json"
POLL_SECONDS = float(os.environ.get("FULFILLMENT_POLL_SECONDS", "300"))
# HyperSKU: shipped (4) or delivered (5) to the hub; closed, refunding, overdue, returned end it.
SUPPLIER_SHIPPED = {"4", "5"}
SUPPLIER_ENDED = {"6", "7", "10", "11"}


def supplier_orders_in(events: Iterable[Any]) -> dict[str, str]:
    """``{customer order id: HyperSKU order id}`` of the orders HyperSKU holds, over the events:
    the ids in each event's extra, or (more than 100 orders) its results file."""
    from airflow_provider.common import read_report

    orders: dict[str, str] = {}
    for event in events:
        extra = dict(event.extra or {})
        if extra.get("ids") is not None:
            orders.update({key: str(order_id) for key, order_id in extra["ids"].items() if order_id})
        elif extra.get("results_file"):
            for result in read_report(extra).results(outcomes=("created", "existed")):
                if result.get("id"):
                    orders[str(result["key"])] = str(result["id"])
    return orders


@dag(
    dag_id="supplier_orders_to_parcels",
    schedule=[SUPPLIER_ORDERS],
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": retry_delay()},
    user_defined_macros=FOLDER_MACROS,
    params={
        "orders_file": Param(str(ORDERS_FILE), type="string", description="customer orders (JSON)"),
        "work_dir": Param(
            None,
            type=["null", "string"],
            description="the run's working files; empty: the fulfillment_work_dir Variable, else "
            "$FULFILLMENT_WORK_DIR, else $AIRFLOW_HOME/fulfillment/work",
        ),
        "supership_pickup_code": Param(
            "WCQ1I07047", type="string", description="SuperShip warehouse of the hub"
        ),
    },
    tags=["hypersku", "supership", "example", "assets"],
    doc_md=__doc__,
)
def supplier_orders_to_parcels() -> None:
    @task
    def bought(triggering_asset_events: Any = None) -> dict[str, str]:
        """The supplier orders of the events that triggered this run (none: skip)."""
        orders = supplier_orders_in(
            triggering_asset_events[SUPPLIER_ORDERS] if triggering_asset_events else []
        )
        print(f"{len(orders)} supplier order(s) in the triggering event(s)")
        return orders_or_skip(orders, "supplier orders")

    @task
    def supplier_ids(orders: dict[str, str]) -> list[str]:
        return sorted(set(orders.values()))

    supplier_orders = bought()
    settled = HyperSkuOrderStatusSensor(
        task_id="wait_supplier_settled",
        order_ids=supplier_ids(supplier_orders),
        success_statuses=sorted(SUPPLIER_SHIPPED | SUPPLIER_ENDED),
        failure_statuses=[],
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=timedelta(days=20).total_seconds(),
    )

    @task
    def plan_parcels(orders: dict[str, str], statuses: dict[str, str], **context: Any) -> str:
        """A SuperShip COD order for every customer order whose supplier order shipped, in a
        JSON-lines file of the run's work folder (receivers stay out of XCom)."""
        import json

        params = context["params"]
        shipped = {key for key, order_id in orders.items() if statuses.get(order_id) in SUPPLIER_SHIPPED}
        customers = json.loads(Path(params["orders_file"]).read_text(encoding="utf-8"))
        parcels = []
        for order in customers:
            if order["order_id"] not in shipped:
                continue
            lines = order["lines"]
            value = sum(line["price_vnd"] * line["quantity"] for line in lines)
            parcels.append(
                {
                    "soc": order["order_id"],
                    "pickup_code": params["supership_pickup_code"],
                    **order["receiver"],
                    "amount": 0 if order["paid_online"] else value,
                    "value": value,
                    "weight": sum(line["weight_g"] * line["quantity"] for line in lines),
                    "service": "1",
                    "config": "1",
                    "payer": "1",
                    "product_type": "1",
                    "product": "; ".join(f"{line['name']} x{line['quantity']}" for line in lines),
                }
            )
        orders_or_skip(parcels, "shipped supplier orders")
        (path,) = write_jsonl(context_folder(context, "work"), "parcels", parcels)
        return path

    SuperShipCreateOrdersOperator(
        task_id="hand_to_supership", orders=plan_parcels(supplier_orders, settled.output)
    )
    fail_run_on_failed_task()


supplier_orders_to_parcels()
