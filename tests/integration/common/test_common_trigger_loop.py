"""
Nothing in the trigger path blocks the triggerer's event loop.

A triggerer runs every trigger of every DAG on one event loop: one blocking call (a module
import, a Variable read on the database, a synchronous socket, a long CPU stretch) stalls them
all and Airflow logs "event loop appears deadlocked". The shared ``StatusTrigger`` runs here for
each platform against its sandbox, with the Variables token store and a token the sandbox
expires mid-wait (so the refresh path runs too), on a loop in asyncio debug mode with a 0.1 s
slow-callback threshold. Checked, on the loop's thread only:

- no module is imported and no database or blocking socket is opened (Python audit events:
  exact, whatever the machine's load);
- no callback ran longer than 0.1 s on the CPU (thread CPU time, so a busy machine that merely
  preempts the loop is not mistaken for a blocking call), and asyncio's own debug mode reports
  no slow callback that was slow on the CPU as well.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_provider.common.triggers import StatusTrigger
from airflow_provider.platforms import get_platform
from airflow_provider.sandbox.kit import start_server
from airflow_provider.sandbox.registry import load_simulator

pytestmark = pytest.mark.integration

SLOW = 0.1
#: platforms whose status calls carry a token the sandbox can expire (SuperShip's sandbox connection
#: uses a personal access token, fetched by no call; HiShopping's statuses go through its signed
#: open API, which takes no token)
TOKEN_REFRESHED = {"hypersku", "chao8"}


class LoopWatch:
    """Records what runs on one thread: imports, database and blocking-socket opens, CPU per callback."""

    def __init__(self) -> None:
        self.thread: int | None = None
        self.blocking: list[str] = []
        self.slow: list[tuple[str, float, float]] = []

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if threading.get_ident() != self.thread:
            return
        if event == "import":
            self.blocking.append(f"import {args[0]}")
        elif event == "sqlite3.connect":
            self.blocking.append("sqlite3.connect")
        elif event == "socket.connect" and args and getattr(args[0], "getblocking", lambda: False)():
            self.blocking.append(f"blocking socket.connect {args[1]!r}")

    @classmethod
    def installed(cls) -> Iterator[LoopWatch]:
        watch = cls()
        original = asyncio.events.Handle._run

        def timed(handle: asyncio.events.Handle) -> None:
            if threading.get_ident() != watch.thread:
                original(handle)
                return
            wall, cpu = time.perf_counter(), time.thread_time()
            original(handle)
            wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
            if cpu > SLOW:
                watch.slow.append((repr(handle)[:200], wall, cpu))

        asyncio.events.Handle._run = timed  # type: ignore[method-assign]
        sys.addaudithook(watch.audit)  # cannot be removed: it ignores every thread but the loop's
        try:
            yield watch
        finally:
            asyncio.events.Handle._run = original  # type: ignore[method-assign]
            watch.thread = None


_WATCH: list[LoopWatch] = []


@pytest.fixture(scope="module")
def watch() -> Iterator[LoopWatch]:
    yield from LoopWatch.installed()


def _first_order(platform: str, hook: Any) -> tuple[list[str], str]:
    """One order made through the platform's own hook; its id and the trigger's status method."""
    if platform == "hypersku":
        from airflow_provider.sandbox.hypersku.seed import SANDBOX_EXAMPLE_ORDER

        made = hook.create_order(
            {**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": "LOOP-1", "thirdOrderName": "LOOP-1"}
        )
        return [str(made.order_base_info.order_id)], "afetch_statuses"
    if platform == "supership":
        from airflow_provider.sandbox.supership.seed import sample_order

        made = hook.create_order(sample_order("LOOP-1"))
        return [str(made.code)], "afetch_statuses"
    if platform == "chao8":
        from airflow_provider.sandbox.chao8 import (
            SANDBOX_DEALER_CODES,
            SANDBOX_PRODUCT_CODES,
            SANDBOX_WAREHOUSE_CODE,
        )

        hook.create_logistics_order(
            {
                "orderNo": "LOOP-1",
                "orderType": 1,
                "sourceOrgCode": SANDBOX_WAREHOUSE_CODE,
                "targetOrgCode": SANDBOX_DEALER_CODES[0],
                "products": [{"productCode": SANDBOX_PRODUCT_CODES[0], "quantity": 1}],
            }
        )
        return ["LOOP-1"], "afetch_statuses"
    from airflow_provider.sandbox import hishopping as sb

    made = hook.create_order(
        {
            "merchant_order": "LOOP-1",
            "goods_id": sb.GOODS_EARBUDS,
            "sku_id": sb.SKU_EARBUDS_WHITE,
            "quantity": 1,
            "receiver": dict(sb.SANDBOX_RECEIVER),
        }
    )
    return [str(made.order_no)], "afetch_statuses"


@pytest.mark.parametrize("platform", ["hypersku", "supership", "chao8", "hishopping"])
def test_the_status_trigger_never_blocks_the_event_loop(
    platform: str,
    watch: LoopWatch,
    variables_store: None,
    make_conn: Callable[..., str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    simulator = load_simulator(platform)
    backend = simulator.new_backend()
    server = start_server(simulator.create_app(backend))
    try:
        conn = simulator.connection(server.url)
        conn_id = make_conn(
            f"{platform}_loop",
            conn["conn_type"],
            host=conn.get("host"),
            login=conn.get("login"),
            password=conn.get("password"),
            extra=conn.get("extra") or {},
        )
        from airflow.sdk.module_loading import import_string

        hook_class_path = get_platform(platform).hook_class
        client = import_string(hook_class_path)(conn_id)
        ids, method = _first_order(platform, client)
        token_calls_before = backend.token_calls
        # a triggerer's own process has none of this run's tokens in memory: start cold
        from airflow_provider.common.auth import TokenManager

        TokenManager.clear_process_cache()
        # nor the async transport a first async client imports (other tests of the session did)
        monkeypatch.delitem(sys.modules, "airflow_provider.common.transport", raising=False)
        trigger = StatusTrigger(
            hook_class_path=hook_class_path,
            conn_id=conn_id,
            order_ids=ids,
            success_statuses=["__never__"],  # keep polling: the wait ends on our event below
            failure_statuses=["__never_either__"],
            poll_interval=0.05,
            status_method=method,
        )

        async def wait_a_while() -> int:
            polls = 0
            agen = trigger.run().__aiter__()
            task = asyncio.ensure_future(agen.__anext__())
            calls = backend.requests.copy()
            while polls < 6:
                await asyncio.sleep(0.05)
                polls = sum(backend.requests.values()) - sum(calls.values())
                if polls == 3:
                    backend.expire_tokens()  # the next poll refreshes the token
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await trigger.cleanup()
            return polls

        loop = asyncio.new_event_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = SLOW
        watch.thread = threading.get_ident()
        caplog.set_level(logging.WARNING, logger="asyncio")
        try:
            polls = loop.run_until_complete(wait_a_while())
        finally:
            watch.thread = None
            loop.close()
    finally:
        server.stop()

    assert polls >= 6
    if platform in TOKEN_REFRESHED:  # the token the sandbox expired mid-wait was refreshed, once
        assert backend.token_calls == token_calls_before + 1
    assert watch.blocking == [], f"blocking calls on the event loop's thread: {watch.blocking}"
    assert watch.slow == [], f"callbacks that held the loop's CPU over {SLOW} s: {watch.slow}"
    slow_warnings = [
        r.getMessage() for r in caplog.records if r.name == "asyncio" and "took" in r.getMessage()
    ]
    cpu_slow = [w for w in slow_warnings if any(handle[:60] in w for handle, _, _ in watch.slow)]
    assert cpu_slow == [], cpu_slow
