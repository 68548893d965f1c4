"""
Order to doorstep, the flagship workflow: a Vietnamese customer's order is bought from HyperSKU,
tracked across the border to our Ho Chi Minh City hub, handed to SuperShip for the last mile
(cash on delivery), and recorded in 超8 as an outbound logistics order for traceability.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from airflow_provider.chao8.operators import (
    Chao8CompleteLogisticsOrderOperator,
    Chao8CreateLogisticsOrdersOperator,
)
from airflow_provider.common.dag_helpers import fail_run_on_failed_task, orders_or_skip, retry_delay
from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator, HyperSkuGetTrackingOperator
from airflow_provider.hypersku.sensors import HyperSkuOrderStatusSensor
from airflow_provider.supership.operators import SuperShipCreateOrdersOperator
from airflow_provider.supership.sensors import SuperShipOrderStatusSensor

ORDERS_FILE = Path(__file__).parent / "data" / "order_to_doorstep_orders.json"
POLL_SECONDS = float(os.environ.get("FULFILLMENT_POLL_SECONDS", "300"))
REPORTS_DIR = os.environ.get("FULFILLMENT_REPORTS_DIR", os.path.join(os.getcwd(), "reports"))

# HyperSKU: shipped (4) or delivered (5) to the hub; closed, refunding, overdue, returned end it.
SUPPLIER_SHIPPED = {"4", "5"}
SUPPLIER_FAILED = {"6", "7", "10", "11"}
# SuperShip: delivered in full, in part, reconciled; or a final failure.
LAST_MILE_DELIVERED = {"12", "13", "16"}
LAST_MILE_FAILED = {"0", "6", "15", "17", "21", "24", "25", "26", "27"}

# The hub the supplier ships to (a HyperSKU ShippingAddressDto), overridable per run.
HUB_ADDRESS = {
    "firstName": "Doorstep",
    "lastName": "Hub HCM",
    "countryCode": "VN",
    "province": "Ho Chi Minh",
    "city": "Ho Chi Minh City",
    "address1": "35 Truong Dinh, District 3",
    "zipCode": "700000",
    "phone": "+84 28 3930 1234",
}


def _batches(items: list[Any]) -> list[list[Any]]:
    """One batch, or none: a mapped step over no batch is skipped instead of failing."""
    return [items] if items else []


@dag(
    dag_id="order_to_doorstep",
    # each run takes the customer orders created during the previous day (UTC)
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": retry_delay()},
    params={
        "orders_file": Param(str(ORDERS_FILE), type="string", description="customer orders (JSON)"),
        "output_dir": Param(REPORTS_DIR, type="string", description="where the reports go"),
        "hub_address": Param(HUB_ADDRESS, type="object", description="HyperSKU ships here"),
        "supership_pickup_code": Param(
            "WCQ1I07047", type="string", description="SuperShip warehouse of the hub"
        ),
        "chao8_source_org": Param("ORG-SH-WH01", type="string", description="超8 organisation of the hub"),
        "chao8_target_dealer": Param(
            "DL-SH-002", type="string", description="超8 dealer code of the online channel"
        ),
    },
    tags=["hypersku", "supership", "chao8", "example", "flagship"],
    doc_md="""
### Order to doorstep

For the customer orders created in the run's data interval:

1. **Buy** every item from HyperSKU (`thirdOrderId` = the customer order id: a re-run never
   buys twice), shipped to our Ho Chi Minh City hub by the cheapest channel.
2. **Wait** (deferred, one batched status call per poll) until every supplier order has shipped
   or ended: a cancelled supplier order stops only that customer order.
3. **Track** the shipped orders across the border.
4. **Hand over** each one to SuperShip for the last mile with cash on delivery
   (`soc` = the customer order id), and **record** it in 超8 as an outbound logistics order.
5. **Wait** until every parcel is delivered or has finally failed (an undeliverable parcel is
   reported, never left waiting).
6. **Close** the 超8 outbound order of every delivered parcel, and record a return inbound
   order for every parcel that came back.
