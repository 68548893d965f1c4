"""
What the look-up before create costs: HyperSKU and SuperShip create operators with the default
(every order looked up by its own id before its create) against ``lookup_first=False``.

Each platform's sandbox runs in its own process (20 ms injected latency per call). Each run is
one variant, in a FRESH Python process: a 20-order warm-up, then ``--orders`` orders with fresh
caller ids (so every order is really created) at the default concurrency (16). The variants
are interleaved round by round (round 1: default then ``lookup_first=False``, round 2 the other
way round, ...), so a load that drifts over the benchmark falls on both alike.

Prints, per run: the machine's 1-minute load average at the start of that run, orders/s, the
HTTP calls per order the sandbox counted (its ``/_sandbox/stats``: look-ups, creates, others),
the p50 of the client's round trips and the physical limit 16 / p50. Then per round the ratio
default / ``lookup_first=False`` (orders/s), and per platform the medians (min, max).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from typing import Any

LATENCY_MS = 20.0
CONCURRENCY = 16
WARM_UP_ORDERS = 20
PLATFORMS = ("hypersku", "supership")
#: variant name -> the operator's ``lookup_first``
VARIANTS: dict[str, bool | None] = {"default": None, "lookup_first=False": False}
#: the calls that look an order up by its own id, and the creates, per platform
LOOKUP_PATHS = {
    "hypersku": "/api/customer/admin/orders/getOrdersByExternalOrderId",
    "supership": "/v1/partner/orders/info",
}
CREATE_PATHS = {"hypersku": "/api/customer/admin/orders/create", "supership": "/v1/partner/orders/add"}


# ------------------------------------------------------------------ the sandbox (own process)
def _serve(platform: str, queue: Any) -> None:
    from airflow_provider.sandbox import hypersku, supership
    from airflow_provider.sandbox.kit import Faults, start_server

    create_app = hypersku.create_app if platform == "hypersku" else supership.create_app
    server = start_server(create_app(faults=Faults(latency_ms=LATENCY_MS)))
    queue.put(server.url)
    server.thread.join()


def _connection(platform: str, url: str) -> tuple[str, str]:
    """The environment variable and JSON of the platform's default connection to ``url``."""
    if platform == "hypersku":
        from airflow_provider.sandbox.hypersku import sandbox_connection

        return "AIRFLOW_CONN_HYPERSKU_DEFAULT", json.dumps(sandbox_connection(url))
    from airflow_provider.sandbox.supership import sandbox_connection as supership_connection

    return "AIRFLOW_CONN_SUPERSHIP_DEFAULT", json.dumps(supership_connection(url))


# ------------------------------------------------------------------ one run (in a child)
class _TI:
    try_number = 1

    def xcom_push(self, key: str, value: Any) -> None:
        raise AssertionError(f"an order failed: {json.dumps(value)[:500]}")


def _orders(platform: str, prefix: str, n: int) -> list[dict[str, Any]]:
    if platform == "hypersku":
        from airflow_provider.sandbox.hypersku import SANDBOX_EXAMPLE_ORDER

        return [
            {**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"{prefix}-{i:05d}", "thirdOrderName": f"{prefix}-{i}"}
            for i in range(n)
        ]
    from airflow_provider.sandbox.supership import sample_order

    return [sample_order(f"{prefix}-{i:05d}", i) for i in range(n)]


def _operator(platform: str, orders: list[dict[str, Any]], lookup_first: bool | None) -> Any:
    kwargs: dict[str, Any] = {"task_id": "create", "orders": orders}
    if lookup_first is not None:
        kwargs["lookup_first"] = lookup_first
    if platform == "hypersku":
        from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator

        return HyperSkuCreateOrdersOperator(**kwargs)
    from airflow_provider.supership.operators import SuperShipCreateOrdersOperator

    return SuperShipCreateOrdersOperator(**kwargs)


def _execute(platform: str, orders: list[dict[str, Any]], lookup_first: bool | None) -> int:
    """Run the operator over ``orders``; every one must be created. Returns its concurrency."""
    operator = _operator(platform, orders, lookup_first)
    report = operator.execute({"ti": _TI()})
    assert report["counts"] == {"created": len(orders)}, report["counts"]
    return int(operator.concurrency())


