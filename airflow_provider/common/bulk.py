"""
The bulk engine every operator of the provider runs on (no Airflow operator here).

- :func:`run_bulk`: one coroutine per item over one async client, at most ``concurrency`` in
  flight; a per-item result, never an exception for one item.
- :class:`CreateOnce`: the one object that decides, for each order, whether to look it up or
  create it (first attempt, retried attempt, ``lookup_first``, a lost answer, a "duplicate"
  answer), so that no order is ever made twice.
- :func:`push_report`: the report to XCom, *then* the task failed naming the failed items.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, TypeVar, Unpack

from airflow_provider.common.errors import (
    ApiError,
    ConflictError,
    DuplicateError,
    NotFoundError,
    outcome_unknown,
)
from airflow_provider.common.results import BulkReport, ItemResult, Outcome, error_dict
from airflow_provider.common.retry import RetryPolicy

if TYPE_CHECKING:
    from airflow.sdk import Context

log = logging.getLogger(__name__)

T = TypeVar("T")


#: why items not started are ``skipped`` after the task was told to stop
STOP_MESSAGE = "task told to stop (on_kill / SIGTERM): not sent"
#: what a call still in flight when the stop's grace ran out is reported as
ABANDONED_MESSAGE = "task told to stop while this call was in flight: its answer was not awaited"
#: workers a bulk run starts per event-loop turn (docs/benchmarks.md, "The first wave")
WORKERS_PER_TURN = 8


def skipped(key: str, message: str = "batch stopped") -> ItemResult:
    return ItemResult(key=key, outcome="skipped", error={"kind": "skipped", "message": message})


@contextmanager
def collector_paused() -> Iterator[None]:
    """
    The cyclic garbage collector kept off the objects alive before a bulk run, restored after.

    A task process holds ~170k objects tracked by the collector (Airflow's imports); every full
    collection walks them all and stalls the event loop (87-137 ms per 1,000 orders measured).
    ``gc.freeze()`` moves them out of its reach for the run; the objects the run makes are
    still collected. Afterwards they are handed back (``gc.unfreeze()``), even on error, unless
    someone froze objects before us (Airflow's forking parents do): theirs cannot be told from
    ours, so they stay frozen as they were.
    """
    import gc

    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_before:
            gc.unfreeze()


class StopSignal:
    """
    A request to stop a bulk run, safe to give from a signal handler or another thread
    (``on_kill`` runs in Airflow's SIGTERM handler while the event loop runs).

    :meth:`request` sets :attr:`requested` (read by every worker before it starts an item) and
    wakes :meth:`wait` in the loop that runs the items.
    """

    def __init__(self) -> None:
        self.requested = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def request(self) -> None:
        self.requested = True
        loop, event = self._loop, self._event
        if loop is not None and event is not None:
            # RuntimeError: that loop has just closed, nothing is waiting any more
            with suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    async def wait(self) -> None:
        self._event = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        try:
            if not self.requested:
                await self._event.wait()
        finally:
            self._loop = self._event = None


class RunOptions(TypedDict, total=False):
    """How :func:`run_bulk` and :func:`run_batched` run their calls (all optional)."""

    #: calls in flight at once (16)
    concurrency: int
    #: a result for which it is true stops the run: items not started are ``skipped``
    stop_when: Callable[[ItemResult], bool] | None
    #: sees every result as it comes (progress lines)
    on_result: Callable[[ItemResult], None] | None
    #: requested (the task told to stop): no item is started any more
    stop: StopSignal | None
    #: how long the calls in flight get once ``stop`` is requested (10 s)
    grace_seconds: float


async def run_bulk(
    items: Sequence[T],
    work: Callable[[T], Awaitable[ItemResult]],
    *,
    key: Callable[[T], str],
    **options: Unpack[RunOptions],
) -> BulkReport:
    """
    Run ``work`` for every item with at most ``concurrency`` in flight; results in input order.

    An exception from ``work`` becomes a ``failed`` result naming the error. When ``stop_when``
    is true for a result, items not yet started are reported ``skipped`` (e.g. credit ran out).
    ``on_result`` sees every result as it comes (progress lines).

    ``stop`` requested (the task told to stop): no item is started any more (``skipped``); the
    calls in flight get up to ``grace_seconds`` to finish, then are abandoned and reported
    ``unknown`` (a retried attempt looks them up before any create).
    """
    return await _run_pool(items, 1, key=key, one=work, **options)


async def run_batched(
    items: Sequence[T],
    work: Callable[[Sequence[T]], Awaitable[list[ItemResult]]],
    *,
    key: Callable[[T], str],
    size: int,
    **options: Unpack[RunOptions],
) -> BulkReport:
    """
    :func:`run_bulk` for a platform whose call takes a batch: ``work`` gets ``size`` items at a
    time (one call) and answers one result per item, in order; at most ``concurrency`` batches
    in flight. A failing call fails its whole batch; a stop skips the batches not started and
    awaits those in flight as :func:`run_bulk` does (one abandoned is ``unknown`` throughout).
    """
    return await _run_pool(items, max(1, size), key=key, many=work, **options)


async def _run_pool(
    items: Sequence[T],
    size: int,
    *,
    key: Callable[[T], str],
    one: Callable[[T], Awaitable[ItemResult]] | None = None,
    many: Callable[[Sequence[T]], Awaitable[list[ItemResult]]] | None = None,
    concurrency: int = 16,
    stop_when: Callable[[ItemResult], bool] | None = None,
    on_result: Callable[[ItemResult], None] | None = None,
    stop: StopSignal | None = None,
    grace_seconds: float = 10.0,
) -> BulkReport:
    """The pool behind :func:`run_bulk` (``one`` per item) and :func:`run_batched` (``many``
    per ``size`` items): one code path for the stop, the grace and ``stop_when``."""
    # A fixed pool of workers pulling positions, not one task per batch: 100,000 items cost
    # ``concurrency`` tasks, not 100,000.
    results: list[ItemResult | None] = [None] * len(items)
    starts = iter(range(0, len(items), size))
    stopped = False

    def every(batch: Sequence[T], outcome: Outcome, error: dict[str, Any] | None) -> list[ItemResult]:
        return [ItemResult(key=key(item), outcome=outcome, error=error) for item in batch]

    async def worker() -> None:
        nonlocal stopped
        for start in starts:
            batch = items[start : start + size]
            if stop is not None and stop.requested:
                done = every(batch, "skipped", {"kind": "skipped", "message": STOP_MESSAGE})
            elif stopped:
                done = every(batch, "skipped", {"kind": "skipped", "message": "batch stopped"})
            else:
                try:
                    done = [await one(batch[0])] if one is not None else await many(batch)  # type: ignore[misc]
                    if len(done) != len(batch):
                        raise RuntimeError(f"{len(done)} result(s) for a batch of {len(batch)}")
                except asyncio.CancelledError:
                    if stop is None or not stop.requested:
                        raise
                    done = every(batch, "unknown", {"kind": "stopped", "message": ABANDONED_MESSAGE})
                except Exception as err:
                    log.warning(
                        "%s failed: %s", key(batch[0]) if size == 1 else f"a batch of {len(batch)}", err
                    )
                    done = every(batch, "failed", error_dict(err))
                if stop_when is not None and any(stop_when(result) for result in done):
                    stopped = True
            results[start : start + len(done)] = done
            if on_result is not None:
                for result in done:
                    on_result(result)

    workers: list[asyncio.Future[None]] = []

    async def abandon_after_grace(stop: StopSignal) -> None:
        await stop.wait()
        if workers:
            _done, late = await asyncio.wait(list(workers), timeout=grace_seconds)
            for task in late:
                task.cancel()

    watcher = None if stop is None else asyncio.ensure_future(abandon_after_grace(stop))
    try:
        for started in range(1, max(1, min(concurrency, -(-len(items) // size))) + 1):
            workers.append(asyncio.ensure_future(worker()))
            if started % WORKERS_PER_TURN == 0:
                # Started together, 128 workers each build a request and begin connecting before
                # any request is written (~45 ms): a few per loop turn, the first ones leave at once.
                await asyncio.sleep(0)
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        if watcher is not None:
            watcher.cancel()
    return BulkReport(results=[result for result in results if result is not None])


class OrderMaker(Protocol):
    """What a platform's create operator supplies to :class:`CreateOnce`."""

    def item_key(self, item: Any) -> str: ...

    async def create(self, hook: Any, item: Any) -> Any: ...

    async def lookup(self, hook: Any, item: Any) -> Any | None: ...

    async def lookup_many(self, hook: Any, items: Sequence[Any]) -> Mapping[str, Any] | None: ...

    def describe(self, value: Any) -> tuple[str | None, str | None, dict[str, Any]]: ...

    def matches(self, item: Any, value: Any) -> bool | None: ...

    def result_data(self, item: Any) -> dict[str, Any]: ...


@dataclass
class CreateOnce:
    """
    Creates orders, each at most once, keyed by the caller's own id.

    ``look_up_first``: look the order up before sending its create (batched with
    :meth:`look_up_batches` where the platform allows, else one by one in :meth:`__call__`).
    A lost create answer is settled by a look-up (with backoff under ``policy``) before any
    resend; an order that cannot be told is ``unknown``, never created blind. A "duplicate"
    answer is ``existed`` when the order found matches the item, else a named conflict.

    :param maker: the platform's create operator (``create``, ``lookup``, ``describe``, ...).
    :param hook: the platform's hook.
    :param look_up_first: whether every order is looked up before it is created.
    :param policy: how long to keep looking when answers are lost.
    :param look_up_keys: caller ids looked up first even when ``look_up_first`` is off (those
        an earlier attempt may have sent, from its checkpoint).
    """

    maker: OrderMaker
    hook: Any
    look_up_first: bool
    policy: RetryPolicy = field(default_factory=lambda: RetryPolicy(max_attempts=4, base_delay=0.5))
    look_up_keys: frozenset[str] = frozenset()

    async def __call__(self, item: Any) -> ItemResult:
        key = self.maker.item_key(item)
        if self.look_up_first or key in self.look_up_keys:
            found = await self._find(item)
            if isinstance(found, LookupFailed):
                return found.result(key, "look-up before create failed, not sent")
            if found is not None:
                return self.existing(key, item, found)
        attempt = 0
        while True:
            attempt += 1
            try:
                created = await self.maker.create(self.hook, item)
            except DuplicateError as dup:
                return await self._duplicate(key, item, dup)
            except ApiError as err:
                if not outcome_unknown(err):
                    return ItemResult(key=key, outcome="failed", error=error_dict(err))
                log.warning("%s: create answer lost (%s); looking it up before any retry", key, err)
                found = await self._find(item)
                if isinstance(found, LookupFailed):
                    return found.result(key, f"create answer lost ({err.message}) and the look-up failed")
                if found is not None:
                    from airflow_provider.common.metrics import lost_answer_resolved

                    lost_answer_resolved(self.hook.platform)
                    return self._result(key, "created", item, found)
                if attempt >= self.policy.max_attempts:
                    return ItemResult(key=key, outcome="failed", error=error_dict(err))
                await asyncio.sleep(self.policy.delay(attempt))
                continue
            return self._result(key, "created", item, created)

    async def look_up_batches(
        self, items: Sequence[Any], *, size: int, concurrency: int, on_result: Callable[[ItemResult], None]
    ) -> dict[str, ItemResult] | None:
        """Batched look-up of every item: the results of those found (or untellable); ``None``
        when the platform has no batched look-up (then :meth:`__call__` looks up one by one)."""
        batches = [items[start : start + max(1, size)] for start in range(0, len(items), max(1, size))]
        settled: dict[str, ItemResult] = {}

        async def one_batch(batch: Sequence[Any]) -> bool:
            try:
                found = await self.maker.lookup_many(self.hook, batch)
            except ApiError as err:
                for item in batch:
                    key = self.maker.item_key(item)
                    message = f"look-up before create failed, not sent: {err}"
                    settled[key] = ItemResult(
                        key=key, outcome="unknown", error={**error_dict(err), "message": message}
                    )
                    on_result(settled[key])
                return True
            if found is None:
                return False
            for item in batch:
                key = self.maker.item_key(item)
                if key in found:
                    settled[key] = self.existing(key, item, found[key])
                    on_result(settled[key])
            return True

        if not batches or not await one_batch(batches[0]):
            return None
        await self.hook.gather_limited(batches[1:], one_batch, limit=concurrency)
        return settled

    def existing(self, key: str, item: Any, value: Any, *, code: int | str | None = None) -> ItemResult:
        """An order found under the caller's id: ``existed`` when it is this order (or cannot be
        compared: then marked unverified), else a conflict naming the order."""
        same = self.maker.matches(item, value)
        if same is False:
            conflict = ConflictError(
                self.hook.platform,
                f"{key} already exists with different contents; not treating it as this order",
                code=code,
            )
            return ItemResult(key=key, outcome="failed", error=conflict.to_dict())
        result = self._result(key, "existed", item, value)
        if same is None:
            log.warning("%s: found under its own id; its contents cannot be compared (unverified)", key)
            result.data["verified"] = False
        return result

    async def _duplicate(self, key: str, item: Any, dup: DuplicateError) -> ItemResult:
        found = await self._find(item)
        if isinstance(found, LookupFailed):
            return found.result(key, f"duplicate answer ({dup.message}) and the look-up failed")
        if found is None:
            message = f"duplicate answer but the order cannot be read back: {dup.message}"
            return ItemResult(key=key, outcome="failed", error={**dup.to_dict(), "message": message})
        return self.existing(key, item, found, code=dup.code)

    async def _find(self, item: Any) -> Any:
        """The order under the item's caller id, ``None`` (absent) or :class:`LookupFailed`.

        One look-up: the hook already retried its transient faults (each retry logged).
        """
        try:
            return await self.maker.lookup(self.hook, item)
        except NotFoundError:
            return None
        except ApiError as err:
            return LookupFailed(err)

    def _result(self, key: str, outcome: Outcome, item: Any, value: Any) -> ItemResult:
        platform_id, status, data = self.maker.describe(value)
        if outcome == "created":  # what this run decided describes only what this run made
            data = {**data, **self.maker.result_data(item)}
        return ItemResult(key=key, outcome=outcome, id=platform_id, status=status, data=data)


@dataclass(frozen=True)
class LookupFailed:
    """A look-up that could not tell whether the order exists (the hook's retries included)."""

    error: ApiError

    def result(self, key: str, what: str) -> ItemResult:
        """The order as ``unknown``: never sent blind, the cause in its error."""
        message = f"{what}: {self.error}"
        return ItemResult(key=key, outcome="unknown", error={**error_dict(self.error), "message": message})


#: error kinds that mean the platform did not answer after the hook's retries: the rest of the
#: batch is not sent and the task fails, so Airflow's retries apply
UNREACHABLE_KINDS = frozenset({"transport", "transient", "rate_limit"})


def platform_unreachable(result: ItemResult) -> bool:
    """Whether a result failed because the platform did not answer (not a business answer)."""
    return result.failed and (result.error or {}).get("kind") in UNREACHABLE_KINDS


def push_report(
    context: Context,
    report: BulkReport,
    *,
    action: str,
    extra: dict[str, Any] | None = None,
    allow_invalid: bool = False,
) -> dict[str, Any]:
    """
    Push the report to XCom, then fail the task naming every failed item (after all were tried).

    The report goes to XCom first because a failed task pushes no return value and downstream
    reports (trigger rule ``all_done``) need it. ``extra`` adds top-level keys (a file path...).
    With ``allow_invalid``, invalid items are reported but do not fail the task.
    """
    payload = {**report.to_xcom(), **(extra or {})}
    log.info("%s: %s", action, ", ".join(f"{n} {outcome}" for outcome, n in sorted(report.counts.items())))
    failed = report.failed_count(allow_invalid=allow_invalid)
    if not failed:
        return payload
    context["ti"].xcom_push(key="return_value", value=payload)
    failures = [r for r in report.failures if not (allow_invalid and r.outcome == "invalid")]
    named = "; ".join(
        f"{item.key} ({item.outcome}: {(item.error or {}).get('message', '')})" for item in failures[:20]
    )
    more = f" and {failed - min(len(failures), 20)} more" if failed > 20 else ""
    not_sent = report.counts.get("skipped", 0)
    if not_sent:
        more += f"; {not_sent} not started (skipped, not sent)"
    from airflow.sdk.exceptions import AirflowException

    raise AirflowException(f"{action}: {failed} of {report.total} failed: {named}{more}")
