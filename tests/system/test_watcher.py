"""
Scenario ``watcher`` (issue 19): order status changes as asset events on the fleet's triggerers.

``order_watch_events`` (``cluster/dags/order_watch.py``) is scheduled on an ``AssetWatcher``
running :class:`HyperSkuOrderEventTrigger` over the results files of ``orders_from_file``; it
fires one event per batch of orders newly closed. The sandbox clock is frozen, so an order's
status changes only when the test cancels it through HyperSKU's API.

1. ``orders_from_file`` creates 30 orders; the watcher's cursor (``asset_state_store``) takes
   them in at "pending sourcing" and nothing fires.
2. Batch 1 (5 orders) is cancelled while the sandbox fails every status call (a scripted
   fault), so that the watcher sees the whole batch at once when the fault is cleared: exactly
   one DAG run follows, whose ``triggering_asset_events`` carry exactly those 5 changes.
3. Both triggerers are stopped with the fleet's own command (``cluster/control.py``); batch 2 is
   cancelled while no triggerer runs; one is started again: exactly one more run, carrying
   exactly batch 2 (the change made while the triggerer was down is not lost; batch 1 is not
   repeated); then the other one.
4. Batch 3 is cancelled on the restarted watcher as in 2: exactly one more run with batch 3.
5. After three more polls: 3 events and 3 runs in all; no order reported twice; none of the 15
   orders left alone ever reported.

The table row: orders, duplicates (changes reported more than once), lost (changes never
reported), the runs' state, HyperSKU token calls (the fleet's; the test's own client takes one
more) and seconds to recover (from the first triggerer's start to the event of batch 2).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cluster import control
from cluster.fleet import Fleet, wait_for
from cluster.statsd_listener import StatsdListener
from tests.system.fleet_db import live_triggerers, trigger_holders, watcher_cursor
from tests.system.fleet_helpers import SANDBOX_SPEED, HyperSkuClient, lifetimes, sandbox

pytestmark = pytest.mark.system
#: the scenario's name (``make system-test SCENARIOS=watcher``)
SCENARIO = "watcher"

ORDERS = 30
BATCH = 5
EVENTS_DAG = "order_watch_events"
ASSET_URI = "hypersku://hypersku_default/status-changes"
TRIGGER_CLASS = "HyperSkuOrderEventTrigger"
TRIGGERERS = ("triggerer-1", "triggerer-2")
TIMEOUT = 300.0
PENDING_SOURCING, CLOSED = "8", "6"
#: the path of HyperSKU's ``getOrdersStatus`` (the watcher's one call per poll)
METRICS = "airflow.fulfillment.hypersku."
STATUS_PATH = "/api/customer/admin/orders/status"


def _orders(prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "thirdOrderId": f"{prefix}-{number:03d}",
            "logisticsId": "1002",
            "shippingAddress": {
                "firstName": "Watch",
                "lastName": "Test",
                "countryCode": "US",
                "province": "CA",
                "city": "San Francisco",
                "address1": "1 Market St",
                "zipCode": "94105",
                "phone": "+1 415 555 0100",
            },
            "skuItems": [{"skuId": "SKU1001-BLK", "num": 1}],
        }
        for number in range(ORDERS)
    ]


def _runs(fleet: Fleet) -> list[dict[str, Any]]:
    runs = fleet.api("GET", f"/dags/{EVENTS_DAG}/dagRuns", params={"limit": 100, "order_by": "id"})
    return list(runs["dag_runs"])


def _changes_of(fleet: Fleet, run: dict[str, Any]) -> list[dict[str, Any]]:
    """The changes the watcher's events that triggered ``run`` carry."""
    events = fleet.api("GET", f"/dags/{EVENTS_DAG}/dagRuns/{run['dag_run_id']}/upstreamAssetEvents")
    changes = []
    for event in events["asset_events"]:
        extra = event.get("extra") or {}
        assert extra.get("from_trigger"), event
        changes += extra["payload"]["changes"]
    return changes


def _status_calls(fleet: Fleet) -> int:
    requests = sandbox(fleet, "hypersku", "stats")["requests"]
    return int(requests.get(STATUS_PATH, 0))


