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

from airflow_provider.common.dag_helpers import fail_run_on_failed_task, orders_or_skip, retry_delay
from airflow_provider.hypersku.operators import (
    HyperSkuCreateOrdersOperator,
    HyperSkuGetTrackingOperator,
    HyperSkuLogisticsQuoteOperator,
)
from airflow_provider.hypersku.sensors import HyperSkuOrderStatusSensor

ORDERS_FILE = Path(__file__).parent / "data" / "hypersku_store_orders.json"
POLL_SECONDS = float(os.environ.get("FULFILLMENT_POLL_SECONDS", "300"))
REPORTS_DIR = os.environ.get("FULFILLMENT_REPORTS_DIR", os.path.join(os.getcwd(), "reports"))


@dag(
    dag_id="hypersku_dropship_fulfilment",
    # a real interval (not Airflow 3's default zero-length trigger interval): each run takes the
    # orders created during the previous day
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": retry_delay()},
    params={
        "orders_file": Param(str(ORDERS_FILE), type="string", description="store orders (JSON)"),
        "output_dir": Param(REPORTS_DIR, type="string", description="where the reports go"),
        "strategy": Param("cheapest", enum=["cheapest", "fastest"], description="logistics choice"),
    },
    tags=["hypersku", "example"],
    doc_md="""
### HyperSKU dropship fulfilment

Every day, the store's orders created in the run's data interval are bought from HyperSKU:

1. `load_store_orders` reads the order export (`orders_file` param) and keeps the orders of
   the interval, mapped to HyperSKU's `OrdersInfoDto` with `thirdOrderId` = the store's order id
   (so a re-run never buys twice);
2. `quote_logistics` asks `getLogisticsSku` once per destination and picks the cheapest channel;
3. `create_orders` creates them in bulk, idempotently;
4. `wait_until_shipped` defers until every order is shipped (4) or delivered (5), and fails at
   once on a closed, refunding, overdue or returned order;
5. `fetch_tracking` and `tracking_report` write a CSV and a Markdown summary under
   `<output_dir>/hypersku_dropship_fulfilment/<run_id>/`.

A day without store orders skips `load_store_orders` and every step after it; the report is
still written ("no store orders") and the run ends `success`. When a step fails (an order
HyperSKU refuses, a closed or returned order), the report is written all the same and
`fail_run_if_a_task_failed` fails the run, so alerting sees it.

Try it against the sandbox: `python -m airflow_provider.sandbox`, export the printed
connections, then `airflow dags test hypersku_dropship_fulfilment 2026-11-20`.
""",
)
def hypersku_dropship_fulfilment() -> None:
    @task
    def load_store_orders(
        params: dict[str, Any], data_interval_start: Any = None, data_interval_end: Any = None
    ) -> list[dict[str, Any]]:
        """Store orders created in the data interval, as HyperSKU orders keyed by the store's id."""
        import json

        rows = json.loads(Path(params["orders_file"]).read_text(encoding="utf-8"))
        orders = []
        for row in rows:
            created = datetime.fromisoformat(row["created_at"])
            if not data_interval_start <= created < data_interval_end:
                continue
            orders.append(
                {
                    "thirdOrderId": row["store_order_id"],
                    "thirdOrderName": row["store_order_id"],
                    "shippingAddress": row["customer"],
                    "skuItems": [{"skuId": line["sku"], "num": line["quantity"]} for line in row["lines"]],
                }
            )
        print(f"{len(orders)} store order(s) between {data_interval_start} and {data_interval_end}")
        return orders_or_skip(orders, "store orders", interval=(data_interval_start, data_interval_end))

    orders = load_store_orders()
    quote = HyperSkuLogisticsQuoteOperator(
        task_id="quote_logistics", orders=orders, strategy="{{ params.strategy }}"
    )
    created = HyperSkuCreateOrdersOperator(task_id="create_orders", orders=quote.output["orders"])
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
        output_path="{{ params.output_dir }}/hypersku_dropship_fulfilment/tracking",
    )

    @task(trigger_rule="all_done")
    def tracking_report(**context: Any) -> dict[str, str]:
        """One row per order: outcome, HyperSKU id, channel, freight, tracking number, last event."""
        ti = context["ti"]
        # pulled here (not passed as arguments) so the report is written even when a step
        # upstream failed or was skipped and pushed nothing
        quote = ti.xcom_pull(task_ids="quote_logistics") or {"orders": [], "quotes": []}
        created = ti.xcom_pull(task_ids="create_orders")
        tracking = ti.xcom_pull(task_ids="fetch_tracking")
        from airflow_provider.common.reports import write_run_report

        channel = {o["thirdOrderId"]: o.get("logisticsId") for o in quote["orders"]}
        freight = {q["logisticsId"]: q["freight"] for q in quote["quotes"]}
        tracked = {r["key"]: r for r in (tracking or {}).get("results", [])}
        rows = []
        for result in (created or {}).get("results", []):
            track = tracked.get(result["key"], {})
            data = track.get("data") or {}
            last = data.get("lastEvent") or {}
            rows.append(
                {
                    "store_order_id": result["key"],
                    "outcome": result["outcome"],
                    "hypersku_order_id": result.get("id"),
                    "logistics_id": channel.get(result["key"]),
                    "quoted_freight": freight.get(channel.get(result["key"])),
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
            + ", ".join(f"{n} {k}" for k, n in sorted((created or {}).get("counts", {}).items())),
            f"{tracked_count} with a tracking number",
            "Channels: "
            + "; ".join(
                f"{q['countryCode']} -> {q['logisticsName']} ({q['freight']} {q['currency'] or ''}, {q['deliveryDays']} days)"
                for q in quote["quotes"]
            ),
        ]
        loaded = ti.xcom_pull(task_ids="load_store_orders") or []
        if not loaded:
            summary.append("No store orders in this run's data interval: nothing was bought.")
        elif not rows:
            summary.append(f"None of the {len(loaded)} store order(s) reached HyperSKU: see the failed task.")
        if tracking and tracking.get("file"):
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
