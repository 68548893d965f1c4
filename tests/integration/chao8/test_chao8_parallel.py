"""
20 worker processes racing for the 超8 token on an empty cache (one token call per minute per app).

Every worker is a separate process that never saw a token: it builds its own Chao8Hook against
the sandbox and makes a business call; the only thing the workers share is the Airflow
Variables token store in the test's metadata DB. Exactly one token call may succeed and no
worker may fail on 21185002. Then the platform revokes every token mid-run and the workers call
again: exactly one more successful token call, no failure.

Start method: ``forkserver`` by default. Its server is itself a fresh interpreter (started the
way ``spawn`` starts one: nothing inherited from this test process, no token cache, no sandbox
threads) that imports Airflow once; each worker is forked from it. With plain ``spawn`` every
worker pays Airflow's ~6 s of import and ORM start-up on its own, which on a 2-core machine is
over a minute for 20 workers. ``CHAO8_PARALLEL_START_METHOD=spawn`` runs the same test that way.

Module top stays light: the workers (and the fork server) import this module by name.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

WORKERS = 20
CONN_ID = "chao8_parallel"
START_METHOD = os.environ.get("CHAO8_PARALLEL_START_METHOD", "forkserver")
_WARM_UP_FLAG = "CHAO8_PARALLEL_WARM_UP"


def _warm_up() -> None:
    """In the fork server only: import the hook and run one metadata-DB query (ORM set-up)."""
    from airflow.models import Variable

    import airflow_provider.chao8.hooks  # noqa: F401

    Variable.get("fulfillment_chao8_warm_up", default_var=None)


if os.environ.pop(_WARM_UP_FLAG, None) == "1":
    _warm_up()


def worker(index: int, env: dict[str, str], start: Any, phase_two: Any, results: Any) -> None:
    """One 'task': its own process, its own hook, an empty process cache."""
    os.environ.update(env)
    os.environ.pop("FULFILLMENT_TOKEN_STORE", None)
    from airflow_provider.chao8.hooks import Chao8Hook

    hook = Chao8Hook(CONN_ID)
    hook.token_manager.peek()  # load the connection and reach the Variables store before the race
    for phase, gate in (("first", start), ("after-expiry", phase_two)):
        gate.wait(timeout=120)
        began = time.monotonic()
        try:
            page = hook.get_products_page(1, 5)
            results.put((index, phase, "ok", page.total, time.monotonic() - began))
        except Exception as err:
            results.put((index, phase, "error", repr(err), time.monotonic() - began))


def collect(results: Any, count: int, deadline: float, processes: list[Any]) -> list[tuple[Any, ...]]:
    """``count`` answers, or fewer when the deadline passes; fails at once when a worker died."""
    answers: list[tuple[Any, ...]] = []
    while len(answers) < count and time.monotonic() < deadline:
        try:
            answers.append(results.get(timeout=0.5))
        except queue.Empty:
            dead = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            if dead:
                raise AssertionError(f"worker process(es) died with exit codes {dead}") from None
    return answers


def _context(monkeypatch: pytest.MonkeyPatch) -> Any:
    ctx = multiprocessing.get_context(START_METHOD)
    if START_METHOD == "forkserver":
        from multiprocessing import forkserver

        # Python 3.11's fork server ignores the parent's sys.path: name this module from the cwd
        preload = ["airflow_provider.chao8.hooks", "airflow.models"]
        here = Path(__file__).resolve()
        if here.is_relative_to(Path.cwd()):
            preload.append(".".join(here.relative_to(Path.cwd()).with_suffix("").parts))
        forkserver.set_forkserver_preload(preload)
        monkeypatch.setenv(_WARM_UP_FLAG, "1")
        forkserver.ensure_running()
        monkeypatch.delenv(_WARM_UP_FLAG)
    return ctx


def test_twenty_processes_share_one_token(
    variables_store: None,
    serve_app: Callable[[Any], str],
    make_conn: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.models import Variable

    from airflow_provider.chao8 import constants as c
    from airflow_provider.sandbox.chao8 import (
        SANDBOX_ACCESS_KEY,
        SANDBOX_PRODUCT_CODES,
        SANDBOX_SECRET,
        Chao8Backend,
        create_app,
    )

    backend = Chao8Backend()  # the vendor's rule: one token call per minute per application
    url = serve_app(create_app(backend))
    make_conn(CONN_ID, "chao8", host=url, login=SANDBOX_ACCESS_KEY, password=SANDBOX_SECRET)
    env = {name: value for name, value in os.environ.items() if name.startswith(("AIRFLOW", "FULFILLMENT"))}
    assert "FULFILLMENT_TOKEN_STORE" not in env  # the Variables store, as workers have it

    ctx = _context(monkeypatch)
    start = ctx.Barrier(WORKERS)
    phase_two = ctx.Barrier(WORKERS + 1)  # the test joins it once the tokens are revoked
    results = ctx.Queue()
    processes = [ctx.Process(target=worker, args=(i, env, start, phase_two, results)) for i in range(WORKERS)]
    for process in processes:
        process.start()
    try:
        first = collect(results, WORKERS, time.monotonic() + 150, processes)
        assert len(first) == WORKERS, f"only {len(first)} workers answered"
        assert [answer for answer in first if answer[2] != "ok"] == []
        assert all(answer[3] == len(SANDBOX_PRODUCT_CODES) for answer in first)
        assert backend.token_calls == 1
        keys = [k for k in _variable_keys() if k.startswith("fulfillment_chao8_token_") and "lease" not in k]
        assert len(keys) == 1
        assert Variable.get(keys[0])  # the token lives in the shared store

        # the platform revokes every token while the workers still hold it in memory
        backend.clock.advance(61)  # past the one-call-per-minute window
        backend.expire_tokens()
        phase_two.wait(timeout=60)
        second = collect(results, WORKERS, time.monotonic() + 90, processes)
        assert len(second) == WORKERS, f"only {len(second)} workers answered after the expiry"
        assert [answer for answer in second if answer[2] != "ok"] == []
        assert backend.token_calls == 2
    finally:
        deadline = time.monotonic() + 20
        for process in processes:
            process.join(timeout=max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
    assert all(process.exitcode == 0 for process in processes)
    # losers of a race may have been told 21185002 (and waited); no other token error happened
    assert {code for code in backend.token_errors} <= {c.TOKEN_RATE_LIMITED}


def _variable_keys() -> list[str]:
    from airflow.models import Variable
    from airflow.utils.session import create_session

    with create_session() as session:
        return [row.key for row in session.query(Variable).all()]
