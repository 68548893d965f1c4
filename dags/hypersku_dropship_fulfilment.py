"""
HyperSKU dropshipping: the store's orders of the day -> shipping quote per destination ->
bulk create (idempotent) -> wait until shipped (deferred) -> tracking report.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import CronDataIntervalTimetable, Param, dag, task
from fulfillment_dag_helpers import (
    FOLDER_MACROS,
    context_folder,
    fail_run_on_failed_task,
    orders_or_skip,
    read_jsonl,
    retry_delay,
    write_jsonl,
)

from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator, HyperSkuGetTrackingOperator
from airflow_provider.hypersku.sensors import HyperSkuOrderStatusSensor

ORDERS_FILE = Path(__file__).parent / "data" / "hypersku_store_orders.json"
POLL_SECONDS = float(os.environ.get("FULFILLMENT_POLL_SECONDS", "300"))


@dag(
    dag_id="hypersku_dropship_fulfilment",
    # a real interval (not Airflow 3's default zero-length trigger interval): each run takes the
    # orders created during the previous day
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": retry_delay()},
    user_defined_macros=FOLDER_MACROS,
    params={
        "orders_file": Param(str(ORDERS_FILE), type="string", description="store orders (JSON)"),
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
        "strategy": Param("cheapest", enum=["cheapest", "fastest"], description="logistics choice"),
    },
    tags=["hypersku", "example"],
    doc_md="""
### HyperSKU dropship fulfilment

Every day, the store's orders created in the run's data interval are bought from HyperSKU:

