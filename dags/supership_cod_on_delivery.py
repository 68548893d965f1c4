"""
SuperShip COD on delivery: each batch of parcels SuperShip delivers is reconciled as it happens,
scheduled by the asset events of a watcher on the triggerer: no sensor task, no timetable.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from airflow.sdk import Asset, AssetWatcher, Param, dag, task

from airflow_provider.supership.event_triggers import SuperShipOrderEventTrigger
from airflow_provider.supership.operators import SuperShipGetTrackingOperator

#: the parcels of the shop's SuperShip account as an asset (scheme = the connection type): the
#: one place this DAG names it
SUPERSHIP_PARCELS_URI = "supership://supership_default/status-changes"
#: delivered in full, in part, or reconciled: a parcel fires once, when it is first seen in one
DELIVERED = ["12", "13", "16"]
POLL_SECONDS = float(os.environ.get("FULFILLMENT_POLL_SECONDS", "300"))


def parcel_results_folder() -> str:
    """Where ``supership_cod_delivery`` keeps its creates' ``*.results.jsonl`` (its working folder).

    Read when the DAG is parsed (the watcher's kwargs must not change between parses):
    ``$FULFILLMENT_PARCEL_RESULTS``, else ``$FULFILLMENT_WORK_DIR/supership_cod_delivery``, else
    ``$AIRFLOW_HOME/fulfillment/work/supership_cod_delivery``. A local path or any
    ``ObjectStoragePath`` URL the triggerer can read.
    """
    if folder := os.environ.get("FULFILLMENT_PARCEL_RESULTS"):
        return folder
    work = os.environ.get("FULFILLMENT_WORK_DIR") or os.path.join(
        os.environ.get("AIRFLOW_HOME") or os.path.expanduser("~/airflow"), "fulfillment", "work"
    )
    return os.path.join(work, "supership_cod_delivery")


PARCELS = Asset(
    SUPERSHIP_PARCELS_URI,
    watchers=[
        AssetWatcher(
            name="supership_parcels_delivered",
            trigger=SuperShipOrderEventTrigger(
                supership_conn_id="supership_default",
                results_path=parcel_results_folder(),
                statuses=DELIVERED,
                poll_interval=POLL_SECONDS,
            ),
        )
    ],
)


@dag(
    dag_id="supership_cod_on_delivery",
    schedule=[PARCELS],
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    params={
        "output_dir": Param(
            None,
            type=["null", "string"],
            description="where the reports go; empty: the fulfillment_reports_dir Variable, else "
            "$FULFILLMENT_REPORTS_DIR, else $AIRFLOW_HOME/fulfillment/reports (read when a task runs)",
        ),
    },
    tags=["supership", "cod", "events", "example"],
    doc_md="""
### SuperShip COD on delivery (event-driven)

A watcher on the triggerer (`SuperShipOrderEventTrigger` in an `AssetWatcher` of the asset
`supership://supership_default/status-changes`) polls the parcels that `supership_cod_delivery` created (every
`*.results.jsonl` of its working folder) and fires one asset event per batch of parcels newly
delivered (`12`, `13` or `16`). Each event starts a run of this DAG, which:

1. **collects** the delivered parcels from the run's `triggering_asset_events` (SuperShip codes
   and statuses only: no receiver's data);
2. **reads** their COD figures (`SuperShipGetTrackingOperator`);
3. **reconciles** COD expected vs collected per parcel and in total, under
   `<output_dir>/supership_cod_on_delivery/<run_id>/cod_on_delivery.csv` and `.md`.

No task waits: the wait is the watcher's, on the triggerer. On Airflow 3.3 its cursor is in the
asset's state store, so a triggerer restart neither loses nor repeats a delivery (see the
*Order status events* page); on Airflow 3.2 the watcher refuses to run (`without_cursor=True`
would run it without one).
""",
)
def supership_cod_on_delivery() -> None:
    @task
    def delivered_parcels(**context: Any) -> list[str]:
        """The SuperShip codes of the parcels the triggering events report delivered (none: skip)."""
        from airflow.sdk.exceptions import AirflowSkipException

        codes: dict[str, None] = {}
        for event in context["triggering_asset_events"][PARCELS]:
            extra = event.extra or {}
            if not extra.get("from_trigger"):
                continue  # an event posted by hand or by a task: not the watcher's
            payload = extra.get("payload") or {}
            for change in payload.get("changes", []):
                codes[str(change["id"])] = None
            print(f"event batch {payload.get('batch')}: {payload.get('count')} parcel(s) delivered")
        if not codes:
            raise AirflowSkipException("no delivered parcel in the triggering events")
        return list(codes)

    cod = SuperShipGetTrackingOperator(task_id="read_cod", codes=delivered_parcels())

    @task
    def reconcile(tracking: dict[str, Any], **context: Any) -> dict[str, str]:
        """COD expected vs collected per delivered parcel and in total."""
        from fulfillment_reports import write_run_report

        from airflow_provider.common import read_report
        from airflow_provider.supership.statuses import describe

        rows = []
        for result in read_report(tracking).results():
            data = result.get("data") or {}
            expected = int(data.get("collection") or data.get("amount") or 0)
            collected = int(data.get("collected") or 0)
            rows.append(
                {
                    "supership_code": result.get("id") or result["key"],
                    "soc": data.get("soc") or "",
                    "status": describe(str(result.get("status") or "")),
                    "cod_expected": expected,
                    "cod_collected": collected,
                    "cod_short": expected - collected,
                }
            )
        expected = sum(row["cod_expected"] for row in rows)
        collected = sum(row["cod_collected"] for row in rows)
        summary = [
            f"{len(rows)} parcel(s) delivered in this batch.",
            f"COD expected: {expected:,} VND; COD collected: {collected:,} VND; short: {expected - collected:,} VND.",
        ]
        summary += [
            f"SHORT: {row['supership_code']}: {row['cod_short']:,} VND not collected"
            for row in rows
            if row["cod_short"]
        ]
        return write_run_report(
            context, name="cod_on_delivery", title="SuperShip COD on delivery", rows=rows, summary=summary
        )

    reconcile(cod.output)


supership_cod_on_delivery()
