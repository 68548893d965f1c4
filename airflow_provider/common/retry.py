"""Exponential backoff with full jitter, capped in attempts and in total time."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from airflow_provider.common.errors import ApiError, TransportError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """
    When and how long to wait before sending a request again.

    :param max_attempts: attempts in all, the first one included.
    :param base_delay: seconds; attempt ``n`` waits a random time in ``[0, base * 2**n]``.
    :param max_delay: cap of one backoff wait, seconds (a server's ``Retry-After`` is honoured
        in full, within ``max_total``).
    :param max_total: no new attempt starts once this many seconds have passed.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_total: float = 120.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if retry_after is not None and retry_after >= 0:
            return retry_after
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return random.uniform(0, ceiling)

    def should_retry(self, err: BaseException, attempt: int, elapsed: float, *, idempotent: bool) -> bool:
        """Whether to try again after ``err`` ended attempt ``attempt``."""
        if attempt >= self.max_attempts or elapsed >= self.max_total:
            return False
        if not isinstance(err, ApiError) or not err.retryable:
            return False
        if idempotent:
            return True
        # A create may be sent again only when the server certainly did not act on it.
        return err.kind == "rate_limit" or (isinstance(err, TransportError) and not err.sent)


NO_RETRY = RetryPolicy(max_attempts=1)


Sleep = Callable[[float], None]
AsyncSleep = Callable[[float], Awaitable[object]]
Clock = Callable[[], float]


def call_with_retry(
    fn: Callable[[], T],
    policy: RetryPolicy,
    *,
    idempotent: bool = True,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
) -> T:
    """
    Run ``fn`` until it succeeds or ``policy`` says stop; the last error is raised.

    :param sleep: waits the backoff delay (tests pass one that records the delays asked for).
    :param clock: monotonic seconds, for the policy's total time budget.
    """
    started = clock()
    attempt = 1
    while True:
        try:
            return fn()
        except ApiError as err:
            delay = _next_delay(policy, attempt, err, clock() - started, idempotent)
            if delay is None:
                raise
            sleep(delay)
            attempt += 1


async def acall_with_retry(
    fn: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    idempotent: bool = True,
    sleep: AsyncSleep = asyncio.sleep,
    clock: Clock = time.monotonic,
) -> T:
    """Async twin of :func:`call_with_retry` (``sleep`` is awaited)."""
    started = clock()
    attempt = 1
    while True:
        try:
            return await fn()
        except ApiError as err:
            delay = _next_delay(policy, attempt, err, clock() - started, idempotent)
            if delay is None:
                raise
            await sleep(delay)
            attempt += 1


def _next_delay(
    policy: RetryPolicy, attempt: int, err: ApiError, elapsed: float, idempotent: bool
) -> float | None:
    """Seconds to wait before the next attempt, or ``None`` to give up now.

    A server's ``Retry-After`` is waited in full; when it reaches past the total time budget
    there is no point in waiting only part of it, so the error is raised at once.
    """
    if not policy.should_retry(err, attempt, elapsed, idempotent=idempotent):
        return None
    delay = policy.delay(attempt, err.retry_after)
    remaining = policy.max_total - elapsed
    if err.retry_after is not None and delay > remaining:
        return None
    return max(0.0, min(delay, remaining))


def parse_retry_after(value: str | None, *, now: Clock = time.time) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date).

    :param now: epoch seconds now (an HTTP date is counted from it).
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())