def _one_more_run(fleet: Fleet, seen: int) -> dict[str, Any]:
    """Wait for run number ``seen + 1`` of the events DAG to end; fail on any run beyond it."""
    wait_for(
        "the watcher's event to start a run", lambda: len(_runs(fleet)) > seen, timeout=TIMEOUT, every=0.5
    )
    wait_for(
        "the run to end",
        lambda: _runs(fleet)[seen]["state"] in ("success", "failed"),
        timeout=TIMEOUT,
        every=1,
    )
    runs = _runs(fleet)
    assert len(runs) == seen + 1, [r["dag_run_id"] for r in runs]
    return runs[seen]


def _cancel_at_once(fleet: Fleet, client: HyperSkuClient, order_ids: list[str]) -> None:
    """Cancel ``order_ids`` while every status call fails (the watcher logs it and polls again),
    so that no poll sees part of the batch: the watcher sees it whole once the fault is cleared."""
    script = [{"kind": "error", "count": 10_000, "path_contains": STATUS_PATH}]
    sandbox(fleet, "hypersku", "faults", "POST", json={"script": script, "include_auth": False})
    try:
        client.cancel(order_ids)
    finally:
        sandbox(fleet, "hypersku", "faults", "POST", json={"clear": True, "include_auth": False})


def test_watcher(fleet: Fleet, statsd: StatsdListener, scenario_table: list[dict[str, Any]]) -> None:
    fleet.wait_for_dags(["orders_from_file", EVENTS_DAG])
    row: dict[str, Any] = {"scenario": "watcher", "orders": ORDERS}
    scenario_table.append(row)
    # no random fault; the clock frozen: only the test's cancels change a status
    sandbox(fleet, "hypersku", "faults", "POST", json={"clear": True, "include_auth": False})
    sandbox(fleet, "hypersku", "clock", "POST", json={"speed": 0})
    sandbox(fleet, "hypersku", "stats/reset", "POST")
    statsd.clear()
    t0 = time.monotonic()
    try:
        _scenario(fleet, row)
        # on the frozen clock: one token lifetime
        stats = sandbox(fleet, "hypersku", "stats")
    finally:
        sandbox(fleet, "hypersku", "clock", "POST", json={"speed": SANDBOX_SPEED})
        for name in TRIGGERERS:
            control.send(fleet.root, {"command": "start", "component": name})
    fleet_token_calls = int(stats["token_calls"]) - 1  # the test's own client took one
    allowed = lifetimes(stats, time.monotonic() - t0) + 1
    row["token calls"] = f"{fleet_token_calls} (<= {allowed})"
    created = {
        name: n for name, n in statsd.counters(METRICS + "items.", dag_id="orders_from_file").items() if n
    }
    print(f"\nWATCHER {json.dumps(row)} metrics {json.dumps(created)}", flush=True)
    assert fleet_token_calls <= allowed, stats
    # the create's outcome counters, as the worker sent them: every order created once
    assert created == {METRICS + "items.created": ORDERS}, created


