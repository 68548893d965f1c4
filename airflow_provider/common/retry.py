"""
Exponential backoff with full jitter, capped in attempts and in total time.

:class:`Attempts` is one call's retry state, shared by the hook's sync and async request loops:
each retry is logged at INFO (attempt n of m, the wait, the reason, the host) and the error
that ends the call is worded as one paragraph (:meth:`ApiError.gave_up`).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from airflow_provider.common.errors import ApiError, TransportError, retry_reason

T = TypeVar("T")
log = logging.getLogger(__name__)


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
        return random.uniform(0, ceiling)  # noqa: S311 - backoff jitter, not a secret

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


def next_delay(
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


@dataclass
class Attempts:
    """
    The attempts of one API call: counted, each retry logged, the last error worded.

    The hook's loop sends, and after a failure asks :meth:`wait_after` how long to wait before
    the next attempt; the answer is logged, or the final error is raised.

    :param platform_label: the platform's display name (``HyperSKU``).
    :param operation: method and documented path (``POST /api/customer/admin/orders/create``).
    :param host: host and port only: never a URL with its query string, a token or a body.
    :param idempotent: whether an answer lost in transit may be sent again.
    :param clock: monotonic seconds, for the total time budget and the final error's duration.
    :param logger: where each retry is logged (the hook's logger).
    """

    policy: RetryPolicy
    platform_label: str
    operation: str
    host: str
    idempotent: bool
    clock: Clock = time.monotonic
    logger: logging.Logger = log
    #: the attempt in flight, 1-based
    number: int = 1
    #: whether the token was already refreshed once after an auth error
    refreshed: bool = False
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def wait_after(self, err: ApiError) -> float:
        """
        Seconds to wait after ``err`` ended the attempt in flight, logged at INFO.

        :raises ApiError: ``err`` itself, worded as one paragraph, when no attempt is left or
            it is not safe to send the request again.
        """
        elapsed = self.clock() - self.started
        delay = next_delay(self.policy, self.number, err, elapsed, self.idempotent)
        if delay is None:
            raise self._final(err, elapsed) from err.__cause__
        honoured = " (Retry-After)" if err.retry_after is not None and delay == err.retry_after else ""
        self.logger.info(
            "%s: %s on %s: attempt %d of %d failed (%s); next attempt in %.2f s%s",
            self.platform_label,
            self.operation,
            self.host,
            self.number,
            self.policy.max_attempts,
            retry_reason(err),
            delay,
            honoured,
        )
        self.number += 1
        return delay

    def _final(self, err: ApiError, elapsed: float) -> ApiError:
        if not err.retryable:
            return err  # a business answer: the platform's own words, as they came
        note = ""
        more_allowed = self.number < self.policy.max_attempts and elapsed < self.policy.max_total
        if more_allowed and not self.policy.should_retry(
            err, self.number, elapsed, idempotent=self.idempotent
        ):
            note = " (not sent again: the server may have acted on it)"
        return err.gave_up(
            platform_label=self.platform_label,
            operation=self.operation,
            host=self.host,
            attempts=self.number,
            elapsed=elapsed,
            note=note,
        )


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
