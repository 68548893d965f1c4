"""
HyperSKU creates against the sandbox, every variant side by side, interleaved round by round.

Two tables:

1. **20 ms latency** (``--orders``, default 1,000): a bare ``httpx.AsyncClient`` at 16 and at 32 in
   flight (httpx's own transport: the reference users compare with) and at 16 on ours, the
   operator from a list at 16 and 32, from a JSON-lines file at 16, from a list with the look-up
   before each create (``lookup_first=True``, the default on HyperSKU), the list at 16 on our
   transport before its body write was started at once (``bench_variants.without_eager_write``),
   the same list at 32 on httpx's own transport (before), an ``HttpHook`` loop and one
   ``HttpOperator`` per order (those two on ``--baseline-orders``, rates per order).
2. **200 ms latency**, concurrency 16, 64 and 128 (``--orders-200``): bare httpx on httpx's
   transport and on ours (reusing its warm-up's connections, and "cold": a new client in the
   timed part, as every task starts with none open), the operator on httpx's transport (``FULFILLMENT_ASYNC_TRANSPORT=httpx``),
   on ours before the eager body write, and on ours.

Every run is a fresh Python process; the variants' order turns each round so none always runs
first or last. Beside every figure: the machine's 1-minute load when the run started, the ratio
to bare httpx at 16 of the same round, the sandbox's peak of requests in flight (its own count),
the physical limit ``concurrency / p50``, where p50 is the sandbox's real round trip measured
before each round with one request at a time, and the sandbox process's CPU over the timed part
(per order, and over the wall time: how busy its one event loop was). Medians over the rounds at the end; ``--json``
writes every run for ``chart.py``.
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
from dataclasses import asdict, dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
CREATE = "/api/customer/admin/orders/create"
TOKEN = "/api/auth/admin/token"
PROBE_CALLS = 40
SERVER_PID_ENV = "BENCH_SERVER_PID"  # bench_variants.py reads the sandbox's CPU over its timed part


@dataclass(frozen=True)
class Variant:
    label: str
    # bare-httpx, bare-aiohttp ("-cold": a new client in the timed part), list, file, list-lookup,
    # httphook, httpop; "-lazywrite": the transport before its body write was started at once
    # (bench_variants.without_eager_write)
    child: str
    concurrency: int
    transport: str = "aiohttp"  # FULFILLMENT_ASYNC_TRANSPORT of the run (operator variants)
    baseline: bool = False  # run on --baseline-orders

    @property
    def calls_per_order(self) -> int:
        return 2 if self.child == "list-lookup" else 1


MAIN = [
    Variant("bare httpx, 16 in flight", "bare-httpx", 16, "httpx"),
    Variant("bare httpx, 32 in flight", "bare-httpx", 32, "httpx"),
    Variant("bare httpx, aiohttp transport, 16", "bare-aiohttp", 16),
    Variant("operator, list, 16", "list", 16),
    Variant("operator, list, 16, body written by a task (before)", "list-lazywrite", 16),
    Variant("operator, list, 32", "list", 32),
    Variant("operator, JSON-lines file, 16", "file", 16),
    Variant("operator, list, 16, lookup_first=True", "list-lookup", 16),
    Variant("operator, list, 32, httpx transport (before)", "list", 32, "httpx"),
    Variant("HttpHook loop", "httphook", 1, "httpx", baseline=True),
    Variant("HttpOperator per order", "httpop", 1, "httpx", baseline=True),
]
REFERENCE = MAIN[0]


def concurrency_variants(levels: list[int]) -> list[Variant]:
    out = []
    for c in levels:
        out += [
            Variant(f"bare httpx, httpx transport, {c}", "bare-httpx", c, "httpx"),
            Variant(f"bare httpx, aiohttp transport, {c}", "bare-aiohttp", c, "aiohttp"),
            Variant(f"bare httpx, aiohttp transport, cold, {c}", "bare-aiohttp-cold", c, "aiohttp"),
            Variant(f"operator, httpx transport (before), {c}", "list", c, "httpx"),
            Variant(
                f"operator, aiohttp transport, body written by a task (before), {c}", "list-lazywrite", c
            ),
            Variant(f"operator, aiohttp transport (after), {c}", "list", c, "aiohttp"),
        ]
    return out


@dataclass
class Run:
    table: str
    round: int
    variant: Variant
    orders: int
    load: float
    seconds: float
    cpu_seconds: float
    client_p50_ms: float | None
    probe_p50_ms: float
    peak_in_flight: int
    server_cpu_seconds: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.orders / self.seconds

    @property
    def limit(self) -> float:
        """Orders/s with ``concurrency`` requests always in flight, each taking the probe's p50."""
        return self.variant.concurrency / (self.probe_p50_ms / 1000) / self.variant.calls_per_order

    @property
    def cpu_ms_per_order(self) -> float:
        return self.cpu_seconds * 1000 / self.orders

    @property
    def server_busy(self) -> float | None:
        """The sandbox process's CPU over the run's wall time: 1.0 is its one event loop saturated."""
        return None if self.server_cpu_seconds is None else self.server_cpu_seconds / self.seconds


