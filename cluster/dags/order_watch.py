"""
``order_watch_events``: a DAG scheduled on HyperSKU's order status changes, with no sensor: an
``AssetWatcher`` runs :class:`HyperSkuOrderEventTrigger` on the fleet's triggerers, watching the
orders of every ``*.results.jsonl`` under ``$FULFILLMENT_REPORTS_DIR/order_watch`` (the system
test's ``watcher`` scenario creates them there with ``orders_from_file``) and firing one asset
event per batch of orders newly closed (status ``6``). Each run lists the changes its triggering
events carry (ids and statuses only).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from airflow.sdk import Asset, AssetWatcher, dag, task

from airflow_provider.hypersku.event_triggers import HyperSkuOrderEventTrigger

#: read when the DAG is parsed: the watcher's kwargs must be the same on every parse
WATCHED_FOLDER = os.path.join(
    os.environ.get("FULFILLMENT_REPORTS_DIR", "/tmp/fulfillment-reports"), "order_watch"
)
POLL_SECONDS = float(os.environ.get("FULFILLMENT_POLL_SECONDS", "60"))
#: HyperSKU's "closed": a cancelled order enters it
CLOSED = "6"

STATUS_CHANGES = Asset(
    "hypersku://hypersku_default/status-changes",
    watchers=[
        AssetWatcher(
            name="hypersku_orders_closed",
            trigger=HyperSkuOrderEventTrigger(
                hypersku_conn_id="hypersku_default",
                results_path=WATCHED_FOLDER,
                statuses=[CLOSED],
                poll_interval=POLL_SECONDS,
            ),
        )
    ],
)


@dag(
    dag_id="order_watch_events",
    schedule=[STATUS_CHANGES],
    start_date=datetime(2026, 11, 1),
    catchup=False,
    tags=["events", "system-test"],
)
def order_watch_events() -> None:
    @task
    def closed_orders(**context: Any) -> list[dict[str, Any]]:
        """The changes of the watcher's events that started this run (ids and statuses)."""
        changes = []
        for event in context["triggering_asset_events"][STATUS_CHANGES]:
            payload = (event.extra or {}).get("payload") or {}
            for change in payload.get("changes", []):
                changes.append({"batch": payload.get("batch"), **change})
        print(f"{len(changes)} order(s) closed")
        return changes

    closed_orders()


order_watch_events()
