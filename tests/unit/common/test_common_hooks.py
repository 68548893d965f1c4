from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from demo_platform import PASSWORD, USERNAME, DemoHook

from airflow_provider.common.asyncio_bridge import run_sync
from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.connection_settings import base_url_from, timeout_from
from airflow_provider.common.errors import (
    BadRequestError,
    ConfigurationError,
    RateLimitError,
    TransientError,
    TransportError,
)
from airflow_provider.common.retry import RetryPolicy

FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.01)


class FakeServer:
    """A scripted platform: a token endpoint and answers queued per path."""

    def __init__(self) -> None:
        self.token_calls = 0
        self.valid_tokens: set[str] = set()
        self.script: dict[str, list[Any]] = {}
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.path.endswith("/auth"):
            self.token_calls += 1
            token = f"tok-{self.token_calls}"
            self.valid_tokens.add(token)
            return httpx.Response(200, json={"code": 0, "data": {"token": token}})
        if request.headers.get("Authorization") not in self.valid_tokens:
            return httpx.Response(200, json={"code": 401, "message": "token expired"})
        queued = self.script.get(request.url.path)
        answer = queued.pop(0) if queued else httpx.Response(200, json={"code": 0, "data": {"ok": True}})
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def hook(make_conn, server: FakeServer) -> DemoHook:
    make_conn(
        "demo_default",
        "demo",
        host="https://api.example.test/gw/",
        login=USERNAME,
        password=PASSWORD,
        extra={"api_key": "k-secret-1234", "timeout": 7},
    )
    return DemoHook(transport=httpx.MockTransport(server), token_store=MemoryTokenStore(), retry_policy=FAST)


@pytest.mark.parametrize(
    ("host", "schema", "port", "expected"),
    [
        (None, None, None, "https://default.example"),
        ("", None, None, "https://default.example"),
        ("api.example.com", None, None, "https://api.example.com"),
        ("api.example.com", "http", 8080, "http://api.example.com:8080"),
        ("http://127.0.0.1:9000/prefix/", None, None, "http://127.0.0.1:9000/prefix"),
        ("https://gw.example.com:8443", None, 9999, "https://gw.example.com:8443"),
    ],
)
def test_base_url(host, schema, port, expected) -> None:
    assert base_url_from(host, schema=schema, port=port, default="https://default.example/") == expected


def test_timeouts_are_explicit() -> None:
    assert timeout_from(None).read == 30
    assert timeout_from(5).connect == 5
    assert timeout_from({"connect": 2, "read": 9}).read == 9


def test_path_prefix_auth_header_and_token_reuse(hook: DemoHook, server: FakeServer) -> None:
    for _ in range(5):
        hook.request("GET", hook.endpoint("ping"))
    paths = [r.url.path for r in server.seen]
    assert paths[0] == "/gw/auth"
    assert paths[1:] == ["/gw/ping"] * 5
    assert server.token_calls == 1
    assert all(r.headers["Authorization"] == "tok-1" for r in server.seen[1:])
    assert server.seen[1].headers["Accept"] == "application/json"
    assert hook.client.timeout.read == 7
    # one keep-alive client for every call
    assert hook.client is hook.client


def test_endpoint_overrides_and_placeholders(make_conn, server: FakeServer) -> None:
    make_conn(
        "demo_x",
        "demo",
        host="https://h",
        login=USERNAME,
        password=PASSWORD,
        extra={"endpoints": {"order": "/v2/o/{order_id}"}},
    )
    hook = DemoHook("demo_x", transport=httpx.MockTransport(server), token_store=MemoryTokenStore())
    assert hook.endpoint("order", order_id="A/B 1") == "/v2/o/A%2FB%201"
    assert hook.endpoint("create") == "/orders"
    make_conn("demo_bad", "demo", host="https://h", extra={"endpoints": {"nope": "/x"}})
    with pytest.raises(ConfigurationError, match="nope"):
        DemoHook("demo_bad").settings  # noqa: B018


