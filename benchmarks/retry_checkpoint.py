"""
What a retried attempt of a big create costs, with and without the run's checkpoint.

A HiShopping create of ``--orders`` orders (default 100,000) from a JSON-lines file runs as
attempt 1 in its own process against the sandbox (its own process too, accepting a reused
``merchant_order``, ``--latency-ms`` per call) and is SIGKILLed once the sandbox has counted
``--kill-at`` (default 60 %) of the creates. Attempt 2 (``try_number=2``) then runs in a fresh
process, twice over two such scenarios (fresh caller ids each):

- **with the checkpoint** (as the operator runs it): only the orders attempt 1 may have sent
  without confirming are looked up;
- **without** (its record removed before attempt 2, as before the checkpoint existed): every
  order is looked up before any create.

Prints per scenario: the look-ups and creates the sandbox counted for attempt 2, attempt 2's
time, the machine's load, and the orders made twice / lost (both must be 0).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any

CREATE = "/api/v1/open/order/create"
LOOKUP = "/api/v1/open/order/detail"
RUN_ID = "manual__2024-01-01T00:00:00+00:00"


# ------------------------------------------------------------------ the sandbox (own process)
def _serve(queue: Any, latency_ms: float) -> None:
    from airflow_provider.sandbox.kit import Faults, start_server
    from airflow_provider.sandbox.registry import load_simulator

    simulator = load_simulator("hishopping")
    backend = simulator.new_backend(
        faults=Faults(latency_ms=latency_ms), duplicate_ids="accept", starting_credit=10**12
    )
    server = start_server(simulator.create_app(backend))
    queue.put(server.url)
    server.thread.join()


def _connection_env(url: str) -> dict[str, str]:
    from airflow_provider.sandbox.registry import load_simulator

    conn = load_simulator("hishopping").connection(url)
    return {"AIRFLOW_CONN_HISHOPPING_DEFAULT": json.dumps(conn)}


def _stats(url: str) -> dict[str, int]:
    import httpx

    return dict(httpx.get(f"{url}/_sandbox/stats", timeout=60).json()["requests"])


def _made(url: str, prefix: str) -> dict[str, int]:
    import httpx

    store = httpx.get(f"{url}/_sandbox/store", timeout=600).json()
    table = store.get("orders", {})
    rows = table.values() if isinstance(table, dict) else table
    made: dict[str, int] = {}
    for row in rows:
        key = str(row.get("merchant_order", ""))
        if key.startswith(prefix):
            made[key] = made.get(key, 0) + 1
    return made


# ------------------------------------------------------------------ one attempt (a child)
def _child(args: argparse.Namespace) -> None:
    from airflow_provider.hishopping.operators import HiShoppingCreateOrdersOperator

    class TI:
        try_number = args.try_number
        dag_id, task_id, map_index = "bench", "create", -1

        def xcom_push(self, key: str, value: Any) -> None:
            pass

    operator = HiShoppingCreateOrdersOperator(task_id="create", orders=args.source, check_credit=False)
    report = operator.execute({"ti": TI(), "run_id": RUN_ID})
    print(json.dumps(report["counts"]), flush=True)


def _attempt(source: str, try_number: int, env: dict[str, str]) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        "--source",
        source,
        "--try",
        str(try_number),
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# ------------------------------------------------------------------ one scenario
def _scenario(
    url: str, n: int, kill_at: float, checkpoint: bool, folder: str, env: dict[str, str]
) -> dict[str, Any]:
    from airflow_provider.sandbox import hishopping as sb

    prefix = f"RC{uuid.uuid4().hex[:8]}-"
    source = os.path.join(folder, f"{prefix}orders.jsonl")
    with open(source, "w", encoding="utf-8") as handle:
        for i in range(n):
            order = {
                "merchant_order": f"{prefix}{i:06d}",
                "goods_id": sb.GOODS_EARBUDS,
                "sku_id": sb.SKU_EARBUDS_WHITE,
                "quantity": 1,
                "receiver": dict(sb.SANDBOX_RECEIVER),
            }
            handle.write(json.dumps(order) + "\n")
    start = _stats(url).get(CREATE, 0)
    attempt_1 = _attempt(source, 1, env)
    while _stats(url).get(CREATE, 0) - start < n * kill_at:  # a benchmark may poll
        if attempt_1.poll() is not None:
            raise SystemExit(f"attempt 1 ended before it was killed:\n{attempt_1.stderr.read()[-4000:]}")
        time.sleep(0.2)
    attempt_1.send_signal(signal.SIGKILL)
    attempt_1.wait()
    time.sleep(1)  # creates already on the wire are still handled by the sandbox
    if not checkpoint:
        sidecar = source[: -len(".jsonl")] + ".results.jsonl.checkpoint.json"
        os.unlink(sidecar)
    before = _stats(url)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    attempt_2 = _attempt(source, 2, env)
    out, err = attempt_2.communicate()
    seconds = time.perf_counter() - started
    if attempt_2.returncode != 0:
        raise SystemExit(f"attempt 2 failed:\n{err[-4000:]}")
    after = _stats(url)
    made = _made(url, prefix)
    return {
        "checkpoint": checkpoint,
        "load": load,
        "lookups": after.get(LOOKUP, 0) - before.get(LOOKUP, 0),
        "creates": after.get(CREATE, 0) - before.get(CREATE, 0),
        "seconds": seconds,
        "counts": json.loads(out.strip().splitlines()[-1]),
        "twice": sum(1 for count in made.values() if count > 1),
        "lost": n - len(made),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--kill-at", type=float, default=0.6)
    parser.add_argument("--latency-ms", type=float, default=2.0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--try", dest="try_number", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return

    queue: Any = multiprocessing.get_context("spawn").Queue()
    server = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(queue, args.latency_ms), daemon=True
    )
    server.start()
    url = queue.get(timeout=120)
    with tempfile.TemporaryDirectory(prefix="retry-checkpoint-") as folder:
        env = {
            **os.environ,
            **_connection_env(url),
            "AIRFLOW_HOME": folder,
            "FULFILLMENT_TOKEN_STORE": "memory",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        }
        rows = [_scenario(url, args.orders, args.kill_at, with_it, folder, env) for with_it in (True, False)]
    server.terminate()
    print(
        f"{args.orders:,} HiShopping creates from a JSON-lines file, attempt 1 SIGKILLed at "
        f"{args.kill_at:.0%}, sandbox at {args.latency_ms:g} ms, accepting reused ids"
    )
    print(f"{'attempt 2':<22}{'look-ups':>10}{'creates':>10}{'seconds':>10}{'load':>7}  twice lost  counts")
    for row in rows:
        name = "with the checkpoint" if row["checkpoint"] else "without (look all up)"
        print(
            f"{name:<22}{row['lookups']:>10,}{row['creates']:>10,}{row['seconds']:>10.1f}{row['load']:>7.2f}"
            f"  {row['twice']:>5} {row['lost']:>4}  {row['counts']}"
        )


if __name__ == "__main__":
    main()