7. **Report**: `doorstep.csv` (one row per customer order, every hop) and `summary.md` under
   `<output_dir>/order_to_doorstep/<run_id>/`, written whatever happened upstream.

Run states tell the truth: a day without customer orders skips `load_customer_orders` and
every step after it (the report says so) and the run ends `success`; a cancelled supplier order
or an undeliverable parcel is a fact in the report, not a failure. When a step fails (an order
HyperSKU refuses, SuperShip or 超8 keep failing), the report is written all the same and
`fail_run_if_a_task_failed` fails the run, so alerting sees it.

Against the sandbox: `python -m airflow_provider.sandbox --speed 600`, export the printed
connections, then `airflow dags test order_to_doorstep 2026-11-21` (the run covering
2026-11-20, the day of the sample orders: one is cancelled by the supplier, one parcel
cannot be delivered).
""",
)
def order_to_doorstep() -> None:
    @task
    def load_customer_orders(
        params: dict[str, Any], data_interval_start: Any = None, data_interval_end: Any = None
    ) -> list[dict[str, Any]]:
        """Customer orders created in the data interval."""
        import json

        rows = json.loads(Path(params["orders_file"]).read_text(encoding="utf-8"))
        orders = [
            r
            for r in rows
            if data_interval_start <= datetime.fromisoformat(r["created_at"]) < data_interval_end
        ]
        print(f"{len(orders)} customer order(s) between {data_interval_start} and {data_interval_end}")
        return orders_or_skip(orders, "customer orders", interval=(data_interval_start, data_interval_end))

    @task
    def plan_supplier_orders(
        orders: list[dict[str, Any]], params: dict[str, Any]
    ) -> list[list[dict[str, Any]]]:
        """The HyperSKU orders buying every item, shipped to the hub (a batch, or none)."""
        return _batches(
            [
                {
                    "thirdOrderId": order["order_id"],
                    "thirdOrderName": order["order_id"],
                    "shippingAddress": params["hub_address"],
                    "skuItems": [
                        {"skuId": line["hypersku_sku"], "num": line["quantity"]} for line in order["lines"]
                    ],
                }
                for order in orders
            ]
        )

    customer = load_customer_orders()

    buy = HyperSkuCreateOrdersOperator.partial(task_id="buy_from_hypersku", logistics="cheapest").expand(
        orders=plan_supplier_orders(customer)
    )
    # Wait until every supplier order has *settled*: shipped, or ended for good. Failure statuses
    # count as settled here, so one cancelled supplier order does not stop the others.
    supplier_settled = HyperSkuOrderStatusSensor.partial(
        task_id="wait_supplier_settled",
        success_statuses=sorted(SUPPLIER_SHIPPED | SUPPLIER_FAILED),
        failure_statuses=[],
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=timedelta(days=20).total_seconds(),
    ).expand(order_ids=buy.output)

    @task
    def shipped_to_hub(buys: list[dict[str, Any]], statuses: list[dict[str, str]]) -> list[list[str]]:
        """The customer orders whose supplier order crossed the border (a batch, or none)."""
        by_id = {k: v for batch in statuses for k, v in batch.items()}
        return _batches(
            [
                result["key"]
                for batch in buys
                for result in batch["results"]
                if result["outcome"] in ("created", "existed")
                and by_id.get(str(result.get("id"))) in SUPPLIER_SHIPPED
            ]
        )

    tracking = HyperSkuGetTrackingOperator.partial(task_id="track_cross_border").expand(
        store_order_ids=shipped_to_hub(buy.output, supplier_settled.output)
    )

    def _at_hub(
        customer: list[dict[str, Any]], tracking: list[dict[str, Any]]
    ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        tracked = {r["key"]: (r.get("data") or {}) for batch in tracking for r in batch["results"]}
        return [(order, tracked[order["order_id"]]) for order in customer if order["order_id"] in tracked]

    @task
    def plan_parcels(
        customer: list[dict[str, Any]], tracking: list[dict[str, Any]], params: dict[str, Any]
    ) -> list[list[dict[str, Any]]]:
        """A SuperShip COD order for every parcel that reached the hub (``soc`` = the customer order)."""
        parcels = []
        for order, track in _at_hub(customer, tracking):
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
                    "note": f"Cross-border tracking {track.get('trackingNumber') or '-'}",
                }
            )
        return _batches(parcels)

    @task
    def plan_outbound(
        customer: list[dict[str, Any]], tracking: list[dict[str, Any]], params: dict[str, Any]
    ) -> list[list[dict[str, Any]]]:
        """A 超8 outbound logistics order (type 1) for every parcel leaving the hub."""
        return _batches(
            [
                {
                    "orderNo": order["order_id"],
                    "orderType": 1,
                    "sourceOrgCode": params["chao8_source_org"],
                    "targetOrgCode": params["chao8_target_dealer"],
                    "products": [
                        {"productCode": line["brand_product_code"], "quantity": line["quantity"]}
                        for line in order["lines"]
                    ],
                    "remark": f"Last mile SuperShip, soc {order['order_id']}",
                }
                for order, _track in _at_hub(customer, tracking)
            ]
        )

    outbound_plan = plan_outbound(customer, tracking.output)

    hand_over = SuperShipCreateOrdersOperator.partial(task_id="hand_to_supership").expand(
        orders=plan_parcels(customer, tracking.output)
    )
    record_outbound = Chao8CreateLogisticsOrdersOperator.partial(task_id="record_outbound_in_chao8").expand(
        orders=outbound_plan
    )
    delivery_settled = SuperShipOrderStatusSensor.partial(
        task_id="wait_delivery_settled",
        success_statuses=sorted(LAST_MILE_DELIVERED | LAST_MILE_FAILED),
        failure_statuses=[],
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=timedelta(days=14).total_seconds(),
    ).expand(order_ids=hand_over.output)

    def _settled(
        parcels: list[dict[str, Any]], statuses: list[dict[str, str]], wanted: set[str]
    ) -> list[str]:
        by_code = {k: v for batch in statuses for k, v in batch.items()}
        return [
            result["key"]
            for batch in parcels
            for result in batch["results"]
            if by_code.get(str(result.get("id"))) in wanted
        ]

    @task
    def delivered(parcels: list[dict[str, Any]], statuses: list[dict[str, str]]) -> list[list[str]]:
        """Delivered parcels: their 超8 outbound orders are completed (a batch, or none)."""
        return _batches(_settled(parcels, statuses, LAST_MILE_DELIVERED))

    complete_outbound = Chao8CompleteLogisticsOrderOperator.partial(
        task_id="complete_outbound_in_chao8"
    ).expand(order_nos=delivered(hand_over.output, delivery_settled.output))

    @task
    def plan_returns(
        parcels: list[dict[str, Any]],
        statuses: list[dict[str, str]],
        outbound: list[list[dict[str, Any]]],
        params: dict[str, Any],
    ) -> list[list[dict[str, Any]]]:
        """A 超8 return-inbound order (type 2) mirroring the outbound order of each returned parcel."""
        sent = {o["orderNo"]: o for batch in outbound for o in batch}
        returns = [
            {
                "orderNo": f"{order_no}-R",
                "orderType": 2,
                "sourceOrgCode": params["chao8_target_dealer"],
                "targetOrgCode": params["chao8_source_org"],
                "products": sent[order_no]["products"],
                "remark": f"Undeliverable parcel {order_no} returned to the hub",
            }
            for order_no in _settled(parcels, statuses, LAST_MILE_FAILED)
            if order_no in sent
        ]
        return _batches(returns)

    record_returns = Chao8CreateLogisticsOrdersOperator.partial(task_id="record_returns_in_chao8").expand(
        orders=plan_returns(hand_over.output, delivery_settled.output, outbound_plan)
    )
    record_outbound >> [complete_outbound, record_returns]

    @task(trigger_rule="all_done")
    def doorstep_report(**context: Any) -> dict[str, str]:
        """One row per customer order through every hop, and a summary a person reads first."""
        from airflow_provider.common.reports import write_run_report
        from airflow_provider.supership.statuses import describe as status_name

        ti = context["ti"]

        def pulled(task_id: str) -> list[Any]:
            # pulled here (not passed as arguments) so the report is written whatever failed upstream
            value = ti.xcom_pull(task_ids=task_id, map_indexes=0)
            return [value] if value else []

        def results(task_id: str) -> dict[str, dict[str, Any]]:
            return {r["key"]: r for batch in pulled(task_id) for r in batch.get("results", [])}

        customer = ti.xcom_pull(task_ids="load_customer_orders") or []
        bought, tracked = results("buy_from_hypersku"), results("track_cross_border")
        parcels, outbound = results("hand_to_supership"), results("record_outbound_in_chao8")
        completed, returns = results("complete_outbound_in_chao8"), results("record_returns_in_chao8")
        supplier_status = {k: v for batch in pulled("wait_supplier_settled") for k, v in batch.items()}
        parcel_status = {k: v for batch in pulled("wait_delivery_settled") for k, v in batch.items()}

        rows = []
        for order in customer:
            order_id = order["order_id"]
            buy, parcel = bought.get(order_id, {}), parcels.get(order_id, {})
            hs_status = supplier_status.get(str(buy.get("id")))
            ss_status = parcel_status.get(str(parcel.get("id")))
            cod = parcel.get("data", {}).get("amount") if parcel else None
            if not buy or buy.get("outcome") not in ("created", "existed"):
                outcome = (
                    f"not bought: {(buy.get('error') or {}).get('message', 'supplier step did not run')}"
                )
            elif hs_status in SUPPLIER_FAILED:
                outcome = (
                    f"supplier order ended with HyperSKU status {hs_status} (cancelled/refunded/returned)"
                )
            elif ss_status in LAST_MILE_DELIVERED:
                outcome = "delivered"
            elif ss_status in LAST_MILE_FAILED:
                outcome = f"not delivered: {status_name(ss_status)}"
            elif parcel:
                outcome = f"in last mile ({status_name(ss_status) if ss_status else 'status unknown'})"
            else:
                outcome = "at the hub: not handed to SuperShip"
            track = tracked.get(order_id, {}).get("data") or {}
            rows.append(
                {
                    "order_id": order_id,
                    "outcome": outcome,
                    "hypersku_order_id": buy.get("id"),
                    "hypersku_status": hs_status,
                    "cross_border_tracking": track.get("trackingNumber"),
                    "supership_code": parcel.get("id"),
                    "supership_status": status_name(ss_status) if ss_status else None,
                    "cod_expected_vnd": cod,
                    "chao8_outbound": outbound.get(order_id, {}).get("outcome"),
                    "chao8_completed": completed.get(order_id, {}).get("outcome"),
                    "chao8_return": returns.get(f"{order_id}-R", {}).get("key"),
                }
            )
        delivered = [r for r in rows if r["outcome"] == "delivered"]
        problems = [r for r in rows if r["outcome"] != "delivered"]
        summary = [
            f"{len(rows)} customer order(s); {len(delivered)} delivered to the doorstep",
            f"COD expected on delivered parcels: {sum(int(r['cod_expected_vnd'] or 0) for r in delivered):,} VND",
        ] + [f"**{r['order_id']}**: {r['outcome']}" for r in problems]
        if not rows:
            summary.append("No customer orders in this run's data interval: nothing to buy or deliver.")
        return write_run_report(
            context,
            name="doorstep",
            title="Order to doorstep",
            rows=rows,
            summary=summary,
        ) | _summary_file(context, summary)

    def _summary_file(context: dict[str, Any], summary: list[str]) -> dict[str, str]:
        from airflow_provider.common.reports import report_folder

        folder = report_folder(context["params"]["output_dir"], context["dag"].dag_id, context["run_id"])
        path = folder / "summary.md"
        path.write_text(
            "# Order to doorstep: summary\n\n" + "\n".join(f"- {line}" for line in summary) + "\n"
        )
        return {"summary": str(path)}

    [complete_outbound, record_returns, delivery_settled] >> doorstep_report()
    fail_run_on_failed_task()


order_to_doorstep()
