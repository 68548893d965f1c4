"""
How long a triggerer's supervisor stops answering (and heartbeating) when it handles the first
request a trigger makes through it: our SuperShip watcher against Airflow's own
``HttpEventTrigger``.

Each variant runs in a fresh ``AIRFLOW_HOME`` (SQLite) with one DAG whose ``AssetWatcher`` runs
the trigger: ``ours`` (``SuperShipOrderEventTrigger``: its first request reads its cursor from
the ``asset_state_store``), ``airflow-db`` (``HttpEventTrigger`` with its connection in the
metadata DB: its first request is ``GetConnection``) or ``airflow-env`` (the same trigger with
its connection in an ``AIRFLOW_CONN_*`` variable, which the trigger's own process reads: it
sends no request). ``airflow triggerer`` then runs for ``--seconds`` with its supervisor's
request handler and heartbeat timed; the script prints each request slower than 0.1 s and the
longest silence its heartbeat saw.

Needs the sandbox's SuperShip (``python -m airflow_provider.sandbox --platform supership``): pass
its base URL and password (the ``AIRFLOW_CONN_SUPERSHIP_DEFAULT`` it prints).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

BIN = Path(sys.executable).parent

# run as `python -c` in the triggerer's own process: times the supervisor, then starts the CLI
TIMED_TRIGGERER = textwrap.dedent(
    """
    import json, os, sys, time
    from airflow.jobs import triggerer_job_runner as runner

    def record(line):
        with open(os.environ["TIMING_LOG"], "a") as out:
            out.write(line + "\\n")

    handle = runner.TriggerRunnerSupervisor._handle_request
    def timed_handle(self, msg, log, req_id):
        start = time.monotonic()
        try:
            return handle(self, msg, log, req_id)
        finally:
            record(json.dumps({"request": type(msg).__name__, "seconds": time.monotonic() - start}))
    heartbeat = runner.TriggerRunnerSupervisor.heartbeat
    def timed_heartbeat(self):
        record(json.dumps({"silence": time.monotonic() - self._last_runner_comms}))
        return heartbeat(self)
    runner.TriggerRunnerSupervisor._handle_request = timed_handle
    runner.TriggerRunnerSupervisor.heartbeat = timed_heartbeat
    from airflow.__main__ import main
    sys.argv = ["airflow", "triggerer"]
    main()
    """
)

OURS_DAG = """
from datetime import datetime
from airflow.sdk import Asset, AssetWatcher, dag, task
from airflow_provider.supership.event_triggers import SuperShipOrderEventTrigger

WATCHED = Asset("supership://supership_default/status-changes", watchers=[AssetWatcher(
    name="watch", trigger=SuperShipOrderEventTrigger(order_ids=["SSX1"], poll_interval=30))])
"""

AIRFLOW_DAG = """
from datetime import datetime
from airflow.providers.http.triggers.http import HttpEventTrigger
from airflow.sdk import Asset, AssetWatcher, dag, task

WATCHED = Asset("http://sandbox/ready", watchers=[AssetWatcher(name="watch", trigger=HttpEventTrigger(
    http_conn_id="http_sandbox", endpoint="/", response_check_path="builtins.callable", poll_interval=30))])
"""

DAG_TAIL = """
@dag(dag_id="watcher", schedule=[WATCHED], start_date=datetime(2026, 1, 1))
def watcher():
    @task
    def noop() -> None: ...
    noop()

watcher()
"""


def airflow(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "airflow"), *args], env=env, check=True, capture_output=True)


def run_variant(variant: str, base_url: str, password: str, seconds: float) -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix=f"triggerer-{variant}-"))
    (home / "dags").mkdir()
    (home / "dags" / "watcher.py").write_text((OURS_DAG if variant == "ours" else AIRFLOW_DAG) + DAG_TAIL)
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "TIMING_LOG": str(home / "timing.jsonl"),
    }
    airflow(env, "db", "migrate")
    supership = {
        "conn_type": "supership",
        "host": base_url,
        "password": password,
        "extra": {"auth_mode": "token"},
    }
    if variant == "airflow-env":
        env["AIRFLOW_CONN_HTTP_SANDBOX"] = json.dumps({"conn_type": "http", "host": base_url})
    else:
        airflow(
            env,
            "connections",
            "add",
            "http_sandbox",
            "--conn-json",
            json.dumps({"conn_type": "http", "host": base_url}),
        )
        airflow(env, "connections", "add", "supership_default", "--conn-json", json.dumps(supership))
    airflow(env, "dags", "reserialize")
    airflow(env, "dags", "unpause", "watcher")
    airflow(env, "dags", "reserialize")  # an unpaused DAG's watcher becomes a trigger
    load = os.getloadavg()[0]
    with open(home / "triggerer.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", TIMED_TRIGGERER], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        time.sleep(seconds)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    rows = [json.loads(line) for line in (home / "timing.jsonl").read_text().splitlines()]
    silences = [row["silence"] for row in rows if "silence" in row and row["silence"] != float("inf")]
    return {
        "variant": variant,
        "load_1min": round(load, 2),
        "slow_requests": [(r["request"], round(r["seconds"], 2)) for r in rows if r.get("seconds", 0) > 0.1],
        "max_heartbeat_silence": round(max(silences, default=0.0), 2),
        "home": str(home),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", required=True, help="the sandbox's SuperShip URL")
    parser.add_argument("--password", required=True, help="the sandbox's SuperShip password")
    parser.add_argument("--variant", action="append", choices=["ours", "airflow-db", "airflow-env"])
    parser.add_argument("--seconds", type=float, default=40.0, help="how long each triggerer runs")
    args = parser.parse_args()
    for variant in args.variant or ["ours", "airflow-db", "airflow-env"]:
        print(json.dumps(run_variant(variant, args.base_url, args.password, args.seconds)), flush=True)


if __name__ == "__main__":
    main()
