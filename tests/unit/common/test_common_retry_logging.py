"""Errors a person reads once: every retry logged at INFO, the final error one short paragraph.

No sockets and no wall-clock waits: answers come from ``httpx.MockTransport``, the hook's
sleeps are recorded by a fake clock that moves only when the code under test sleeps.
"""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from demo_platform import PASSWORD, USERNAME, DemoHook

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.errors import (
    BadRequestError,
    RateLimitError,
    TransientError,
    TransportError,
)
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.common.triggers import StatusTrigger

HOOKS_LOGGER = "airflow_provider.common.hooks"
POLICY = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=4, max_total=60)
ATTEMPT_LINE = re.compile(
    r"^Demo: (?P<op>[A-Z]+ \S+) on api\.example\.test: attempt (?P<n>\d) of (?P<m>\d) failed "
    r"\((?P<reason>[^)]+)\); next attempt in (?P<wait>\d+\.\d\d) s(?P<honoured> \(Retry-After\))?$"
)


class FakeClock:
    """Monotonic seconds that move only when the hook sleeps; the sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 500.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


class Script:
    """Answers (or raises) each scripted item in turn per path; then a success envelope."""

    def __init__(self) -> None:
        self.answers: dict[str, list[Any]] = {}
        self.tokens = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        queued = self.answers.get(request.url.path)
        if queued:
            answer = queued.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer  # type: ignore[no-any-return]
        if request.url.path.endswith("/auth"):
            self.tokens += 1
            return httpx.Response(200, json={"code": 0, "data": {"token": f"tok-secret-{self.tokens}"}})
        return httpx.Response(200, json={"code": 0, "data": {"ok": True}})


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hook(make_conn: Callable[..., str], script: Script, clock: FakeClock) -> DemoHook:
    make_conn("demo_default", "demo", host="https://api.example.test/gw", login=USERNAME, password=PASSWORD)
    return DemoHook(
        transport=httpx.MockTransport(script),
        token_store=MemoryTokenStore(),
        retry_policy=POLICY,
        sleep=clock.sleep,
        async_sleep=clock.async_sleep,
        clock=clock,
    )


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[re.Match[str]]:
    """The hook's retry lines, each checked against the one expected shape."""
    lines = [r for r in caplog.records if r.name == HOOKS_LOGGER and "attempt" in r.getMessage()]
    assert all(r.levelno == logging.INFO for r in lines)
    matches = [ATTEMPT_LINE.match(r.getMessage()) for r in lines]
    assert all(matches), [r.getMessage() for r in lines]
    return matches  # type: ignore[return-value]


def flaky() -> list[Any]:
    """A refused connection, a server error, a rate limit with ``Retry-After``: then success."""
    return [
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.Response(503, text="down"),
        httpx.Response(429, headers={"Retry-After": "2"}, json={}),
    ]


