"""
HiShopping Temu sourcing: the Temu goods the buyers planned for the day are bought through
HiShopping against the prepaid credit, and the credit ledger is exported for finance.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from airflow_provider.common.dag_helpers import fail_run_on_failed_task, orders_or_skip, retry_delay
from airflow_provider.hishopping.operators import (
    HiShoppingCreateOrdersOperator,
    HiShoppingCreditTransactionsOperator,
    HiShoppingGoodsOperator,
)
from airflow_provider.hishopping.sensors import HiShoppingCreditSensor, HiShoppingOrderStatusSensor

PURCHASES_FILE = Path(__file__).parent / "data" / "hishopping_purchases.json"
POLL_SECONDS = float(os.environ.get("FULFILLMENT_POLL_SECONDS", "300"))
REPORTS_DIR = os.environ.get("FULFILLMENT_REPORTS_DIR", os.path.join(os.getcwd(), "reports"))
#: HiShopping's fee is not published (the sandbox charges 3 % of the goods): used in estimates only
FEE_RATE = "0.03"
# HiShopping: shipped or completed; or cancelled or failed, which it refunds to the credit.
SHIPPED = {"shipped", "completed"}
ENDED = {"cancelled", "failed"}


def _batches(items: list[Any]) -> list[list[Any]]:
    """One batch, or none: a mapped step over no batch is skipped instead of failing."""
    return [items] if items else []


@dag(
    dag_id="hishopping_temu_sourcing",
    # each run buys what was requested during the previous day (UTC)
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": retry_delay()},
    params={
        "purchases_file": Param(str(PURCHASES_FILE), type="string", description="purchase plan (JSON)"),
        "output_dir": Param(REPORTS_DIR, type="string", description="where the reports go"),
    },
    tags=["hishopping", "temu", "example"],
    doc_md="""
### HiShopping Temu sourcing

For the purchases requested in the run's data interval:

1. **Plan** one HiShopping order per purchase line; its `merchant_order` is our own id, so a
   re-run never buys twice.
2. **Price** the orders not placed yet from the Temu catalogue (+ a 3 % fee estimate) and
   **wait** (deferred) until the prepaid credit covers that amount (0 on a re-run: no wait).
3. **Buy**: create the orders in bulk, each at most once.
4. **Wait** (deferred) until every order has *settled*: shipped, or cancelled / failed (HiShopping
   refunds those): a cancelled order is reported, never left waiting.
5. **Export** the credit ledger of the data interval for finance, as a CSV in
   `<output_dir>/hishopping_temu_sourcing/credit_ledger/` (a run's orders are charged when it
   runs: a later run exports them), and **report**, whatever happened upstream:
   `purchase_summary.csv` and `.md` under `<output_dir>/hishopping_temu_sourcing/<run_id>/`,
   charged, refunded, the credit balance, and every order cancelled, failed or not placed.

Run states: a day without purchases skips `plan_purchases` and the buying steps after it (the
ledger is still exported and the summary says nothing was bought): the run ends `success`. A
cancelled order is a fact in the summary, not a failure. When a step fails (HiShopping refuses
an order, the catalogue cannot be read, the credit never comes), the summary is written all the
same and `fail_run_if_a_task_failed` fails the run, so alerting sees it.

