from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import pytest

from airflow_provider.common.errors import (
    ApiError,
    BadRequestError,
    RateLimitError,
    TokenRateLimitError,
    TransientError,
    TransportError,
)
from airflow_provider.common.retry import Attempts, RetryPolicy, parse_retry_after


def call_with_retry(fn: Any, policy: RetryPolicy, *, sleep: Any, clock: Any, idempotent: bool = True) -> Any:
    """The hooks' loop, as ``ApiHook.request`` runs it: send, and after a failure ask Attempts."""
    attempts = Attempts(policy, "Demo", "GET /x", "demo.test", idempotent, clock=clock)
    while True:
        try:
            return fn()
        except ApiError as err:
            sleep(attempts.wait_after(err))


async def acall_with_retry(fn: Any, policy: RetryPolicy, *, sleep: Any, clock: Any) -> Any:
    attempts = Attempts(policy, "Demo", "GET /x", "demo.test", True, clock=clock)
    while True:
        try:
            return await fn()
        except ApiError as err:
            await sleep(attempts.wait_after(err))


class FakeClock:
    """A monotonic clock that moves only when the code under test sleeps: delays are recorded,
    never waited, so nothing here depends on how busy the machine is."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def _answers(*answers: object):  # type: ignore[no-untyped-def]
    """``fn`` raising or returning each answer in turn."""
    queue = list(answers)

    def fn() -> object:
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return fn


def test_full_jitter_stays_within_the_exponential_ceiling() -> None:
    random.seed(20261128)
    policy = RetryPolicy(base_delay=0.5, max_delay=4)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (8, 4.0)]:
        delays = [policy.delay(attempt) for _ in range(300)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.7  # jitter covers the range, not a constant


def test_retry_after_is_honoured_in_full_within_the_total_budget() -> None:
    policy = RetryPolicy(max_delay=1, base_delay=0.001, max_total=5)
    assert policy.delay(1, retry_after=3) == 3

    clock = FakeClock()
    fn = _answers(RateLimitError("p", "429", retry_after=3), "ok")
    assert call_with_retry(fn, policy, sleep=clock.sleep, clock=clock) == "ok"
    assert clock.slept == [3]  # the server's wait in full, though max_delay is 1

    calls = []

    def too_long() -> None:
        calls.append(1)
        raise RateLimitError("p", "429", retry_after=600)

    clock = FakeClock()
    with pytest.raises(RateLimitError):
        call_with_retry(too_long, policy, sleep=clock.sleep, clock=clock)
    assert calls == [1]  # a wait past the budget is not started
    assert clock.slept == []


def test_async_retry_waits_what_the_sync_one_waits() -> None:
    policy = RetryPolicy(max_delay=1, base_delay=0.001, max_total=5)
    clock = FakeClock()
    answers = _answers(
        RateLimitError("p", "429", retry_after=0.3), RateLimitError("p", "429", retry_after=2), "ok"
    )

    async def fn() -> object:
        return answers()

    assert asyncio.run(acall_with_retry(fn, policy, sleep=clock.asleep, clock=clock)) == "ok"
    assert clock.slept == [0.3, 2]


def test_backoff_never_waits_past_the_total_budget() -> None:
    random.seed(7)
    policy = RetryPolicy(max_attempts=10, base_delay=4, max_delay=4, max_total=5)
    clock = FakeClock()
    fn = _answers(*[TransientError("p", "x", http_status=502)] * 3, "ok")
    assert call_with_retry(fn, policy, sleep=clock.sleep, clock=clock) == "ok"
    assert len(clock.slept) == 3
    assert sum(clock.slept) <= 5 + 1e-9


@pytest.mark.parametrize(
    ("err", "idempotent", "expected"),
    [
        (TransientError("p", "5xx", http_status=503), True, True),
        (TransientError("p", "5xx", http_status=503), False, False),
        (RateLimitError("p", "429"), False, True),
        (TransportError("p", "refused", sent=False), False, True),
        (TransportError("p", "reset", sent=True), False, False),
        (TransportError("p", "reset", sent=True), True, True),
        (BadRequestError("p", "bad", code=500), True, False),
        # the token manager waits for another worker's token instead
        (TokenRateLimitError("chao8", "token too often", code=21185002, retry_after=60), True, False),
    ],
)
def test_what_is_retried(err: Exception, idempotent: bool, expected: bool) -> None:
    assert RetryPolicy().should_retry(err, 1, 0.0, idempotent=idempotent) is expected


def test_attempts_and_total_time_are_capped() -> None:
    random.seed(2)
    policy = RetryPolicy(max_attempts=3, base_delay=0.001)
    calls = []

    def flaky() -> None:
        calls.append(1)
        raise TransientError("p", "down", http_status=502)

    clock = FakeClock()
    with pytest.raises(TransientError):
        call_with_retry(flaky, policy, sleep=clock.sleep, clock=clock)
    assert len(calls) == 3
    assert len(clock.slept) == 2
    assert all(0 <= d <= 0.002 for d in clock.slept)  # full jitter under base * 2**(n-1)

    calls.clear()
    random.seed(3)
    # 0.05 s a wait at most, 0.2 s in all: no attempt starts once 0.2 s have passed
    slow = RetryPolicy(max_attempts=100, base_delay=0.05, max_delay=0.05, max_total=0.2)
    clock = FakeClock()
    with pytest.raises(TransientError):
        call_with_retry(flaky, slow, sleep=clock.sleep, clock=clock)
    assert sum(clock.slept) <= 0.2 + 1e-9
    assert len(calls) == len(clock.slept) + 1
    assert 1 < len(calls) < 100


def test_business_errors_are_not_retried() -> None:
    calls = []

    def business() -> None:
        calls.append(1)
        raise BadRequestError("p", "address invalid", code=500)

    clock = FakeClock()
    with pytest.raises(BadRequestError):
        call_with_retry(business, RetryPolicy(base_delay=0.001), sleep=clock.sleep, clock=clock)
    assert calls == [1]
    assert clock.slept == []


def test_success_after_transient_faults() -> None:
    fn = _answers(TransientError("p", "x", http_status=500), RateLimitError("p", "x", retry_after=0), "ok")
    clock = FakeClock()
    assert call_with_retry(fn, RetryPolicy(base_delay=0.001), sleep=clock.sleep, clock=clock) == "ok"
    assert len(clock.slept) == 2
    assert clock.slept[1] == 0  # Retry-After: 0


def test_parse_retry_after() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    now = 1_795_000_000.0
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 30))
    assert parse_retry_after(future, now=lambda: now) == 30
    assert parse_retry_after(future, now=lambda: now + 60) == 0  # a date already past: no wait
