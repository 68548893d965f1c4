"""The bulk core around a run (no sockets): the collector frozen and restored, a retried create
resuming from its checkpoint, and a graceful stop (``on_kill``) that writes what it knows.

The tiny server ACCEPTS a reused caller id, so only the core keeps an order from being made twice.
"""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException
from held_calls import told_to_stop
from test_common_operator_bases import SERVER, AsyncServer, Order, Server, TinyCreateOrdersOperator, TinyHook

from airflow_provider.common.bulk import StopSignal, collector_paused, run_bulk
from airflow_provider.common.checkpoint import STATE_KEY
from airflow_provider.common.results import ItemResult

#: only a broken run waits this long: every wait below is woken by an event
SAFETY_SECONDS = 60


class Dies(BaseException):
    """The worker dies (as with SIGKILL: nothing after it runs in the task)."""


class GatedServer(AsyncServer):
    """The tiny server, whose creates can be held, or made to kill the task at the n-th."""

    def __init__(self, server: Server) -> None:
        super().__init__(server)
        self.die_at: int | None = None
        self.hold: threading.Event | None = None  # creates wait for it while it is clear
        self.held = threading.Semaphore(0)  # released once per create held

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/orders":
            if self.die_at is not None and self.server.calls["POST orders"] + 1 >= self.die_at:
                raise Dies()
            if self.hold is not None and not self.hold.is_set():
                self.held.release()
                await asyncio.to_thread(self.hold.wait, SAFETY_SECONDS)
        return await super().handle_async_request(request)


GATE = GatedServer(SERVER)


class GatedHook(TinyHook):
    def __init__(self, conn_id: str | None = None, **kwargs: Any) -> None:
        super(TinyHook, self).__init__(conn_id, transport=GATE, **kwargs)


class FreshIdsCreate(TinyCreateOrdersOperator):
    """A platform that refuses a reused id: a first attempt does not look orders up."""

    hook_class_path = f"{__name__}.GatedHook"
    refuses_reused_ids = True
    stream_chunk_size = 100


@pytest.fixture(autouse=True)
def server(make_conn: Any) -> Server:
    make_conn("tiny_default", "http", host="https://tiny.invalid", extra={"retry_base_delay": 0})
    SERVER.__init__()  # type: ignore[misc]
    GATE.__init__(SERVER)  # type: ignore[misc]
    return SERVER


def write_orders(path: Path, n: int) -> str:
    path.write_text("".join(json.dumps({"ref": f"R{i}", "sku": "S", "qty": 1}) + "\n" for i in range(n)))
    return str(path)


