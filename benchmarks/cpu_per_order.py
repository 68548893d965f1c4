"""
CPU per order of the HyperSKU create operator against bare ``httpx.AsyncClient``, at 2 ms latency.

The sandbox runs in its own process; this process measures its own CPU time
(``time.process_time``: what the client spends, whatever the machine's load) for ``--orders``
creates with fresh ids at 16 in flight, four ways: bare httpx (one client, one token, the same
JSON bodies) on httpx's own transport and on the provider's (aiohttp's pool), the operator from
a list and the operator from a JSON-lines file (creates alone: ``lookup_first=False``). Variants alternate over ``--rounds``; medians are printed, with the
ratio to bare httpx. ``--profile VARIANT`` writes a cProfile of one run to ``cpu_per_order.prof``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from typing import Any

LATENCY_MS = 2.0
CONCURRENCY = 16


def _serve(queue: Any) -> None:
    from airflow_provider.sandbox.hypersku import create_app
    from airflow_provider.sandbox.kit import Faults, start_server

    server = start_server(create_app(faults=Faults(latency_ms=LATENCY_MS)))
    queue.put(server.url)
    server.thread.join()


def _orders(n: int) -> list[dict[str, Any]]:
    from airflow_provider.sandbox.hypersku import SANDBOX_EXAMPLE_ORDER

    prefix = f"CPU{uuid.uuid4().hex[:8]}"
    return [
        {**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"{prefix}-{i:05d}", "thirdOrderName": f"{prefix}-{i}"}
        for i in range(n)
    ]


def bare_httpx(url: str, orders: list[dict[str, Any]], *, transport: str = "httpx") -> None:
    import httpx

    from airflow_provider.common.transport import async_transport
    from airflow_provider.sandbox.hypersku import SANDBOX_PASSWORD, SANDBOX_USERNAME

    async def run() -> None:
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        chosen: dict[str, Any] = {}
        if transport == "aiohttp":
            chosen["transport"] = async_transport(verify=True, proxy=None, limits=limits, kind="aiohttp")
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits, **chosen) as client:
            login = await client.post(
                "/api/auth/admin/token", json={"username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD}
            )
            headers = {"Authorization": login.json()["token"]}
            positions = iter(orders)

            async def worker() -> None:
                for order in positions:
                    answer = await client.post(
                        "/api/customer/admin/orders/create", json=order, headers=headers
                    )
                    assert answer.json()["status"] in (0, 200), answer.text

            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))

    asyncio.run(run())


class _TI:
    try_number = 1

    def xcom_push(self, key: str, value: Any) -> None:
        raise AssertionError(f"an order failed: {json.dumps(value)[:500]}")


def operator(url: str, orders: list[dict[str, Any]], *, from_file: bool = False) -> None:
    from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator

    given: Any = orders
    if from_file:
        folder = tempfile.mkdtemp(prefix="cpu-per-order-")
        given = os.path.join(folder, "orders.jsonl")
        with open(given, "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(order) + "\n" for order in orders)
    task = HyperSkuCreateOrdersOperator(
        task_id="create", orders=given, max_concurrency=CONCURRENCY, lookup_first=False
    )
    report = task.execute({"ti": _TI()})  # type: ignore[arg-type]
    assert report["counts"] == {"created": len(orders)}, report["counts"]


VARIANTS = {
    "bare httpx": bare_httpx,
    "bare, our transport": lambda url, orders: bare_httpx(url, orders, transport="aiohttp"),
    "operator, list": operator,
    "operator, file": lambda url, orders: operator(url, orders, from_file=True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=tuple(VARIANTS))
    args = parser.parse_args()
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="bench-airflow-")
    os.environ["FULFILLMENT_TOKEN_STORE"] = "memory"
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    server = ctx.Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    url = queue.get(timeout=120)
    from airflow_provider.sandbox.hypersku import sandbox_connection

    os.environ["AIRFLOW_CONN_HYPERSKU_DEFAULT"] = json.dumps(sandbox_connection(url))
    for fn in VARIANTS.values():  # warm-up: imports, first connections
        fn(url, _orders(50))
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        orders = _orders(args.orders)
        profiler.enable()
        VARIANTS[args.profile](url, orders)
        profiler.disable()
        profiler.dump_stats("cpu_per_order.prof")
    cpu: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(args.rounds):
        for name, fn in VARIANTS.items():
            orders = _orders(args.orders)
            started = time.process_time()
            fn(url, orders)
            cpu[name].append((time.process_time() - started) / args.orders * 1000)
    server.terminate()
    base = statistics.median(cpu["bare httpx"])
    print(
        f"{args.orders} HyperSKU creates at {LATENCY_MS:g} ms, {CONCURRENCY} in flight; load {os.getloadavg()[0]:.1f}"
    )
    print(f"{'variant':<18}{'CPU ms/order (median)':>24}{'x bare httpx':>14}   rounds")
    for name, values in cpu.items():
        median = statistics.median(values)
        shown = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name:<18}{median:>24.2f}{median / base:>14.2f}   {shown}")


if __name__ == "__main__":
    main()