def test_auth_error_refreshes_once_and_retries(hook: DemoHook, server: FakeServer) -> None:
    hook.request("GET", "/ping")
    server.valid_tokens.clear()  # the platform expired every token
    assert hook.request("GET", "/ping") == {"ok": True}
    assert server.token_calls == 2
    assert server.seen[-1].headers["Authorization"] == "tok-2"


def test_rate_limit_honours_retry_after_then_succeeds(hook: DemoHook, server: FakeServer) -> None:
    server.script["/gw/ping"] = [httpx.Response(429, headers={"Retry-After": "0"}, json={})] * 2
    assert hook.request("GET", "/ping") == {"ok": True}
    assert [r.url.path for r in server.seen].count("/gw/ping") == 3


def test_rate_limit_exhausted_raises_with_retry_after(hook: DemoHook, server: FakeServer) -> None:
    server.script["/gw/ping"] = [httpx.Response(429, headers={"Retry-After": "0"}, json={})] * 10
    with pytest.raises(RateLimitError) as info:
        hook.request("GET", "/ping")
    assert info.value.http_status == 429
    assert info.value.retry_after == 0


def test_5xx_is_retried_for_reads_but_not_for_creates(hook: DemoHook, server: FakeServer) -> None:
    server.script["/gw/ping"] = [httpx.Response(503, text="down")]
    assert hook.request("GET", "/ping") == {"ok": True}
    server.script["/gw/orders"] = [
        httpx.Response(502, text="bad gateway"),
        httpx.Response(200, json={"code": 0, "data": {}}),
    ]
    with pytest.raises(TransientError):
        hook.request("POST", "/orders", json={"id": "A"}, idempotent=False)
    assert [r.url.path for r in server.seen].count("/gw/orders") == 1


def test_connect_error_on_create_is_retried_read_timeout_is_not(hook: DemoHook, server: FakeServer) -> None:
    server.script["/gw/orders"] = [
        httpx.ConnectError("refused"),
        httpx.Response(200, json={"code": 0, "data": {"id": "A"}}),
    ]
    assert hook.request("POST", "/orders", json={"id": "A"}, idempotent=False) == {"id": "A"}
    server.script["/gw/orders"] = [
        httpx.ReadTimeout("slow"),
        httpx.Response(200, json={"code": 0, "data": {}}),
    ]
    with pytest.raises(TransportError) as info:
        hook.request("POST", "/orders", json={"id": "B"}, idempotent=False)
    assert info.value.sent is True


def test_business_error_in_http_200_is_not_retried(hook: DemoHook, server: FakeServer) -> None:
    server.script["/gw/ping"] = [httpx.Response(200, json={"code": 500, "message": "sku offline"})]
    with pytest.raises(BadRequestError, match="sku offline") as info:
        hook.request("GET", "/ping")
    assert info.value.code == 500
    assert [r.url.path for r in server.seen].count("/gw/ping") == 1


def test_not_json_is_a_clear_error(hook: DemoHook, server: FakeServer) -> None:
    server.script["/gw/ping"] = [
        httpx.Response(200, text="<html>maintenance</html>", headers={"content-type": "text/html"})
    ]
    with pytest.raises(Exception, match="not JSON"):
        hook.request("GET", "/ping")


def test_async_pipeline_shares_the_token(hook: DemoHook, server: FakeServer) -> None:
    async def many() -> list[Any]:
        try:
            return await asyncio.gather(*(hook.arequest("GET", "/ping") for _ in range(10)))
        finally:
            await hook.aclose()

    assert asyncio.run(many()) == [{"ok": True}] * 10
    assert server.token_calls == 1


