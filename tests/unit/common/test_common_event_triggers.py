"""The event trigger core with a fake hook (no sockets): cursor, batches, 3.2 behaviour, serde."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
from order_events_kit import StateStore, Watch, run

from airflow_provider.common import event_triggers
from airflow_provider.common.errors import AuthError, TransientError
from airflow_provider.common.event_triggers import OrderStatusEventTrigger, read_results_ids
from airflow_provider.common.results import write_results


class FakeHook:
    """The platform statuses a test sets; ``afetch_statuses`` answers from them (or raises)."""

    statuses: ClassVar[dict[str, str]] = {}
    fail_with: ClassVar[list[Exception]] = []
    asked: ClassVar[list[list[str]]] = []

    def __init__(self, conn_id: str) -> None:
        self.conn_id = conn_id

    async def aload_connection(self) -> None:
        return None

    async def afetch_statuses(self, ids: list[str]) -> dict[str, str]:
        FakeHook.asked.append(list(ids))
        if FakeHook.fail_with:
            raise FakeHook.fail_with.pop(0)
        return {i: FakeHook.statuses[i] for i in ids if i in FakeHook.statuses}

    async def aclose(self) -> None:
        return None

    def close(self) -> None:
        return None


class DemoEventTrigger(OrderStatusEventTrigger):
    platform = "supership"  # any registered platform: the hook class is swapped below
    final_statuses: ClassVar[frozenset[str]] = frozenset({"done", "lost"})


@pytest.fixture(autouse=True)
def fake_hook(monkeypatch: pytest.MonkeyPatch) -> type[FakeHook]:
    FakeHook.statuses = {}
    FakeHook.fail_with = []
    FakeHook.asked = []
    monkeypatch.setattr(event_triggers, "import_async_hook", lambda path: FakeHook)
    return FakeHook


def _trigger(store: StateStore | None = None, **kwargs: Any) -> DemoEventTrigger:
    trigger = DemoEventTrigger(**{"conn_id": "demo", "order_ids": ["A", "B", "C"], **kwargs})
    if store is not None:
        trigger.asset_state_store = store  # type: ignore[assignment]
    return trigger


def test_without_a_state_store_it_refuses_with_a_clear_message() -> None:
    watch = Watch(_trigger())
    with pytest.raises(RuntimeError, match=r"Airflow 3\.3.*without_cursor=True"):
        run(watch.poll())
    assert FakeHook.asked == []  # refused before any call


def test_without_cursor_the_first_poll_is_a_baseline(fake_hook: type[FakeHook]) -> None:
    fake_hook.statuses = {"A": "new", "B": "done"}
    watch = Watch(_trigger(without_cursor=True))

    async def scenario() -> list[list[dict[str, Any]]]:
        polls = [await watch.poll()]
        fake_hook.statuses.update({"A": "shipped", "C": "new"})
        polls.append(await watch.poll())
        await watch.stop()
        return polls

    baseline, later = run(scenario())
    assert baseline == []
    assert [(c["id"], c["old_status"], c["new_status"]) for c in later[0]["changes"]] == [
        ("A", "new", "shipped"),
        ("C", None, "new"),
    ]


def test_a_first_start_with_a_cursor_reports_orders_already_in_a_watched_status(
    fake_hook: type[FakeHook],
) -> None:
    fake_hook.statuses = {"A": "done", "B": "new"}
    store = StateStore()
    watch = Watch(_trigger(store, statuses=["done"], without_cursor=True))  # a store wins over the flag

    async def scenario() -> list[list[dict[str, Any]]]:
        polls = [await watch.poll(), await watch.poll()]
        await watch.stop()
        return polls

    first, second = run(scenario())
    assert [(c["id"], c["old_status"], c["new_status"]) for e in first for c in e["changes"]] == [
        ("A", None, "done")
    ]
    assert second == []
    assert json.loads(next(iter(store.rows.values())))["statuses"] == {"A": "done", "B": "new"}


def test_a_large_batch_is_split_and_a_stop_before_the_cursor_moves_repeats_it(
    fake_hook: type[FakeHook],
) -> None:
    store = StateStore()
    fake_hook.statuses = {"A": "done", "B": "done", "C": "done"}
    first = Watch(_trigger(store, max_changes=2))

    async def cut_after_first_event() -> list[dict[str, Any]]:
        # stop right after the first event is handed over (its part of the cursor is written
        # as the trigger resumes): the triggerer goes away between two events of one poll
        agen = first.trigger.run()
        event = await agen.__anext__()
        await agen.aclose()
        await first.trigger.cleanup()
        return [event.payload]

    fired = run(cut_after_first_event())
    assert [c["id"] for c in fired[0]["changes"]] == ["A", "B"]
    # the first part was handed over but the cursor moves only after the poll's events are
    # stored: a stop here repeats them with the same batch numbers, it never loses them
    again = Watch(_trigger(store, max_changes=2))

    async def resume() -> list[dict[str, Any]]:
        events = await again.poll()
        events += await again.poll()
        await again.stop()
        return events

    events = run(resume())
    assert [[c["id"] for c in e["changes"]] for e in events] == [["A", "B"], ["C"]]
    assert [e["batch"] for e in events] == [1, 2]
    cursor = json.loads(next(iter(store.rows.values())))
    assert cursor["statuses"] == {"A": "done", "B": "done", "C": "done"}
    assert cursor["batch"] == 2
    assert FakeHook.asked[-1] == []  # final orders are polled no more


def test_the_cursor_moves_past_events_only_after_the_settle_pause(fake_hook: type[FakeHook]) -> None:
    from airflow_provider.common.event_triggers import SETTLE_SECONDS

    store = StateStore()
    fake_hook.statuses = {"A": "new"}
    trigger = _trigger(store, order_ids=["A"], poll_interval=60)
    watch = Watch(trigger)
    cursors_at_settle: list[Any] = []

    async def settle(seconds: float) -> None:
        watch.settled.append(seconds)
        cursors_at_settle.append(dict(store.rows))

    trigger.settle = settle
    pauses: list[float] = []
    polled = trigger.sleep

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        await polled(seconds)

    trigger.sleep = sleep

    async def scenario() -> None:
        assert len(await watch.poll()) == 1
        assert await watch.poll() == []
        await watch.stop()

    run(scenario())
    assert watch.settled == [SETTLE_SECONDS]  # a poll with events: the pause, then the cursor
    assert cursors_at_settle == [{}]
    assert json.loads(next(iter(store.rows.values())))["statuses"] == {"A": "new"}
    assert pauses == [60 - SETTLE_SECONDS, 60]  # the poll interval is kept


def test_watched_statuses_fire_on_entering_them_only(fake_hook: type[FakeHook]) -> None:
    fake_hook.statuses = {"A": "new", "B": "new", "C": "new"}
    watch = Watch(_trigger(StateStore(), statuses=["shipped", "done"]))

    async def scenario() -> list[list[dict[str, Any]]]:
        polls = [await watch.poll()]
        fake_hook.statuses.update({"A": "shipped", "B": "held"})
        polls.append(await watch.poll())
        fake_hook.statuses.update({"A": "done", "B": "shipped"})  # A stays inside: no event for it
        polls.append(await watch.poll())
        polls.append(await watch.poll())
        await watch.stop()
        return polls

    polls = run(scenario())
    assert [[(c["id"], c["new_status"]) for e in p for c in e["changes"]] for p in polls] == [
        [],
        [("A", "shipped")],
        [("B", "shipped")],
        [],
    ]


def test_transient_errors_are_polled_again_and_others_end_the_watch(fake_hook: type[FakeHook]) -> None:
    fake_hook.statuses = {"A": "new"}
    fake_hook.fail_with = [TransientError("demo", "busy")]
    watch = Watch(_trigger(StateStore(), order_ids=["A"]))

    async def scenario() -> list[list[dict[str, Any]]]:
        polls = [await watch.poll(), await watch.poll()]
        fake_hook.fail_with = [AuthError("demo", "bad credentials")]
        with pytest.raises(AuthError):
            await watch.poll()
        return polls

    assert [len(p) for p in run(scenario())] == [0, 1]


def test_results_files_give_the_ids_of_orders_that_exist(tmp_path: Path) -> None:
    write_results(
        str(tmp_path / "run-1" / "batch-0.results.jsonl"),
        [
            {"key": "K1", "outcome": "created", "id": "A"},
            {"key": "K2", "outcome": "failed", "id": None},
            {"key": "K3", "outcome": "unknown", "id": "X"},
        ],
    )
    write_results(
        str(tmp_path / "run-2" / "batch-0.results.jsonl"), [{"key": "K4", "outcome": "existed", "id": "B"}]
    )
    (tmp_path / "orders.jsonl").write_text('{"key": "K9", "outcome": "created", "id": "Z"}\n')  # not results
    assert read_results_ids(str(tmp_path)) == {"A": "K1", "B": "K4"}
    assert read_results_ids(str(tmp_path), "key") == {"K1": "K1", "K4": "K4"}
    assert read_results_ids(str(tmp_path / "run-2" / "batch-0.results.jsonl")) == {"B": "K4"}
    assert read_results_ids(str(tmp_path / "missing")) == {}


def test_a_results_file_being_written_gives_its_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "run.results.jsonl"
    path.write_text(
        '{"key": "K1", "outcome": "created", "id": "A"}\n["not", "a", "result"]\n{"key": "K2", "outco',
        encoding="utf-8",
    )
    assert read_results_ids(str(tmp_path)) == {"A": "K1"}
    with path.open("a", encoding="utf-8") as handle:
        handle.write('me": "existed", "id": "B"}\n')
    assert read_results_ids(str(tmp_path)) == {"A": "K1", "B": "K2"}


def test_events_name_the_callers_key_from_results_files(fake_hook: type[FakeHook], tmp_path: Path) -> None:
    write_results(str(tmp_path / "a.results.jsonl"), [{"key": "SOC-1", "outcome": "created", "id": "A"}])
    fake_hook.statuses = {"A": "new"}
    watch = Watch(_trigger(StateStore(), order_ids=None, results_path=str(tmp_path)))

    async def scenario() -> list[dict[str, Any]]:
        events = await watch.poll()
        await watch.stop()
        return events

    (event,) = run(scenario())
    assert event["changes"] == [{"id": "A", "key": "SOC-1", "old_status": None, "new_status": "new"}]
    assert set(event) == {"platform", "conn_id", "batch", "observed_at", "count", "changes"}


def test_kwargs_are_plain_json_and_go_through_airflow_serde() -> None:
    from airflow.sdk import Asset, AssetWatcher
    from airflow.serialization.serialized_objects import BaseSerialization

    from airflow_provider.supership.event_triggers import SuperShipOrderEventTrigger

    trigger = SuperShipOrderEventTrigger(
        results_path="/data/parcels", statuses=[12, 13, 16], poll_interval=60
    )
    classpath, kwargs = trigger.serialize()
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert kwargs["supership_conn_id"] == "supership_default"
    assert not {"password", "token", "secret"} & {k.lower() for k in kwargs}
    decoded = BaseSerialization.deserialize(BaseSerialization.serialize(kwargs))
    assert SuperShipOrderEventTrigger(**decoded).serialize() == (classpath, kwargs)
    if hasattr(SuperShipOrderEventTrigger, "hash"):  # how the scheduler tells watchers apart
        assert SuperShipOrderEventTrigger.hash(classpath, kwargs) == SuperShipOrderEventTrigger.hash(
            *SuperShipOrderEventTrigger(**decoded).serialize()
        )
    asset = Asset(
        "supership://supership_default/status-changes",
        watchers=[AssetWatcher(name="delivered", trigger=trigger)],
    )
    assert asset.watchers[0].trigger is trigger


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"order_ids": None}, "order_ids or results_path"),
        ({"id_field": "soc"}, "id_field"),
        ({"max_changes": 0}, "max_changes"),
    ],
)
def test_bad_arguments_are_refused_when_the_dag_is_parsed(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _trigger(**kwargs)


def test_the_cursor_round_trips_through_airflow_33_asset_state_store(
    fake_hook: type[FakeHook], monkeypatch: pytest.MonkeyPatch
) -> None:
    context = pytest.importorskip("airflow.sdk.execution_time.context")
    if not hasattr(context, "AssetStateStoreAccessors"):
        pytest.skip("asset_state_store is new in Airflow 3.3")
    from airflow.sdk import Asset
    from airflow.sdk.execution_time import comms, task_runner

    rows: dict[tuple[str, str], Any] = {}

    class Supervisor:
        """The triggerer's side of the state store messages (a table keyed by asset and key)."""

        async def asend(self, msg: Any) -> Any:
            if isinstance(msg, comms.SetAssetStateStoreByName):
                rows[(msg.name, msg.key)] = json.loads(json.dumps(msg.value))
                return None
            if isinstance(msg, comms.GetAssetStateStoreByName):
                if (msg.name, msg.key) not in rows:
                    return comms.ErrorResponse(error="ASSET_STORE_NOT_FOUND")
                return comms.AssetStateStoreResult(value=rows[(msg.name, msg.key)])
            raise AssertionError(f"unexpected message {msg!r}")

    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", Supervisor(), raising=False)
    parcels = Asset("supership://supership_default/status-changes")

    def watcher() -> Watch:
        trigger = _trigger(order_ids=["A"])
        trigger.asset_state_store = context.AssetStateStoreAccessors(inlets=[parcels])
        return Watch(trigger)

    fake_hook.statuses = {"A": "new"}
    first = watcher()

    async def before() -> list[dict[str, Any]]:
        events = await first.poll()
        await first.stop()
        return events

    assert len(run(before())) == 1
    fake_hook.statuses = {"A": "done"}
    again = watcher()

    async def after() -> list[dict[str, Any]]:
        events = await again.poll()
        events += await again.poll()
        await again.stop()
        return events

    events = run(after())
    assert [(c["old_status"], c["new_status"]) for e in events for c in e["changes"]] == [("new", "done")]
    assert [key for name, key in rows if name == "supership://supership_default/status-changes"] == [
        first.trigger.cursor_key
    ]


