"""Concurrency as asked, end to end: the operator's ``max_concurrency`` reaches the server.

The server counts creates in flight itself (an ASGI wrapper around the sandbox app) and holds
each one until the expected number are in flight together (an event, with a generous timeout),
so the test reads the peak from the server, never from timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import pytest
from demo_platform import PASSWORD, USERNAME, DemoBackend, create_app

from airflow_provider.common.operator_bases import BulkCreateOperator
from airflow_provider.sandbox.kit import Faults

pytestmark = pytest.mark.integration


class DemoCreateOrdersOperator(BulkCreateOperator[dict[str, Any]]):
    hook_class_path = "demo_platform.DemoHook"
    action = "Demo create orders"
    template_fields = ("orders",)

    def __init__(self, *, orders: Any, **kwargs: Any) -> None:
        super().__init__(conn_id="demo_default", **kwargs)
        self.orders = orders

    def validate_items(self, raw: Any) -> list[dict[str, Any]]:
        from airflow_provider.common.inputs import items_from

        return items_from(raw, param="orders")

    def item_key(self, item: dict[str, Any]) -> str:
        return str(item["id"])

    async def create(self, hook: Any, item: dict[str, Any]) -> Any:
        return await hook.acreate(item)

    async def lookup(self, hook: Any, item: dict[str, Any]) -> Any:
        return await hook.afind(str(item["id"]))

    def describe(self, value: Any) -> tuple[str | None, str | None, dict[str, Any]]:
        return value["id"], value["status"], {}


class InFlight:
    """ASGI wrapper: counts POST /orders in flight; each waits until ``expected`` are in flight."""

    def __init__(self, app: Any, expected: int, *, timeout: float = 20.0) -> None:
        self.app = app
        self.expected = expected
        self.timeout = timeout
        self.now = 0
        self.peak = 0
        self.lock = threading.Lock()
        self.event: asyncio.Event | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/orders":
            await self.app(scope, receive, send)
            return
        if self.event is None:
            self.event = asyncio.Event()
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            if self.now >= self.expected:
                self.event.set()
        try:
            # fewer than expected may ever come: then the assertion on the peak says so
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.event.wait(), self.timeout)
            await self.app(scope, receive, send)
        finally:
            with self.lock:
                self.now -= 1


@pytest.mark.parametrize(("asked", "cap", "expected"), [(32, None, 32), (32, 8, 8)])
def test_max_concurrency_is_what_the_server_sees_in_flight(
    asked: int, cap: int | None, expected: int, serve_app: Any, make_conn: Any, task_context: Any
) -> None:
    backend = DemoBackend(faults=Faults(latency_ms=200))
    server = InFlight(create_app(backend), expected)
    url = serve_app(server)
    extra: dict[str, Any] = {"retry_base_delay": 0}
    if cap is not None:
        extra["max_concurrency_cap"] = cap
    make_conn("demo_default", "demo", host=url, login=USERNAME, password=PASSWORD, extra=extra)

    orders = [{"id": f"C{i:03d}", "sku": "S"} for i in range(64)]
    operator = DemoCreateOrdersOperator(task_id="create", orders=orders, max_concurrency=asked)
    assert operator.hook._client_kwargs()["limits"].max_connections >= asked  # the pool, sized
    report = operator.execute(task_context())

    assert report["counts"] == {"created": 64}
    assert server.peak == expected  # all of them at once, and never more
    assert server.event is not None
    assert server.event.is_set()
