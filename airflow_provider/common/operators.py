"""
Bulk work and idempotent creates, shared by every platform's operators.

- :func:`run_bulk` runs one coroutine per item over one async client with bounded
  concurrency and returns a per-item :class:`ItemResult` (never raises for an item).
- :class:`IdempotentCreate` creates one order so that a lost answer, a task retry or a whole
  re-run never makes a second one: it looks the order up by the caller's own id before sending
  again, and treats a "duplicate" answer as success only when the existing order matches.
- :func:`finish_bulk` pushes the results to XCom *before* failing the task on any failure.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from airflow_provider.common.errors import (
    ApiError,
    ConflictError,
    DuplicateError,
    NotFoundError,
    outcome_unknown,
)
from airflow_provider.common.results import ResultsView
from airflow_provider.common.retry import RetryPolicy

if TYPE_CHECKING:
    from airflow.sdk import Context

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
Outcome = Literal["created", "existed", "updated", "ok", "failed", "unknown", "skipped"]
#: outcomes that count as a failure of the item
FAILED_OUTCOMES = frozenset({"failed", "unknown"})


class ItemResult(BaseModel):
    """
    What happened to one item of a bulk call (compact: ids, status, counts; no personal data).

    :param key: the caller's own id of the item (``thirdOrderId``, ``soc``, ``orderNo``, ...).
    :param outcome: created / existed / updated / ok / failed / unknown / skipped.
    :param id: the platform's id of the object, when known.
    :param status: the platform's status of the object, when known.
    :param error: for failed/unknown items: ``{kind, message, code, http_status, trace_id}``.
    :param data: a few more compact fields the platform operator adds.
    """

    key: str
    outcome: Outcome
    id: str | None = None
    status: str | None = None
    error: dict[str, Any] | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.outcome in FAILED_OUTCOMES


class BulkReport(BaseModel):
    """
    Every item's result, in input order, and the counts per outcome.

    :param results: one result per item: a list (inline runs) or, in streaming mode, a
        :class:`~airflow_provider.common.results.ResultsView` reading them back from
        ``results_file`` one at a time (iterable, with a ``len``; not indexable).
    :param results_file: where the full results were written (JSON lines); the XCom form then
        carries the counts and the failures only.
    :param tally: the counts per outcome when the results were streamed to the file.
    :param failure_sample: the first failures when the results were streamed to the file.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    # ResultsView first, left to right: a smart-mode union would also try to validate the view
    # as a list, reading every result of the file into memory (100,000 orders: ~170 MB)
    results: ResultsView | list[ItemResult] = Field(union_mode="left_to_right")
    results_file: str | None = None
    tally: dict[str, int] | None = None
    failure_sample: list[ItemResult] | None = None

    @property
    def counts(self) -> dict[str, int]:
        if self.tally is not None:
            return dict(self.tally)
        return dict(Counter(result.outcome for result in self.results))

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def failed_count(self) -> int:
        return sum(n for outcome, n in self.counts.items() if outcome in FAILED_OUTCOMES)

    @property
    def failures(self) -> list[ItemResult]:
        """The failed items (only the first ``MAX_FAILURES_IN_XCOM`` when streamed)."""
        if self.failure_sample is not None:
            return list(self.failure_sample)
        return [result for result in self.results if result.failed]

    def to_xcom(self) -> dict[str, Any]:
        if self.results_file:
            from airflow_provider.common.results import MAX_FAILURES_IN_XCOM

            failures = self.failures
            return {
                "counts": self.counts,
                "total": self.total,
                "failures": [r.model_dump(mode="json") for r in failures[:MAX_FAILURES_IN_XCOM]],
                "results_file": self.results_file,
            }
        return {
            "counts": self.counts,
            "results": [result.model_dump(mode="json") for result in self.results],
        }


def error_dict(err: BaseException) -> dict[str, Any]:
    if isinstance(err, ApiError):
        return err.to_dict()
    return {"kind": type(err).__name__, "message": str(err)}


