"""
How a running sandbox tells users its connections, without a secret on any command line.

``airflow connections add --conn-json '...'`` would be recorded with every extra in clear in
Airflow's ``log`` table; environment exports (read by the process, never logged by Airflow) and a
connections file for ``airflow connections import`` are printed instead.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from airflow_provider.platforms import get_platform


def env_name(platform: str) -> str:
    """``AIRFLOW_CONN_<DEFAULT CONN ID>`` of a platform."""
    return f"AIRFLOW_CONN_{get_platform(platform).default_conn_id.upper()}"


def env_vars(connections: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """``{AIRFLOW_CONN_*: JSON}`` for every platform's default connection."""
    return {env_name(p): json.dumps(conn, ensure_ascii=False) for p, conn in connections.items()}


def export_lines(connections: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """``export AIRFLOW_CONN_...='{...}'`` shell lines (values quoted for any shell)."""
    return [f"export {name}={shlex.quote(value)}" for name, value in env_vars(connections).items()]


def connections_file_content(connections: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The ``airflow connections import`` JSON: ``{conn_id: {conn_type, host, login, ...}}``."""
    return {get_platform(p).default_conn_id: dict(conn) for p, conn in connections.items()}


def write_connections_file(connections: Mapping[str, Mapping[str, Any]], path: str | Path) -> Path:
    """Write the connections file readable by its owner only (it holds the sandbox secrets)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(connections_file_content(connections), out, ensure_ascii=False, indent=2)
        out.write("\n")
    return target
