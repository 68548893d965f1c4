from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider.common.asyncio_bridge import run_sync
from airflow_provider.common.bulk import WORKERS_PER_TURN, CreateOnce, push_report, run_bulk
from airflow_provider.common.errors import (
    BadRequestError,
    DuplicateError,
    NotFoundError,
    TransientError,
    TransportError,
)
from airflow_provider.common.models import InputError, RequestModel, validate_all
from airflow_provider.common.results import BulkReport, ItemResult
from airflow_provider.common.retry import RetryPolicy

FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.001)


class FakeRemote:
    """Orders keyed by the caller's id; scripted faults on create."""

    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.create_calls = 0
        self.faults: list[Exception] = []
        self.lookup_faults: list[Exception] = []

    async def create(self, item: dict[str, Any]) -> dict[str, Any]:
        self.create_calls += 1
        fault = self.faults.pop(0) if self.faults else None
        if isinstance(fault, TransportError) and fault.sent:
            # the order is committed, then the answer is lost
            self.orders.setdefault(item["id"], {**item, "pid": f"P-{item['id']}"})
            raise fault
        if fault is not None:
            raise fault
        if item["id"] in self.orders:
            raise DuplicateError("demo", f"order {item['id']} exists", code=409)
        self.orders[item["id"]] = {**item, "pid": f"P-{item['id']}"}
        return self.orders[item["id"]]

    async def lookup(self, item: dict[str, Any]) -> dict[str, Any] | None:
        if self.lookup_faults:
            raise self.lookup_faults.pop(0)
        return self.orders.get(item["id"])


class Maker:
    """What a platform's create operator supplies to CreateOnce, over a FakeRemote."""

    def __init__(self, remote: FakeRemote, *, compare: bool = True) -> None:
        self.remote = remote
        self.compare = compare

    def item_key(self, item: dict[str, Any]) -> str:
        return str(item["id"])

    async def create(self, hook: Any, item: dict[str, Any]) -> dict[str, Any]:
        return await self.remote.create(item)

    async def lookup(self, hook: Any, item: dict[str, Any]) -> dict[str, Any] | None:
        return await self.remote.lookup(item)

    async def lookup_many(self, hook: Any, items: Any) -> None:
        return None

    def describe(self, value: dict[str, Any]) -> tuple[str | None, str | None, dict[str, Any]]:
        return value["pid"], "new", {"qty": value["qty"]}

    def matches(self, item: dict[str, Any], value: dict[str, Any]) -> bool | None:
        if not self.compare or "qty" not in value:
            return None
        return bool(item["qty"] == value["qty"])

    def result_data(self, item: dict[str, Any]) -> dict[str, Any]:
        return {}


class Hook:
    platform = "demo"


def creator(remote: FakeRemote, *, look_up_first: bool = False) -> CreateOnce:
    return CreateOnce(Maker(remote), Hook(), look_up_first=look_up_first, policy=FAST)


#: the shared ``task_context`` fixture of tests/conftest.py
TaskContext = Callable[..., dict[str, Any]]


def run(coro):
    return asyncio.run(coro)


def test_created() -> None:
    remote = FakeRemote()
    result = run(creator(remote)({"id": "A", "qty": 1}))
    assert (result.outcome, result.id, result.data) == ("created", "P-A", {"qty": 1})


def test_rerun_of_the_same_order_is_existed_not_a_second_order() -> None:
    remote = FakeRemote()
    run(creator(remote)({"id": "A", "qty": 1}))
    result = run(creator(remote)({"id": "A", "qty": 1}))
    assert result.outcome == "existed"
    assert len(remote.orders) == 1


def test_duplicate_with_different_contents_is_a_conflict() -> None:
    remote = FakeRemote()
    run(creator(remote)({"id": "A", "qty": 1}))
    result = run(creator(remote)({"id": "A", "qty": 5}))
    assert result.outcome == "failed"
    assert result.error["kind"] == "conflict"
    assert remote.orders["A"]["qty"] == 1


def test_lost_answer_is_looked_up_and_never_sent_twice() -> None:
    remote = FakeRemote()
    remote.faults = [TransportError("demo", "connection reset", sent=True)]
    result = run(creator(remote)({"id": "A", "qty": 1}))
    assert result.outcome == "created"
    assert result.id == "P-A"
    assert remote.create_calls == 1


def test_lost_answer_of_an_uncommitted_order_is_sent_again() -> None:
    remote = FakeRemote()
    remote.faults = [TransientError("demo", "502", http_status=502)]
    result = run(creator(remote)({"id": "A", "qty": 1}))
    assert result.outcome == "created"
    assert remote.create_calls == 2