async def run_bulk(
    items: Sequence[T],
    work: Callable[[T], Awaitable[ItemResult]],
    *,
    key: Callable[[T], str],
    concurrency: int = 16,
    stop_when: Callable[[ItemResult], bool] | None = None,
    on_result: Callable[[ItemResult], None] | None = None,
) -> BulkReport:
    """
    Run ``work`` for every item with at most ``concurrency`` in flight; results in input order.

    An exception from ``work`` becomes a ``failed`` result naming the error. When ``stop_when``
    is true for a result, items not yet started are reported ``skipped`` (e.g. credit ran out).
    ``on_result`` sees every result as it comes (progress lines).
    """
    # A fixed pool of workers pulling positions, not one task per item: 100,000 items cost
    # ``concurrency`` tasks, not 100,000.
    results: list[ItemResult | None] = [None] * len(items)
    positions = iter(range(len(items)))
    stopped = False

    async def worker() -> None:
        nonlocal stopped
        for index in positions:
            item = items[index]
            if stopped:
                result = ItemResult(
                    key=key(item), outcome="skipped", error={"kind": "skipped", "message": "batch stopped"}
                )
            else:
                try:
                    result = await work(item)
                except Exception as err:
                    log.warning("%s failed: %s", key(item), err)
                    result = ItemResult(key=key(item), outcome="failed", error=error_dict(err))
                if stop_when is not None and stop_when(result):
                    stopped = True
            results[index] = result
            if on_result is not None:
                on_result(result)

    workers = [asyncio.ensure_future(worker()) for _ in range(max(1, min(concurrency, len(items))))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
    return BulkReport(results=[result for result in results if result is not None])


@dataclass
class Found(Generic[R]):
    """An object found by the caller's id."""

    value: R


@dataclass
class IdempotentCreate(Generic[T, R]):
    """
    Create one object at most once, keyed by the caller's own id.

    :param create: sends the create once (the hook must not resend it on a lost answer).
    :param lookup: finds the object by the caller's id; ``None`` = certainly absent. May raise
        :class:`NotFoundError` for absent too.
    :param describe: ``(platform id, status, compact data)`` of a created or found object.
    :param matches: whether an existing object is the one the payload asks for.
    :param policy: how long to keep looking when answers are lost.
    :param key: the caller's own id of an item (needed by :meth:`create_all`).
    """

    create: Callable[[T], Awaitable[R]]
    lookup: Callable[[T], Awaitable[R | None]]
    describe: Callable[[R], tuple[str | None, str | None, dict[str, Any]]]
    matches: Callable[[T, R], bool] = field(default=lambda _item, _existing: True)
    policy: RetryPolicy = field(default_factory=lambda: RetryPolicy(max_attempts=4, base_delay=0.5))
    key: Callable[[T], str] | None = None

    async def create_all(
        self,
        items: Sequence[T],
        *,
        concurrency: int,
        stop_when: Callable[[ItemResult], bool] | None = None,
        on_result: Callable[[ItemResult], None] | None = None,
    ) -> BulkReport:
        """Create every item at most once, ``concurrency`` at a time (see :func:`run_bulk`)."""
        if self.key is None:
            raise ValueError("IdempotentCreate.create_all needs key: the caller's id of an item")
        key = self.key
        return await run_bulk(
            items,
            lambda item: self(key(item), item),
            key=key,
            concurrency=concurrency,
            stop_when=stop_when,
            on_result=on_result,
        )

    async def __call__(self, key: str, item: T) -> ItemResult:
        attempt = 0
        while True:
            attempt += 1
            try:
                created = await self.create(item)
            except DuplicateError as dup:
                return await self._existing(key, item, dup)
            except ApiError as err:
                if not outcome_unknown(err):
                    return ItemResult(key=key, outcome="failed", error=error_dict(err))
                log.warning("%s: create answer lost (%s); looking it up before any retry", key, err)
                found = await self._find(item)
                if isinstance(found, Found):
                    return self._result(key, "created", found.value)
                if found is _UNKNOWN:
                    return ItemResult(
                        key=key,
                        outcome="unknown",
                        error={
                            **error_dict(err),
                            "message": f"create answer lost and lookup failed: {err.message}",
                        },
                    )
                if attempt >= self.policy.max_attempts:
                    return ItemResult(key=key, outcome="failed", error=error_dict(err))
                await asyncio.sleep(self.policy.delay(attempt))
                continue
            return self._result(key, "created", created)

    async def _existing(self, key: str, item: T, dup: DuplicateError) -> ItemResult:
        found = await self._find(item)
        if not isinstance(found, Found):
            return ItemResult(
                key=key,
                outcome="unknown" if found is _UNKNOWN else "failed",
                error={
                    **dup.to_dict(),
                    "message": f"duplicate answer but the order cannot be read back: {dup.message}",
                },
            )
        return self.existing(key, item, found.value, platform=dup.platform, code=dup.code)

    def existing(
        self, key: str, item: T, value: R, *, platform: str = "", code: int | str | None = None
    ) -> ItemResult:
        """An order found under the caller's id: ``existed`` when it is this order, else a conflict."""
        if not self.matches(item, value):
            conflict = ConflictError(
                platform,
                f"{key} already exists with different contents; not treating it as this order",
                code=code,
            )
            return ItemResult(key=key, outcome="failed", error=conflict.to_dict())
        return self._result(key, "existed", value)

    async def find(self, item: T) -> Found[R] | object | None:
        """Look the item up by its caller id: :class:`Found`, ``None`` (absent) or :data:`UNKNOWN`."""
        return await self._find(item)

    async def _find(self, item: T) -> Found[R] | object | None:
        """Look the item up, retrying transient faults: Found, None (absent) or _UNKNOWN."""
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                value = await self.lookup(item)
            except NotFoundError:
                return None
            except ApiError as err:
                if not err.retryable:
                    return _UNKNOWN
                await asyncio.sleep(self.policy.delay(attempt, err.retry_after))
                continue
            return None if value is None else Found(value)
        return _UNKNOWN

    def _result(self, key: str, outcome: Outcome, value: R) -> ItemResult:
        platform_id, status, data = self.describe(value)
        return ItemResult(key=key, outcome=outcome, id=platform_id, status=status, data=data)


_UNKNOWN = object()
#: a lookup that could not tell whether the object exists
UNKNOWN = _UNKNOWN


def normalize_items(value: Any, *, what: str = "orders") -> list[dict[str, Any]]:
    """
    One item or many, from a dict, a list, a JSON string or XCom, as a list of dicts.

    Pydantic models are dumped by alias.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as err:
            raise ValueError(f"{what}: a JSON string was given but it does not parse: {err}") from err
    if isinstance(value, BaseModel):
        value = [value]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list | tuple):
        raise ValueError(f"{what}: expected a dict or a list of dicts, got {type(value).__name__}")
    items: list[dict[str, Any]] = []
    for index, item in enumerate(value):
        if isinstance(item, BaseModel):
            item = item.model_dump(mode="json", by_alias=True, exclude_none=True)
        if not isinstance(item, dict):
            raise ValueError(f"{what}[{index}]: expected a dict, got {type(item).__name__}")
        items.append(dict(item))
    if not items:
        raise ValueError(f"{what}: the list is empty")
    return items


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from sync code, even when a loop already runs in this thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def runner() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as err:
            box["error"] = err

    thread = threading.Thread(target=runner, name="fulfillment-bulk")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def finish_bulk(
    context: Context, report: BulkReport, *, action: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """
    Push the report to XCom, then fail the task naming every failed item (after all were tried).

    The report goes to XCom first because a failed task pushes no return value and downstream
    reports (trigger rule ``all_done``) need it. ``extra`` adds top-level keys (a file path...).
    """
    payload = {**report.to_xcom(), **(extra or {})}
    log.info("%s: %s", action, ", ".join(f"{n} {outcome}" for outcome, n in sorted(report.counts.items())))
    failed = report.failed_count
    if not failed:
        return payload
    context["ti"].xcom_push(key="return_value", value=payload)
    failures = report.failures
    named = "; ".join(
        f"{item.key} ({item.outcome}: {(item.error or {}).get('message', '')})" for item in failures[:20]
    )
    more = f" and {failed - min(len(failures), 20)} more" if failed > 20 else ""
    from airflow.sdk.exceptions import AirflowException

    raise AirflowException(f"{action}: {failed} of {report.total} failed: {named}{more}")
