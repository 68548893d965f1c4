"""``python -m airflow_provider.sandbox``: serve the simulated APIs until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from airflow_provider.platforms import get_platform
from airflow_provider.sandbox.cluster import SandboxCluster, start_cluster
from airflow_provider.sandbox.connections import export_lines, write_connections_file
from airflow_provider.sandbox.kit import DUPLICATE_ID_MODES
from airflow_provider.sandbox.registry import simulated_platforms

DEFAULT_CONNECTIONS_FILE = Path(tempfile.gettempdir()) / "fulfillment-sandbox-connections.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    names = [p.name for p in simulated_platforms()]
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider.sandbox",
        description=f"Serve simulated {', '.join(p.display_name for p in simulated_platforms())} APIs on loopback.",
    )
    parser.add_argument("--platform", action="append", choices=names, help="serve only these (repeatable)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="PLATFORM=PORT",
        help="fixed port for a platform, e.g. hypersku=8101 (default: a free port)",
    )
    parser.add_argument(
        "--speed", type=float, default=60.0, help="simulated seconds per real second (default 60)"
    )
    parser.add_argument(
        "--duplicate-ids",
        choices=DUPLICATE_ID_MODES,
        default=None,
        help="answer to a create reusing the caller's order id: refuse, or accept (a second order); "
        "default: each platform's documented answer (超8, HiShopping refuse; HyperSKU, SuperShip accept)",
    )
    parser.add_argument(
        "--connections-file",
        type=Path,
        default=DEFAULT_CONNECTIONS_FILE,
        help=f"where to write the connections for `airflow connections import` (default {DEFAULT_CONNECTIONS_FILE})",
    )
    parser.add_argument(
        "--drift",
        action="store_true",
        help="answer the way a real platform may differ from its documents: a renamed field, a moved "
        "path, an undocumented status and business code, another envelope (see /_sandbox/drift)",
    )
    faults = parser.add_argument_group("fault injection (business calls; token calls are spared)")
    faults.add_argument("--error-rate", type=float, default=0.0, help="share of calls answered HTTP 500")
    faults.add_argument("--rate-limit-rate", type=float, default=0.0, help="share of calls answered HTTP 429")
    faults.add_argument("--retry-after", type=float, default=1.0, help="Retry-After seconds sent with 429")
    faults.add_argument("--latency-ms", type=float, default=0.0, help="latency added to every call")
    faults.add_argument(
        "--drop-rate", type=float, default=0.0, help="share of connections closed before handling"
    )
    faults.add_argument(
        "--lose-answer-rate", type=float, default=0.0, help="share of calls handled, then the answer lost"
    )
    faults.add_argument("--seed", type=int, default=None, help="random seed for reproducible faults")
    return parser.parse_args(argv)


def _ports(values: list[str]) -> dict[str, int]:
    names = [p.name for p in simulated_platforms()]
    ports: dict[str, int] = {}
    for value in values:
        platform, _, port = value.partition("=")
        if platform not in names or not port.isdigit():
            raise SystemExit(f"--port expects PLATFORM=PORT with PLATFORM in {sorted(names)}, got {value!r}")
        ports[platform] = int(port)
    return ports


def describe(cluster: SandboxCluster, connections_file: Path) -> str:
    lines = [f"Sandbox running (clock speed x{cluster.clock.speed:g}):"]
    for platform, url in cluster.urls.items():
        mode = cluster.backends[platform].duplicate_ids
        drift = ", drift on" if cluster.backends[platform].drift.on else ""
        lines.append(
            f"  {get_platform(platform).display_name:<14} {url}   "
            f"(control API: {url}/_sandbox/docs; reused ids: {mode}{drift})"
        )
    lines += ["", "# Connections as environment variables (for `airflow dags test`, your shell, tests):"]
    lines += export_lines(cluster.connections)
    lines += [
        "",
        "# Or stored in the metadata DB (no secret on the command line):",
        f"airflow connections import {connections_file}",
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    faults: dict[str, Any] = {
        "error_rate": args.error_rate,
        "rate_limit_rate": args.rate_limit_rate,
        "retry_after": args.retry_after,
        "latency_ms": args.latency_ms,
        "drop_rate": args.drop_rate,
        "lose_answer_rate": args.lose_answer_rate,
        "seed": args.seed,
    }
    cluster = start_cluster(
        platforms=args.platform,
        speed=args.speed,
        faults=faults,
        duplicate_ids=args.duplicate_ids,
        host=args.host,
        ports=_ports(args.port),
        drift=args.drift,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        path = write_connections_file(cluster.connections, args.connections_file)
        print(describe(cluster, path), flush=True)
        while not stop.wait(0.5):  # wakes for signals on every platform
            pass
    finally:
        cluster.stop()
        print("Sandbox stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
