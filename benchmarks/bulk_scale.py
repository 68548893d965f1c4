"""
Bulk creates at 1,000 / 10,000 / 100,000 orders against the HyperSKU sandbox, side by side in one
run: orders/s, peak RSS, XCom report bytes and the share of the measured ceiling.

- **operator (file)**: ``HyperSkuCreateOrdersOperator(orders="file:///….jsonl")``: two streaming
  passes, results streamed to the JSON-lines file beside the input, a bounded XCom report.
- **operator (list)**: the same operator given the orders as a list (one batch in memory, as
  before), at the smaller sizes, for comparison.
- **ceiling**: a bare ``httpx.AsyncClient`` at the same concurrency posting the same creates to
  the same sandbox endpoint (token fetched once, no validation, no idempotency): what the
  client side cannot beat on this machine.
- **HttpHook loop**: what a user writes today in a ``@task``: ``HttpHook.run`` per order
  (apache-airflow-providers-http, token fetched once). Fewer orders, rate scaled.
- **HttpOperator mapped**: one ``HttpOperator`` per order, each ``execute``d in this process:
  the task-start and scheduling cost of a real mapped task instance (seconds each) is NOT
  included, so this is an upper bound on that baseline. Fewer orders, rate scaled.

Every variant runs in a fresh subprocess (peak RSS = that child's ``ru_maxrss``); the sandbox
runs in its own process, as a remote platform would. The input file is written by the parent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any

LATENCY_MS = 20.0
CONCURRENCY = 16
CREATE = "/api/customer/admin/orders/create"


def _serve(queue: Any) -> None:
    from airflow_provider.sandbox.hypersku import create_app
    from airflow_provider.sandbox.kit import Faults, start_server

    server = start_server(create_app(faults=Faults(latency_ms=LATENCY_MS)))
    queue.put(server.url)
    server.thread.join()


def _order(prefix: str, i: int) -> dict[str, Any]:
    from airflow_provider.sandbox.hypersku import SANDBOX_EXAMPLE_ORDER

    return {**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"{prefix}-{i:06d}", "thirdOrderName": f"{prefix}-{i}"}


def _write_orders(path: str, prefix: str, n: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(json.dumps(_order(prefix, i)) + "\n")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# ------------------------------------------------------------------ the variants (in a child)
class _TI:
    def xcom_push(self, key: str, value: Any) -> None:
        raise AssertionError(f"an order failed: {json.dumps(value)[:500]}")


def _operator(url: str, n: int, mode: str, folder: str, prefix: str) -> dict[str, Any]:
    from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator

    warm = HyperSkuCreateOrdersOperator(
        task_id="warm", orders=[_order(f"{prefix}-w", i) for i in range(20)], max_concurrency=CONCURRENCY
    )
    warm.execute({"ti": _TI()})  # type: ignore[arg-type]
    start_rss = _rss_mb()
    if mode == "file":
        path = os.path.join(folder, f"{prefix}.jsonl")
        orders: Any = "file://" + path
    else:
        with open(os.path.join(folder, f"{prefix}.jsonl"), encoding="utf-8") as handle:
            orders = [json.loads(line) for line in handle]
    operator = HyperSkuCreateOrdersOperator(
        task_id="create",
        orders=orders,
        max_concurrency=CONCURRENCY,
        results_path=None if mode == "file" else os.path.join(folder, f"{prefix}.list-results.jsonl"),
    )
    started = time.perf_counter()
    report = operator.execute({"ti": _TI()})  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    assert report["counts"] == {"created": n}, report["counts"]
    return {"seconds": seconds, "xcom_bytes": len(json.dumps(report)), "start_rss": start_rss}


def _ceiling(url: str, n: int, prefix: str) -> dict[str, Any]:
    import httpx

    from airflow_provider.sandbox.hypersku import SANDBOX_PASSWORD, SANDBOX_USERNAME

    async def run() -> float:
        async with httpx.AsyncClient(
            base_url=url,
            timeout=30,
            limits=httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY),
        ) as client:
            login = await client.post(
                "/api/auth/admin/token", json={"username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD}
            )
            headers = {"Authorization": login.json()["token"]}
            positions = iter(range(n))

            async def worker() -> None:
                for i in positions:
                    answer = await client.post(CREATE, json=_order(prefix, i), headers=headers)
                    assert answer.json()["status"] in (0, 200), answer.text

            await asyncio.gather(*(worker() for _ in range(20)))  # warm-up order ids below
            started = time.perf_counter()
            positions = iter(range(20, n + 20))
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            return time.perf_counter() - started

    return {"seconds": asyncio.run(run())}


def _http_hook_loop(url: str, n: int, prefix: str) -> dict[str, Any]:
    from airflow.providers.http.hooks.http import HttpHook

    from airflow_provider.sandbox.hypersku import SANDBOX_PASSWORD, SANDBOX_USERNAME

    hook = HttpHook(method="POST", http_conn_id="sandbox_http")
    login = hook.run(
        "/api/auth/admin/token", json={"username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD}
    )
    headers = {"Authorization": login.json()["token"]}
    started = time.perf_counter()
    for i in range(n):
        answer = hook.run(CREATE, json=_order(prefix, i), headers=headers)
        assert answer.json()["status"] in (0, 200), answer.text
    return {"seconds": time.perf_counter() - started}


def _http_operator_mapped(url: str, n: int, prefix: str) -> dict[str, Any]:
    from airflow.providers.http.hooks.http import HttpHook
    from airflow.providers.http.operators.http import HttpOperator

    from airflow_provider.sandbox.hypersku import SANDBOX_PASSWORD, SANDBOX_USERNAME

    login = HttpHook(method="POST", http_conn_id="sandbox_http").run(
        "/api/auth/admin/token", json={"username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD}
    )
    headers = {"Authorization": login.json()["token"], "Content-Type": "application/json"}
    started = time.perf_counter()
    for i in range(n):
        operator = HttpOperator(
            task_id=f"create_{i}",
            http_conn_id="sandbox_http",
            endpoint=CREATE,
            method="POST",
            data=json.dumps(_order(prefix, i)),
            headers=headers,
            response_check=lambda response: response.json()["status"] in (0, 200),
        )
        operator.execute({})  # type: ignore[arg-type]
    return {"seconds": time.perf_counter() - started}


def child(variant: str, url: str, n: int, folder: str, prefix: str) -> None:
    import logging

    logging.disable(logging.WARNING)
    from airflow_provider.sandbox.hypersku import sandbox_connection

    os.environ["AIRFLOW_CONN_HYPERSKU_DEFAULT"] = json.dumps(sandbox_connection(url))
    host, port = url.removeprefix("http://").split(":")
    os.environ["AIRFLOW_CONN_SANDBOX_HTTP"] = json.dumps(
        {"conn_type": "http", "host": host, "port": int(port), "schema": "http"}
    )
    if variant in ("file", "list"):
        out = _operator(url, n, variant, folder, prefix)
    elif variant == "ceiling":
        out = _ceiling(url, n, prefix)
    elif variant == "httphook":
        out = _http_hook_loop(url, n, prefix)
    else:
        out = _http_operator_mapped(url, n, prefix)
    out["peak_rss_mb"] = _rss_mb()
    print("RESULT " + json.dumps(out))


# ------------------------------------------------------------------ the parent
def run_child(variant: str, url: str, n: int, folder: str) -> dict[str, Any]:
    prefix = f"{variant}-{n}-{uuid.uuid4().hex[:6]}"
    if variant in ("file", "list"):
        _write_orders(os.path.join(folder, f"{prefix}.jsonl"), prefix, n)
    done = subprocess.run(
        [sys.executable, __file__, "--child", variant, url, str(n), folder, prefix],
        capture_output=True,
        text=True,
        env=os.environ,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        raise RuntimeError(f"{variant} {n} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    out: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
    out.update(variant=variant, orders=n, rate=n / out["seconds"])
    print(f"# {variant} {n}: {json.dumps(out)}", flush=True)
    for name in os.listdir(folder):
        if name.startswith(prefix):
            os.remove(os.path.join(folder, name))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--list-max", type=int, default=10000, help="largest list-input run")
    parser.add_argument("--baseline-orders", type=int, default=300)
    parser.add_argument("--ceiling-orders", type=int, default=5000)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="bench-airflow-")
    os.environ["FULFILLMENT_TOKEN_STORE"] = "memory"
    folder = tempfile.mkdtemp(prefix="bench-orders-")
    load_before = os.getloadavg()

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    server = ctx.Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    url = queue.get(timeout=60)
    rows: list[dict[str, Any]] = []
    try:
        rows.append(run_child("ceiling", url, args.ceiling_orders, folder))
        for n in sizes:
            rows.append(run_child("file", url, n, folder))
            if n <= args.list_max:
                rows.append(run_child("list", url, n, folder))
        rows.append(run_child("httphook", url, args.baseline_orders, folder))
        rows.append(run_child("httpop", url, max(50, args.baseline_orders // 2), folder))
    finally:
        server.terminate()
    load_after = os.getloadavg()

    ceiling = rows[0]["rate"]
    first = next(row for row in rows if row["variant"] == "file")
    labels = {
        "ceiling": "ceiling: bare httpx.AsyncClient",
        "file": "operator, JSON-lines file",
        "list": "operator, list + results_path",
        "httphook": "HttpHook loop (scaled)",
        "httpop": "HttpOperator per order (scaled)",
    }
    print(
        f"HyperSKU creates, sandbox latency {LATENCY_MS:.0f} ms, concurrency {CONCURRENCY}, "
        f"{os.cpu_count()} CPUs, load average {load_before[0]:.2f} before / {load_after[0]:.2f} after"
    )
    header = f"| {'variant':<34}| {'orders':>8} | {'orders/s':>8} | {'of ceiling':>10} | {'vs 1k file':>10} | {'peak RSS MB':>11} | {'RSS vs 1k':>9} | {'XCom bytes':>10} |"
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for row in rows:
        vs_first = row["rate"] / first["rate"]
        rss_delta = row["peak_rss_mb"] - first["peak_rss_mb"] if row["variant"] == "file" else None
        print(
            f"| {labels[row['variant']]:<34}| {row['orders']:>8,} | {row['rate']:>8.1f} | "
            f"{row['rate'] / ceiling:>10.0%} | {vs_first:>9.2f}x | {row['peak_rss_mb']:>11.1f} | "
            f"{'' if rss_delta is None else f'{rss_delta:+.1f}':>9} | "
            f"{row.get('xcom_bytes', ''):>10} |"
        )
    largest = [row for row in rows if row["variant"] == "file"][-1]
    print(
        f"largest file run ({largest['orders']:,}): RSS {largest['peak_rss_mb'] - first['peak_rss_mb']:+.1f} MB "
        f"over the {first['orders']:,} run (target < 150), XCom {largest['xcom_bytes']:,} bytes (target < 1 MB), "
        f"orders/s {largest['rate'] / first['rate'] - 1:+.0%} vs the {first['orders']:,} run (target within 10%)"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6])
    else:
        sys.exit(main())
