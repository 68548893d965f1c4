"""
SuperShip COD delivery: the web shop's orders of the day are shipped cash on delivery with
SuperShip, and the COD collected is reconciled against the COD expected.
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
    fail_run_on_failed_task,
    merged,
    orders_or_skip,
    pull_all,
    read_jsonl,
    retry_delay,
    write_jsonl,
)

from airflow_provider.supership.operators import (
    SuperShipCreateOrdersOperator,
    SuperShipFeeQuoteOperator,
    SuperShipGetTrackingOperator,
    SuperShipLabelOperator,
)
from airflow_provider.supership.sensors import SuperShipOrderStatusSensor

ORDERS_FILE = Path(__file__).parent / "data" / "supership_orders.json"
POLL_SECONDS = float(os.environ.get("FULFILLMENT_POLL_SECONDS", "300"))
#: the SuperShip ``soc`` of a shop order is this prefix + its id: a re-run finds it, never creates it twice
SOC_PREFIX = "FF-"
# SuperShip: delivered in full, in part, reconciled; or a final failure (cancelled, returned, lost...).
DELIVERED = {"12", "13", "16"}
FAILED = {"0", "6", "15", "17", "21", "24", "25", "26", "27"}

# The warehouse the parcels leave from (its pickup_code is a SuperShip warehouse), overridable per run.
WAREHOUSE = {"pickup_code": "WCQ1I07047", "province": "Thành phố Hồ Chí Minh", "district": "Quận Tân Bình"}


@dag(
    dag_id="supership_cod_delivery",
    # each run ships the orders created during the previous day (UTC)
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": retry_delay()},
    user_defined_macros=FOLDER_MACROS,
    params={
        "orders_file": Param(str(ORDERS_FILE), type="string", description="the shop's orders (JSON)"),
        "output_dir": Param(
            None,
            type=["null", "string"],
            description="where the reports go; empty: the fulfillment_reports_dir Variable, else "
            "$FULFILLMENT_REPORTS_DIR, else $AIRFLOW_HOME/fulfillment/reports (read when a task runs)",
        ),
        "work_dir": Param(
            None,
            type=["null", "string"],
            description="the run's working files (receivers' orders, results, journeys); empty: the "
            "fulfillment_work_dir Variable, else $FULFILLMENT_WORK_DIR, else $AIRFLOW_HOME/fulfillment/work",
        ),
        "batch_size": Param(
            DEFAULT_BATCH_SIZE, type="integer", minimum=1, description="parcels per create/track task"
        ),
        "warehouse": Param(WAREHOUSE, type="object", description="pickup_code, province, district"),
    },
    tags=["supership", "cod", "example"],
    doc_md="""
### SuperShip COD delivery

For the web shop's orders created in the run's data interval:

1. **Select** them as SuperShip COD orders, `soc` = `FF-<order id>` (a re-run never ships twice:
   every order is looked up by its `soc` before it is created). The orders (receivers' names,
   addresses, phones) go to JSON-lines files in the run's work folder; XCom carries their paths.
2. **Check** the addresses: near spellings (`Ha Noi`) get SuperShip's names; an order whose
   address cannot be resolved is set aside and reported, so it does not stop the others. The
   valid ones are written in batches of `batch_size`; each batch is a mapped task instance of
   the steps below (no batch: they skip).
3. **Quote** each parcel's fee, **create** the orders in bulk, **print** the labels.
4. **Wait** (deferred) until every parcel has *settled*: delivered, in full or in part, or finally
   not (returned, lost...). **Track** them and **report**, whatever happened upstream, under
   `<output_dir>/supership_cod_delivery/<run_id>/`: `cod_reconciliation.csv` and `.md`, COD
   expected vs collected per order and in total (every batch), every order not delivered or not
   sent and why.

Run states: a day without shop orders skips `select_orders` and every step after it; the
reconciliation is still written (no rows) and the run ends `success`. An address set aside or a
parcel returned is a fact in the report, not a failure. When a step fails (SuperShip refuses
the orders, a quote or a label call keeps failing), the report is written all the same and
`fail_run_if_a_task_failed` fails the run, so alerting sees it.

