"""
超8 traceability: sync the product catalogue (商品) and the dealers (经销商) -> an outbound
logistics order (出库单) per dealer shipment of the day -> wait until scanned and completed.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import CronDataIntervalTimetable, Param, dag, task
from fulfillment_dag_helpers import fail_run_on_failed_task, orders_or_skip, retry_delay

from airflow_provider.chao8.operators import (
    Chao8CreateLogisticsOrdersOperator,
    Chao8SyncDealersOperator,
    Chao8SyncProductsOperator,
)
from airflow_provider.chao8.sensors import Chao8LogisticsOrderSensor

DATA = Path(__file__).parent / "data"
POLL_SECONDS = float(os.environ.get("FULFILLMENT_POLL_SECONDS", "300"))


@dag(
    dag_id="chao8_traceability_sync",
    # each run takes the shipments planned during the previous day (UTC)
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": retry_delay()},
    params={
        "products_file": Param(
            str(DATA / "chao8_products.csv"), type="string", description="catalogue (CSV)"
        ),
        "dealers_file": Param(str(DATA / "chao8_dealers.json"), type="string", description="dealers (JSON)"),
        "shipments_file": Param(
            str(DATA / "chao8_dealer_shipments.json"), type="string", description="dealer shipments (JSON)"
        ),
        "warehouse_org": Param(
            "ORG-SH-WH01", type="string", description="超8 organisation shipping the goods"
        ),
        "output_dir": Param(
            None,
            type=["null", "string"],
            description="where the reports go; empty: the fulfillment_reports_dir Variable, else "
            "$FULFILLMENT_REPORTS_DIR, else $AIRFLOW_HOME/fulfillment/reports (read when a task runs)",
        ),
    },
    tags=["chao8", "example"],
    doc_md="""
### 超8 traceability sync

1. `sync_products` upserts the catalogue into 商品 (通过商品编号新增/修改商品信息(批量)V3) and
   `sync_dealers` the dealer list into 组织 → 经销商 (同步经销商), reporting created / updated /
   failed counts;
2. `plan_outbound_orders` turns the dealer shipments planned in the run's data interval into
   outbound logistics orders (物流订单, type 1 出库), `orderNo` = the shipment id;
3. `create_outbound_orders` creates them in bulk, idempotently (超8 refuses a reused `orderNo`:
   a re-run finds its orders and reports them `existed`);
4. `wait_until_completed` defers until the warehouse has scanned and completed every order,
   failing at once on a cancelled one;
5. `traceability_report` writes a CSV and a Markdown summary under
   `<output_dir>/chao8_traceability_sync/<run_id>/`.

A day without dealer shipments skips `plan_outbound_orders` and the steps after it (the
catalogue and dealer syncs still run, and the report says there was nothing to ship): the run
ends `success`. When a step fails (a sync, an order 超8 refuses, a cancelled order), the report
is written all the same and `fail_run_if_a_task_failed` fails the run, so alerting sees it.

Against the sandbox: `python -m airflow_provider.sandbox`, export the printed connections, then
`airflow dags test chao8_traceability_sync 2026-11-21` (the run covering 2026-11-20).
""",
)
def chao8_traceability_sync() -> None:
    products = Chao8SyncProductsOperator(task_id="sync_products", path="{{ params.products_file }}")
    dealers = Chao8SyncDealersOperator(task_id="sync_dealers", path="{{ params.dealers_file }}")

    @task
    def plan_outbound_orders(
        params: dict[str, Any], data_interval_start: Any = None, data_interval_end: Any = None
    ) -> list[dict[str, Any]]:
        """One outbound logistics order per dealer shipment created in the data interval."""
        import json

        shipments = json.loads(Path(params["shipments_file"]).read_text(encoding="utf-8"))
        orders = [
            {
                "orderNo": shipment["shipment_id"],
                "orderType": 1,
                "sourceOrgCode": params["warehouse_org"],
                "targetOrgCode": shipment["dealer"],
                "products": [
                    {"productCode": line["productCode"], "quantity": line["quantity"]}
                    for line in shipment["lines"]
                ],
                "remark": f"Dealer shipment {shipment['shipment_id']}",
            }
            for shipment in shipments
            if data_interval_start <= datetime.fromisoformat(shipment["created_at"]) < data_interval_end
        ]
        print(f"{len(orders)} dealer shipment(s) between {data_interval_start} and {data_interval_end}")
        return orders_or_skip(orders, "dealer shipments", interval=(data_interval_start, data_interval_end))

    planned = plan_outbound_orders()
    created = Chao8CreateLogisticsOrdersOperator(task_id="create_outbound_orders", orders=planned)
    completed = Chao8LogisticsOrderSensor(
        task_id="wait_until_completed",
        order_nos=created.output,
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=timedelta(days=3).total_seconds(),
    )

    @task(trigger_rule="all_done")
    def traceability_report(**context: Any) -> dict[str, str]:
        """Per shipment: dealer, products, quantities, creation outcome and final status."""
        from fulfillment_reports import write_run_report

        from airflow_provider.common import read_report

        ti = context["ti"]
        # pulled here (not passed as arguments) so the report is written whatever failed upstream
        planned = ti.xcom_pull(task_ids="plan_outbound_orders") or []
        created = read_report(ti.xcom_pull(task_ids=["create_outbound_orders"]) or [])
        statuses = ti.xcom_pull(task_ids="wait_until_completed") or {}
        synced = {
            name: read_report(ti.xcom_pull(task_ids=[f"sync_{name}"]) or [])
            for name in ("products", "dealers")
        }
        outcome = {r["key"]: r for r in created.results()}
        names = {
            "0": "created 待执行",
            "1": "scanning 执行中",
            "2": "completed 已完成",
            "3": "cancelled 已取消",
        }
        rows = [
            {
                "order_no": order["orderNo"],
                "dealer": order["targetOrgCode"],
                "products": "; ".join(f"{p['productCode']} x{p['quantity']}" for p in order["products"]),
                "units": sum(p["quantity"] for p in order["products"]),
                "created": outcome.get(order["orderNo"], {}).get("outcome", "not sent"),
                "chao8_id": outcome.get(order["orderNo"], {}).get("id"),
                "status": names.get(
                    str(statuses.get(order["orderNo"])), statuses.get(order["orderNo"], "unknown")
                ),
            }
            for order in planned
        ]
        summary = [
            f"{name}: " + ", ".join(f"{n} {k}" for k, n in sorted(result.counts.items()))
            for name, result in synced.items()
        ] + [
            f"{len(rows)} outbound order(s), {sum(r['units'] for r in rows)} units;"
            f" {sum(1 for r in rows if r['status'].startswith('completed'))} completed",
        ]
        if not rows:
            summary.append("No dealer shipments in this run's data interval: no outbound order was needed.")
        elif not created.ids(field="key"):
            summary.append("No outbound order was sent: see the failed task.")
        return write_run_report(
            context,
            name="outbound_orders",
            title="超8 traceability sync: outbound logistics orders",
            rows=rows,
            summary=summary,
        )

    [products, dealers] >> planned
    completed >> traceability_report()
    fail_run_on_failed_task()


chao8_traceability_sync()