def test_event_trigger_modules_are_light_to_import_in_a_dag_file() -> None:
    """A DAG file building a watcher imports them: no hook, client or sandbox at module level."""
    import subprocess
    import sys

    modules = [
        f"airflow_provider.{p}.event_triggers" for p in ("hypersku", "supership", "chao8", "hishopping")
    ]
    code = (
        "import sys, airflow.sdk\n"
        "before = set(sys.modules)\n"
        + "".join(f"import {m}\n" for m in modules)
        + "new = set(sys.modules) - before\n"
        "heavy = sorted(m for m in new if m.split('.')[0] in ('fastapi', 'uvicorn', 'httpx', 'cryptography')"
        " or m.endswith('.hooks') or m.startswith('airflow_provider.sandbox'))\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_a_trigger_watching_two_assets_keeps_its_cursor_in_both(
    fake_hook: type[FakeHook], monkeypatch: pytest.MonkeyPatch
) -> None:
    context = pytest.importorskip("airflow.sdk.execution_time.context")
    if not hasattr(context, "AssetStateStoreAccessors"):
        pytest.skip("asset_state_store is new in Airflow 3.3")
    from airflow.sdk import Asset
    from airflow.sdk.execution_time import comms, task_runner

    rows: dict[tuple[str, str], Any] = {}

    class Supervisor:
        async def asend(self, msg: Any) -> Any:
            if isinstance(msg, comms.SetAssetStateStoreByName):
                rows[(msg.name, msg.key)] = msg.value
                return None
            if (msg.name, msg.key) not in rows:
                return comms.ErrorResponse(error="ASSET_STORE_NOT_FOUND")
            return comms.AssetStateStoreResult(value=rows[(msg.name, msg.key)])

    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", Supervisor(), raising=False)
    # the same trigger kwargs in two assets' watchers are one trigger, given both assets' accessors
    both = [
        Asset("supership://supership_default/status-changes"),
        Asset("supership://supership_default/parcels"),
    ]
    fake_hook.statuses = {"A": "new"}
    trigger = _trigger(order_ids=["A"])
    trigger.asset_state_store = context.AssetStateStoreAccessors(inlets=both)
    watch = Watch(trigger)

    async def scenario() -> list[dict[str, Any]]:
        events = await watch.poll()
        await watch.stop()
        return events

    assert len(run(scenario())) == 1
    assert sorted(name for name, _key in rows) == [
        "supership://supership_default/parcels",
        "supership://supership_default/status-changes",
    ]
