"""
What the provider's metrics cost a bulk run: 1,000 HyperSKU creates against the sandbox (in its
own process, no injected latency, so the client's CPU is what is measured), several rounds.

Run it once per configuration and compare the medians: ``--stats off`` (Airflow's default
NoStatsLogger) or ``--stats statsd`` (Airflow's own StatsD backend sending every metric as a UDP
packet to a local port). To compare with code without the metrics, put an older checkout of
``airflow_provider`` first on ``PYTHONPATH``. Prints the CPU seconds of the task's process and
the wall seconds per round, and their medians.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import statistics
import time
import uuid
from typing import Any


def _serve(queue: Any) -> None:
    from airflow_provider.sandbox.hypersku import create_app
    from airflow_provider.sandbox.kit import Faults, start_server

    server = start_server(create_app(faults=Faults()))
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # the StatsD port: bound, never read
    sink.bind(("127.0.0.1", 0))
    queue.put((server.url, sink.getsockname()[1]))
    server.thread.join()


def _use_statsd(port: int) -> None:
    os.environ.update(
        {
            "AIRFLOW__METRICS__STATSD_ON": "True",
            "AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1",
            "AIRFLOW__METRICS__STATSD_PORT": str(port),
        }
    )
    from airflow.sdk._shared.observability.metrics import stats
    from airflow.sdk.observability.metrics import stats_utils

    stats.initialize(factory=stats_utils.get_stats_factory(), export_legacy_names=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--stats", choices=("off", "statsd"), default="off")
    args = parser.parse_args()

    queue: Any = multiprocessing.get_context("spawn").Queue()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    url, statsd_port = queue.get(timeout=60)
    from airflow_provider.sandbox.hypersku import SANDBOX_EXAMPLE_ORDER, sandbox_connection

    conn = sandbox_connection(url)
    os.environ["AIRFLOW_CONN_HYPERSKU_DEFAULT"] = json.dumps(conn)
    os.environ["FULFILLMENT_TOKEN_STORE"] = "memory"
    if args.stats == "statsd":
        _use_statsd(statsd_port)

    import airflow_provider
    from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator

    class TI:
        try_number, dag_id, task_id, map_index = 1, "bench", "create", -1

        def xcom_push(self, key: str, value: Any) -> None:
            pass

    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(args.rounds):
        prefix = uuid.uuid4().hex[:8]
        orders = [
            {**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"{prefix}-{i:05d}", "thirdOrderName": f"{prefix}-{i}"}
            for i in range(args.orders)
        ]
        operator = HyperSkuCreateOrdersOperator(task_id="create", orders=orders, max_concurrency=16)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        report = operator.execute({"ti": TI(), "run_id": "bench"})
        cpu.append(time.process_time() - cpu0)
        wall.append(time.perf_counter() - wall0)
        assert report["counts"] == {"created": args.orders}, report["counts"]
    where = os.path.dirname(airflow_provider.__file__)
    print(
        json.dumps(
            {
                "code": where,
                "stats": args.stats,
                "orders": args.orders,
                "cpu_s": [round(x, 3) for x in cpu],
                "wall_s": [round(x, 3) for x in wall],
                "cpu_median_s": round(statistics.median(cpu), 3),
                "wall_median_s": round(statistics.median(wall), 3),
            }
        ),
        flush=True,
    )
    server.terminate()


if __name__ == "__main__":
    main()
