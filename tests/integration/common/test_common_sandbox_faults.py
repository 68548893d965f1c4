from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import time
from typing import Any

import pytest
from demo_platform import PASSWORD, USERNAME, DemoBackend, DemoHook, create_app

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.bulk import CreateOnce, run_bulk
from airflow_provider.common.errors import RateLimitError, TransportError
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


class DemoMaker:
    """The create / look-up / describe of the demo platform's orders, as CreateOnce calls them."""

    def item_key(self, item: dict[str, Any]) -> str:
        return str(item["id"])

    async def create(self, hook: DemoHook, item: dict[str, Any]) -> Any:
        return await hook.acreate(item)

    async def lookup(self, hook: DemoHook, item: dict[str, Any]) -> Any:
        return await hook.afind(item["id"])

    async def lookup_many(self, hook: DemoHook, items: Any) -> None:
        return None

    def describe(self, value: Any) -> tuple[str | None, str | None, dict[str, Any]]:
        return value["id"], value["status"], {}

    def matches(self, item: dict[str, Any], value: Any) -> bool:
        return True

    def result_data(self, item: dict[str, Any]) -> dict[str, Any]:
        return {}


def test_lost_create_answer_commits_once_and_is_recovered(hook: DemoHook, backend: DemoBackend) -> None:
    backend.faults.script("lose_answer", 1, path_contains="/orders")

    async def create() -> object:
        creator = CreateOnce(DemoMaker(), hook, look_up_first=False, policy=FAST)
        try:
            return await creator({"id": "A-1", "qty": 2})
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
        creator = CreateOnce(DemoMaker(), hook, look_up_first=False, policy=FAST)
        try:
            return await run_bulk(orders, creator, key=lambda o: o["id"], concurrency=8)
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


#: safety net of every cross-process wait below: only a broken test ever reaches it
SAFETY_SECONDS = 600.0


def _processes() -> multiprocessing.context.BaseContext:
    """Processes forked from one clean server that has imported Airflow once (``forkserver``):
    each still is a process of its own with its own DB connection, but none pays Airflow's
    import again, which on a loaded machine takes minutes for four spawned interpreters."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["airflow.models", "airflow_provider.common.hooks", "demo_platform"])
    return ctx


class _Race:
    """
    Decides a token race by the order of the writes, not by timing.

    The lease protocol holds when a claimant's wait between writing its claim and re-reading it
    (``settle``) outlasts every rival's read-then-write of its own claim. Timers only make that
    likely; here ``settle`` waits until every racer has decided (written a claim, or seen a rival's
    lease and started waiting), so the last claim written wins and every racer reads the same one,
    however slowly any process is scheduled.
    """

    def __init__(self, ctx: multiprocessing.context.BaseContext, racers: int) -> None:
        self.racers = racers
        self.ready = ctx.Barrier(racers)
        self.decided = ctx.Value("i", 0, lock=False)
        self.changed = ctx.Condition()
        self._counted = False  # per process: each process holds its own copy

    def _decide(self) -> None:
        if self._counted:
            return
        self._counted = True
        with self.changed:
            self.decided.value += 1
            self.changed.notify_all()

    def settle(self) -> None:
        self._decide()
        with self.changed:
            assert self.changed.wait_for(lambda: self.decided.value >= self.racers, SAFETY_SECONDS)

    def sleep(self, seconds: float) -> None:
        """A poll of the store while another process holds the lease (the interval is not a bet)."""
        self._decide()
        time.sleep(min(seconds, 0.05))

    def start(self, hook: DemoHook) -> None:
        """Give the hook's token manager the race's waits, then wait for every racer to be ready."""
        from airflow_provider.common.auth import TokenManager

        manager = hook.token_manager
        hook.token_manager = TokenManager(
            manager.key,
            hook.fetch_token,
            lease_seconds=SAFETY_SECONDS,
            sleep=self.sleep,
            settle=self.settle,
        )
        self.ready.wait(SAFETY_SECONDS)


def _hooks_in_a_process(url: str, n: int, airflow_home: str, race: _Race | None = None) -> None:
    os.environ["AIRFLOW_HOME"] = airflow_home
    os.environ.pop("FULFILLMENT_TOKEN_STORE", None)
    os.environ["AIRFLOW_CONN_DEMO_DEFAULT"] = json.dumps(
        {"conn_type": "demo", "host": url, "login": USERNAME, "password": PASSWORD}
    )
    for index in range(n):
        hook = DemoHook()
        if race is not None and index == 0:
            race.start(hook)
        assert hook.request("GET", "/ping") == "pong"
        hook.close()


def _run(processes: list[multiprocessing.process.BaseProcess]) -> list[int | None]:
    """Start, then wait for every process (no timer decides; SAFETY_SECONDS only ends a hang)."""
    for process in processes:
        process.start()
    deadline = time.monotonic() + SAFETY_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    codes = [process.exitcode for process in processes]
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join()
    return codes


def test_hooks_in_two_processes_make_exactly_one_token_call(
    backend: DemoBackend, serve_app, variables_store
) -> None:
    url = serve_app(create_app(backend))
    ctx = _processes()
    for _ in range(2):  # one process after the other, 5 hook instances each
        process = ctx.Process(target=_hooks_in_a_process, args=(url, 5, os.environ["AIRFLOW_HOME"]))
        assert _run([process]) == [0]
    assert backend.requests["/ping"] == 10
    assert backend.token_calls == 1


def test_processes_racing_on_an_empty_store_make_one_token_call(
    backend: DemoBackend, serve_app, variables_store
) -> None:
    """Four processes start together on an empty store: one of them fetches, the others wait."""
    url = serve_app(create_app(backend))
    ctx = _processes()
    race = _Race(ctx, 4)
    processes = [
        ctx.Process(target=_hooks_in_a_process, args=(url, 3, os.environ["AIRFLOW_HOME"], race))
        for _ in range(4)
    ]
    assert _run(processes) == [0, 0, 0, 0]
    assert backend.requests["/ping"] == 12
    assert backend.token_calls == 1