Against the sandbox: `python -m airflow_provider.sandbox --speed 600`, export the printed
connections, then `airflow dags test supership_cod_delivery 2026-11-21` (the run covering
2026-11-20, the day of the sample orders: `DH-261120-05-RETURN` is returned,
`DH-261120-09-PARTIAL` partly delivered and `DH-261120-13` names a district that does not exist).
""",
)
def supership_cod_delivery() -> None:
    @task
    def select_orders(**context: Any) -> str:
        """The shop orders created in the data interval, as SuperShip COD orders, in a JSON-lines
        file (its path goes to XCom, the receivers' data does not)."""
        import json

        params = context["params"]
        start, end = context["data_interval_start"], context["data_interval_end"]
        rows = json.loads(Path(params["orders_file"]).read_text(encoding="utf-8"))["orders"]
        orders = [
            {
                "soc": SOC_PREFIX + row["order_id"],
                "pickup_code": params["warehouse"]["pickup_code"],
                **row["receiver"],
                "amount": row["cod"],
                "value": sum(item["price"] * item["quantity"] for item in row["items"]),
                "weight": sum(item["weight"] * item["quantity"] for item in row["items"]),
                "service": "1",
                "config": "1",
                "payer": row.get("payer", "1"),
                "product_type": "2",
                "products": row["items"],
            }
            for row in rows
            if start <= datetime.fromisoformat(row["created_at"]) < end
        ]
        print(f"{len(orders)} shop order(s) between {start} and {end}")
        orders_or_skip(orders, "shop orders", interval=(start, end))
        (path,) = write_jsonl(context_folder(context, "work"), "shop-orders", orders)
        return path

    @task
    def check_addresses(orders_file: str, **context: Any) -> list[str]:
        """The orders with SuperShip's place names, in batch files (none: the steps below skip).
        Orders whose address cannot be resolved are set aside for the report (XCom ``rejected``:
        soc -> problems): create would fail the whole batch on one of them."""
        from airflow_provider.supership.hooks import SuperShipHook

        hook = SuperShipHook()
        valid, rejected = [], {}
        try:
            for order in read_jsonl(orders_file):
                check = hook.check_place(order["province"], order["district"], order["commune"], resolve=True)
                if check.problems:
                    rejected[order["soc"]] = [f"{field}: {message}" for field, message in check.problems]
                else:
                    valid.append({**order, **check.names})
        finally:
            hook.close()
        context["ti"].xcom_push(key="rejected", value=rejected)
        return write_jsonl(
            context_folder(context, "work"), "parcels", valid, batch_size=context["params"]["batch_size"]
        )

    @task
    def plan_quotes(batches: list[str], params: dict[str, Any]) -> list[list[dict[str, Any]]]:
        """A fee quote request per parcel of each batch, from the warehouse's district to the receiver's."""
        warehouse = params["warehouse"]
        return [
            [
                {
                    "sender_province": warehouse["province"],
                    "sender_district": warehouse["district"],
                    "receiver_province": order["province"],
                    "receiver_district": order["district"],
                    "weight": order["weight"],
                    "value": order["value"],
                }
                for order in read_jsonl(batch)
            ]
            for batch in batches
        ]

    checked = check_addresses(select_orders())
    quote = SuperShipFeeQuoteOperator.partial(task_id="quote_fees").expand(quotes=plan_quotes(checked))
    # one create per batch file; every order is looked up by its soc before it is created
    create = SuperShipCreateOrdersOperator.partial(task_id="create_orders", require_soc=True).expand(
        orders=checked
    )
    labels = SuperShipLabelOperator.partial(task_id="print_labels").expand(codes=create.output)
    # Wait until every parcel has *settled*: failure statuses count as settled here, so one
    # undeliverable parcel does not stop the others and ends in the report.
    settled = SuperShipOrderStatusSensor.partial(
        task_id="wait_settled",
        success_statuses=sorted(DELIVERED | FAILED),
        failure_statuses=[],
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=timedelta(days=14).total_seconds(),
    ).expand(order_ids=create.output)
    # the full journeys (receivers' names and addresses) go to the run's work folder
    track = SuperShipGetTrackingOperator.partial(
        task_id="track_orders", output_path="{{ run_folder('work') }}"
    ).expand(codes=create.output)

    @task(trigger_rule="all_done")
    def cod_report(**context: Any) -> dict[str, str]:
        """COD expected vs collected per order and in total; every order not delivered, and why."""
        import json

        from airflow.sdk import ObjectStoragePath
        from fulfillment_reports import write_run_report

        from airflow_provider.common import read_report
        from airflow_provider.supership.statuses import STATUS_NAMES, describe

        ti = context["ti"]
        # pulled here (not passed as arguments) so the report is written whatever failed upstream,
        # from every map index (one per batch of parcels)

        def results(task_id: str) -> dict[str, dict[str, Any]]:
            return {r["key"]: r for r in read_report(pull_all(ti, task_id)).results()}

        selected = list(read_jsonl(ti.xcom_pull(task_ids="select_orders") or None))
        batches = ti.xcom_pull(task_ids="check_addresses") or []
        rejected = ti.xcom_pull(task_ids="check_addresses", key="rejected") or {}
        # a quote's key is its place in its batch (#0, #1...): batch i is quote_fees[i]
        quote_reports = ti.xcom_pull(task_ids="quote_fees", map_indexes=list(range(len(batches))))
        quoted: dict[str, Any] = {}
        for batch, quote_report in zip(batches, quote_reports or [], strict=False):
            fees = {r["key"]: r for r in read_report([quote_report] if quote_report else []).results()}
            for index, order in enumerate(read_jsonl(batch)):
                quoted[order["soc"]] = fees.get(f"#{index}", {}).get("data", {}).get("fee")
        created, tracked = results("create_orders"), results("track_orders")
        statuses = merged(pull_all(ti, "wait_settled"))
        journeys: dict[str, Any] = {}
        for tracking in pull_all(ti, "track_orders"):
            if tracking.get("file"):
                text = ObjectStoragePath(tracking["file"]).read_text(encoding="utf-8")
                journeys.update(json.loads(text)["orders"])

        def why(code: str, causes: set[str], now: str) -> str:
            """The first of ``causes`` the parcel went through, with the courier's note, and its status now."""
            names = {STATUS_NAMES[c]: c for c in causes}
            step = next((s for s in journeys.get(code, {}).get("journeys", []) if s["status"] in names), None)
            if step is None:
                return describe(now)
            told = describe(names[step["status"]]) + (f": {step['note']}" if step.get("note") else "")
            return told if names[step["status"]] == now else f"{told}; now {describe(now)}"

        rows = []
        for order in selected:
            soc = order["soc"]
            made = created.get(soc, {})
            code, sent = made.get("id") or "", made.get("outcome") in ("created", "existed")
            track = tracked.get(code, {})
            data = {**made.get("data", {}), **track.get("data", {})}
            settled, now = statuses.get(code), str(track.get("status") or statuses.get(code) or "")
            expected = int(data.get("collection", order["amount"])) if sent else 0
            collected = int(data.get("collected") or 0)
            if soc in rejected:
                delivery, reason = "not sent", "invalid address: " + "; ".join(rejected[soc])
            elif not sent:
                delivery, reason = "not sent", (made.get("error") or {}).get("message", "not created")
            elif settled in FAILED:
                delivery, reason = "not delivered", why(code, FAILED, now)
            elif settled in DELIVERED and collected < expected:
                short = f"{expected - collected:,} VND not collected"
                delivery, reason = "partly delivered", f"{short}; {why(code, {'13'}, now)}"
            else:
                delivery, reason = ("delivered", "") if settled else ("in transit", describe(now or None))
            rows.append(
                {
                    "order_id": soc.removeprefix(SOC_PREFIX),
                    "supership_code": code,
                    "create_outcome": "rejected" if soc in rejected else made.get("outcome", "not run"),
                    "status": describe(now) if now else "",
                    "delivery": delivery,
                    "cod_expected": expected,
                    "cod_collected": collected,
                    "cod_short": expected - collected,
                    "quoted_fee": quoted.get(soc),
                    "fee": data.get("fee"),
                    "why": reason,
                }
            )
        outcomes, deliveries = [r["create_outcome"] for r in rows], [r["delivery"] for r in rows]
        expected, collected = sum(r["cod_expected"] for r in rows), sum(r["cod_collected"] for r in rows)
        summary = [
            f"{len(rows)} order(s) created from {context['data_interval_start']} to {context['data_interval_end']}: "
            f"{outcomes.count('created')} created, {outcomes.count('existed')} already existed, "
            f"{outcomes.count('rejected')} rejected before sending.",
            f"Delivered: {deliveries.count('delivered')}; partly delivered: {deliveries.count('partly delivered')}; "
            f"not delivered: {deliveries.count('not delivered')}; in transit: {deliveries.count('in transit')}.",
            f"COD expected: {expected:,} VND; COD collected: {collected:,} VND; short: {expected - collected:,} VND.",
        ]
        summary += [f"{r['delivery'].upper()}: {r['order_id']}: {r['why']}" for r in rows if r["why"]]
        if not rows:
            summary.append("No shop orders in this run's data interval: nothing was shipped.")
        printed = pull_all(ti, "print_labels")
        if printed:
            summary.append(
                f"Labels: {sum(int(batch['count']) for batch in printed)} in {len(printed)} print batch(es); "
                "their URLs are in the XCom of print_labels (each carries a print token, so it is not "
                "copied here)."
            )
        return write_run_report(
            context,
            name="cod_reconciliation",
            title="SuperShip COD reconciliation",
            rows=rows,
            summary=summary,
        )

    quote >> create
    settled >> track
    [labels, settled, track] >> cod_report()
    fail_run_on_failed_task()


supership_cod_delivery()