def test_lost_answer_with_failing_lookup_is_unknown_not_recreated() -> None:
    remote = FakeRemote()
    remote.faults = [TransportError("demo", "reset", sent=True)]
    remote.lookup_faults = [BadRequestError("demo", "lookup forbidden")]
    result = run(creator(remote)({"id": "A", "qty": 1}))
    assert result.outcome == "unknown"
    assert remote.create_calls == 1


def test_lookup_raising_not_found_means_absent() -> None:
    remote = FakeRemote()
    remote.faults = [TransientError("demo", "500", http_status=500)]
    remote.lookup_faults = [NotFoundError("demo", "no order")]
    assert run(creator(remote)({"id": "A", "qty": 1})).outcome == "created"
    assert remote.create_calls == 2


def test_business_error_fails_the_item_only() -> None:
    remote = FakeRemote()
    remote.faults = [BadRequestError("demo", "sku offline", code=500)]
    result = run(creator(remote)({"id": "A", "qty": 1}))
    assert result.outcome == "failed"
    assert result.error["message"] == "sku offline"
    assert remote.create_calls == 1


def test_run_bulk_bounds_concurrency_and_keeps_order() -> None:
    in_flight, peak = 0, 0
    full = asyncio.Event()  # created inside run()'s loop below, on first use

    async def work(n: int) -> ItemResult:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight == 5:
            full.set()
        # the first items hold their slot until five are in flight: an event, not a timer
        # (60 s is only a safety net against a hang if the bound were lower)
        await asyncio.wait_for(full.wait(), 60)
        in_flight -= 1
        if n == 7:
            raise RuntimeError("boom")
        return ItemResult(key=str(n), outcome="created")

    report = run(run_bulk(list(range(40)), work, key=str, concurrency=5))
    assert peak == 5
    assert [r.key for r in report.results] == [str(n) for n in range(40)]
    assert report.counts == {"created": 39, "failed": 1}
    assert report.failures[0].error == {"kind": "RuntimeError", "message": "boom"}


def test_run_bulk_sends_the_first_items_before_every_worker_has_started() -> None:
    """128 workers started together each prepare a request before any is written; a few per
    loop turn, the first calls begin while the rest start, and all still run together."""
    started_when_first_call_began: list[int] = []
    workers_started = 0
    in_flight, peak = 0, 0
    full = asyncio.Event()

    async def work(n: int) -> ItemResult:
        nonlocal in_flight, peak
        if not started_when_first_call_began:
            started_when_first_call_began.append(workers_started)
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight == 32:
            full.set()
        await asyncio.wait_for(full.wait(), 60)
        in_flight -= 1
        return ItemResult(key=str(n), outcome="created")

    original = asyncio.ensure_future

    def counting(coro: Any) -> Any:
        nonlocal workers_started
        workers_started += 1
        return original(coro)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("airflow_provider.common.bulk.asyncio.ensure_future", counting)
        report = run(run_bulk(list(range(100)), work, key=str, concurrency=32))
    assert started_when_first_call_began == [WORKERS_PER_TURN]
    assert peak == 32
    assert report.counts == {"created": 100}


def test_run_bulk_stop_when_skips_the_rest() -> None:
    async def work(n: int) -> ItemResult:
        if n == 2:
            return ItemResult(key=str(n), outcome="failed", error={"kind": "insufficient_credit"})
        return ItemResult(key=str(n), outcome="created")

    report = run(
        run_bulk(
            list(range(6)),
            work,
            key=str,
            concurrency=1,
            stop_when=lambda r: (r.error or {}).get("kind") == "insufficient_credit",
        )
    )
    assert [r.outcome for r in report.results] == [
        "created",
        "created",
        "failed",
        "skipped",
        "skipped",
        "skipped",
    ]


def test_push_report_pushes_before_failing_and_names_failures(task_context: TaskContext) -> None:
    from airflow.sdk.exceptions import AirflowException

    context = task_context()
    report = BulkReport(
        results=[
            ItemResult(key="A", outcome="created", id="1"),
            ItemResult(key="B", outcome="failed", error={"message": "sku offline"}),
            ItemResult(key="C", outcome="unknown", error={"message": "answer lost"}),
        ]
    )
    with pytest.raises(AirflowException, match=r"2 of 3 failed: B \(failed: sku offline\); C \(unknown"):
        push_report(context, report, action="create orders")
    assert context["ti"].xcom["return_value"]["counts"] == {"created": 1, "failed": 1, "unknown": 1}


