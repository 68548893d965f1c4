"""
Order to doorstep, the flagship workflow: a Vietnamese customer's order is bought from HyperSKU,
tracked across the border to our Ho Chi Minh City hub, handed to SuperShip for the last mile
(cash on delivery), and recorded in 超8 as an outbound logistics order for traceability.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import CronDataIntervalTimetable, Param, dag, task
from fulfillment_dag_helpers import (
    DEFAULT_BATCH_SIZE,
    FOLDER_MACROS,
    context_folder,
    every_map_index,
    fail_run_on_failed_task,
    merged,
    orders_or_skip,
    pull_all,
    read_jsonl,
    retry_delay,
    write_jsonl,
)

from airflow_provider.chao8.operators import (
    Chao8CompleteLogisticsOrdersOperator,
    Chao8CreateLogisticsOrdersOperator,
)
from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator, HyperSkuGetTrackingOperator
from airflow_provider.hypersku.sensors import HyperSkuOrderStatusSensor
from airflow_provider.supership.operators import SuperShipCreateOrdersOperator
from airflow_provider.supership.sensors import SuperShipOrderStatusSensor

ORDERS_FILE = Path(__file__).parent / "data" / "order_to_doorstep_orders.json"
POLL_SECONDS = float(os.environ.get("FULFILLMENT_POLL_SECONDS", "300"))

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


def _ids_in_batches(ids: list[str], size: int) -> list[list[str]]:
    """``ids`` in batches of ``size`` (none when there are no ids: the mapped step then skips)."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]


