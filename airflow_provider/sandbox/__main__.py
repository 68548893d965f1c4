"""``python -m airflow_provider.sandbox``: serve the four simulated APIs until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from airflow_provider.sandbox.cluster import PLATFORMS, SandboxCluster, start_cluster


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider.sandbox",
        description="Serve simulated HyperSKU, SuperShip, 超8 and HiShopping APIs on loopback.",
    )
    parser.add_argument(
        "--platform", action="append", choices=list(PLATFORMS), help="serve only these (repeatable)"
    )
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
    ports: dict[str, int] = {}
    for value in values:
        platform, _, port = value.partition("=")
        if platform not in PLATFORMS or not port.isdigit():
            raise SystemExit(
                f"--port expects PLATFORM=PORT with PLATFORM in {sorted(PLATFORMS)}, got {value!r}"
            )
        ports[platform] = int(port)
    return ports


def describe(cluster: SandboxCluster) -> str:
    lines = [f"Sandbox running (clock speed x{cluster.clock.speed:g}):"]
    for platform, url in cluster.urls.items():
        lines.append(f"  {PLATFORMS[platform][0]:<14} {url}   (control: {url}/_sandbox/docs)")
    lines += ["", "# Connections as environment variables:"]
    lines += [f"export {name}='{value}'" for name, value in cluster.env().items()]
    lines += ["", "# Or stored in the metadata DB:"]
    lines += cluster.cli_lines()
    lines += ["", "Press Ctrl-C to stop."]
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
        platforms=args.platform, speed=args.speed, faults=faults, host=args.host, ports=_ports(args.port)
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(describe(cluster), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        cluster.stop()
        print("Sandbox stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
