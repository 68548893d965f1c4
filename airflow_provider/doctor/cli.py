"""``python -m airflow_provider.doctor``: the doctor's command line and its two outputs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any

from airflow_provider.doctor.rows import Row
from airflow_provider.doctor.run import DEFAULT_SLOW_SECONDS, Report
from airflow_provider.doctor.sandbox import points_at_sandbox

REDACTED = "***"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider.doctor",
        description="Check a connection against its platform: every read-only operation, one row each.",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--conn-id", action="append", help="the connection to check (repeatable)")
    which.add_argument("--all", action="store_true", help="every connection of a provider type")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--include-writes",
        action="store_true",
        help="also call operations that change data (only for a connection to the sandbox)",
    )
    parser.add_argument(
        "--slow-seconds",
        type=float,
        default=DEFAULT_SLOW_SECONDS,
        help=f"report calls slower than this as slow (default {DEFAULT_SLOW_SECONDS:g})",
    )
    return parser.parse_args(argv)


def run(argv: list[str] | None = None, **hook_kwargs: Any) -> tuple[int, str]:
    """The exit code and the output of one doctor run (``hook_kwargs`` go to every hook)."""
    from airflow_provider.common.status import import_hook
    from airflow_provider.doctor.connections import platform_of, provider_connections
    from airflow_provider.doctor.run import diagnose
    from airflow_provider.platforms import get_platform

    args = parse_args(argv)
    targets = (
        provider_connections()
        if args.all
        else [(conn_id, platform_of(conn_id).name) for conn_id in args.conn_id]
    )
    reports: list[Report] = []
    refused: list[str] = []
    for conn_id, name in targets:
        hook_class = import_hook(get_platform(name).hook_class)
        writes = args.include_writes
        if writes and not points_at_sandbox(conn_id, hook_class):
            refused.append(conn_id)
            writes = False
        reports.append(
            diagnose(
                conn_id,
                hook_class,
                name,
                include_writes=writes,
                slow_seconds=args.slow_seconds,
                **hook_kwargs,
            )
        )
    secrets = set().union(*(report.secrets for report in reports)) if reports else set()
    if args.json:
        text = json.dumps(
            {"connections": [r.to_dict() for r in reports], "writes_refused": refused}, indent=2, default=str
        )
    else:
        text = render(reports, refused)
    failed = any(report.failed_for_examples for report in reports) or not reports
    return (1 if failed else 0), redact(text, secrets)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced (longest first, so none leaks in part)."""
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def render(reports: list[Report], refused: list[str]) -> str:
    if not reports:
        return "No connection of a provider type found (AIRFLOW_CONN_* or the metadata database)."
    lines: list[str] = []
    for report in reports:
        lines.append(f"{report.platform} connection {report.conn_id!r} at {report.host}")
        for row in [report.auth, *report.rows]:
            lines += _row_lines(row)
        failed = report.failed_for_examples
        verdict = (
            "the example DAGs' operations pass"
            if not failed
            else "FAILING for the example DAGs: " + ", ".join(row.operation for row in failed)
        )
        lines += [f"  => {verdict}", ""]
    for conn_id in refused:
        lines.append(f"--include-writes ignored for {conn_id!r}: it does not point at the sandbox")
    return "\n".join(lines).rstrip() + "\n"


def _row_lines(row: Row) -> list[str]:
    mark = "*" if row.used_by_examples else " "
    elapsed = f"{row.elapsed_ms:.0f} ms" if row.elapsed_ms is not None else ""
    lines = [f" {mark}{row.kind:<17} {row.operation:<32} {elapsed:>8}  {row.path}".rstrip()]
    if row.detail:
        lines.append(f"     {row.detail}")
    if row.fix is not None:
        lines.append(
            f"     fix: paste into the connection's extra: {json.dumps({'endpoints': row.fix['endpoints']})}"
        )
        if not row.fix.get("verified"):
            lines.append("     (no usual variant of the path answered: fill in the path from the vendor)")
    return lines


def main(argv: list[str] | None = None) -> int:
    code, text = run(argv)
    sys.stdout.write(text)
    return code