def _scenario(fleet: Fleet, row: dict[str, Any]) -> None:
    # ---- 30 orders, made by the fleet; their results file is what the watcher follows
    folder = fleet.root / "reports" / "order_watch"
    folder.mkdir(parents=True, exist_ok=True)
    orders_file = folder / "watch-orders.jsonl"
    orders_file.write_text("".join(json.dumps(o) + "\n" for o in _orders("WATCH")), encoding="utf-8")
    create = fleet.trigger("orders_from_file", {"orders_file": str(orders_file)})
    wait_for(
        "the create to end",
        lambda: fleet.dag_run("orders_from_file", create)["state"] in ("success", "failed"),
        timeout=TIMEOUT,
        every=1,
    )
    assert fleet.dag_run("orders_from_file", create)["state"] == "success"
    results = [json.loads(line) for line in _results(orders_file).read_text(encoding="utf-8").splitlines()]
    ids = [str(r["id"]) for r in results if r["outcome"] == "created"]
    assert len(ids) == ORDERS, results
    batches = [ids[:BATCH], ids[BATCH : 2 * BATCH], ids[2 * BATCH : 3 * BATCH]]
    untouched = set(ids[3 * BATCH :])

    def cursor_has(statuses: dict[str, str]) -> bool:
        cursor = watcher_cursor(fleet, "hypersku") or {}
        return all(cursor.get("statuses", {}).get(i) == s for i, s in statuses.items())

    wait_for(
        "the watcher to take the new orders in",
        lambda: cursor_has(dict.fromkeys(ids, PENDING_SOURCING)),
        timeout=TIMEOUT,
        every=1,
    )
    assert trigger_holders(fleet, TRIGGER_CLASS), "no watcher trigger on the fleet"
    assert _runs(fleet) == [], "an event fired for orders whose status did not change"
    client = HyperSkuClient(fleet)

    # ---- batch 1: one event, one run, exactly those orders
    _cancel_at_once(fleet, client, batches[0])
    runs = [_one_more_run(fleet, 0)]
    closed = dict.fromkeys(batches[0], CLOSED)
    # the cursor moves past an event a few seconds after the triggerer took it
    wait_for("the cursor past batch 1", lambda: cursor_has(closed), timeout=TIMEOUT, every=1)
    # the events a poll yields are stored before the cursor moves past them
    assert len(_asset_events(fleet)) == 1, _asset_events(fleet)

    # ---- batch 2 while no triggerer runs (the fleet's own command), then both started again:
    # one, and the other once the first has reported, so that they do not hand the just-started
    # watcher to each other while it reports (a triggerer starting under load misses heartbeats)
    for name in TRIGGERERS:
        answer = control.send(fleet.root, {"command": "stop", "component": name})
        assert answer["ok"], answer
        assert not answer["components"][name]["alive"], answer
    client.cancel(batches[1])
    assert not any(fleet.components[name].alive() for name in TRIGGERERS)
    back = datetime.now(UTC)
    assert control.send(fleet.root, {"command": "start", "component": TRIGGERERS[0]})["ok"]
    runs.append(_one_more_run(fleet, 1))
    closed.update(dict.fromkeys(batches[1], CLOSED))
    wait_for("the cursor past batch 2", lambda: cursor_has(closed), timeout=TIMEOUT, every=1)
    events = _asset_events(fleet)
    assert len(events) == 2, events
    # from the triggerer's start to the event it stored
    stored = datetime.fromisoformat(events[1]["timestamp"].replace("Z", "+00:00"))
    row["seconds to recover"] = round((stored - back).total_seconds(), 1)
    assert control.send(fleet.root, {"command": "start", "component": TRIGGERERS[1]})["ok"]
    wait_for("both triggerers up", lambda: live_triggerers(fleet) >= 2, timeout=TIMEOUT, every=1)

    # ---- batch 3 on the restarted watcher
    _cancel_at_once(fleet, client, batches[2])
    runs.append(_one_more_run(fleet, 2))
    closed.update(dict.fromkeys(batches[2], CLOSED))
    wait_for("the cursor past batch 3", lambda: cursor_has(closed), timeout=TIMEOUT, every=1)
    # three more polls (the sandbox counts the watcher's status calls): an event of the first two
    # would be stored by now (the triggerer stores its events every second; a poll is 5 s)
    polled = _status_calls(fleet)
    wait_for("three more polls", lambda: _status_calls(fleet) >= polled + 3, timeout=TIMEOUT, every=1)
    all_runs = _runs(fleet)

    # ---- what each run carried
    per_run = [_changes_of(fleet, run) for run in runs]
    reported = Counter(change["id"] for changes in per_run for change in changes)
    expected = {i for batch in batches for i in batch}
    row["duplicates"] = sum(n - 1 for n in reported.values() if n > 1)
    row["lost"] = len(expected - set(reported))
    row["run state"] = ",".join(run["state"] for run in all_runs)
    row["events"] = len(_asset_events(fleet))
    row["unchanged reported"] = len(untouched & set(reported))
    for batch, changes in zip(batches, per_run, strict=True):
        assert sorted(c["id"] for c in changes) == sorted(batch), changes
        assert {(c["old_status"], c["new_status"]) for c in changes} == {(PENDING_SOURCING, CLOSED)}
    assert row["duplicates"] == 0
    assert row["lost"] == 0
    assert row["unchanged reported"] == 0
    assert len(all_runs) == 3, [r["dag_run_id"] for r in all_runs]
    assert row["events"] == 3
    assert all(run["state"] == "success" for run in all_runs), all_runs


def _asset_events(fleet: Fleet) -> list[dict[str, Any]]:
    assets = fleet.api("GET", "/assets", params={"uri_pattern": ASSET_URI, "limit": 10})["assets"]
    asset = next(a for a in assets if a["uri"] == ASSET_URI)
    events = fleet.api(
        "GET", "/assets/events", params={"asset_id": asset["id"], "limit": 100, "order_by": "timestamp"}
    )
    return list(events["asset_events"])


def _results(orders_file: Path) -> Path:
    return orders_file.with_name(orders_file.name.removesuffix(".jsonl") + ".results.jsonl")
