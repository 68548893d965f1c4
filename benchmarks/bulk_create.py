"""
1,000 HyperSKU creates against the sandbox with 20 ms injected latency, three ways, in one run:

(a) a naive loop, as a hand-written HttpOperator DAG does it: a new client and a new token
    per call;
(b) our hook, sequentially (one keep-alive client, one shared token);
(c) our bulk create operator at concurrency 16 (one async client, idempotent creates).

Prints orders/s of each, the ratios c/a and c/b, c's share of the limit 16 / 20 ms = 800
calls/s, and token calls per 1,000 orders. The sandbox runs in its own process, as a remote
platform would.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from typing import Any

import httpx

LATENCY_MS = 20.0
CONCURRENCY = 16


def _serve(queue: Any) -> None:
    from airflow_provider.sandbox.hypersku import create_app
    from airflow_provider.sandbox.kit import Faults, start_server

    server = start_server(create_app(faults=Faults(latency_ms=LATENCY_MS)))
    queue.put(server.url)
    server.thread.join()


def _orders(prefix: str, n: int) -> list[dict[str, Any]]:
    from airflow_provider.sandbox.hypersku import SANDBOX_EXAMPLE_ORDER

    return [
        {**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"{prefix}-{i:05d}", "thirdOrderName": f"{prefix}-{i}"}
        for i in range(n)
    ]


def _token_calls(url: str) -> int:
    return int(httpx.get(f"{url}/_sandbox/stats").json()["token_calls"])


def naive_loop(url: str, orders: list[dict[str, Any]]) -> None:
    from airflow_provider.sandbox.hypersku import SANDBOX_PASSWORD, SANDBOX_USERNAME

    for order in orders:
        with httpx.Client(base_url=url, timeout=30) as client:
            login = client.post(
                "/api/auth/admin/token", json={"username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD}
            )
            token = login.json()["token"]
            answer = client.post(
                "/api/customer/admin/orders/create", json=order, headers={"Authorization": token}
            )
            assert answer.json()["status"] in (0, 200), answer.text


def hook_sequential(orders: list[dict[str, Any]]) -> None:
    from airflow_provider.hypersku.hooks import HyperSkuHook

    with HyperSkuHook() as hook:
        for order in orders:
            hook.create_order(order)


class _TI:
    def xcom_push(self, key: str, value: Any) -> None:
        raise AssertionError(f"an order failed: {json.dumps(value)[:500]}")


def bulk_operator(orders: list[dict[str, Any]]) -> None:
    from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator

    # creates alone (fresh ids): the default look-up before create is measured in lookup_first_cost.py
    operator = HyperSkuCreateOrdersOperator(
        task_id="create", orders=orders, max_concurrency=CONCURRENCY, lookup_first=False
    )
    report = operator.execute({"ti": _TI()})  # type: ignore[arg-type]
    assert report["counts"] == {"created": len(orders)}, report["counts"]


def timed(label: str, url: str, fn: Any, *args: Any) -> tuple[float, int]:
    """Seconds and token calls of one variant, starting with no token cached anywhere."""
    from airflow_provider.common import auth

    auth.TokenManager.clear_process_cache()
    auth._PROCESS_MEMORY._data.clear()
    before = _token_calls(url)
    started = time.perf_counter()
    fn(*args)
    seconds = time.perf_counter() - started
    return seconds, _token_calls(url) - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    args = parser.parse_args()
    n = args.orders
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="bench-airflow-")
    os.environ["FULFILLMENT_TOKEN_STORE"] = "memory"  # no metadata DB here: tokens shared in-process

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    server = ctx.Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    url = queue.get(timeout=60)
    try:
        from airflow_provider.sandbox.hypersku import sandbox_connection

        os.environ["AIRFLOW_CONN_HYPERSKU_DEFAULT"] = json.dumps(sandbox_connection(url))
        run = uuid.uuid4().hex[:6]
        # warm-up: imports, connection pools, the server's first requests
        bulk_operator(_orders(f"warm-{run}", 20))

        a_s, a_tok = timed("a", url, naive_loop, url, _orders(f"a-{run}", n))
        b_s, b_tok = timed("b", url, hook_sequential, _orders(f"b-{run}", n))
        c_s, c_tok = timed("c", url, bulk_operator, _orders(f"c-{run}", n))
    finally:
        server.terminate()

    rate = {name: n / seconds for name, seconds in (("a", a_s), ("b", b_s), ("c", c_s))}
    limit = CONCURRENCY / (LATENCY_MS / 1000)
    print(f"{n} HyperSKU creates, sandbox latency {LATENCY_MS:.0f} ms, bulk concurrency {CONCURRENCY}")
    print(f"{'':<38}{'seconds':>9}{'orders/s':>10}{'token calls/1000':>18}")
    for name, label, seconds, tokens in (
        ("a", "(a) naive loop (new client + token)", a_s, a_tok),
        ("b", "(b) hook, sequential", b_s, b_tok),
        ("c", "(c) bulk operator, concurrency 16", c_s, c_tok),
    ):
        print(f"{label:<38}{seconds:>9.2f}{rate[name]:>10.1f}{tokens * 1000 / n:>18.1f}")
    print(f"c/a = {rate['c'] / rate['a']:.1f}x (target >= 10x)")
    print(f"c/b = {rate['c'] / rate['b']:.1f}x")
    print(f"c share of the {limit:.0f} calls/s limit = {rate['c'] / limit:.0%} (target >= 60%)")
    print(
        f"token calls per 1000 orders with our hook: b {b_tok * 1000 / n:.0f}, c {c_tok * 1000 / n:.0f} (target 1)"
    )


if __name__ == "__main__":
    sys.exit(main())
