"""Helpers of the HyperSKU unit tests (no sockets), and checks that they behave.

- :class:`AppTransport`: an httpx transport (sync and async) that calls an ASGI app in process.
- :class:`Recorder`: an httpx.MockTransport handler built from route functions, recording calls.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.hypersku.hooks import HyperSkuHook
from airflow_provider.sandbox.hypersku import (
    SANDBOX_PASSWORD,
    SANDBOX_STORE_CODE,
    SANDBOX_USERNAME,
    HyperSkuBackend,
    create_app,
)

FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.01, max_total=5)


class AppTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Calls an ASGI app in this process: sync requests run it on a private event loop thread."""

    def __init__(self, app: Any) -> None:
        self._async = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._async.handle_async_request(request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def call() -> httpx.Response:
            forwarded = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            response = await self._async.handle_async_request(forwarded)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout=30)

    def close(self) -> None:
        return None

    def shutdown(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


Route = Callable[[httpx.Request], httpx.Response | dict[str, Any] | list[Any]]


class Recorder:
    """A MockTransport handler: ``routes[path](request)`` answers; every request is recorded."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.routes.get(request.url.path)
        if route is None:
            return httpx.Response(404, json={"status": 404, "message": f"no route {request.url.path}"})
        answer = route(request)
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.url.path == path)

    def bodies(self, path: str) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests if r.url.path == path]


def sandbox_hook(
    make_conn: Callable[..., str],
    transport: httpx.BaseTransport,
    *,
    conn_id: str = "hypersku_default",
    extra: dict[str, Any] | None = None,
    login: str | None = SANDBOX_USERNAME,
    password: str | None = SANDBOX_PASSWORD,
) -> HyperSkuHook:
    make_conn(
        conn_id,
        "hypersku",
        host="http://sandbox.test",
        login=login,
        password=password,
        extra={"store_code": SANDBOX_STORE_CODE, **(extra or {})},
    )
    return HyperSkuHook(conn_id, transport=transport, token_store=MemoryTokenStore(), retry_policy=FAST)


@pytest.fixture
def backend() -> HyperSkuBackend:
    return HyperSkuBackend()


@pytest.fixture
def app_transport(backend: HyperSkuBackend) -> Iterator[AppTransport]:
    transport = AppTransport(create_app(backend))
    yield transport
    transport.shutdown()


def test_app_transport_serves_sync_and_async(
    backend: HyperSkuBackend, app_transport: AppTransport, make_conn: Callable[..., str]
) -> None:
    hook = sandbox_hook(make_conn, app_transport)
    assert [c.country_code for c in hook.get_country_codes()][:2] == ["US", "GB"]

    async def both() -> int:
        try:
            return len(await hook.aget_country_codes())
        finally:
            await hook.aclose()

    assert asyncio.run(both()) == len(hook.get_country_codes())
    assert backend.token_calls == 1


def test_recorder_answers_404_for_unknown_paths() -> None:
    recorder = Recorder({"/a": lambda _r: {"status": 200}})
    with httpx.Client(transport=httpx.MockTransport(recorder), base_url="http://x") as client:
        assert client.get("/a").json() == {"status": 200}
        assert client.get("/b").status_code == 404
    assert recorder.paths() == ["/a", "/b"]