def test_push_report_returns_the_report_when_all_succeed(task_context: TaskContext) -> None:
    context = task_context()
    report = BulkReport(results=[ItemResult(key="A", outcome="existed", id="1")])
    assert push_report(context, report, action="x")["results"][0]["outcome"] == "existed"
    assert context["ti"].xcom == {}


class Line(RequestModel):
    order_id: str
    qty: int

    def model_post_init(self, _context: Any) -> None:
        if self.qty <= 0:
            raise ValueError("qty must be positive")


def test_validate_all_names_every_order_and_field() -> None:
    with pytest.raises(InputError) as info:
        validate_all(
            Line,
            [{"order_id": "A", "qty": 1}, {"order_id": "B"}, {"order_id": "C", "qty": "x", "typo": 1}],
            id_field="order_id",
        )
    text = str(info.value)
    assert "order B: qty: Field required" in text
    assert "order C: qty:" in text
    assert "order C: typo: Extra inputs are not permitted" in text
    assert "nothing was sent" in text


def test_run_sync_works_inside_a_running_loop() -> None:
    async def inner() -> int:
        await asyncio.sleep(0)
        return 42

    async def outer() -> int:
        return run_sync(inner())

    assert run_sync(inner()) == 42
    assert asyncio.run(outer()) == 42


def test_page_is_last_prefers_total_over_a_short_page() -> None:
    from airflow_provider.common.models import Page

    assert not Page(items=[1, 2], total=10, page=1, size=5).is_last  # server capped the page at 2
    assert Page(items=[1, 2], total=7, page=2, size=5).is_last
    assert Page(items=[1, 2], page=1, size=5).is_last
    assert not Page(items=[1, 2, 3, 4, 5], page=1, size=5).is_last
    assert Page(items=[], total=10, page=3, size=5).is_last


def test_push_report_extra_keys_reach_xcom_even_on_failure(task_context: TaskContext) -> None:
    from airflow.sdk.exceptions import AirflowException

    context = task_context()
    report = BulkReport(results=[ItemResult(key="A", outcome="failed", error={"message": "x"})])
    with pytest.raises(AirflowException):
        push_report(context, report, action="track", extra={"path": "/tmp/tracking.json"})
    assert context["ti"].xcom["return_value"]["path"] == "/tmp/tracking.json"


def test_look_up_first_finds_the_order_of_an_earlier_run_and_sends_nothing() -> None:
    remote = FakeRemote()
    run(creator(remote)({"id": "A", "qty": 1}))  # an earlier DAG run made it
    result = run(creator(remote, look_up_first=True)({"id": "A", "qty": 1}))
    assert (result.outcome, result.id) == ("existed", "P-A")
    assert remote.create_calls == 1


def test_look_up_first_creates_an_absent_order_once() -> None:
    remote = FakeRemote()
    result = run(creator(remote, look_up_first=True)({"id": "B", "qty": 2}))
    assert result.outcome == "created"
    assert remote.create_calls == 1


def test_look_up_first_that_keeps_failing_sends_nothing_and_is_unknown() -> None:
    remote = FakeRemote()
    remote.lookup_faults = [BadRequestError("demo", "lookup forbidden")]
    result = run(creator(remote, look_up_first=True)({"id": "C", "qty": 1}))
    assert result.outcome == "unknown"
    assert remote.create_calls == 0


def test_a_found_order_that_cannot_be_compared_is_existed_unverified() -> None:
    remote = FakeRemote()
    remote.orders["D"] = {"id": "D", "pid": "P-D"}  # the look-up shows no quantities
    remote.orders["D"]["qty"] = None
    del remote.orders["D"]["qty"]
    once = CreateOnce(Maker(remote), Hook(), look_up_first=True, policy=FAST)
    once.maker.describe = lambda value: (value["pid"], None, {})  # type: ignore[method-assign]
    result = run(once({"id": "D", "qty": 1}))
    assert (result.outcome, result.data) == ("existed", {"verified": False})
    assert remote.create_calls == 0


def test_run_bulk_with_create_once_keys_each_item_by_the_callers_id() -> None:
    remote = FakeRemote()
    remote.faults = [TransportError("demo", "reset", sent=True)]  # the first answer is lost
    items = [{"id": f"K-{n}", "qty": 1} for n in range(5)]
    once = creator(remote)
    report = run(run_bulk(items, once, key=once.maker.item_key, concurrency=2))
    assert [(r.key, r.outcome) for r in report.results] == [(f"K-{n}", "created") for n in range(5)]
    assert remote.create_calls == 5
    again = run(run_bulk(items, once, key=once.maker.item_key, concurrency=2))
    assert again.counts == {"existed": 5}