def _requests(url: str) -> dict[str, int]:
    import httpx

    return dict(httpx.get(f"{url}/_sandbox/stats", timeout=30).json()["requests"])


def _child(args: argparse.Namespace) -> None:
    import httpx

    platform, lookup_first = args.platform, VARIANTS[args.variant]
    round_trips: list[float] = []
    recording = False
    send = httpx.AsyncClient.send

    async def timed_send(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        try:
            return await send(self, request, **kwargs)
        finally:
            if recording:
                round_trips.append(time.perf_counter() - started)

    httpx.AsyncClient.send = timed_send  # type: ignore[method-assign]

    _execute(platform, _orders(platform, f"{args.prefix}-warm", WARM_UP_ORDERS), lookup_first)
    orders = _orders(platform, args.prefix, args.orders)
    before = _requests(args.url)
    recording = True
    started = time.perf_counter()
    concurrency = _execute(platform, orders, lookup_first)
    seconds = time.perf_counter() - started
    recording = False
    after = _requests(args.url)
    calls = {path: after.get(path, 0) - before.get(path, 0) for path in after}
    result = {
        "seconds": seconds,
        "concurrency": concurrency,
        "calls": {path: count for path, count in calls.items() if count},
        "round_trips": len(round_trips),
        "p50_ms": statistics.median(round_trips) * 1000,
    }
    with open(args.result, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


# ------------------------------------------------------------------ the parent
@dataclass
class Run:
    round: int
    platform: str
    variant: str
    load: float
    orders: int
    seconds: float
    concurrency: int
    calls: dict[str, int]
    p50_ms: float

    @property
    def rate(self) -> float:
        return self.orders / self.seconds

    def per_order(self, kind: str) -> float:
        lookup, create = LOOKUP_PATHS[self.platform], CREATE_PATHS[self.platform]
        if kind == "lookup":
            count = self.calls.get(lookup, 0)
        elif kind == "create":
            count = self.calls.get(create, 0)
        elif kind == "other":
            count = sum(n for path, n in self.calls.items() if path not in (lookup, create))
        else:
            count = sum(self.calls.values())
        return count / self.orders

    @property
    def limit_calls(self) -> float:
        """The physical limit: ``concurrency`` calls in flight, each taking the measured p50."""
        return self.concurrency / (self.p50_ms / 1000)

    @property
    def limit_orders(self) -> float:
        return self.limit_calls / self.per_order("all")


def _run(
    platform: str, variant: str, round_no: int, url: str, n: int, env: dict[str, str], folder: str
) -> Run:
    result_path = os.path.join(folder, f"{platform}-{round_no}-{uuid.uuid4().hex[:6]}.json")
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        "--platform",
        platform,
        "--variant",
        variant,
        "--orders",
        str(n),
        "--url",
        url,
        "--prefix",
        f"LF{uuid.uuid4().hex[:10]}",
        "--result",
        result_path,
    ]
    load = os.getloadavg()[0]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{platform} {variant} run failed:\n{done.stderr[-4000:]}")
    with open(result_path, encoding="utf-8") as handle:
        result = json.load(handle)
    return Run(
        round=round_no,
        platform=platform,
        variant=variant,
        load=load,
        orders=n,
        seconds=result["seconds"],
        concurrency=result["concurrency"],
        calls=result["calls"],
        p50_ms=result["p50_ms"],
    )


def _spread(values: list[float], fmt: str = ".1f") -> str:
    return f"{statistics.median(values):{fmt}} (min {min(values):{fmt}}, max {max(values):{fmt}})"


def _print_run(run: Run) -> None:
    print(
        f"{run.round:>5}  {run.platform:<9} {run.variant:<19}{run.load:>6.2f}{run.seconds:>8.2f}"
        f"{run.rate:>9.1f}{run.per_order('lookup'):>8.2f}{run.per_order('create'):>8.2f}"
        f"{run.per_order('other'):>7.3f}{run.p50_ms:>8.1f}{run.limit_calls:>9.0f}{run.limit_orders:>9.0f}",
        flush=True,
    )


def _ratios(runs: list[Run], platform: str, rounds: int) -> list[float]:
    """Per round: orders/s of the default / orders/s of ``lookup_first=False``."""
    default, fresh = VARIANTS
    ratios = []
    for round_no in range(1, rounds + 1):
        pair = {r.variant: r for r in runs if r.platform == platform and r.round == round_no}
        ratios.append(pair[default].rate / pair[fresh].rate)
    return ratios


def _summary(runs: list[Run], rounds: int) -> None:
    print()
    print("ratio default / lookup_first=False (orders/s), per round:")
    for platform in PLATFORMS:
        print(f"  {platform:<9} " + "  ".join(f"{ratio:.2f}" for ratio in _ratios(runs, platform, rounds)))
    print()
    print("medians (min, max) over the rounds:")
    for platform in PLATFORMS:
        ratios = _ratios(runs, platform, rounds)
        print(f"  {platform}: ratio default / lookup_first=False = {_spread(ratios, '.2f')}")
        for variant in VARIANTS:
            mine = [r for r in runs if r.platform == platform and r.variant == variant]
            rate = _spread([r.rate for r in mine])
            calls = statistics.median(r.per_order("all") for r in mine)
            lookups = statistics.median(r.per_order("lookup") for r in mine)
            p50 = statistics.median(r.p50_ms for r in mine)
            limit = statistics.median(r.limit_orders for r in mine)
            share = statistics.median(r.rate / r.limit_orders for r in mine)
            print(
                f"    {variant:<19} orders/s {rate}; HTTP calls/order {calls:.2f} (look-ups {lookups:.2f});"
                f" p50 {p50:.1f} ms; limit 16 / p50 / calls = {limit:.0f} orders/s, measured {share:.0%} of it"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--platform", choices=PLATFORMS, help=argparse.SUPPRESS)
    parser.add_argument("--variant", choices=tuple(VARIANTS), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return

    started = time.perf_counter()
    folder = tempfile.mkdtemp(prefix="bench-lookup-first-")
    env = {
        **os.environ,
        "AIRFLOW_HOME": folder,
        "FULFILLMENT_TOKEN_STORE": "memory",  # no metadata DB here: tokens shared in-process
    }
    ctx = multiprocessing.get_context("spawn")
    servers: list[Any] = []
    try:
        for platform in PLATFORMS:
            queue = ctx.Queue()
            server = ctx.Process(target=_serve, args=(platform, queue), daemon=True)
            server.start()
            servers.append(server)
            name, value = _connection(platform, queue.get(timeout=60))
            env[name] = value
        urls = {p: json.loads(env[_connection(p, "")[0]])["host"] for p in PLATFORMS}

        print(
            f"{args.orders} creates per run, fresh ids, default concurrency, sandbox latency "
            f"{LATENCY_MS:.0f} ms (own process), {args.rounds} rounds, each run a fresh process; "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f} at the start"
        )
        print(
            f"{'round':>5}  {'platform':<9} {'variant':<19}{'load':>6}{'seconds':>8}{'orders/s':>9}"
            f"{'lookup':>8}{'create':>8}{'other':>7}{'p50 ms':>8}{'16/p50':>9}{'limit/s':>9}"
        )
        print(f"{'':<50}(HTTP calls per order){'':<6}(calls/s)(orders/s)")
        runs: list[Run] = []
        for round_no in range(1, args.rounds + 1):
            order = list(VARIANTS) if round_no % 2 else list(reversed(VARIANTS))
            for platform in PLATFORMS:
                for variant in order:
                    run = _run(platform, variant, round_no, urls[platform], args.orders, env, folder)
                    runs.append(run)
                    _print_run(run)
    finally:
        for server in servers:
            server.terminate()
    _summary(runs, args.rounds)
    concurrency = sorted({r.concurrency for r in runs})
    print()
    print(
        f"concurrency used: {concurrency}; load {os.getloadavg()[0]:.2f} at the end; "
        f"{time.perf_counter() - started:.0f} s in all"
    )


if __name__ == "__main__":
    main()
