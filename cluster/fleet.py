"""
A distributed Airflow deployment on one machine, started by the project itself.

Postgres (metadata DB) and Redis (Celery broker) from Debian's packages, then Airflow with the
CeleryExecutor: the api-server, the scheduler, the dag-processor, two triggerers and three Celery
workers, each a separate process with its own AIRFLOW_HOME (standing in for separate machines:
they share nothing but the database, the broker and the DAGs folder), plus the sandbox serving the
four simulated platforms. Every component runs under a supervisor that restarts it when it exits
(``cluster/supervisor.py``), as systemd or Kubernetes would. ``make cluster`` runs it until Ctrl-C
and serves a control socket: ``python cluster/fleet.py restart <component> --root <dir>``
restarts one component; the system test drives it with :meth:`Fleet.restart`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: ``python cluster/fleet.py``
    sys.path.insert(0, str(REPO))

from cluster import control  # noqa: E402
from cluster.supervisor import Component, PostgresComponent, Supervisor  # noqa: E402

VENV_BIN = Path(os.environ.get("FLEET_VENV_BIN", str(REPO / ".venv-cluster" / "bin")))


def _postgres_bin() -> Path:
    """Debian's server binaries (``/usr/lib/postgresql/<version>/bin``), newest version first."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = Path(os.environ["FLEET_PG_BIN"]) if os.environ.get("FLEET_PG_BIN") else _postgres_bin()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, check: Callable[[], bool], *, timeout: float, every: float = 0.5) -> None:
    """Poll ``check`` until it is true; a bounded deadline, only as a safety net."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout:.0f} s")
        time.sleep(every)


@dataclass
class Fleet:
    """
    The deployment: start it with :meth:`start`, stop it with :meth:`stop`.

    :param root: folder for every component's home, logs and data.
    :param dags_folder: the DAGs folder all components share.
    :param workers: Celery workers; :param triggerers: triggerers.
    :param sandbox_args: extra arguments of ``python -m airflow_provider.sandbox``.
    """

    root: Path
    dags_folder: Path = REPO / "dags"
    workers: int = 3
    triggerers: int = 2
    worker_concurrency: int = 4
    sandbox_args: list[str] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)
    components: dict[str, Component] = field(default_factory=dict)
    connections: dict[str, str] = field(default_factory=dict)
    sandbox_urls: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)  # the postgres user must reach its data folder
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.api_port = free_port()
        self._token: str | None = None
        from cryptography.fernet import Fernet

        self.fernet_key = Fernet.generate_key().decode()
        self.jwt_secret = os.urandom(24).hex()
        self.supervisor = Supervisor(self.components, self.say)
        self._control: control.ControlServer | None = None
        self.started_in = 0.0

    def say(self, message: str) -> None:
        """One line of the fleet's own log (``<root>/logs/fleet.log``), also printed."""
        line = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%S}Z {message}"
        log = self.root / "logs" / "fleet.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        print(f"[fleet] {line}", flush=True)

    # ------------------------------------------------------------------ env
    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def env(self, home: str, **more: str) -> dict[str, str]:
        """The environment of one Airflow component: shared settings, a private AIRFLOW_HOME."""
        db = f"postgresql+psycopg2://postgres@127.0.0.1:{self.pg_port}/airflow"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("AIRFLOW", "FULFILLMENT_TOKEN_STORE", "PYTEST"))
        }
        env.update(
            {
                "AIRFLOW_HOME": str(self.root / home),
                "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db,
                "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://postgres@127.0.0.1:{self.pg_port}/airflow",
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.worker_concurrency),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__CORE__FERNET_KEY": self.fernet_key,
                "AIRFLOW__API_AUTH__JWT_SECRET": self.jwt_secret,
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
                "AIRFLOW__API__BASE_URL": self.api_url,
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
                # a worker killed mid-task is noticed within seconds, not the default 5 minutes
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_SEC": "3",
                # triggers of a stopped triggerer move to the other one within seconds
                "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
                "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "10",
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
                "FULFILLMENT_REPORTS_DIR": str(self.root / "reports"),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.connections)
        env.update(self.extra_env)
        env.update(more)
        return env

    # ------------------------------------------------------------------ processes
    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Component:
        """Start a component (the supervisor restarts it with the same command and environment)."""
        component = Component(
            name,
            argv,
            env if env is not None else self.env(name),
            log=self.root / "logs" / f"{name}.log",
            cwd=self.root,
        )
        component.launch()
        self.components[name] = component
        return component

    def airflow(self, name: str, *args: str) -> Component:
        return self.spawn(name, [str(VENV_BIN / "airflow"), *args])

    def run(self, argv: list[str], env: dict[str, str] | None = None, timeout: float = 600) -> str:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(argv[:3])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done.stdout

    # ------------------------------------------------------------------ services
    def _as_postgres(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv

    def start_postgres(self) -> None:
        data = self.root / "postgres"
        data.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(data, "postgres", "postgres")
        self.run(
            self._as_postgres(
                [str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"]
            )
        )
        options = (
            f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -k {data} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        postgres = PostgresComponent(
            "postgres",
            argv=[],
            env=dict(os.environ),
            log=data / "server.log",
            cwd=self.root,
            data=data,
            pg_ctl=self._as_postgres([str(PG_BIN / "pg_ctl")]),
            options=options,
        )
        postgres.launch()
        self.components["postgres"] = postgres
        self.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.pg_port),
                "-U",
                "postgres",
                "-c",
                "CREATE DATABASE airflow",
            ]
        )

    def stop_postgres(self) -> None:
        postgres = self.components.get("postgres")
        if isinstance(postgres, PostgresComponent):
            postgres.stop(mode="immediate")

    def start_redis(self) -> None:
        folder = self.root / "redis"
        folder.mkdir(exist_ok=True)
        self.spawn(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(folder),
            ],
            env=dict(os.environ),
        )
        wait_for("redis", lambda: _port_open(self.redis_port), timeout=30)

    def start_sandbox(self) -> None:
        sandbox = self.spawn(
            "sandbox",
            [str(VENV_BIN / "python"), "-m", "airflow_provider.sandbox", *self.sandbox_args],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        wait_for("sandbox", lambda: "Press Ctrl-C" in sandbox.text() or not sandbox.alive(), timeout=60)
        if not sandbox.alive():
            raise RuntimeError(f"the sandbox did not start:\n{sandbox.text()}")
        text = sandbox.text()
        for name, value in re.findall(r"^export (AIRFLOW_CONN_\w+)='(.*)'$", text, flags=re.M):
            self.connections[name] = value
            conn = json.loads(value)
            self.sandbox_urls[name.removeprefix("AIRFLOW_CONN_").removesuffix("_DEFAULT").lower()] = conn[
                "host"
            ]
        if not self.connections:
            raise RuntimeError(f"the sandbox printed no connections:\n{text}")

    # ------------------------------------------------------------------ airflow
    def start(self) -> None:
        started = time.monotonic()
        self.start_postgres()
        self.start_redis()
        self.start_sandbox()
        self.run([str(VENV_BIN / "airflow"), "db", "migrate"], env=self.env("migrate"))
        self.airflow("api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.api_port))
        wait_for("api-server", self._api_healthy, timeout=180)
        self.airflow("scheduler", "scheduler")
        self.airflow("dag-processor", "dag-processor")
        for number in range(1, self.triggerers + 1):
            self.airflow(f"triggerer-{number}", "triggerer")
        for number in range(1, self.workers + 1):
            self.airflow(
                f"worker-{number}",
                "celery",
                "worker",
                "--celery-hostname",
                f"worker{number}@%h",
                "--concurrency",
                str(self.worker_concurrency),
                "--without-mingle",
                "--without-gossip",
            )
        wait_for("scheduler and triggerers", self._jobs_healthy, timeout=240)
        for number in range(1, self.workers + 1):
            worker = self.components[f"worker-{number}"]
            wait_for(f"worker-{number}", lambda w=worker: " ready." in w.text() or not w.alive(), timeout=240)  # type: ignore[misc]
            if not worker.alive():
                raise RuntimeError(f"worker-{number} died:\n{worker.text()[-3000:]}")
        self.started_in = time.monotonic() - started
        self.supervisor.start()
        self._control = control.ControlServer(self.root, self.command)
        self._control.start()
        self.say(f"up in {self.started_in:.0f} s; control socket {self._control.path}")

    def stop(self) -> None:
        """SIGTERM to every component at once, SIGKILL to those still up after 20 s, then Postgres."""
        self.supervisor.stop()
        if self._control is not None:
            self._control.close()
        components = [c for c in reversed(self.components.values()) if c.alive() and c.name != "postgres"]
        for component in components:
            component.held = True
            component.signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for component in components:
            if not component.wait(max(0.1, deadline - time.monotonic())):
                component.signal(signal.SIGKILL)
                component.wait(10)
        self.stop_postgres()

    # ------------------------------------------------------------------ faults, by hand or by test
    def restart(self, name: str, down_seconds: float = 0.0, signum: int = signal.SIGTERM) -> float:
        """
        Stop component ``name`` on purpose (``signum``, SIGKILL after 20 s; Postgres: ``pg_ctl
        stop -m fast``), keep it down ``down_seconds``, start it again and return the monotonic
        time it was started (the fault's end). The api-server is waited for until healthy.
        """
        component = self.components[name]
        with self.supervisor.lock:
            component.held = True
        self.say(
            f"restart: stopping {name} (signal {signal.Signals(signum).name}), down {down_seconds:.0f} s"
        )
        component.stop(signum=signum)
        if down_seconds:
            time.sleep(down_seconds)
        with self.supervisor.lock:
            component.launch()
            component.restarts += 1
        back = time.monotonic()
        self.say(f"restart: {name} started again (pid {component.pid})")
        if name == "api-server":
            wait_for("api-server", self._api_healthy, timeout=300)
        return back

    def command(self, request: dict[str, Any]) -> dict[str, Any]:
        """A control socket request: ``status``, or ``restart`` / ``stop`` / ``start`` a component."""
        action = request.get("command")
        if action == "status":
            return {"ok": True, "components": self.status()}
        name = str(request.get("component"))
        if action not in control.COMMANDS or name not in self.components:
            return {
                "ok": False,
                "error": f"use one of {control.COMMANDS} with one of {sorted(self.components)}",
            }
        component = self.components[name]
        if action == "restart":
            self.restart(name, float(request.get("down_seconds") or 0))
        elif action == "stop":
            self.say(f"stop: {name} stopped on purpose (not restarted until started)")
            component.stop()
        elif not component.alive():
            with self.supervisor.lock:
                component.launch()
            self.say(f"start: {name} started (pid {component.pid})")
        return {"ok": True, "components": self.status()}

    def status(self) -> dict[str, dict[str, Any]]:
        return {
            name: {"alive": c.alive(), "pid": c.pid, "restarts": c.restarts, "held": c.held}
            for name, c in self.components.items()
        }

    def _api_healthy(self) -> bool:
        try:
            return httpx.get(f"{self.api_url}/api/v2/monitor/health", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def health(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.api_url}/api/v2/monitor/health", timeout=10).json())

    def _jobs_healthy(self) -> bool:
        try:
            health = self.health()
        except (httpx.HTTPError, ValueError):
            return False
        return all(
            (health.get(job) or {}).get("status") == "healthy"
            for job in ("scheduler", "triggerer", "dag_processor")
        )

    # ------------------------------------------------------------------ REST API
    def token(self) -> str:
        if self._token is None:
            answer = httpx.get(f"{self.api_url}/auth/token", timeout=30)
            answer.raise_for_status()
            self._token = str(answer.json()["access_token"])
        return self._token

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = httpx.request(
            method,
            f"{self.api_url}/api/v2{path}",
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=60,
            **kwargs,
        )
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def wait_for_dags(self, dag_ids: list[str], timeout: float = 300) -> None:
        def parsed() -> bool:
            found = {dag["dag_id"] for dag in self.api("GET", "/dags", params={"limit": 100})["dags"]}
            return set(dag_ids) <= found

        wait_for(f"DAGs {dag_ids}", parsed, timeout=timeout, every=2)

    def trigger(
        self, dag_id: str, conf: dict[str, Any] | None = None, logical_date: str | None = None
    ) -> str:
        body: dict[str, Any] = {"conf": conf or {}, "logical_date": logical_date}
        return str(self.api("POST", f"/dags/{dag_id}/dagRuns", json=body)["dag_run_id"])

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return dict(self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}"))

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        return list(
            self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 500})[
                "task_instances"
            ]
        )

    def running_task(self, ti_id: str) -> str | None:
        """The component whose process group runs task instance ``ti_id``, or ``None``.

        Several processes carry the id in their title: the Celery pool process (``airflow
        supervisor: <ti id>``, in its worker's group) and the task runner it forks (``airflow
        worker -- <ti id>``, in a group of its own: the task SDK's supervisor calls ``setpgid``).
        Every one is checked: once PIDs wrap around, the runner can come first in ``/proc``.
        """
        groups = {component.pid: name for name, component in self.components.items()}
        for pid, title in process_titles():
            if ti_id not in title:
                continue
            try:
                group = os.getpgid(pid)
            except ProcessLookupError:
                continue
            if group in groups:
                return groups[group]
        return None

    def logs(self, prefix: str, since: dict[str, int] | None = None) -> Iterator[tuple[str, str]]:
        """``(name, log text)`` of the components named ``prefix...``; with ``since`` (from
        :meth:`log_marks`), only what each wrote after the mark."""
        for name, component in self.components.items():
            if name.startswith(prefix):
                yield name, component.text((since or {}).get(name, 0))

    def log_marks(self) -> dict[str, int]:
        """Where every component's log ends now: pass it to :meth:`logs` as ``since``."""
        return {name: component.log_size() for name, component in self.components.items()}


def process_titles() -> Iterator[tuple[int, str]]:
    """``(pid, title)`` of every process this user can read, in ``/proc``'s order."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            yield (
                int(proc.name),
                (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"),
            )
        except OSError:
            continue


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def link_dags(root: Path) -> Path:
    """``<root>/dags``: the example DAGs (``dags/``, with their data folder) and the fleet's own
    (``cluster/dags/``), linked, so that every component parses the same files."""
    dags = root / "dags"
    dags.mkdir(parents=True, exist_ok=True)
    for source in [*(REPO / "dags").glob("*.py"), *(REPO / "cluster" / "dags").glob("*.py")]:
        link = dags / source.name
        if not link.exists():
            link.symlink_to(source)
    if (REPO / "dags" / "data").exists() and not (dags / "data").exists():
        (dags / "data").symlink_to(REPO / "dags" / "data")
    return dags


def control_main(argv: list[str]) -> int:
    """``python cluster/fleet.py {status,restart,stop,start} [component] --root <dir>``."""
    parser = argparse.ArgumentParser(prog="python cluster/fleet.py", description="control a running fleet")
    parser.add_argument("command", choices=control.COMMANDS)
    parser.add_argument("component", nargs="?", default=None)
    parser.add_argument("--root", required=True, help="the running fleet's folder (printed at start)")
    parser.add_argument("--down", type=float, default=0.0, help="restart: seconds to stay down")
    args = parser.parse_args(argv)
    if args.command != "status" and not args.component:
        parser.error(f"{args.command} needs a component")
    request = {"command": args.command, "component": args.component, "down_seconds": args.down}
    try:
        answer = control.send(Path(args.root), request)
    except (FileNotFoundError, ConnectionRefusedError):
        print(f"no fleet runs under {args.root} (no {control.socket_path(Path(args.root))})", file=sys.stderr)
        return 1
    if not answer.get("ok"):
        print(answer.get("error"), file=sys.stderr)
        return 1
    for name, state in answer["components"].items():
        up = "up" if state["alive"] else ("stopped" if state["held"] else "down")
        print(f"{name:<14} {up:<8} pid {state['pid']}  restarts {state['restarts']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in control.COMMANDS:
        return control_main(argv)
    parser = argparse.ArgumentParser(prog="python cluster/fleet.py", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--root", default=None, help="folder for homes, logs and data (default: a new temp dir)"
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--triggerers", type=int, default=2)
    parser.add_argument("sandbox_args", nargs="*", help="arguments after -- go to the sandbox command")
    args = parser.parse_args(argv)
    root = Path(args.root) if args.root else Path(tempfile.mkdtemp(prefix="fulfillment-cluster-"))
    fleet = Fleet(
        root,
        dags_folder=link_dags(root),
        workers=args.workers,
        triggerers=args.triggerers,
        sandbox_args=args.sandbox_args,
    )
    stop = False

    def on_signal(*_: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        fleet.start()
        print(f"Cluster up in {fleet.started_in:.0f} s under {root}", flush=True)
        print(f"  Airflow UI and API: {fleet.api_url} (all users are admins)", flush=True)
        print(f"  DAGs folder: {fleet.dags_folder}", flush=True)
        for name in fleet.components:
            print(f"  {name:<14} log: {fleet.components[name].log}", flush=True)
        print(f"Restart a component: python cluster/fleet.py restart <component> --root {root}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while not stop:
            time.sleep(0.5)
    finally:
        fleet.stop()
        print("Cluster stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