class StateStore:
    """Airflow 3.3's ``task_state_store`` as the task sees it (get / set / delete)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.sets = 0

    def get(self, key: str, default: Any = None) -> Any:
        return json.loads(json.dumps(self.values.get(key, default)))

    def set(self, key: str, value: Any, **_: Any) -> None:
        self.sets += 1
        self.values[key] = json.loads(json.dumps(value))

    def delete(self, key: str) -> None:
        self.values.pop(key, None)


# ------------------------------------------------------------------------------ the collector
def test_the_collector_is_frozen_during_a_run_and_restored_after(server: Server, task_context: Any) -> None:
    seen: list[int] = []

    class Watching(TinyCreateOrdersOperator):
        async def create(self, hook: Any, item: Order) -> dict[str, Any]:
            seen.append(gc.get_freeze_count())
            return await super().create(hook, item)

    before = gc.get_freeze_count()
    assert before == 0
    rows = [{"ref": f"R{i}", "sku": "S", "qty": 1} for i in range(5)]
    Watching(task_id="create", orders=rows).execute(task_context())
    assert min(seen) > 0  # the objects alive before the run were out of the collector's reach
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()


def test_the_collector_is_restored_when_the_run_fails(server: Server, task_context: Any) -> None:
    rows = [{"ref": "R1", "sku": "S", "qty": 0}]  # invalid: the task fails before sending
    with pytest.raises(AirflowFailException):
        TinyCreateOrdersOperator(task_id="create", orders=rows).execute(task_context())
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.get_freeze_count() == 0


def test_objects_someone_else_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector_paused():
            pass
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()


# ------------------------------------------------------------------------------ the checkpoint
def _die_part_way(source: str, results: Path, task_context: Any, at: int, **context: Any) -> None:
    GATE.die_at = at
    with pytest.raises(Dies):
        FreshIdsCreate(task_id="create", orders=source, results_path=str(results)).execute(
            task_context(**context)
        )
    GATE.die_at = None


@pytest.mark.parametrize("store", [False, True], ids=["airflow-3.2-file", "airflow-3.3-state-store"])
def test_a_retry_looks_up_only_the_chunk_the_dead_attempt_was_sending(
    server: Server, task_context: Any, tmp_path: Path, store: bool
) -> None:
    source = write_orders(tmp_path / "orders.jsonl", 1000)
    results = tmp_path / "results.jsonl"
    extra = {"task_state_store": StateStore()} if store else {}
    _die_part_way(source, results, task_context, 651, **extra)
    made_by_attempt_1 = set(server.refs())
    assert len(made_by_attempt_1) == 650
    assert len(results.read_text().splitlines()) == 600  # six whole chunks were recorded
    assert server.calls["GET orders"] == 0  # a first attempt on such a platform looks nothing up

    context = task_context(try_number=2, **extra)
    report = FreshIdsCreate(task_id="create", orders=source, results_path=str(results)).execute(context)

    assert server.calls["GET orders"] == 100  # the seventh chunk only: not 400, not 1,000
    refs = server.refs()
    assert {ref: n for ref, n in refs.items() if n > 1} == {}
    assert set(refs) == {f"R{i}" for i in range(1000)}
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert [row["key"] for row in rows] == [f"R{i}" for i in range(1000)]
    outcomes = Counter((row["outcome"], bool(row["data"].get("confirmed_by_earlier_try"))) for row in rows)
    # carried from attempt 1 as recorded; the dead chunk's 50 found; the rest made now
    assert outcomes == {("created", True): 600, ("existed", False): 50, ("created", False): 350}
    assert report["counts"] == {"created": 950, "existed": 50}
    if store:
        assert STATE_KEY not in extra["task_state_store"].values  # done: nothing to resume
    else:
        assert not Path(str(results) + ".checkpoint.json").exists()


def test_a_retry_of_a_retry_still_knows_what_the_first_attempt_sent(
    server: Server, task_context: Any, tmp_path: Path
) -> None:
    source = write_orders(tmp_path / "orders.jsonl", 1000)
    results = tmp_path / "results.jsonl"
    _die_part_way(source, results, task_context, 651)
    # attempt 2 rewrites the results file and dies before it has caught up with attempt 1
    _die_part_way(source, results, task_context, 652, try_number=2)
    looked_up_by_attempt_2 = server.calls["GET orders"]
    assert 0 < looked_up_by_attempt_2 <= 100

    report = FreshIdsCreate(task_id="create", orders=source, results_path=str(results)).execute(
        task_context(try_number=3)
    )
    assert server.calls["GET orders"] - looked_up_by_attempt_2 == 100  # the seventh chunk again
    refs = server.refs()
    assert {ref: n for ref, n in refs.items() if n > 1} == {}
    assert len(refs) == 1000
    assert report["counts"]["created"] + report["counts"]["existed"] == 1000


def test_another_runs_checkpoint_file_is_never_trusted(
    server: Server, task_context: Any, tmp_path: Path
) -> None:
    source = write_orders(tmp_path / "orders.jsonl", 300)
    results = tmp_path / "results.jsonl"
    _die_part_way(source, results, task_context, 151, run_id="yesterday")
    FreshIdsCreate(task_id="create", orders=source, results_path=str(results)).execute(
        task_context(try_number=2, run_id="today")
    )
    # no checkpoint of this run: the retried attempt looks every order up, as before
    assert server.calls["GET orders"] == 300
    assert len(server.refs()) == 300
    assert max(server.refs().values()) == 1


def test_a_first_attempt_records_its_frontier_before_each_chunk(
    server: Server, task_context: Any, tmp_path: Path
) -> None:
    store = StateStore()
    frontiers: list[int] = []

    class Watching(FreshIdsCreate):
        async def run_items(self, hook: Any, items: list[Order], context: Any, on_result: Any) -> Any:
            frontiers.append(store.values[STATE_KEY]["frontier"])
            return await super().run_items(hook, items, context, on_result)

    source = write_orders(tmp_path / "orders.jsonl", 250)
    Watching(task_id="create", orders=source).execute(task_context(task_state_store=store))
    assert frontiers == [100, 200, 250]
    assert store.sets == 3


# ------------------------------------------------------------------------------ graceful stop
def test_told_to_stop_it_finishes_the_calls_in_flight_writes_them_and_fails(
    server: Server, task_context: Any, tmp_path: Path
) -> None:
    source = write_orders(tmp_path / "orders.jsonl", 400)
    results = tmp_path / "results.jsonl"
    operator = FreshIdsCreate(task_id="create", orders=source, results_path=str(results), max_concurrency=4)
    GATE.hold = threading.Event()
    context = task_context()

    def four_creates_on_the_wire() -> None:
        for _ in range(4):
            assert GATE.held.acquire(timeout=SAFETY_SECONDS)

    failure = told_to_stop(operator, context, in_flight=four_creates_on_the_wire, release=GATE.hold.set)

    assert isinstance(failure, AirflowException)
    assert "told to stop" in str(failure)
    assert "a retry resumes from the checkpoint" in str(failure)
    assert len(server.rows) == 4  # the calls in flight finished; nothing new was sent
    report = context["ti"].xcom["return_value"]
    assert report["counts"] == {"created": 4, "skipped": 396}
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert len(rows) == 400
    assert {row["error"]["message"] for row in rows if row["outcome"] == "skipped"} == {
        "task told to stop (on_kill / SIGTERM): not sent"
    }

    GATE.hold = None
    again = FreshIdsCreate(task_id="create", orders=source, results_path=str(results)).execute(
        task_context(try_number=2)
    )
    assert server.calls["GET orders"] == 96  # only the stopped chunk's orders not confirmed
    assert again["counts"] == {"created": 400}
    assert len(server.refs()) == 400
    assert max(server.refs().values()) == 1


def test_a_call_that_outlasts_the_grace_is_reported_unknown() -> None:
    stop = StopSignal()
    started = asyncio.Event()
    never = asyncio.Event()

    async def work(item: str) -> ItemResult:
        started.set()
        await never.wait()
        return ItemResult(key=item, outcome="created")

    async def scenario() -> Any:
        run = asyncio.ensure_future(
            run_bulk(["A", "B", "C"], work, key=str, concurrency=1, stop=stop, grace_seconds=0)
        )
        await started.wait()
        stop.request()
        return await run

    report = asyncio.run(scenario())
    assert [(r.key, r.outcome) for r in report.results] == [
        ("A", "unknown"),
        ("B", "skipped"),
        ("C", "skipped"),
    ]
    assert report.results[0].error == {
        "kind": "stopped",
        "message": "task told to stop while this call was in flight: its answer was not awaited",
    }


def test_told_to_stop_an_operator_without_a_checkpoint_says_its_retry_sends_the_items_again(
    task_context: Any,
) -> None:
    from test_common_operator_bases import TinyCancelOperator

    arrived = threading.Semaphore(0)
    answer = threading.Event()
    sent: list[str] = []

    class HeldCancel(TinyCancelOperator):
        async def run_item(self, hook: Any, item: str) -> ItemResult:
            sent.append(item)
            arrived.release()
            await asyncio.to_thread(answer.wait, SAFETY_SECONDS)
            return ItemResult(key=item, outcome="ok")

    operator = HeldCancel(task_id="cancel", order_ids=[f"O{i}" for i in range(6)], max_concurrency=2)
    assert not operator.resumes_from_checkpoint
    context = task_context()

    def two_on_the_wire() -> None:
        for _ in range(2):
            assert arrived.acquire(timeout=SAFETY_SECONDS)

    failure = told_to_stop(operator, context, in_flight=two_on_the_wire, release=answer.set)

    assert isinstance(failure, AirflowException)
    assert "a retry sends the items again" in str(failure)
    assert sent == ["O0", "O1"]
    assert context["ti"].xcom["return_value"]["counts"] == {"ok": 2, "skipped": 4}
