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
from fulfillment_dag_helpers import (
    DEFAULT_BATCH_SIZE,
    FOLDER_MACROS,
    context_folder,
    every_map_index,
    fail_run_on_failed_task,
    orders_or_skip,
    pull_all,
    read_jsonl,
    retry_delay,
    write_jsonl,
)

from airflow_provider.hishopping.operators import (
    HiShoppingCreateOrdersOperator,
    HiShoppingCreditTransactionsOperator,
    HiShoppingGoodsOperator,
)
from airflow_provider.hishopping.sensors import HiShoppingCreditSensor, HiShoppingOrderStatusSensor

PURCHASES_FILE = Path(__file__).parent / "data" / "hishopping_purchases.json"
POLL_SECONDS = float(os.environ.get("FULFILLMENT_POLL_SECONDS", "300"))
#: HiShopping's fee is not published (the sandbox charges 3 % of the goods): used in estimates only
FEE_RATE = "0.03"
# HiShopping: shipped or completed; or cancelled or failed, which it refunds to the credit.
SHIPPED = {"shipped", "completed"}
ENDED = {"cancelled", "failed"}


@dag(
    dag_id="hishopping_temu_sourcing",
    # each run buys what was requested during the previous day (UTC)
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": retry_delay()},
    user_defined_macros=FOLDER_MACROS,
    params={
        "purchases_file": Param(str(PURCHASES_FILE), type="string", description="purchase plan (JSON)"),
        "output_dir": Param(
            None,
            type=["null", "string"],
            description="where the reports go; empty: the fulfillment_reports_dir Variable, else "
            "$FULFILLMENT_REPORTS_DIR, else $AIRFLOW_HOME/fulfillment/reports (read when a task runs)",
        ),
        "work_dir": Param(
            None,
            type=["null", "string"],
            description="the run's working files (receivers' orders, results); empty: the "
            "fulfillment_work_dir Variable, else $FULFILLMENT_WORK_DIR, else $AIRFLOW_HOME/fulfillment/work",
        ),
        "batch_size": Param(
            DEFAULT_BATCH_SIZE, type="integer", minimum=1, description="orders per create task"
        ),
    },
    tags=["hishopping", "temu", "example"],
    doc_md="""
### HiShopping Temu sourcing

For the purchases requested in the run's data interval:

1. **Plan** one HiShopping order per purchase line; its `merchant_order` is our own id, so a
   re-run never buys twice (HiShopping refuses a reused one: the order is reported `existed`).
   The orders (receivers' names, addresses, phones) go to JSON-lines files of `batch_size`
   orders in the run's work folder; XCom carries their paths, and each batch is a mapped task
   instance of the steps below.
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
    def plan_purchases(**context: Any) -> list[str]:
        """The purchases requested in the data interval, as HiShopping orders in batch files."""
        import json

        params = context["params"]
        start, end = context["data_interval_start"], context["data_interval_end"]
        lines = json.loads(Path(params["purchases_file"]).read_text(encoding="utf-8"))["purchases"]
        orders = [
            {key: value for key, value in line.items() if key != "requested_at"}
            for line in lines
            if start <= datetime.fromisoformat(line["requested_at"]) < end
        ]
        print(f"{len(orders)} purchase(s) between {start} and {end}")
        orders_or_skip(orders, "purchases", interval=(start, end))
        return write_jsonl(
            context_folder(context, "work"), "purchases", orders, batch_size=params["batch_size"]
        )

    @task
    def goods_to_read(batches: list[str]) -> list[list[int]]:
        """The goods ids of each batch, for the catalogue read."""
        return [sorted({order["goods_id"] for order in read_jsonl(batch)}) for batch in batches]

    @task
    def price_batch(batches: list[str], catalogue: list[dict[str, Any]]) -> str:
        """What the credit must cover: goods x quantity + the fee estimate of each order not placed
        yet, over every batch (0 on a re-run where every order exists)."""
        from decimal import ROUND_HALF_UP, Decimal

        from airflow_provider.common.errors import NotFoundError
        from airflow_provider.hishopping.hooks import HiShoppingHook

        prices = {
            (str(goods["goods_id"]), str(sku["sku_id"])): Decimal(sku["price"] or goods["price"])
            for read in every_map_index(catalogue)  # one catalogue read per batch
            for goods in read["goods"]
            for sku in goods["skus"]
        }
        hook, need = HiShoppingHook(), Decimal("0.00")
        try:
            for order in read_jsonl(batches):
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
    # one create per batch file, each order at most once (a reused merchant_order is refused)
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
        task_id="export_ledger", output_path="{{ dag_folder('reports') }}/credit_ledger"
    )

    @task(trigger_rule="all_done")
    def purchase_summary(**context: Any) -> dict[str, str]:
        """One row per planned order (status, charge, refund, tracking); totals and the balance now."""
        from decimal import Decimal

        from fulfillment_reports import write_run_report

        from airflow_provider.common import read_report
        from airflow_provider.hishopping.hooks import HiShoppingHook

        ti = context["ti"]
        # pulled here (not passed as arguments) so the report is written whatever failed upstream,
        # from every map index (one per batch)
        planned = list(read_jsonl(ti.xcom_pull(task_ids="plan_purchases") or []))
        results = {r["key"]: r for r in read_report(pull_all(ti, "create_orders")).results()}
        names = {
            (str(goods["goods_id"]), str(sku["sku_id"])): f"{goods['goods_name']} ({sku['spec']})"
            for read in pull_all(ti, "read_catalogue")
            for goods in read.get("goods", [])
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
                f"transaction(s), net {ledger['net']} {currency}, in {ledger['file']}."
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
