from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import time

import pytest
from demo_platform import PASSWORD, USERNAME, DemoBackend, DemoHook, create_app

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.errors import RateLimitError, TransportError
from airflow_provider.common.operators import IdempotentCreate, run_bulk
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.sandbox.kit import Faults, Lifecycle, SandboxClock, TokenIssuer, pick

pytestmark = pytest.mark.integration
FAST = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05)


@pytest.fixture
def backend() -> DemoBackend:
    return DemoBackend(faults=Faults(seed=1))


@pytest.fixture
def hook(backend: DemoBackend, serve_app, make_conn) -> DemoHook:
    url = serve_app(create_app(backend))
    make_conn("demo_default", "demo", host=url, login=USERNAME, password=PASSWORD)
    return DemoHook(token_store=MemoryTokenStore(), retry_policy=FAST)


def test_clock_speed_and_advance() -> None:
    real = [50.0]
    clock = SandboxClock(speed=100, start=0, monotonic=lambda: real[0])
    real[0] += 0.05
    assert clock.now() == pytest.approx(5)
    clock.advance(1000)
    assert clock.now() == pytest.approx(1005)


def test_lifecycle_and_deterministic_paths() -> None:
    life = Lifecycle([("8", 60), ("1", 60), ("4", 0)])
    assert [life.status_at(0, t) for t in (0, 59, 60, 130)] == ["8", "8", "1", "4"]
    assert [s for s, _ in life.history(0, 61)] == ["8", "1"]
    assert pick("order-1", {"ok": 0.8, "fail": 0.2}) == pick("order-1", {"ok": 0.8, "fail": 0.2})
    picks = [pick(f"o{i}", {"ok": 0.8, "fail": 0.2}) for i in range(500)]
    assert 0.1 < picks.count("fail") / 500 < 0.3


def test_token_issuer_expiry_and_revocation() -> None:
    clock = SandboxClock(start=1000)
    issuer = TokenIssuer(clock, ttl=60, exp_in_ms=True)
    token = issuer.issue("app")
    assert issuer.check(token)["exp"] == 1_060_000  # milliseconds
    clock.advance(61)
    assert issuer.check(token) is None
    fresh = issuer.issue("app")
    issuer.revoke_all()
    assert issuer.check(fresh) is None
    assert issuer.check("forged.token.value") is None


def test_rate_limit_fault_carries_retry_after(hook: DemoHook, backend: DemoBackend) -> None:
    backend.faults.update(retry_after=0.2)
    backend.faults.script("rate_limit", 10, path_contains="/ping")
    with pytest.raises(RateLimitError) as info:
        hook.request("GET", "/ping", retry_policy=RetryPolicy(max_attempts=2, base_delay=0.01))
    assert info.value.retry_after == pytest.approx(0.2)
    backend.faults.clear()
    started = time.monotonic()
    backend.faults.script("rate_limit", 2, path_contains="/ping")
    assert hook.request("GET", "/ping") == "pong"
    assert time.monotonic() - started >= 0.4  # waited Retry-After twice


def test_dropped_connection_is_a_transport_error_and_reads_recover(
    hook: DemoHook, backend: DemoBackend
) -> None:
    backend.faults.script("drop", 1, path_contains="/ping")
    with pytest.raises(TransportError) as info:
        hook.request("GET", "/ping", retry_policy=RetryPolicy(max_attempts=1))
    assert info.value.sent
    backend.faults.script("drop", 2, path_contains="/ping")
    assert hook.request("GET", "/ping") == "pong"


def test_lost_create_answer_commits_once_and_is_recovered(hook: DemoHook, backend: DemoBackend) -> None:
    backend.faults.script("lose_answer", 1, path_contains="/orders")

    async def create() -> object:
        creator = IdempotentCreate(
            create=hook.acreate,
            lookup=lambda order: hook.afind(order["id"]),
            describe=lambda o: (o["id"], o["status"], {}),
            policy=FAST,
        )
        try:
            return await creator("A-1", {"id": "A-1", "qty": 2})
        finally:
            await hook.aclose()

    result = asyncio.run(create())
    assert result.outcome == "created"
    assert len(backend.store.values("orders")) == 1
    assert backend.requests["/orders"] == 1


def test_expired_tokens_mid_run_are_refreshed_once(hook: DemoHook, backend: DemoBackend) -> None:
    hook.request("GET", "/ping")
    backend.expire_tokens()
    assert hook.request("GET", "/ping") == "pong"
    assert backend.token_calls == 2


def test_bulk_over_latency_with_faults_creates_each_order_once(hook: DemoHook, backend: DemoBackend) -> None:
    backend.faults.update(
        latency_ms=5, error_rate=0.1, lose_answer_rate=0.1, rate_limit_rate=0.05, retry_after=0.01
    )
    orders = [{"id": f"O-{n}", "qty": 1} for n in range(60)]

    async def go():
        creator = IdempotentCreate(
            create=hook.acreate,
            lookup=lambda order: hook.afind(order["id"]),
            describe=lambda o: (o["id"], o["status"], {}),
            policy=FAST,
        )
        try:
            return await run_bulk(orders, lambda o: creator(o["id"], o), key=lambda o: o["id"], concurrency=8)
        finally:
            await hook.aclose()

    hook.get_token()
    report = asyncio.run(go())
    assert (
        report.counts.get("created", 0) + report.counts.get("existed", 0) + report.counts.get("unknown", 0)
        == 60
    )
    assert report.counts.get("failed", 0) == 0, report.failures
    stored = [o["id"] for o in backend.store.values("orders")]
    assert len(stored) == len(set(stored))
    assert {r.key for r in report.results if r.outcome in ("created", "existed")} <= set(stored)
    assert backend.token_calls == 1


def _hooks_in_a_process(url: str, n: int, airflow_home: str) -> None:
    os.environ["AIRFLOW_HOME"] = airflow_home
    os.environ.pop("FULFILLMENT_TOKEN_STORE", None)
    os.environ["AIRFLOW_CONN_DEMO_DEFAULT"] = json.dumps(
        {"conn_type": "demo", "host": url, "login": USERNAME, "password": PASSWORD}
    )
    for _ in range(n):
        hook = DemoHook()
        assert hook.request("GET", "/ping") == "pong"
        hook.close()


def test_hooks_in_two_processes_make_exactly_one_token_call(
    backend: DemoBackend, serve_app, variables_store
) -> None:
    url = serve_app(create_app(backend))
    ctx = multiprocessing.get_context("spawn")
    for _ in range(2):  # one process after the other, 5 hook instances each
        process = ctx.Process(target=_hooks_in_a_process, args=(url, 5, os.environ["AIRFLOW_HOME"]))
        process.start()
        process.join(60)
        assert process.exitcode == 0
    assert backend.requests["/ping"] == 10
    assert backend.token_calls == 1


def test_processes_racing_on_an_empty_store_make_one_token_call(
    backend: DemoBackend, serve_app, variables_store
) -> None:
    url = serve_app(create_app(backend))
    ctx = multiprocessing.get_context("spawn")
    processes = [
        ctx.Process(target=_hooks_in_a_process, args=(url, 3, os.environ["AIRFLOW_HOME"])) for _ in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(90)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    assert backend.requests["/ping"] == 12
    assert backend.token_calls == 1