1. `load_store_orders` reads the order export (`orders_file` param) and keeps the orders of
   the interval, mapped to HyperSKU's `OrdersInfoDto` with `thirdOrderId` = the store's order id
   (so a re-run never buys twice). The orders (customers' names, addresses, phones) go to a
   JSON-lines file in the run's work folder; XCom carries only its path;
2. `quote_logistics` asks `getLogisticsSku` once per destination and picks the cheapest (or
   fastest: `strategy` param) channel, into a second file;
3. `create_orders` creates them in bulk from that file, idempotently: every order is looked up
   by its `thirdOrderId` first, so a second run over the same day creates nothing;
4. `wait_until_shipped` defers until every order is shipped (4) or delivered (5), and fails at
   once on a closed, refunding, overdue or returned order;
5. `fetch_tracking` (full histories in the run's work folder) and `tracking_report` write a CSV
   and a Markdown summary under `<output_dir>/hypersku_dropship_fulfilment/<run_id>/`.

A day without store orders skips `load_store_orders` and every step after it; the report is
still written ("no store orders") and the run ends `success`. When a step fails (an order
HyperSKU refuses, a closed or returned order), the report is written all the same and
`fail_run_if_a_task_failed` fails the run, so alerting sees it.

Try it against the sandbox: `python -m airflow_provider.sandbox`, export the printed
connections, then `airflow dags test hypersku_dropship_fulfilment 2026-11-21` (the run covering
2026-11-20, the day of the sample orders).
""",
)
def hypersku_dropship_fulfilment() -> None:
    @task
    def load_store_orders(**context: Any) -> str:
        """Store orders created in the data interval, as HyperSKU orders keyed by the store's id,
        written to a JSON-lines file (its path goes to XCom, the customers' data does not)."""
        import json

        start, end = context["data_interval_start"], context["data_interval_end"]
        rows = json.loads(Path(context["params"]["orders_file"]).read_text(encoding="utf-8"))
        orders = [
            {
                "thirdOrderId": row["store_order_id"],
                "thirdOrderName": row["store_order_id"],
                "shippingAddress": row["customer"],
                "skuItems": [{"skuId": line["sku"], "num": line["quantity"]} for line in row["lines"]],
            }
            for row in rows
            if start <= datetime.fromisoformat(row["created_at"]) < end
        ]
        print(f"{len(orders)} store order(s) between {start} and {end}")
        orders_or_skip(orders, "store orders", interval=(start, end))
        (path,) = write_jsonl(context_folder(context, "work"), "store-orders", orders)
        return path

    @task
    def quote_logistics(orders_file: str, **context: Any) -> dict[str, Any]:
        """The channel of every order (``getLogisticsSku`` once per destination and SKU set): the
        orders with their ``logisticsId`` go to a second file; XCom gets its path and the quotes."""
        from airflow.sdk.exceptions import AirflowFailException

        from airflow_provider.hypersku.hooks import HyperSkuHook
        from airflow_provider.hypersku.models import validate_orders

        strategy = context["params"]["strategy"]
        orders = validate_orders(list(read_jsonl(orders_file)), need_logistics=False)
        hook = HyperSkuHook()
        try:
            choices = hook.run_async(hook.achoose_logistics(orders, strategy))
        finally:
            hook.close()
        quoted: list[dict[str, Any]] = []
        quotes: dict[tuple[str, str], dict[str, Any]] = {}
        for order, choice in zip(orders, choices, strict=True):
            country = order.shipping_address.country_code
            if choice is None:
                raise AirflowFailException(f"order {order.third_order_id}: no logistics channel to {country}")
            quote = quotes.setdefault(
                (country, str(choice.logistics_id)),
                {
                    "countryCode": country,
                    "logisticsId": choice.logistics_id,
                    "logisticsName": choice.logistics_name,
                    "freight": None if choice.freight is None else str(choice.freight),
                    "currency": choice.currency,
                    "deliveryDays": choice.delivery_days,
                    "orders": [],
                },
            )
            quote["orders"].append(order.third_order_id)
            quoted.append({**order.dump(), "logisticsId": choice.logistics_id})
        (path,) = write_jsonl(context_folder(context, "work"), "store-orders-quoted", quoted)
        return {"orders_file": path, "quotes": list(quotes.values())}

    quote = quote_logistics(load_store_orders())
    created = HyperSkuCreateOrdersOperator(task_id="create_orders", orders=quote["orders_file"])
    shipped = HyperSkuOrderStatusSensor(
        task_id="wait_until_shipped",
        order_ids=created.output,
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=timedelta(days=10).total_seconds(),
    )
    tracking = HyperSkuGetTrackingOperator(
        task_id="fetch_tracking",
        store_order_ids=created.output,
        output_path="{{ run_folder('work') }}",
    )

    @task(trigger_rule="all_done")
    def tracking_report(**context: Any) -> dict[str, str]:
        """One row per order: outcome, HyperSKU id, channel, freight, tracking number, last event."""
        from fulfillment_reports import write_run_report

        from airflow_provider.common import read_report

        ti = context["ti"]
        # pulled here (not passed as arguments) so the report is written even when a step
        # upstream failed or was skipped and pushed nothing
        quote = ti.xcom_pull(task_ids="quote_logistics") or {"quotes": []}
        created = read_report(ti.xcom_pull(task_ids=["create_orders"]) or [])
        tracking = ti.xcom_pull(task_ids="fetch_tracking") or {}
        tracked = {r["key"]: r for r in read_report([tracking] if tracking else []).results()}
        channel = {order: q for q in quote["quotes"] for order in q["orders"]}
        rows = []
        for result in created.results():
            track = tracked.get(result["key"], {})
            data = track.get("data") or {}
            last = data.get("lastEvent") or {}
            chosen = channel.get(result["key"], {})
            rows.append(
                {
                    "store_order_id": result["key"],
                    "outcome": result["outcome"],
                    "hypersku_order_id": result.get("id"),
                    "logistics_id": chosen.get("logisticsId"),
                    "quoted_freight": chosen.get("freight"),
                    "tracking_number": data.get("trackingNumber"),
                    "carrier": data.get("carrier"),
                    "events": data.get("eventCount"),
                    "last_event": last.get("eventThing"),
                    "last_event_time": last.get("eventTime"),
                    "error": (result.get("error") or {}).get("message"),
                }
            )
        tracked_count = sum(1 for row in rows if row["tracking_number"])
        summary = [
            f"{len(rows)} order(s) sent to HyperSKU: "
            + ", ".join(f"{n} {k}" for k, n in sorted(created.counts.items())),
            f"{tracked_count} with a tracking number",
            "Channels: "
            + "; ".join(
                f"{q['countryCode']} -> {q['logisticsName']} ({q['freight']} {q['currency'] or ''}, "
                f"{q['deliveryDays']} days)"
                for q in quote["quotes"]
            ),
        ]
        if not ti.xcom_pull(task_ids="load_store_orders"):
            summary.append("No store orders in this run's data interval: nothing was bought.")
        elif not rows:
            summary.append("None of the store orders reached HyperSKU: see the failed task.")
        if tracking.get("file"):
            summary.append(f"Full tracking histories: {tracking['file']}")
        return write_run_report(
            context,
            name="tracking",
            title="HyperSKU dropship fulfilment: tracking report",
            rows=rows,
            summary=summary,
        )

    shipped >> tracking
    [shipped, tracking] >> tracking_report()
    fail_run_on_failed_task()


hypersku_dropship_fulfilment()