def test_each_retry_is_logged_at_info_with_attempt_wait_reason_and_host(
    hook: DemoHook, script: Script, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    script.answers["/gw/ping"] = flaky()
    caplog.set_level(logging.INFO, logger=HOOKS_LOGGER)
    assert hook.request("GET", "/ping", params={"q": "query-secret"}) == {"ok": True}

    lines = retry_lines(caplog)
    assert [(m["op"], m["n"], m["m"]) for m in lines] == [("GET /ping", str(n), "4") for n in (1, 2, 3)]
    assert [m["reason"] for m in lines] == ["ConnectError", "HTTP 503", "HTTP 429"]
    assert [float(m["wait"]) for m in lines] == [round(s, 2) for s in clock.slept]
    assert clock.slept[2] == 2.0
    assert lines[2]["honoured"]
    text = caplog.text
    for secret in ("https://", "query-secret", "tok-secret", PASSWORD, "down"):
        assert secret not in text  # host only: no URL, query string, token or body


def test_async_retries_are_logged_alike(
    hook: DemoHook, script: Script, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    script.answers["/gw/ping"] = flaky()
    caplog.set_level(logging.INFO, logger=HOOKS_LOGGER)

    async def call() -> Any:
        try:
            return await hook.arequest("GET", "/ping")
        finally:
            await hook.aclose()

    assert asyncio.run(call()) == {"ok": True}
    lines = retry_lines(caplog)
    assert [(m["n"], m["reason"]) for m in lines] == [
        ("1", "ConnectError"),
        ("2", "HTTP 503"),
        ("3", "HTTP 429"),
    ]
    assert [float(m["wait"]) for m in lines] == [round(s, 2) for s in clock.slept]


def test_token_fetch_retries_are_logged(
    hook: DemoHook, script: Script, caplog: pytest.LogCaptureFixture
) -> None:
    script.answers["/gw/auth"] = [httpx.ConnectError("refused"), httpx.Response(502, text="")]
    caplog.set_level(logging.INFO, logger=HOOKS_LOGGER)
    assert hook.request("GET", "/ping") == {"ok": True}
    assert [(m["op"], m["reason"]) for m in retry_lines(caplog)] == [
        ("POST /auth", "ConnectError"),
        ("POST /auth", "HTTP 502"),
    ]


def test_exhausted_retries_raise_one_paragraph_with_the_cause_only(
    hook: DemoHook, script: Script, clock: FakeClock
) -> None:
    hook.get_token()
    script.answers["/gw/orders"] = [httpx.ConnectError("[Errno 111] Connection refused") for _ in range(4)]
    with pytest.raises(TransportError) as caught:
        hook.request("POST", "/orders", json={"id": "A", "phone": "0900"}, idempotent=False)
    err = caught.value

    assert len(clock.slept) == 3
    assert str(err) == (
        f"Demo: POST /orders on api.example.test failed after 4 attempts over {sum(clock.slept):.1f} s; "
        "last cause: ConnectError: [Errno 111] Connection refused"
    )
    assert "\n" not in str(err)
    # what callers rely on is kept: the kind, whether the request reached the server
    assert err.sent is False
    assert err.retryable
    assert err.attempts == 4
    assert err.to_dict()["kind"] == "transport"
    assert err.to_dict()["platform"] == "demo"
    # the traceback: the httpx cause, then this error; no chain of contexts
    assert isinstance(err.__cause__, httpx.ConnectError)
    assert err.__suppress_context__
    printed = traceback.format_exception(err)
    text = "".join(printed)
    assert text.count("Traceback (most recent call last)") == 2
    assert text.count("The above exception was the direct cause") == 1
    assert "During handling of the above exception" not in text
    assert len(text.splitlines()) < 40, text
    assert "0900" not in str(err)  # the body is never quoted


def test_a_server_error_names_the_status_and_keeps_retry_after(hook: DemoHook, script: Script) -> None:
    hook.get_token()
    script.answers["/gw/ping"] = [httpx.Response(503, headers={"Retry-After": "1"}, text="")] * 4
    with pytest.raises(TransientError) as caught:
        hook.request("GET", "/ping")
    assert str(caught.value) == (
        "Demo: GET /ping on api.example.test failed after 4 attempts over 3.0 s; "
        "last cause: server error (HTTP 503), Retry-After 1 s"
    )
    assert caught.value.__cause__ is None
    assert caught.value.retry_after == 1
    assert len(traceback.format_exc().splitlines()) < 40


def test_rate_limit_beyond_the_budget_is_raised_at_once_as_a_rate_limit(
    hook: DemoHook, script: Script, clock: FakeClock
) -> None:
    hook.get_token()
    script.answers["/gw/ping"] = [httpx.Response(429, headers={"Retry-After": "600"}, json={})]
    with pytest.raises(RateLimitError) as caught:
        hook.request("GET", "/ping")
    assert caught.value.retry_after == 600
    assert clock.slept == []
    assert str(caught.value).endswith(
        "failed after 1 attempt over 0.0 s; last cause: rate limited (HTTP 429), Retry-After 600 s"
    )


def test_a_create_whose_answer_was_lost_says_why_it_was_not_sent_again(
    hook: DemoHook, script: Script
) -> None:
    hook.get_token()
    script.answers["/gw/orders"] = [httpx.ReadTimeout("timed out")]
    with pytest.raises(TransportError) as caught:
        hook.request("POST", "/orders", json={"id": "A"}, idempotent=False)
    assert str(caught.value) == (
        "Demo: POST /orders on api.example.test failed after 1 attempt over 0.0 s "
        "(not sent again: the server may have acted on it); last cause: ReadTimeout: timed out"
    )
    assert caught.value.sent is True


def test_a_business_answer_keeps_the_platforms_words(hook: DemoHook, script: Script) -> None:
    hook.get_token()
    script.answers["/gw/ping"] = [httpx.Response(200, json={"code": 500, "message": "sku offline"})]
    with pytest.raises(BadRequestError) as caught:
        hook.request("GET", "/ping")
    assert str(caught.value) == "demo: sku offline code=500 http=200"
    assert caught.value.attempts is None


class ClosedPortHook(DemoHook):
    """A status read whose first poll finds the host down, then a business refusal ends the wait."""

    clock = FakeClock()

    def __init__(self, conn_id: str | None = None, **kwargs: Any) -> None:
        script = Script()
        script.answers["/gw/orders/status"] = [
            *[httpx.ConnectError("[Errno 111] Connection refused") for _ in range(3)],
            httpx.Response(200, json={"code": 403, "message": "account suspended"}),
        ]
        super().__init__(
            conn_id,
            transport=httpx.MockTransport(script),
            token_store=MemoryTokenStore(),
            retry_policy=RetryPolicy(max_attempts=3, base_delay=0.5),
            async_sleep=self.clock.async_sleep,
            clock=self.clock,
        )

    async def aload_connection(self) -> None:
        return None


def test_the_trigger_poll_logs_each_retry_and_the_final_error_once(
    make_conn: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    make_conn("demo_default", "demo", host="https://api.example.test/gw", login=USERNAME, password=PASSWORD)
    trigger = StatusTrigger(
        hook_class_path=f"{ClosedPortHook.__module__}.ClosedPortHook",
        conn_id="demo_default",
        order_ids=["A"],
        success_statuses=["done"],
        failure_statuses=["lost"],
        poll_interval=0,
    )
    caplog.set_level(logging.INFO)

    async def first_event() -> Any:
        try:
            return await trigger.run().__anext__()
        finally:
            await trigger.cleanup()

    event = asyncio.run(first_event())
    assert event.payload["status"] == "error"
    assert "account suspended" in event.payload["message"]
    assert [(m["op"], m["n"], m["m"]) for m in retry_lines(caplog)] == [
        ("POST /orders/status", "1", "3"),
        ("POST /orders/status", "2", "3"),
    ]
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING and "poll" in r.getMessage()]
    assert re.search(
        r"Demo: POST /orders/status on api\.example\.test failed after 3 attempts over \d+\.\d s; "
        r"last cause: ConnectError: \[Errno 111\] Connection refused$",
        warning.getMessage(),
    ), warning.getMessage()
