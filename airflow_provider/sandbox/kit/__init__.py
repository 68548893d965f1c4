"""
The sandbox kit: what every platform simulator is built from.

- :class:`SandboxClock`: the lifecycle clock, speedable and advanceable by tests.
- :class:`MemoryStore`: the in-memory tables of one simulator.
- :class:`TokenIssuer`: signed tokens with an expiry on the sandbox clock, revocable at once.
- :class:`Lifecycle` and :func:`pick`: where an order stands on its status path.
- :class:`Faults` + :class:`FaultMiddleware`: errors, 429 + Retry-After, latency, dropped
  connections and "commit then lose the answer", by rate or scripted for the next N calls.
- :class:`SandboxBackend`: the state of one simulator (and its duplicate-id answer).
- :func:`build_app`: a FastAPI app with fault injection and the ``/_sandbox`` control routes.
- :class:`Simulator`: the typed interface of a platform simulator.
- :func:`start_server` / :func:`serve`: run an app on a free loopback port in a thread.
- :func:`load_json`: seed data files.
"""

from airflow_provider.sandbox.kit.app import build_app
from airflow_provider.sandbox.kit.backend import DUPLICATE_ID_MODES, DuplicateIds, SandboxBackend
from airflow_provider.sandbox.kit.clock import SandboxClock, tz_offset
from airflow_provider.sandbox.kit.data import load_json
from airflow_provider.sandbox.kit.faults import FAULT_KINDS, DroppedConnection, FaultMiddleware, Faults
from airflow_provider.sandbox.kit.lifecycle import Lifecycle, pick
from airflow_provider.sandbox.kit.server import RunningServer, free_port_socket, serve, start_server
from airflow_provider.sandbox.kit.simulator import Simulator, backend_of
from airflow_provider.sandbox.kit.store import MemoryStore
from airflow_provider.sandbox.kit.tokens import TokenIssuer

__all__ = [
    "DUPLICATE_ID_MODES",
    "FAULT_KINDS",
    "DroppedConnection",
    "DuplicateIds",
    "FaultMiddleware",
    "Faults",
    "Lifecycle",
    "MemoryStore",
    "RunningServer",
    "SandboxBackend",
    "SandboxClock",
    "Simulator",
    "TokenIssuer",
    "backend_of",
    "build_app",
    "free_port_socket",
    "load_json",
    "pick",
    "serve",
    "start_server",
    "tz_offset",
]
