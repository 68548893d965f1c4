"""Start every platform simulator on loopback and describe the connections that reach them."""

from __future__ import annotations

import importlib
import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from airflow_provider.common.sandbox import Faults, RunningServer, SandboxBackend, SandboxClock, start_server

#: platform -> (display name, default conn id)
PLATFORMS: dict[str, tuple[str, str]] = {
    "hypersku": ("HyperSKU", "hypersku_default"),
    "supership": ("SuperShip", "supership_default"),
    "chao8": ("超8 (Chao8)", "chao8_default"),
    "hishopping": ("HiShopping", "hishopping_default"),
}


@dataclass
class SandboxCluster:
    """The running simulators: one server, backend and connection per platform."""

    clock: SandboxClock
    servers: dict[str, RunningServer] = field(default_factory=dict)
    backends: dict[str, SandboxBackend] = field(default_factory=dict)
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def urls(self) -> dict[str, str]:
        return {platform: server.url for platform, server in self.servers.items()}

    def env(self) -> dict[str, str]:
        """``AIRFLOW_CONN_*`` variables (JSON) for every platform's default connection."""
        return {
            f"AIRFLOW_CONN_{PLATFORMS[p][1].upper()}": json.dumps(conn, ensure_ascii=False)
            for p, conn in self.connections.items()
        }

    def cli_lines(self) -> list[str]:
        """``airflow connections add`` commands registering the same connections in the DB."""
        return [
            f"airflow connections add {PLATFORMS[p][1]} --conn-json {shlex.quote(json.dumps(conn, ensure_ascii=False))}"
            for p, conn in self.connections.items()
        ]

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()


def start_cluster(
    *,
    platforms: list[str] | None = None,
    speed: float = 60.0,
    faults: dict[str, Any] | None = None,
    host: str = "127.0.0.1",
    ports: dict[str, int] | None = None,
    log_level: str = "warning",
) -> SandboxCluster:
    """
    Serve the chosen simulators (all by default) on loopback, sharing one lifecycle clock.

    :param speed: simulated seconds per real second.
    :param faults: :class:`Faults` settings applied to every simulator.
    :param ports: fixed ports per platform (a free port otherwise).
    """
    clock = SandboxClock(speed=speed)
    cluster = SandboxCluster(clock=clock)
    try:
        for platform in platforms or list(PLATFORMS):
            module = importlib.import_module(f"airflow_provider.{platform}.sandbox")
            app = module.create_app(clock=clock, faults=Faults(**(faults or {})))
            server = start_server(app, host=host, port=(ports or {}).get(platform, 0), log_level=log_level)
            cluster.servers[platform] = server
            cluster.backends[platform] = app.state.backend
            cluster.connections[platform] = module.sandbox_connection(server.url)
    except BaseException:
        cluster.stop()
        raise
    return cluster