Against the sandbox: `python -m airflow_provider.sandbox --speed 600`, export the printed
connections, then `airflow dags test hishopping_temu_sourcing 2026-11-21` (the run covering
2026-11-20, the day of the sample purchases: `TEMU-261120-04-CANCEL` is cancelled and refunded).
""",
)
def hishopping_temu_sourcing() -> None:
    @task
    def plan_purchases(
        params: dict[str, Any], data_interval_start: Any = None, data_interval_end: Any = None
    ) -> list[list[dict[str, Any]]]:
        """The purchases requested in the data interval, as HiShopping orders (a batch, or none)."""
        import json

        lines = json.loads(Path(params["purchases_file"]).read_text(encoding="utf-8"))["purchases"]
        orders = [
            {key: value for key, value in line.items() if key != "requested_at"}
            for line in lines
            if data_interval_start <= datetime.fromisoformat(line["requested_at"]) < data_interval_end
        ]
        print(f"{len(orders)} purchase(s) between {data_interval_start} and {data_interval_end}")
        return _batches(
            orders_or_skip(orders, "purchases", interval=(data_interval_start, data_interval_end))
        )

    @task
    def goods_to_read(batches: list[list[dict[str, Any]]]) -> list[list[int]]:
        """The goods ids of each batch, for the catalogue read."""
        return [sorted({order["goods_id"] for order in batch}) for batch in batches]

    @task
    def price_batch(batches: list[list[dict[str, Any]]], catalogue: list[dict[str, Any]]) -> str:
        """What the credit must cover: goods x quantity + the fee estimate of each order not placed
        yet (0 on a re-run where every order exists)."""
        from decimal import ROUND_HALF_UP, Decimal

        from airflow_provider.common.errors import NotFoundError
        from airflow_provider.hishopping.hooks import HiShoppingHook

        prices = {
            (str(goods["goods_id"]), str(sku["sku_id"])): Decimal(sku["price"] or goods["price"])
            for goods in catalogue[0]["goods"]  # the one batch's goods
            for sku in goods["skus"]
        }
        hook, need = HiShoppingHook(), Decimal("0.00")
        try:
            for order in batches[0]:
                try:
                    hook.open_get_order(merchant_order=order["merchant_order"])  # placed: paid already
                except NotFoundError:
                    goods = prices[(str(order["goods_id"]), str(order["sku_id"]))] * order["quantity"]
                    need += (goods * (1 + Decimal(FEE_RATE))).quantize(Decimal("0.01"), ROUND_HALF_UP)
        finally:
            hook.close()
        print(f"The orders not placed yet need about {need} of credit")
        return str(need)

    plan = plan_purchases()
    catalogue = HiShoppingGoodsOperator.partial(task_id="read_catalogue").expand(
        goods_ids=goods_to_read(plan)
    )
    credit = HiShoppingCreditSensor(
        task_id="wait_for_credit",
        amount=price_batch(plan, catalogue.output),
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=timedelta(days=1).total_seconds(),
    )
    create = HiShoppingCreateOrdersOperator.partial(task_id="create_orders", fee_rate=FEE_RATE).expand(
        orders=plan
    )
    # Wait until every order has *settled*: failure statuses count as settled here, so one
    # cancelled order does not stop the others and ends in the report.
    settled = HiShoppingOrderStatusSensor.partial(
        task_id="wait_settled",
        success_statuses=sorted(SHIPPED | ENDED),
        failure_statuses=[],
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=timedelta(days=10).total_seconds(),
    ).expand(order_ids=create.output)
    # the ledger of the data interval, whatever this run buys (top-ups, refunds, earlier charges)
    ledger = HiShoppingCreditTransactionsOperator(
        task_id="export_ledger", output_path="{{ params.output_dir }}/hishopping_temu_sourcing/credit_ledger"
    )

    @task(trigger_rule="all_done")
    def purchase_summary(**context: Any) -> dict[str, str]:
        """One row per planned order (status, charge, refund, tracking); totals and the balance now."""
        from decimal import Decimal

        from airflow_provider.common.reports import write_run_report
        from airflow_provider.hishopping.hooks import HiShoppingHook

        ti = context["ti"]
        # pulled here (not passed as arguments) so the report is written whatever failed upstream
        planned = [order for batch in ti.xcom_pull(task_ids="plan_purchases") or [] for order in batch]
        created = ti.xcom_pull(task_ids="create_orders", map_indexes=0) or {}
        results = {r["key"]: r for r in created.get("results", [])}
        catalogue = ti.xcom_pull(task_ids="read_catalogue", map_indexes=0) or {}
        names = {
            (str(goods["goods_id"]), str(sku["sku_id"])): f"{goods['goods_name']} ({sku['spec']})"
            for goods in catalogue.get("goods", [])
            for sku in goods["skus"]
        }
        hook = HiShoppingHook()
        try:
            placed = {
                key: hook.open_get_order(merchant_order=key)
                for key, result in results.items()
                if result["outcome"] in ("created", "existed")
            }
            credit = hook.get_credit_balance()
        finally:
            hook.close()
        currency = credit.currency or "USD"

        rows, problems = [], []
        for order in planned:
            key, found = order["merchant_order"], placed.get(order["merchant_order"])
            status = found.status if found else ""
            charge = found.total_charge if found and found.total_charge is not None else Decimal(0)
            label, note = "", ""
            if found is None:
                label = "not placed"
                note = (results.get(key, {}).get("error") or {}).get("message", "not sent")
            elif status in ENDED:
                label, note = status, f"{status} by HiShopping: {charge:.2f} {currency} refunded"
            elif status not in SHIPPED:
                label, note = "not shipped yet", f"status {status}"
            if label:
                problems.append(f"{label.upper()}: {key}: {note}")
            rows.append(
                {
                    "merchant_order": key,
                    "goods": names.get((str(order["goods_id"]), str(order["sku_id"])), order["goods_id"]),
                    "quantity": order["quantity"],
                    "outcome": results.get(key, {}).get("outcome", "not sent"),
                    "order_no": found.order_no if found else None,
                    "status": status,
                    "total_charge": f"{charge:.2f}" if found else None,
                    "refunded": f"{charge:.2f}" if status in ENDED else None,
                    "tracking_no": found.tracking_no if found else None,
                    "note": note,
                }
            )
        outcomes = [r["outcome"] for r in rows]
        charged = sum((Decimal(r["total_charge"]) for r in rows if r["total_charge"]), Decimal(0))
        refunds = sum((Decimal(r["refunded"]) for r in rows if r["refunded"]), Decimal(0))
        ledger = ti.xcom_pull(task_ids="export_ledger")
        summary = [
            f"{len(rows)} purchase(s) requested from {context['data_interval_start']} to "
            f"{context['data_interval_end']}; credit needed for new orders: "
            f"{ti.xcom_pull(task_ids='price_batch') or '0.00'} {currency}.",
            f"Orders placed: {len(placed)} ({outcomes.count('created')} created by this run, "
            f"{outcomes.count('existed')} already existed); not placed: {len(rows) - len(placed)}.",
            f"Total charged: {charged:.2f} {currency}; refunds: {refunds:.2f} {currency}; "
            f"net spend: {charged - refunds:.2f} {currency}.",
            f"Credit balance now: {credit.balance:.2f} {currency}.",
        ]
        summary += problems
        if ledger:
            summary.append(
                f"Credit ledger of {context['data_interval_start'].date()} (UTC): {ledger['count']} "
                f"transaction(s), net {ledger['net']} {currency}, in {ledger['path']}."
            )
        else:
            summary.append("Credit ledger: not exported (see the log of export_ledger).")
        if not rows:
            summary.append("No purchases were planned for this day: nothing was bought.")
        return write_run_report(
            context,
            name="purchase_summary",
            title="HiShopping Temu purchases",
            rows=rows,
            summary=summary,
        )

    credit >> create
    [settled, ledger] >> purchase_summary()
    fail_run_on_failed_task()


hishopping_temu_sourcing()
