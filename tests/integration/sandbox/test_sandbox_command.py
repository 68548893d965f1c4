"""``python -m airflow_provider.sandbox`` as a user runs it: serve, print connections, stop on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from airflow_provider.sandbox.registry import simulated_platforms

pytestmark = pytest.mark.integration


def test_sandbox_command_serves_all_four_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airflow_provider.sandbox",
            "--speed",
            "120",
            "--latency-ms",
            "1",
            "--seed",
            "3",
            "--duplicate-ids",
            "refuse",
            "--connections-file",
            str(tmp_path / "connections.json"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl-C"):
                break
        output = "\n".join(lines)
        assert "Press Ctrl-C to stop." in output, output
        exports = {
            line.split("=", 1)[0].removeprefix("export "): json.loads(line.split("=", 1)[1].strip("'"))
            for line in lines
            if line.startswith("export AIRFLOW_CONN_")
        }
        assert set(exports) == {f"AIRFLOW_CONN_{p.default_conn_id.upper()}" for p in simulated_platforms()}
        assert len(exports) == 4
        assert not any(line.startswith("airflow connections add") for line in lines)  # no secret in argv
        for conn in exports.values():
            stats = httpx.get(f"{conn['host']}/_sandbox/stats", timeout=5).json()
            assert stats["token_calls"] == 0
            assert stats["duplicate_ids"] == "refuse"  # --duplicate-ids overrides every default
        assert f"airflow connections import {tmp_path / 'connections.json'}" in lines
        assert (
            json.loads((tmp_path / "connections.json").read_text())["chao8_default"]
            == exports["AIRFLOW_CONN_CHAO8_DEFAULT"]
        )
        chao8 = exports["AIRFLOW_CONN_CHAO8_DEFAULT"]
        answer = httpx.post(
            f"{chao8['host']}/cncop/ca/v1/applications/get-token",
            json={"accessKey": chao8["login"], "secretKeySign": "0" * 32},
            timeout=5,
        ).json()
        assert answer["code"] == 21184031  # wrong sign: the simulator checks the MD5
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
        assert process.returncode == 0
        assert "Sandbox stopped." in rest
    finally:
        if process.poll() is None:
            process.kill()