@dag(
    dag_id="order_to_doorstep",
    # each run takes the customer orders created during the previous day (UTC)
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": retry_delay()},
    user_defined_macros=FOLDER_MACROS,
    params={
        "orders_file": Param(str(ORDERS_FILE), type="string", description="customer orders (JSON)"),
        "output_dir": Param(
            None,
            type=["null", "string"],
            description="where the reports go; empty: the fulfillment_reports_dir Variable, else "
            "$FULFILLMENT_REPORTS_DIR, else $AIRFLOW_HOME/fulfillment/reports (read when a task runs)",
        ),
        "work_dir": Param(
            None,
            type=["null", "string"],
            description="the run's working files (customers' orders, results, tracking); empty: the "
            "fulfillment_work_dir Variable, else $FULFILLMENT_WORK_DIR, else $AIRFLOW_HOME/fulfillment/work",
        ),
        "batch_size": Param(
            DEFAULT_BATCH_SIZE, type="integer", minimum=1, description="orders per mapped task instance"
        ),
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

1. **Buy** every item from HyperSKU (`thirdOrderId` = the customer order id, looked up before
   any create: a re-run never buys twice), shipped to our Ho Chi Minh City hub by the cheapest
   channel. The customers' orders (names, addresses, phones) travel from task to task as
   JSON-lines files in the run's work folder, in batches of `batch_size` (each batch a mapped
   task instance); XCom carries file paths and ids only.
2. **Wait** (deferred, one batched status call per poll) until every supplier order has shipped
   or ended: a cancelled supplier order stops only that customer order.
3. **Track** the shipped orders across the border.
4. **Hand over** each one to SuperShip for the last mile with cash on delivery
   (`soc` = the customer order id, looked up first too), and **record** it in 超8 as an outbound
   logistics order (超8 refuses a reused `orderNo`: a re-run reads it back as `existed`).
5. **Wait** until every parcel is delivered or has finally failed (an undeliverable parcel is
   reported, never left waiting).
6. **Close** the 超8 outbound order of every delivered parcel, and record a return inbound
   order for every parcel that came back.
7. **Report**: `doorstep.csv` (one row per customer order, every hop, every batch) and
   `summary.md` (with the orders this run created on each platform) under
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
    def load_customer_orders(**context: Any) -> str:
        """Customer orders created in the data interval, in a JSON-lines file of the run's work
        folder (its path goes to XCom, the customers' names, addresses and phones do not)."""
        import json

        start, end = context["data_interval_start"], context["data_interval_end"]
        rows = json.loads(Path(context["params"]["orders_file"]).read_text(encoding="utf-8"))
        orders = [r for r in rows if start <= datetime.fromisoformat(r["created_at"]) < end]
        print(f"{len(orders)} customer order(s) between {start} and {end}")
        orders_or_skip(orders, "customer orders", interval=(start, end))
        (path,) = write_jsonl(context_folder(context, "work"), "customer-orders", orders)
        return path

    @task
    def plan_supplier_orders(customer_file: str, **context: Any) -> list[str]:
        """The HyperSKU orders buying every item, shipped to the hub, in batch files."""
        params = context["params"]
        orders = [
            {
                "thirdOrderId": order["order_id"],
                "thirdOrderName": order["order_id"],
                "shippingAddress": params["hub_address"],
                "skuItems": [
                    {"skuId": line["hypersku_sku"], "num": line["quantity"]} for line in order["lines"]
                ],
            }
            for order in read_jsonl(customer_file)
        ]
        return write_jsonl(
            context_folder(context, "work"), "supplier-orders", orders, batch_size=params["batch_size"]
        )

    customer = load_customer_orders()

    # one create per batch file; every thirdOrderId is looked up before it is bought
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
    def shipped_to_hub(
        buys: Iterable[dict[str, Any]], statuses: Iterable[dict[str, str]], params: dict[str, Any]
    ) -> list[list[str]]:
        """The customer orders whose supplier order crossed the border, in batches (none: skip)."""
        from airflow_provider.common import read_report

        by_id = merged(statuses)
        shipped = [
            result["key"]
            for result in read_report(every_map_index(buys)).results(outcomes=("created", "existed"))
            if by_id.get(str(result.get("id"))) in SUPPLIER_SHIPPED
        ]
        return _ids_in_batches(shipped, params["batch_size"])

    tracking = HyperSkuGetTrackingOperator.partial(task_id="track_cross_border").expand(
        store_order_ids=shipped_to_hub(buy.output, supplier_settled.output)
    )

    def _at_hub(
        customer_file: str, tracking: Iterable[dict[str, Any]]
    ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        from airflow_provider.common import read_report

        tracked = {r["key"]: (r.get("data") or {}) for r in read_report(every_map_index(tracking)).results()}
        return [
            (order, tracked[order["order_id"]])
            for order in read_jsonl(customer_file)
            if order["order_id"] in tracked
        ]

    @task
    def plan_parcels(customer_file: str, tracking: Iterable[dict[str, Any]], **context: Any) -> list[str]:
        """A SuperShip COD order for every parcel that reached the hub (``soc`` = the customer
        order), in batch files: they carry the receivers' names, addresses and phones."""
        params = context["params"]
        parcels = []
        for order, track in _at_hub(customer_file, tracking):
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
        return write_jsonl(
            context_folder(context, "work"), "parcels", parcels, batch_size=params["batch_size"]
        )

    @task
    def plan_outbound(customer_file: str, tracking: Iterable[dict[str, Any]], **context: Any) -> list[str]:
        """A 超8 outbound logistics order (type 1) for every parcel leaving the hub, in batch files."""
        params = context["params"]
        orders = [
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
            for order, _track in _at_hub(customer_file, tracking)
        ]
        return write_jsonl(
            context_folder(context, "work"), "outbound", orders, batch_size=params["batch_size"]
        )

    outbound_plan = plan_outbound(customer, tracking.output)

    # one create per batch file; every soc is looked up before it is handed over
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
        parcels: Iterable[dict[str, Any]], statuses: Iterable[dict[str, str]], wanted: set[str]
    ) -> list[str]:
        from airflow_provider.common import read_report

        by_code = merged(statuses)
        return [
            result["key"]
            for result in read_report(every_map_index(parcels)).results()
            if by_code.get(str(result.get("id"))) in wanted
        ]

    @task
    def delivered(
        parcels: Iterable[dict[str, Any]], statuses: Iterable[dict[str, str]], params: dict[str, Any]
    ) -> list[list[str]]:
        """Delivered parcels, in batches: their 超8 outbound orders are completed (none: skip)."""
        return _ids_in_batches(_settled(parcels, statuses, LAST_MILE_DELIVERED), params["batch_size"])

    complete_outbound = Chao8CompleteLogisticsOrdersOperator.partial(
        task_id="complete_outbound_in_chao8"
    ).expand(order_nos=delivered(hand_over.output, delivery_settled.output))

    @task
    def plan_returns(
        parcels: Iterable[dict[str, Any]],
        statuses: Iterable[dict[str, str]],
        outbound: list[str],
        **context: Any,
    ) -> list[str]:
        """A 超8 return-inbound order (type 2) mirroring the outbound order of each returned parcel."""
        params = context["params"]
        sent = {order["orderNo"]: order for order in read_jsonl(outbound)}
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
        return write_jsonl(
            context_folder(context, "work"), "returns", returns, batch_size=params["batch_size"]
        )

    record_returns = Chao8CreateLogisticsOrdersOperator.partial(task_id="record_returns_in_chao8").expand(
        orders=plan_returns(hand_over.output, delivery_settled.output, outbound_plan)
    )
    record_outbound >> [complete_outbound, record_returns]

    @task(trigger_rule="all_done")
    def doorstep_report(**context: Any) -> dict[str, str]:
        """One row per customer order through every hop, and a summary a person reads first."""
        from fulfillment_reports import write_run_report

        from airflow_provider.common import read_report
        from airflow_provider.supership.statuses import describe as status_name

        ti = context["ti"]

        # pulled here (not passed as arguments) so the report is written whatever failed
        # upstream, from every map index (one per batch)
        def results(task_id: str) -> dict[str, dict[str, Any]]:
            return {r["key"]: r for r in read_report(pull_all(ti, task_id)).results()}

        customer = list(read_jsonl(ti.xcom_pull(task_ids="load_customer_orders") or None))
        bought, tracked = results("buy_from_hypersku"), results("track_cross_border")
        parcels, outbound = results("hand_to_supership"), results("record_outbound_in_chao8")
        completed, returns = results("complete_outbound_in_chao8"), results("record_returns_in_chao8")
        supplier_status = merged(pull_all(ti, "wait_supplier_settled"))
        parcel_status = merged(pull_all(ti, "wait_delivery_settled"))

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

        def outcomes(*made: dict[str, dict[str, Any]]) -> dict[str, int]:
            counts = {"created": 0, "existed": 0}
            for results_of_task in made:
                for result in results_of_task.values():
                    if result.get("outcome") in counts:
                        counts[result["outcome"]] += 1
            return counts

        made = {
            "HyperSKU": outcomes(bought),
            "SuperShip": outcomes(parcels),
            "超8": outcomes(outbound, returns),
        }
        summary = [
            f"{len(rows)} customer order(s); {len(delivered)} delivered to the doorstep",
            f"COD expected on delivered parcels: {sum(int(r['cod_expected_vnd'] or 0) for r in delivered):,} VND",
            "Orders created by this run: "
            + ", ".join(f"{n['created']} {platform}" for platform, n in made.items())
            + "; found already there (not created again): "
            + ", ".join(f"{n['existed']} {platform}" for platform, n in made.items()),
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
        path = context_folder(context, "reports") / "summary.md"
        path.write_text(
            "# Order to doorstep: summary\n\n" + "\n".join(f"- {line}" for line in summary) + "\n"
        )
        return {"summary": str(path)}

    [complete_outbound, record_returns, delivery_settled] >> doorstep_report()
    fail_run_on_failed_task()


order_to_doorstep()
