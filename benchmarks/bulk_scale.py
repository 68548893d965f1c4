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

The same operator also runs **in process** (``inproc``) at every size with a transport that
answers each call with the sandbox's own token and create answers, captured once: no network,
no simulator CPU, so the figures show the operator's own cost and memory as the batch grows
(on a shared 2-core machine the sandbox itself is the bottleneck of the networked runs).

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


def _canned_transport(url: str) -> Any:
    """A transport answering token and create calls with the sandbox's own answers (captured)."""
    import httpx

    from airflow_provider.sandbox.hypersku import SANDBOX_PASSWORD, SANDBOX_USERNAME

    with httpx.Client(base_url=url, timeout=30) as client:
        token = client.post(
            "/api/auth/admin/token", json={"username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD}
        )
        created = client.post(
            CREATE, json=_order(uuid.uuid4().hex[:8], 0), headers={"Authorization": token.json()["token"]}
        )
    token_body, created_body = token.content, created.content

    def handle(request: httpx.Request) -> httpx.Response:
        body = created_body if request.url.path == CREATE else token_body
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handle)


def _operator_class(url: str, inproc: bool, core: bool = False) -> Any:
    from functools import cached_property

    from airflow_provider.hypersku.hooks import HyperSkuHook
    from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator

    if not inproc:
        return HyperSkuCreateOrdersOperator
    transport = _canned_transport(url)

    class InProcess(HyperSkuCreateOrdersOperator):
        @cached_property
        def hook(self) -> HyperSkuHook:
            return HyperSkuHook(self.conn_id, max_concurrency=self.max_concurrency, transport=transport)

    class CoreOnly(InProcess):
        """The same report, with HyperSKU's report_extra reading the results once, holding ids
        only (today it keeps a list of every present ItemResult: ~1.5 KB an order)."""

        def report_extra(self, report: Any) -> dict[str, Any]:
            order_ids: list[str] = []
            third_order_ids: list[str] = []
            for result in report.results:
                if not result.failed and result.id:
                    order_ids.append(result.id)
                    third_order_ids.append(result.key)
            return {"order_ids": order_ids, "third_order_ids": third_order_ids}

    return CoreOnly if core else InProcess


def _operator(url: str, n: int, mode: str, folder: str, prefix: str) -> dict[str, Any]:
    HyperSkuCreateOrdersOperator = _operator_class(url, mode.startswith("inproc"), mode == "inproc-core")
    mode = mode.removeprefix("inproc-").replace("core", "file")

    warm = HyperSkuCreateOrdersOperator(
        task_id="warm",
        orders=[_order(f"{prefix}-w", i) for i in range(20)],
        max_concurrency=CONCURRENCY,
        lookup_first=False,
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
        lookup_first=False,  # creates alone; the look-up's cost: lookup_first_cost.py
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
    if variant in ("file", "list", "inproc-file", "inproc-list", "inproc-core"):
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
    if variant in ("file", "list", "inproc-file", "inproc-list", "inproc-core"):
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


LABELS = {
    "ceiling": "ceiling: bare httpx.AsyncClient",
    "file": "operator, JSON-lines file",
    "list": "operator, list + results_path",
    "httphook": "HttpHook loop (scaled)",
    "httpop": "HttpOperator per order (scaled)",
    "inproc-file": "operator, JSON-lines file",
    "inproc-list": "operator, list + results_path",
    "inproc-core": "core alone (lean report_extra), file",
}


def _table(title: str, rows: list[dict[str, Any]], ceiling: float | None) -> None:
    first = next((row for row in rows if row["variant"].endswith(("file", "core"))), rows[0])
    firsts: dict[str, dict[str, Any]] = {}
    for row in rows:
        firsts.setdefault(row["variant"], row)
    print(f"\n{title}")
    print(
        "| variant | orders | orders/s | of ceiling | vs first file run | peak RSS MB | RSS vs its first run | XCom bytes |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for row in rows:
        share = f"{row['rate'] / ceiling:.0%}" if ceiling else ""
        delta = (
            f"{row['peak_rss_mb'] - firsts[row['variant']]['peak_rss_mb']:+.1f}"
            if row["variant"] in ("file", "inproc-file", "inproc-core")
            else ""
        )
        xcom = f"{row['xcom_bytes']:,}" if "xcom_bytes" in row else ""
        print(
            f"| {LABELS[row['variant']]} | {row['orders']:,} | {row['rate']:.1f} | {share} | "
            f"{row['rate'] / first['rate']:.2f}x | {row['peak_rss_mb']:.1f} | {delta} | {xcom} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="in-process runs (file input)")
    parser.add_argument("--list-max", type=int, default=10000, help="largest list-input run")
    parser.add_argument("--sandbox-sizes", default="1000,10000", help="runs against the sandbox")
    parser.add_argument("--core-sizes", default="1000,100000", help="in-process, lean report_extra")
    parser.add_argument("--baseline-orders", type=int, default=300)
    parser.add_argument("--ceiling-orders", type=int, default=3000)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    sandbox_sizes = [int(size) for size in args.sandbox_sizes.split(",") if size]
    core_sizes = [int(size) for size in args.core_sizes.split(",") if size]
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="bench-airflow-")
    os.environ["FULFILLMENT_TOKEN_STORE"] = "memory"
    folder = tempfile.mkdtemp(prefix="bench-orders-")
    load_before = os.getloadavg()

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    server = ctx.Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    url = queue.get(timeout=60)
    networked: list[dict[str, Any]] = []
    inproc: list[dict[str, Any]] = []
    try:
        for n in sizes:
            inproc.append(run_child("inproc-file", url, n, folder))
            if n <= args.list_max:
                inproc.append(run_child("inproc-list", url, n, folder))
        inproc.extend(run_child("inproc-core", url, n, folder) for n in core_sizes)
        if sandbox_sizes:
            networked.append(run_child("ceiling", url, args.ceiling_orders, folder))
            for n in sandbox_sizes:
                networked.append(run_child("file", url, n, folder))
                if n <= args.list_max:
                    networked.append(run_child("list", url, n, folder))
            networked.append(run_child("httphook", url, args.baseline_orders, folder))
            networked.append(run_child("httpop", url, max(50, args.baseline_orders // 2), folder))
    finally:
        server.terminate()
    load_after = os.getloadavg()

    print(
        f"HyperSKU creates, concurrency {CONCURRENCY}, {os.cpu_count()} CPUs, "
        f"load average {load_before[0]:.2f} before / {load_after[0]:.2f} after"
    )
    if inproc:
        _table("In process (the sandbox's answers, captured; no network):", inproc, None)
        for variant in ("inproc-file", "inproc-core"):
            files = [row for row in inproc if row["variant"] == variant]
            if len(files) < 2:
                continue
            first, largest = files[0], files[-1]
            print(
                f"{LABELS[variant]}: {largest['orders']:,} orders: peak RSS "
                f"{largest['peak_rss_mb'] - first['peak_rss_mb']:+.1f} MB over the {first['orders']:,} run "
                f"(target < 150), XCom {largest['xcom_bytes']:,} bytes (target < 1 MB), orders/s "
                f"{largest['rate'] / first['rate'] - 1:+.0%} vs the {first['orders']:,} run (target within 10%)"
            )
    if networked:
        _table(
            f"Against the sandbox (own process, {LATENCY_MS:.0f} ms latency); ceiling = bare httpx at the same "
            "concurrency; baselines on fewer orders, rate per order:",
            networked,
            networked[0]["rate"],
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6])
    else:
        main()
