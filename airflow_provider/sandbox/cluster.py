"""Start every platform simulator on loopback and describe the connections that reach them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from airflow_provider.sandbox.connections import env_vars
from airflow_provider.sandbox.kit import (
    DuplicateIds,
    Faults,
    RunningServer,
    SandboxBackend,
    SandboxClock,
    start_server,
)
from airflow_provider.sandbox.registry import load_simulator, simulated_platforms


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
        return env_vars(self.connections)

    def set_duplicate_ids(self, mode: DuplicateIds) -> None:
        """Every simulator answers a reused caller id with ``mode`` from now on."""
        for backend in self.backends.values():
            backend.set_duplicate_ids(mode)

    def set_drift(self, on: bool) -> None:
        """Every simulator with a drift plan answers with it (``on``) or as documented."""
        for backend in self.backends.values():
            if backend.drift.plan is not None:
                backend.drift.set(on)

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()


def start_cluster(
    *,
    platforms: list[str] | None = None,
    speed: float = 60.0,
    faults: dict[str, Any] | None = None,
    duplicate_ids: DuplicateIds | None = None,
    host: str = "127.0.0.1",
    ports: dict[str, int] | None = None,
    log_level: str = "warning",
    drift: bool = False,
) -> SandboxCluster:
    """
    Serve the chosen simulators (all registered ones by default) on loopback, sharing one clock.

    :param speed: simulated seconds per real second.
    :param faults: :class:`Faults` settings applied to every simulator.
    :param duplicate_ids: ``refuse`` or ``accept`` for every simulator (each platform's
        documented default if omitted).
    :param ports: fixed ports per platform (a free port otherwise).
    :param drift: start every simulator that has a drift plan with drift on.
    """
    clock = SandboxClock(speed=speed)
    cluster = SandboxCluster(clock=clock)
    try:
        for name in platforms or [p.name for p in simulated_platforms()]:
            simulator = load_simulator(name)
            backend = simulator.new_backend(
                clock=clock, faults=Faults(**(faults or {})), duplicate_ids=duplicate_ids
            )
            server = start_server(
                simulator.create_app(backend), host=host, port=(ports or {}).get(name, 0), log_level=log_level
            )
            cluster.servers[name] = server
            cluster.backends[name] = backend
            if drift and backend.drift.plan is not None:
                backend.drift.set(True)
            cluster.connections[name] = simulator.connection(server.url)
    except BaseException:
        cluster.stop()
        raise
    return cluster
