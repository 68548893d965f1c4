"""
SuperShip COD delivery: ship the day's web-shop orders cash on delivery, then reconcile the COD.

Only the provider's operators and sensors are imported at the top of this file (every DAG parse
pays for the top-level imports); the hook, JSON and report helpers are imported inside tasks.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from airflow_provider.common.reports import DEFAULT_REPORTS_DIR
from airflow_provider.supership.operators import (
    SuperShipCreateOrdersOperator,
    SuperShipFeeQuoteOperator,
    SuperShipGetTrackingOperator,
    SuperShipLabelOperator,
)
from airflow_provider.supership.sensors import SuperShipOrderStatusSensor

DAG_ID = "supership_cod_delivery"
#: the shop's orders (a stand-in for the shop's order export)
ORDERS_FILE = Path(__file__).resolve().parent / "data" / "supership_orders.json"
#: the SuperShip ``soc`` of an order is this prefix + the shop's order id: the same input always
#: gives the same soc, so a retry or a re-run finds the order instead of creating it twice
SOC_PREFIX = "FF-"
#: seconds between status polls (the sandbox tests set FULFILLMENT_POLL_SECONDS=0.5)
POLL_SECONDS = float(os.environ.get("FULFILLMENT_POLL_SECONDS", "60"))
#: how long a run waits for its deliveries (deferred: no worker slot is held meanwhile)
WAIT_TIMEOUT = 2 * 3600
#: shop order times without an offset are Vietnam time
VN_OFFSET = timedelta(hours=7)
#: an order has "settled" once delivered (in full or in part) or once it cannot be delivered
SETTLED_STATUSES = sorted(
    SuperShipOrderStatusSensor.default_success_statuses | SuperShipOrderStatusSensor.default_failure_statuses
)
CONN = "{{ params.supership_conn_id }}"
REPORT_DIR = "{{ report_dir(params.output_dir, dag.dag_id, run_id) }}"

DOC_MD = f"""
### SuperShip COD delivery

Every day, ship the web shop's new orders with [SuperShip](https://supership.vn/) cash on delivery
(COD), wait until each parcel is delivered or comes back, and reconcile the COD collected against
the COD expected.

1. **select_orders**: the orders of `params.orders_file` whose `created_at` falls in the run's day,
   `[logical date, + 1 day)` in UTC: the data interval of the scheduled run (`@daily` with data
   intervals, so the run of 2026-11-20 starts once that day is over), and the day of the logical
   date for manual runs and `airflow dags test`. In Vietnam time (+07:00) the run of 2026-11-20
   takes 2026-11-20 07:00 up to 2026-11-21 07:00. Text is
   normalised (Unicode NFC, spaces, phone numbers) and each order gets its SuperShip `soc`,
   `{SOC_PREFIX}<order id>`: re-runs find the orders already created instead of creating them twice.
2. **validate_addresses**: province, district and commune names checked against SuperShip's area
   lists; spellings without accents or prefixes (`Ha Noi`, `Hai Ba Trung`) are replaced by
   SuperShip's own names; an order whose address cannot be resolved is left out and reported.
3. **quote_fees**: SuperShip's price for each parcel, from the pickup warehouse's district.
4. **create_orders**: one SuperShip order per shop order (at most once each, keyed by `soc`).
5. **print_labels**: one print URL for the batch's labels (it carries a print token: it stays in
   the task's XCom and is never logged or copied to the report).
6. **wait_delivered** fails as soon as an order cannot be delivered (returned, lost, ...): the alert.
   **wait_settled** waits until every order is delivered or definitively not, so the
   reconciliation sees final figures. Both wait deferred (on the triggerer).
7. **track_orders** reads every order's status and COD figures from SuperShip (the full journeys go
   to a JSON file in the report folder); **cod_report** (runs whatever happened upstream) writes
   `cod_reconciliation.csv` and `.md` to `<output_dir>/{DAG_ID}/<run_id>/`: COD expected and
   collected per order and in total, and which orders were not delivered and why (status names).

