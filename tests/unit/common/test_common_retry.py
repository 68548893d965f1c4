from __future__ import annotations

import time

import pytest

from airflow_provider.common.errors import (
    BadRequestError,
    RateLimitError,
    TokenRateLimitError,
    TransientError,
    TransportError,
)
from airflow_provider.common.retry import RetryPolicy, call_with_retry, parse_retry_after


def test_full_jitter_stays_within_the_exponential_ceiling() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (8, 4.0)]:
        delays = [policy.delay(attempt) for _ in range(300)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.7  # jitter covers the range, not a constant


def test_retry_after_is_honoured_in_full_within_the_total_budget() -> None:
    policy = RetryPolicy(max_delay=1, base_delay=0.001, max_total=5)
    assert policy.delay(1, retry_after=3) == 3
    answers = [RateLimitError("p", "429", retry_after=0.3), "ok"]

    def fn() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    started = time.monotonic()
    assert call_with_retry(fn, policy) == "ok"
    assert time.monotonic() - started >= 0.3

    calls = []

    def too_long() -> None:
        calls.append(1)
        raise RateLimitError("p", "429", retry_after=600)

    started = time.monotonic()
    with pytest.raises(RateLimitError):
        call_with_retry(too_long, policy)
    assert calls == [1]  # a wait past the budget is not started
    assert time.monotonic() - started < 1


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
    policy = RetryPolicy(max_attempts=3, base_delay=0.001)
    calls = []

    def flaky() -> None:
        calls.append(1)
        raise TransientError("p", "down", http_status=502)

    with pytest.raises(TransientError):
        call_with_retry(flaky, policy)
    assert len(calls) == 3

    calls.clear()
    slow = RetryPolicy(max_attempts=100, base_delay=0.05, max_delay=0.05, max_total=0.2)
    started = time.monotonic()
    with pytest.raises(TransientError):
        call_with_retry(flaky, slow)
    assert time.monotonic() - started < 1.0
    assert 1 < len(calls) < 100


def test_business_errors_are_not_retried() -> None:
    calls = []

    def business() -> None:
        calls.append(1)
        raise BadRequestError("p", "address invalid", code=500)

    with pytest.raises(BadRequestError):
        call_with_retry(business, RetryPolicy(base_delay=0.001))
    assert calls == [1]


def test_success_after_transient_faults() -> None:
    answers = iter([TransientError("p", "x", http_status=500), RateLimitError("p", "x", retry_after=0), "ok"])

    def fn() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert call_with_retry(fn, RetryPolicy(base_delay=0.001)) == "ok"


def test_parse_retry_after() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 <= (parse_retry_after(future) or 0) <= 31