def test_async_auth_error_refreshes(hook: DemoHook, server: FakeServer) -> None:
    hook.request("GET", "/ping")
    server.valid_tokens.clear()

    async def call() -> Any:
        try:
            return await hook.arequest("GET", "/ping")
        finally:
            await hook.aclose()

    assert asyncio.run(call()) == {"ok": True}
    assert server.token_calls == 2


def test_secrets_are_masked_in_logs(hook: DemoHook) -> None:
    from airflow.sdk._shared.secrets_masker import redact

    hook.get_token()
    text = json.dumps(redact(f"password={PASSWORD} api_key=k-secret-1234 token={hook.get_token()}"))
    assert PASSWORD not in text
    assert "k-secret-1234" not in text
    assert hook.get_token() not in text


def test_test_connection_reads_but_never_writes_the_store(make_conn, server: FakeServer) -> None:
    make_conn("demo_t", "demo", host="https://h", login=USERNAME, password=PASSWORD)
    store = MemoryTokenStore()
    ok, message = DemoHook(
        "demo_t", transport=httpx.MockTransport(server), token_store=store
    ).test_connection()
    assert ok, message
    assert "ping ok" in message
    assert store._data == {}
    server.script["/ping"] = [httpx.Response(200, json={"code": 500, "message": "account disabled"})]
    ok, message = DemoHook(
        "demo_t", transport=httpx.MockTransport(server), token_store=store
    ).test_connection()
    assert not ok
    assert "account disabled" in message


def test_api_call_described_once_sent_sync_and_async(hook: DemoHook, server: FakeServer) -> None:
    from pydantic import BaseModel

    from airflow_provider.common.errors import ResponseError
    from airflow_provider.common.hooks import ApiCall

    class Ok(BaseModel):
        ok: bool

    call = ApiCall("GET", "/ping", Ok.model_validate, params={"q": "1", "skip": None})
    assert hook.call(call) == Ok(ok=True)

    async def twice() -> Ok:
        try:
            return await hook.acall(call)
        finally:
            await hook.aclose()

    assert asyncio.run(twice()) == Ok(ok=True)
    assert dict(server.seen[-1].url.params) == {"q": "1"}
    server.script["/gw/ping"] = [httpx.Response(200, json={"code": 0, "data": {"ok": "maybe"}})]
    with pytest.raises(
        ResponseError, match=r"GET /ping: unexpected answer: ok: Input should be a valid boolean"
    ):
        hook.call(call)


def test_gather_limited_bounds_concurrency_and_run_async_closes_the_client(hook: DemoHook) -> None:
    in_flight, peak = 0, 0
    full = asyncio.Event()

    async def work(n: int) -> int:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight == 16:
            full.set()
        # the first calls hold their slot until 16 are in flight: an event, not a timer
        # (60 s is only a safety net against a hang if the bound were lower)
        await asyncio.wait_for(full.wait(), 60)
        in_flight -= 1
        return n * 2

    async def go() -> list[int]:
        hook.async_client()  # opened by the coroutine, closed by run_async
        return await hook.gather_limited(range(30), work)

    assert hook.run_async(go()) == [n * 2 for n in range(30)]
    assert peak == hook.settings.max_concurrency == hook.concurrency() == 16
    assert hook.concurrency(3) == 3
    assert hook._aclient is None


@pytest.mark.parametrize("runner", ["run_async", "run_sync"])
def test_a_coroutines_result_is_never_formatted(hook: DemoHook, runner: str) -> None:
    """A bulk run's report is the coroutine's result: asyncio.run's SIGINT check on Python 3.11
    formats its task's repr (17 ms per 1,000 orders), so the report never is the task's result."""
    formatted: list[str] = []

    class Report:
        def __repr__(self) -> str:
            formatted.append("repr")
            return "Report()"

    async def produce() -> Report:
        hook.async_client()
        return Report()

    run = hook.run_async if runner == "run_async" else run_sync
    assert isinstance(run(produce()), Report)
    assert formatted == []
    assert hook._aclient is None or runner == "run_sync"