`wait_delivered` is a leaf task: when an order cannot be delivered it fails and so does the run,
while the reconciliation (which waits for `wait_settled` instead) is written all the same.

#### Try it against the sandbox

```bash
python -m airflow_provider.sandbox --speed 600   # prints the AIRFLOW_CONN_* exports: run them
airflow dags test {DAG_ID} 2026-11-20
```

The sample file steers the sandbox: `DH-261120-05-RETURN` is returned, `DH-261120-09-PARTIAL` is
partly delivered, `DH-261120-13` names a district that does not exist. Reports land in
`$FULFILLMENT_REPORTS_DIR` (default `./reports`) unless `output_dir` is given.
"""


# The provider's operators take the connection id as a plain argument (not a template field);
# these subclasses template it so the ``supership_conn_id`` param reaches every task.
class FeeQuote(SuperShipFeeQuoteOperator):
    """:class:`SuperShipFeeQuoteOperator` with a templated ``supership_conn_id``."""

    template_fields = (*SuperShipFeeQuoteOperator.template_fields, "supership_conn_id")


class CreateOrders(SuperShipCreateOrdersOperator):
    """:class:`SuperShipCreateOrdersOperator` with a templated ``supership_conn_id``."""

    template_fields = (*SuperShipCreateOrdersOperator.template_fields, "supership_conn_id")


class PrintLabels(SuperShipLabelOperator):
    """:class:`SuperShipLabelOperator` with a templated ``supership_conn_id``."""

    template_fields = (*SuperShipLabelOperator.template_fields, "supership_conn_id")


class TrackOrders(SuperShipGetTrackingOperator):
    """:class:`SuperShipGetTrackingOperator` with a templated ``supership_conn_id``."""

    template_fields = (*SuperShipGetTrackingOperator.template_fields, "supership_conn_id")


class WaitForStatus(SuperShipOrderStatusSensor):
    """:class:`SuperShipOrderStatusSensor` with a templated connection id."""

    template_fields = (*SuperShipOrderStatusSensor.template_fields, "conn_id")


def _report_dir(output_dir: str, dag_id: str, run_id: str) -> str:
    """``<output_dir>/<dag_id>/<run_id>``, the folder ``write_report`` uses (a template macro)."""
    from airflow_provider.common.reports import report_folder

    return str(report_folder(output_dir, dag_id, run_id))


def _text(value: Any) -> str:
    """Unicode NFC (one code point per accented letter), single spaces, no edge spaces."""
    import unicodedata

    return " ".join(unicodedata.normalize("NFC", str(value or "")).split())


def _phone(value: Any) -> str:
    """A phone number without the spaces, dots, dashes and brackets people type."""
    import re

    return re.sub(r"[\s.\-()]", "", str(value or ""))


def run_day(
    logical_date: datetime | None, start: datetime | None, end: datetime | None
) -> tuple[datetime, datetime]:
    """
    The UTC day a run ships: ``[logical date, + 1 day)``.

    For scheduled runs that is exactly the data interval (the schedule is a data-interval
    timetable: the run of 2026-11-20 starts after 2026-11-21 00:00 UTC). Manual runs
    (``airflow dags test``, the UI) take the day of their logical date too, where Airflow's own
    manual data interval would be the day before it. A run without a logical date falls back to
    its data interval.
    """
    if logical_date is None:
        if start is None or end is None:
            raise ValueError("this run has neither a logical date nor a data interval")
        return start, end
    day = logical_date.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day + timedelta(days=1)


def _created_at(value: Any, order_id: str) -> datetime:
    from airflow.sdk.exceptions import AirflowFailException

    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as err:
        raise AirflowFailException(f"order {order_id}: created_at {value!r} is not ISO-8601") from err
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone(VN_OFFSET))


def _create_body(order: dict[str, Any], shop: dict[str, Any]) -> dict[str, Any]:
    """The SuperShip create-order body of one shop order (vendor field names)."""
    receiver = order.get("receiver") or {}
    items = order.get("items") or []
    return {
        "soc": f"{SOC_PREFIX}{order['order_id']}",
        "pickup_code": shop["warehouse"]["pickup_code"],
        "name": _text(receiver.get("name")),
        "phone": _phone(receiver.get("phone")),
        "address": _text(receiver.get("address")),
        "province": _text(receiver.get("province")),
        "district": _text(receiver.get("district")),
        "commune": _text(receiver.get("commune")),
        "amount": int(order["cod"]),
        "value": sum(int(i["price"]) * int(i["quantity"]) for i in items),
        "weight": sum(int(i["weight"]) * int(i["quantity"]) for i in items),
        "service": str(order.get("service", shop.get("service", "1"))),
        "config": str(order.get("config", shop.get("config", "1"))),
        "payer": str(order.get("payer", shop.get("payer", "1"))),
        "product_type": "2",
        "products": [
            {
                "sku": _text(i["sku"]),
                "name": _text(i["name"]),
                "price": int(i["price"]),
                "weight": int(i["weight"]),
                "quantity": int(i["quantity"]),
            }
            for i in items
        ],
        "note": _text(order.get("note", shop.get("note", ""))) or None,
    }


def _vnd(amount: int) -> str:
    return f"{amount:,} VND"


@dag(
    dag_id=DAG_ID,
    # "@daily" with data intervals: the run of day D covers [D, D + 1) and starts when D is over
    # (Airflow 3's plain "@daily" is a trigger timetable whose runs have no interval)
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=datetime(2026, 11, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
    tags=["supership", "cod", "fulfillment", "example"],
    doc_md=DOC_MD,
    user_defined_macros={"report_dir": _report_dir},
    params={
        "output_dir": Param(
            DEFAULT_REPORTS_DIR,
            type="string",
            description="Folder or object storage URL for the reports (a folder per DAG and run).",
        ),
        "orders_file": Param(str(ORDERS_FILE), type="string", description="The shop's orders (JSON)."),
        "supership_conn_id": Param("supership_default", type="string", description="SuperShip connection."),
        "label_size": Param(
            "A5", type="string", description="Label size: A5, K46, T2, K50, K75, K80, S8-S14."
        ),
    },
)
def supership_cod_delivery() -> None:
    @task(multiple_outputs=True)
    def select_orders(orders_file: str) -> dict[str, Any]:
        """The shop orders created in the run's data interval, as SuperShip create bodies."""
        import json
        import logging

        from airflow.sdk import get_current_context
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        context = get_current_context()
        try:
            start, end = run_day(
                context["logical_date"], context["data_interval_start"], context["data_interval_end"]
            )
        except ValueError as err:
            raise AirflowFailException(str(err)) from err
        document = json.loads(Path(orders_file).read_text(encoding="utf-8"))
        shop = document["shop"]
        bodies: list[dict[str, Any]] = []
        sources: dict[str, dict[str, Any]] = {}
        for order in document["orders"]:
            order_id = _text(order["order_id"])
            created = _created_at(order.get("created_at"), order_id)
            if not start <= created < end:
                continue
            body = _create_body({**order, "order_id": order_id}, shop)
            if len(body["soc"]) > 64 or body["soc"] in sources:
                raise AirflowFailException(f"order {order_id}: soc {body['soc']!r} is too long or repeated")
            bodies.append(body)
            sources[body["soc"]] = {
                "order_id": order_id,
                "created_at": created.astimezone(UTC).isoformat(),
                "province": body["province"],
            }
        if not bodies:
            raise AirflowSkipException(f"no orders created between {start} and {end}")
        logging.getLogger(__name__).info(
            "%d of %d orders were created between %s and %s", len(bodies), len(document["orders"]), start, end
        )
        return {"orders": bodies, "sources": sources}

    @task(multiple_outputs=True)
    def validate_addresses(orders: list[dict[str, Any]], supership_conn_id: str) -> dict[str, Any]:
        """
        Check every address against SuperShip's areas, replacing near spellings (no accents, no
        prefix) by SuperShip's names; orders that cannot be resolved are set aside (reported).
        Also builds one fee quote request per order (warehouse district -> receiver district).
        """
        import json
        import logging

        from airflow.sdk import get_current_context
        from airflow.sdk.exceptions import AirflowFailException

        from airflow_provider.supership.hooks import SuperShipHook

        log = logging.getLogger(__name__)
        params = get_current_context()["params"]
        warehouse = json.loads(Path(params["orders_file"]).read_text(encoding="utf-8"))["shop"]["warehouse"]
        hook = SuperShipHook(supership_conn_id)
        valid: list[dict[str, Any]] = []
        quotes: list[dict[str, Any]] = []
        rejected: list[dict[str, Any]] = []
        try:
            active = {w.code for w in hook.get_warehouses() if str(w.status or "1") == "1"}
            for order in orders:
                problems: list[str] = []
                if order["pickup_code"] not in active:
                    problems.append(f"pickup_code: no active warehouse {order['pickup_code']!r}")
                check = hook.check_place(order["province"], order["district"], order["commune"], resolve=True)
                problems += [f"{field}: {message}" for field, message in check.problems]
                if problems:
                    log.warning("%s left out: %s", order["soc"], "; ".join(problems))
                    rejected.append({"soc": order["soc"], "problems": problems})
                    continue
                fixed = {**order, **check.names}
                for field in ("province", "district", "commune"):
                    if fixed[field] != order[field]:
                        log.info("%s: %s %r -> %r", order["soc"], field, order[field], fixed[field])
                valid.append(fixed)
                quotes.append(
                    {
                        "sender_province": warehouse["province"],
                        "sender_district": warehouse["district"],
                        "receiver_province": fixed["province"],
                        "receiver_district": fixed["district"],
                        "weight": fixed["weight"],
                        "value": fixed["value"],
                    }
                )
        finally:
            hook.close()
        if not valid:
            listed = "; ".join(f"{r['soc']}: {', '.join(r['problems'])}" for r in rejected)
            raise AirflowFailException(f"no order has a valid address: {listed}")
        return {"orders": valid, "quotes": quotes, "rejected": rejected}

    @task(trigger_rule="all_done")
    def cod_report(output_dir: str) -> dict[str, str]:
        """COD expected vs collected per order and in total; which orders were not delivered, and why."""
        import json

        from airflow.sdk import ObjectStoragePath, get_current_context

        from airflow_provider.common.reports import write_report
        from airflow_provider.supership.statuses import (
            DELIVERED_STATUSES,
            FAILURE_STATUSES,
            STATUS_NAMES,
            describe,
        )

        context = get_current_context()
        ti = context["ti"]
        run_id = context["run_id"]
        start, end = run_day(
            context["logical_date"], context["data_interval_start"], context["data_interval_end"]
        )

        def pull(task_id: str, key: str = "return_value") -> Any:
            return ti.xcom_pull(task_ids=task_id, key=key)

        sources: dict[str, dict[str, Any]] = pull("select_orders", "sources") or {}
        checked: list[dict[str, Any]] = pull("validate_addresses", "orders") or []
        rejected: list[dict[str, Any]] = pull("validate_addresses", "rejected") or []
        quotes = {r["key"]: r for r in (pull("quote_fees") or {}).get("results", [])}
        created = {r["key"]: r for r in (pull("create_orders") or {}).get("results", [])}
        tracking = pull("track_orders") or {}
        tracked = {r["key"]: r for r in tracking.get("results", [])}
        labels = pull("print_labels") or {}
        journeys: dict[str, Any] = {}
        if tracking.get("path"):
            journeys = json.loads(ObjectStoragePath(tracking["path"]).read_text(encoding="utf-8"))["orders"]

        failure_names = {STATUS_NAMES[s]: s for s in FAILURE_STATUSES}
        # on the way back to the shop, after an undeliverable order
        returning = {"18", "19", "20", "22"}

        def why(code: str, status: str) -> str:
            """The status that ended the delivery, with the courier's note, and where it is now."""
            steps = (journeys.get(code) or {}).get("journeys") or []
            cause = next((s for s in steps if s.get("status") in failure_names), None)
            now = describe(status)
            if cause is None:
                return now
            told = f"{describe(failure_names[cause['status']])}: {cause.get('note') or ''}".rstrip(": ")
            return told if failure_names[cause["status"]] == status else f"{told}; now {now}"

        rows: list[dict[str, Any]] = []
        for index, order in enumerate(checked):
            soc = order["soc"]
            source = sources.get(soc, {})
            made = created.get(soc) or {}
            code = made.get("id")
            track = tracked.get(code or "") or {}
            info = track.get("data") or {}
            status = str(track.get("status") or made.get("status") or "")
            quote = (quotes.get(f"#{index}") or {}).get("data") or {}
            expected = int(
                info.get("collection", (made.get("data") or {}).get("collection", order["amount"]))
            )
            collected = int(info.get("collected") or 0)
            if made.get("outcome") not in ("created", "existed"):
                delivery = "not sent"
                reason = ((made.get("error") or {}).get("message")) or "create_orders did not run"
                expected = collected = 0
            elif not track:
                delivery, reason = "unknown", "no status: track_orders did not read this order"
            elif status in DELIVERED_STATUSES and collected >= expected:
                delivery, reason = "delivered", ""
            elif status in DELIVERED_STATUSES:
                delivery, reason = (
                    "partly delivered",
                    f"{describe(status)}: {_vnd(expected - collected)} not collected",
                )
            elif status in FAILURE_STATUSES or status in returning:
                delivery, reason = "not delivered", why(code or "", status)
            else:
                delivery, reason = "in transit", describe(status)
            fees = made.get("data") or {}
            rows.append(
                {
                    "order_id": source.get("order_id", soc),
                    "soc": soc,
                    "supership_code": code,
                    "created_at": source.get("created_at"),
                    "province": order["province"],
                    "create_outcome": made.get("outcome", "not run"),
                    "status": status,
                    "status_name": STATUS_NAMES.get(status, ""),
                    "delivery": delivery,
                    "cod_expected": expected,
                    "cod_collected": collected,
                    "cod_short": expected - collected,
                    "quoted_fee": quote.get("fee"),
                    "fee": fees.get("fee"),
                    "insurance": fees.get("insurance"),
                    "return_fee": info.get("return_fee"),
                    "why": reason,
                }
            )
        for item in rejected:
            soc = item["soc"]
            rows.append(
                {
                    "order_id": sources.get(soc, {}).get("order_id", soc),
                    "soc": soc,
                    "created_at": sources.get(soc, {}).get("created_at"),
                    "create_outcome": "rejected",
                    "delivery": "not sent",
                    "cod_expected": 0,
                    "cod_collected": 0,
                    "cod_short": 0,
                    "why": "invalid address: " + "; ".join(item["problems"]),
                }
            )

        def named(kind: str) -> list[str]:
            return [f"{r['order_id']} ({r['soc']}): {r['why']}" for r in rows if r["delivery"] == kind]

        expected_total = sum(r["cod_expected"] for r in rows)
        collected_total = sum(r["cod_collected"] for r in rows)
        sent = [r for r in rows if r["create_outcome"] in ("created", "existed")]
        summary = [
            f"Orders created from {start.isoformat()} to {end.isoformat()} (UTC, end excluded).",
            f"Orders in the interval: {len(sources)}; sent to SuperShip: {len(sent)} "
            f"({sum(r['create_outcome'] == 'created' for r in rows)} created, "
            f"{sum(r['create_outcome'] == 'existed' for r in rows)} already existed); "
            f"rejected before sending: {len(rejected)}.",
            f"Delivered: {sum(r['delivery'] == 'delivered' for r in rows)}; "
            f"partly delivered: {sum(r['delivery'] == 'partly delivered' for r in rows)}; "
            f"not delivered: {sum(r['delivery'] == 'not delivered' for r in rows)}; "
            f"in transit: {sum(r['delivery'] == 'in transit' for r in rows)}.",
            f"COD expected: {_vnd(expected_total)}; COD collected: {_vnd(collected_total)}; "
            f"short: {_vnd(expected_total - collected_total)}.",
            f"Shipping fees charged: {_vnd(sum(int(r.get('fee') or 0) for r in sent))} "
            f"(quoted {_vnd(sum(int(r.get('quoted_fee') or 0) for r in sent))}); "
            f"insurance: {_vnd(sum(int(r.get('insurance') or 0) for r in sent))}.",
        ]
        summary += [f"NOT DELIVERED: {line}" for line in named("not delivered")]
        summary += [f"PARTLY DELIVERED: {line}" for line in named("partly delivered")]
        summary += [f"IN TRANSIT: {line}" for line in named("in transit")]
        summary += [f"NOT SENT: {line}" for line in named("not sent")]
        summary += [f"STATUS UNKNOWN: {line}" for line in named("unknown")]
        if labels:
            summary.append(
                f"Labels: {labels.get('count')} in one print batch (size {labels.get('size')}); the print "
                "URL is in the XCom of print_labels (it carries a print token, so it is not copied here)."
            )
        if not sources:
            summary.append("No orders were created in this data interval: nothing was shipped.")
        result = write_report(
            output_dir=output_dir,
            dag_id=DAG_ID,
            run_id=run_id,
            name="cod_reconciliation",
            title=f"SuperShip COD reconciliation, {start.date()}",
            rows=rows,
            summary=summary,
        )
        return {
            **result,
            "cod_expected": str(expected_total),
            "cod_collected": str(collected_total),
            "not_delivered": ",".join(r["order_id"] for r in rows if r["delivery"] == "not delivered"),
        }

    selected = select_orders(orders_file="{{ params.orders_file }}")
    checked = validate_addresses(selected["orders"], supership_conn_id=CONN)
    quote = FeeQuote(task_id="quote_fees", quotes=checked["quotes"], supership_conn_id=CONN)
    create = CreateOrders(
        task_id="create_orders", orders=checked["orders"], require_soc=True, supership_conn_id=CONN
    )
    labels = PrintLabels(
        task_id="print_labels", codes=create.output, size="{{ params.label_size }}", supership_conn_id=CONN
    )
    # a leaf on purpose: when an order cannot be delivered it fails at once, and so does the run
    # (Airflow judges a run by its leaves), while the report waits for wait_settled instead
    WaitForStatus(
        task_id="wait_delivered",
        order_ids=create.output,
        supership_conn_id=CONN,
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=WAIT_TIMEOUT,
    )
    wait_settled = WaitForStatus(
        task_id="wait_settled",
        order_ids=create.output,
        supership_conn_id=CONN,
        success_statuses=SETTLED_STATUSES,
        failure_statuses=(),
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=WAIT_TIMEOUT,
    )
    # runs when an upstream failed too (labels, a wait timing out), not when nothing was shipped
    track = TrackOrders(
        task_id="track_orders",
        codes=create.output,
        output_path=REPORT_DIR,
        supership_conn_id=CONN,
        trigger_rule="none_skipped",
    )
    report = cod_report(output_dir="{{ params.output_dir }}")

    quote >> create
    [labels, wait_settled] >> track
    [checked, quote, create, labels, wait_settled, track] >> report


supership_cod_delivery()
