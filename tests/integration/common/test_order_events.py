"""
The order status event triggers (``AssetWatcher``) against the sandboxes, on a frozen sandbox clock.

A watcher fires one event per batch of status changes and none while statuses stay the same;
its cursor lives in the asset state store, so a new trigger instance on the same store (a
triggerer restart) reports what changed while it was down, and nothing it reported already.
The pause between polls is injected: each test runs one poll at a time and waits on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# beside the unit tests of the core (on sys.path: tests/integration/common/conftest.py)
from order_events_kit import StateStore, Watch, make_order
from order_events_kit import run as _run

from airflow_provider.common.event_triggers import OrderStatusEventTrigger
from airflow_provider.common.results import write_results
from airflow_provider.sandbox.kit import SandboxClock, start_server
from airflow_provider.sandbox.registry import load_simulator

pytestmark = pytest.mark.integration


@pytest.fixture
def sandbox(make_conn: Callable[..., str]) -> Iterator[Callable[[str], tuple[Any, str]]]:
    """``backend, conn_id = sandbox(platform)``: a simulator on a frozen clock, on loopback."""
    servers = []

    def start(platform: str) -> tuple[Any, str]:
        simulator = load_simulator(platform)
        backend = simulator.new_backend(clock=SandboxClock(speed=0))
        server = start_server(simulator.create_app(backend))
        servers.append(server)
        conn = simulator.connection(server.url)
        conn_id = make_conn(
            f"{platform}_events",
            conn["conn_type"],
            host=conn.get("host"),
            login=conn.get("login"),
            password=conn.get("password"),
            extra=conn.get("extra") or {},
        )
        return backend, conn_id

    yield start
    for server in servers:
        server.stop()


def _supership_parcels(conn_id: str, socs: list[str]) -> list[dict[str, Any]]:
    """Parcels made through the hook; results lines as a bulk create writes them."""
    from airflow_provider.sandbox.supership import sample_order
    from airflow_provider.supership.hooks import SuperShipHook

    hook = SuperShipHook(conn_id)
    try:
        made = [hook.create_order(sample_order(soc)) for soc in socs]
    finally:
        hook.close()
    return [{"key": m.soc, "outcome": "created", "id": m.code, "status": m.status} for m in made]


def _changes(events: list[dict[str, Any]]) -> list[tuple[str | None, str | None, str]]:
    return sorted(
        (c.get("key"), c["old_status"], c["new_status"]) for event in events for c in event["changes"]
    )


def test_delivered_parcels_fire_once_per_batch_and_survive_a_restart(
    sandbox: Callable[[str], tuple[Any, str]], tmp_path: Path
) -> None:
    from airflow_provider.sandbox.supership import SECONDS_TO_DELIVERED, STEP_SECONDS
    from airflow_provider.supership.event_triggers import SuperShipOrderEventTrigger

    backend, conn_id = sandbox("supership")
    results = tmp_path / "results"
    first = _supership_parcels(conn_id, ["EV-DELIVER-1", "EV-DELIVER-2", "EV-RETURN-3"])
    write_results(str(results / "run-1" / "parcels-0.results.jsonl"), first)
    store = StateStore()

    def watcher() -> Watch:
        trigger = SuperShipOrderEventTrigger(
            supership_conn_id=conn_id, results_path=str(results), statuses=["12", "13", "16"]
        )
        # what the 3.3 triggerer injects (the watched asset's accessors); serialized kwargs
        # make the new instance, as after a restart
        classpath, kwargs = trigger.serialize()
        assert classpath == "airflow_provider.supership.event_triggers.SuperShipOrderEventTrigger"
        restored = SuperShipOrderEventTrigger(**json.loads(json.dumps(kwargs)))
        restored.asset_state_store = store  # type: ignore[assignment]
        return Watch(restored)

    async def scenario() -> None:
        watch = watcher()
        assert await watch.poll() == []  # all awaiting pickup: nothing entered "delivered"
        backend.clock.advance(SECONDS_TO_DELIVERED + 1)
        fired = await watch.poll()
        assert len(fired) == 1  # one event for the batch of two deliveries
        assert _changes(fired) == [("EV-DELIVER-1", "2", "12"), ("EV-DELIVER-2", "2", "12")]
        assert fired[0]["batch"] == 1
        assert fired[0]["count"] == 2
        assert fired[0]["platform"] == "supership"
        assert fired[0]["conn_id"] == conn_id
        assert await watch.poll() == []  # unchanged: the condition stays true, fires nothing
        backend.clock.advance(STEP_SECONDS["12"] + 1)  # 12 -> 16: still delivered, no new event
        assert await watch.poll() == []
        # new parcels from another run's results join the watch (seen awaiting pickup)
        second = _supership_parcels(conn_id, ["EV-DELIVER-4", "EV-DELIVER-5"])
        write_results(str(results / "run-2" / "parcels-0.results.jsonl"), second)
        assert await watch.poll() == []
        await watch.stop()  # the triggerer restarts; meanwhile the new parcels are delivered
        backend.clock.advance(SECONDS_TO_DELIVERED + 1)

        again = watcher()
        fired = await again.poll()
        assert _changes(fired) == [("EV-DELIVER-4", "2", "12"), ("EV-DELIVER-5", "2", "12")]
        assert [event["batch"] for event in fired] == [2]  # the batch count goes on
        assert await again.poll() == []
        await again.stop()

    _run(scenario())
    # every delivered parcel was reported exactly once, the returned one never
    cursor = next(iter(store.rows.values()))
    statuses = json.loads(cursor)["statuses"]
    assert statuses[first[2]["id"]] in {"15", "20", "21"}
    assert sum(1 for status in statuses.values() if status in {"12", "16"}) == 4


def _event_trigger(platform: str, conn_id: str, *order_ids: str) -> OrderStatusEventTrigger:
    if platform == "hypersku":
        from airflow_provider.hypersku.event_triggers import HyperSkuOrderEventTrigger

        return HyperSkuOrderEventTrigger(hypersku_conn_id=conn_id, order_ids=order_ids)
    if platform == "chao8":
        from airflow_provider.chao8.event_triggers import Chao8OrderEventTrigger

        return Chao8OrderEventTrigger(chao8_conn_id=conn_id, order_nos=order_ids)
    from airflow_provider.hishopping.event_triggers import HiShoppingOrderEventTrigger

    return HiShoppingOrderEventTrigger(hishopping_conn_id=conn_id, order_ids=order_ids)


def test_a_supership_code_the_platform_does_not_know_does_not_stop_the_watch(
    sandbox: Callable[[str], tuple[Any, str]], tmp_path: Path
) -> None:
    from airflow_provider.supership.event_triggers import SuperShipOrderEventTrigger

    _backend, conn_id = sandbox("supership")
    rows = _supership_parcels(conn_id, ["EV-KNOWN-DELIVER-1"])
    rows.append({"key": "EV-OTHER-ACCOUNT", "outcome": "created", "id": "SGNX000000.0"})
    write_results(str(tmp_path / "parcels-0.results.jsonl"), rows)
    trigger = SuperShipOrderEventTrigger(supership_conn_id=conn_id, results_path=str(tmp_path))
    trigger.asset_state_store = StateStore()  # type: ignore[assignment]
    watch = Watch(trigger)

    async def scenario() -> list[dict[str, Any]]:
        events = await watch.poll()
        await watch.stop()
        return events

    events = _run(scenario())
    assert [(c["id"], c["new_status"]) for e in events for c in e["changes"]] == [(rows[0]["id"], "2")]


@pytest.mark.parametrize("platform", ["hypersku", "chao8", "hishopping"])
def test_every_platform_fires_on_a_change_and_stops_polling_a_final_order(
    platform: str, sandbox: Callable[[str], tuple[Any, str]]
) -> None:
    backend, conn_id = sandbox(platform)
    order_id = make_order(platform, conn_id, "EV-1")
    trigger = _event_trigger(platform, conn_id, order_id)
    trigger.asset_state_store = StateStore()  # type: ignore[assignment]
    watch = Watch(trigger)

    async def scenario() -> tuple[list[dict[str, Any]], ...]:
        seen = await watch.poll()  # no status watched: the first sighting is a change too
        unchanged = await watch.poll()
        backend.clock.advance(7 * 24 * 3600)  # a week on: every lifecycle has ended
        ended = await watch.poll()
        calls = sum(backend.requests.values())
        after = await watch.poll()
        assert sum(backend.requests.values()) == calls, "a final order was polled again"
        await watch.stop()
        return seen, unchanged, ended, after

    seen, unchanged, ended, after = _run(scenario())
    assert [c["old_status"] for e in seen for c in e["changes"]] == [None]
    first = seen[0]["changes"][0]["new_status"]
    assert unchanged == []
    assert after == []
    assert [(c["id"], c["old_status"]) for e in ended for c in e["changes"]] == [(order_id, first)]
    assert ended[0]["changes"][0]["new_status"] in type(trigger).final_statuses
    assert [e["batch"] for e in seen + ended] == [1, 2]


def test_the_event_trigger_never_blocks_the_event_loop(
    sandbox: Callable[[str], tuple[Any, str]], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Results files, status calls and cursor writes: nothing blocks the triggerer's loop."""
    import asyncio
    import logging
    import threading

    from test_common_trigger_loop import SLOW, LoopWatch

    from airflow_provider.supership.event_triggers import SuperShipOrderEventTrigger

    backend, conn_id = sandbox("supership")
    rows = _supership_parcels(conn_id, ["EV-LOOP-DELIVER-1", "EV-LOOP-RETURN-2"])
    write_results(str(tmp_path / "run-1" / "parcels-0.results.jsonl"), rows)
    trigger = SuperShipOrderEventTrigger(supership_conn_id=conn_id, results_path=str(tmp_path))
    trigger.asset_state_store = StateStore()  # type: ignore[assignment]
    watch = Watch(trigger)

    async def scenario() -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for _ in range(6):
            events += await watch.poll()
            backend.clock.advance(600)
        await watch.stop()
        return events

    installed = LoopWatch.installed()
    loop_watch = next(installed)
    loop = asyncio.new_event_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = SLOW
    caplog.set_level(logging.WARNING, logger="asyncio")
    loop_watch.thread = threading.get_ident()
    try:
        events = loop.run_until_complete(scenario())
    finally:
        loop_watch.thread = None
        loop.close()
        installed.close()
    assert len(events) >= 3  # first sightings, then status changes as the clock moves
    assert loop_watch.blocking == [], f"blocking calls on the event loop's thread: {loop_watch.blocking}"
    assert loop_watch.slow == [], f"callbacks that held the loop's CPU over {SLOW} s: {loop_watch.slow}"


@pytest.mark.parametrize("platform", ["hypersku", "chao8", "hishopping"])
def test_an_order_the_platform_does_not_know_is_left_out(
    platform: str, sandbox: Callable[[str], tuple[Any, str]]
) -> None:
    _backend, conn_id = sandbox(platform)
    known = make_order(platform, conn_id, "EV-KNOWN-1")
    unknown = "999999999" if platform == "hypersku" else "EV-NEVER-MADE"
    watch = Watch(_event_trigger(platform, conn_id, unknown, known))
    watch.trigger.asset_state_store = StateStore()  # type: ignore[assignment]

    async def scenario() -> list[dict[str, Any]]:
        events = await watch.poll()
        await watch.stop()
        return events

    events = _run(scenario())
    assert [c["id"] for e in events for c in e["changes"]] == [known]