# ------------------------------------------------------------------ the sandbox (own process)
def _serve(latency_ms: float, queue: Any) -> None:
    from airflow_provider.sandbox.hypersku import create_app
    from airflow_provider.sandbox.kit import Faults, start_server

    server = start_server(create_app(faults=Faults(latency_ms=latency_ms)))
    queue.put(server.url)
    server.thread.join()


def _probe_p50(url: str) -> float:
    """The sandbox's own round trip in ms: creates sent one at a time, median."""
    import httpx

    from airflow_provider.sandbox.hypersku import SANDBOX_EXAMPLE_ORDER, SANDBOX_PASSWORD, SANDBOX_USERNAME

    prefix = f"probe-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=url, timeout=60) as client:
        login = client.post(TOKEN, json={"username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD})
        headers = {"Authorization": login.json()["token"]}
        times = []
        for i in range(PROBE_CALLS):
            body = {**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"{prefix}-{i}", "thirdOrderName": prefix}
            started = time.perf_counter()
            client.post(CREATE, json=body, headers=headers).raise_for_status()
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _write_orders(path: str, prefix: str, n: int) -> None:
    sys.path.insert(0, HERE)
    from bench_variants import order

    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(json.dumps(order(prefix, i)) + "\n")


def _run(
    table: str, round_no: int, variant: Variant, url: str, n: int, probe: float, folder: str, server_pid: int
) -> Run:
    import httpx

    prefix = os.path.join(folder, f"B{uuid.uuid4().hex[:10]}")
    if variant.child.removesuffix("-lazywrite") in ("list", "file", "list-lookup"):
        _write_orders(f"{prefix}.jsonl", os.path.basename(prefix), n)
    result_path = f"{prefix}.result.json"
    env = {**os.environ, "FULFILLMENT_ASYNC_TRANSPORT": variant.transport, SERVER_PID_ENV: str(server_pid)}
    httpx.post(f"{url}/_sandbox/stats/reset", timeout=30)
    load = os.getloadavg()[0]
    command = [sys.executable, os.path.join(HERE, "bench_variants.py"), variant.child, url, str(n)]
    command += [str(variant.concurrency), prefix, result_path]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, cwd=folder)
    if done.returncode != 0:
        raise SystemExit(f"{variant.label} failed:\n{done.stderr[-4000:]}")
    with open(result_path, encoding="utf-8") as handle:
        result = json.load(handle)
    stats = httpx.get(f"{url}/_sandbox/stats", timeout=30).json()
    for name in os.listdir(folder):
        if name.startswith(os.path.basename(prefix)):
            os.remove(os.path.join(folder, name))
    return Run(
        table=table,
        round=round_no,
        variant=variant,
        orders=n,
        load=load,
        seconds=result["seconds"],
        cpu_seconds=result["cpu_seconds"],
        client_p50_ms=result["p50_ms"],
        probe_p50_ms=probe,
        peak_in_flight=int(stats.get("peak_in_flight", 0)),
        server_cpu_seconds=result.get("server_cpu_seconds"),
    )


def _turned(variants: list[Variant], round_no: int) -> list[Variant]:
    """Round r starts r-1 places further on; even rounds run backwards."""
    shift = (round_no - 1) % len(variants)
    turned = variants[shift:] + variants[:shift]
    return turned if round_no % 2 else list(reversed(turned))


def _print_run(run: Run, reference: float | None) -> None:
    ratio = f"{run.rate / reference:6.1%}" if reference else "     "
    p50 = f"{run.client_p50_ms:7.1f}" if run.client_p50_ms else "      -"
    print(
        f"{run.round:>3} {run.variant.label:<68}{run.load:>6.2f}{run.orders:>7}{run.rate:>9.1f} {ratio:>7}"
        f"{run.limit:>9.1f}{run.rate / run.limit:>7.0%}{run.peak_in_flight:>6}{p50}{run.probe_p50_ms:>8.1f}"
        f"{run.cpu_ms_per_order:>8.2f}{_busy(run):>7}",
        flush=True,
    )


HEADER = (
    f"{'rnd':>3} {'variant':<68}{'load':>6}{'orders':>7}{'orders/s':>9} {'vs ref':>7}{'c/p50':>9}{'share':>7}"
    f"{'peak':>6}{'p50':>7}{'probe':>8}{'cpu ms':>8}{'srv':>7}"
)


def _busy(run: Run) -> str:
    return "-" if run.server_busy is None else f"{run.server_busy:.0%}"


def _table(
    name: str,
    variants: list[Variant],
    url: str,
    args: argparse.Namespace,
    folder: str,
    orders: int,
    rounds: int,
    server_pid: int,
) -> list[Run]:
    runs: list[Run] = []
    print(f"\n== {name}")
    print(HEADER)
    for round_no in range(1, rounds + 1):
        probe = _probe_p50(url)
        reference = None
        for variant in _turned(variants, round_no):
            n = args.baseline_orders if variant.baseline else orders
            run = _run(name, round_no, variant, url, n, probe, folder, server_pid)
            runs.append(run)
        mine = [r for r in runs if r.round == round_no]
        reference = next((r.rate for r in mine if r.variant == variants[0]), None)
        for variant in variants:  # printed in the table's order, run in the turned one
            _print_run(next(r for r in mine if r.variant == variant), reference)
    return runs


def _summary(name: str, runs: list[Run], variants: list[Variant]) -> None:
    print(
        f"\n{name}: medians over {max(r.round for r in runs)} rounds (min-max); ratio to the first row per round"
    )
    print(
        "| variant | orders/s median (min-max) | load (min-max) | ratio to first row: median (per round) | "
        "c / p50 | share of c / p50 | peak in flight | CPU ms / order | sandbox CPU ms / order | sandbox busy |"
    )
    print("|---|--:|--:|---|--:|--:|--:|--:|--:|--:|")
    for variant in variants:
        mine = [r for r in runs if r.variant == variant]
        rates = [r.rate for r in mine]
        loads = [r.load for r in mine]
        ratios = []
        for run in mine:
            first = next(r for r in runs if r.round == run.round and r.variant == variants[0])
            ratios.append(run.rate / first.rate)
        print(
            f"| {variant.label} | {statistics.median(rates):.1f} ({min(rates):.1f}-{max(rates):.1f}) | "
            f"{min(loads):.2f}-{max(loads):.2f} | **{statistics.median(ratios):.2f}** "
            f"({' '.join(f'{x:.2f}' for x in ratios)}) | "
            f"{statistics.median(r.limit for r in mine):.1f} | "
            f"{statistics.median(r.rate / r.limit for r in mine):.0%} | "
            f"{max(r.peak_in_flight for r in mine)} | {statistics.median(r.cpu_ms_per_order for r in mine):.2f} | "
            f"{_median_or_dash([r.server_cpu_seconds * 1000 / r.orders for r in mine if r.server_cpu_seconds is not None])} | "
            f"{_median_or_dash([r.server_busy * 100 for r in mine if r.server_busy is not None], '%', 0)} |"
        )


def _chosen(variants: list[Variant], only: str | None) -> list[Variant]:
    if not only:
        return variants
    parts = [part.strip() for part in only.split("|") if part.strip()]
    return [v for v in variants if any(part in v.label for part in parts)]


def _median_or_dash(values: list[float], unit: str = "", digits: int = 2) -> str:
    return f"{statistics.median(values):.{digits}f}{unit}" if values else "-"


def _start_sandbox(latency_ms: float) -> tuple[Any, str]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    server = ctx.Process(target=_serve, args=(latency_ms, queue), daemon=True)
    server.start()
    return server, queue.get(timeout=60)


def _pid(process: Any) -> int:
    pid = process.pid
    assert pid is not None
    return int(pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the 20 ms table (0: skip)")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--baseline-orders", type=int, default=100, help="HttpHook / HttpOperator runs")
    parser.add_argument("--rounds-200", type=int, default=3, help="rounds of the 200 ms table (0: skip)")
    parser.add_argument("--orders-200", type=int, default=1000)
    parser.add_argument("--levels", default="16,64,128", help="concurrency of the 200 ms table")
    parser.add_argument("--json", help="write every run here (for chart.py)")
    parser.add_argument(
        "--only",
        help="parts of variant labels, separated by |: run those variants alone (the first one "
        "chosen is each table's reference row)",
    )
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-interleaved-")
    os.environ["AIRFLOW_HOME"] = folder
    os.environ["FULFILLMENT_TOKEN_STORE"] = "memory"  # no metadata DB here: tokens shared in-process
    started, load_start = time.perf_counter(), os.getloadavg()
    print(
        f"HyperSKU creates, fresh ids, {os.cpu_count()} CPUs; load {load_start[0]:.2f} at the start. Columns: "
        "load = 1-minute load when the run started; vs ref = orders/s / bare httpx at 16 of the same round; "
        "c/p50 = the physical limit in orders/s (concurrency / the sandbox's p50, per call of the variant); "
        "share = orders/s of it; peak = the sandbox's most requests in flight; p50 = the client's median "
        "round trip in the run; probe = the sandbox's p50 one at a time before the round; cpu ms = the "
        "client process's CPU per order; srv = the sandbox process's CPU over the timed part / its wall time "
        "(100% = its one event loop saturated)."
    )
    runs: list[Run] = []
    main_variants = _chosen(MAIN, args.only) if args.rounds else []
    levels = [int(level) for level in args.levels.split(",") if level]
    wide = _chosen(concurrency_variants(levels), args.only) if args.rounds_200 else []
    if not main_variants and not wide:
        raise SystemExit("no variant to run (--only, --rounds, --rounds-200)")
    if main_variants:
        server, url = _start_sandbox(20.0)
        try:
            runs += _table(
                "20 ms latency", main_variants, url, args, folder, args.orders, args.rounds, _pid(server)
            )
        finally:
            server.terminate()
    if wide:
        server, url = _start_sandbox(200.0)
        try:
            runs += _table(
                "200 ms latency", wide, url, args, folder, args.orders_200, args.rounds_200, _pid(server)
            )
        finally:
            server.terminate()
    if main_variants:
        print()
        _summary("20 ms latency", [r for r in runs if r.table == "20 ms latency"], main_variants)
    if wide:
        print()
        _summary("200 ms latency", [r for r in runs if r.table == "200 ms latency"], wide)
    print(
        f"\nload {load_start[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as handle:
            rows = [
                {**asdict(r), "variant": asdict(r.variant), "rate": r.rate, "limit": r.limit} for r in runs
            ]
            json.dump({"load_start": load_start[0], "runs": rows}, handle, indent=1)


if __name__ == "__main__":
    main()
