"""The typed interface of a platform simulator: what the cluster, the CLI and tests rely on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import FastAPI

from airflow_provider.sandbox.kit.backend import DuplicateIds, SandboxBackend
from airflow_provider.sandbox.kit.clock import SandboxClock
from airflow_provider.sandbox.kit.faults import Faults

B = TypeVar("B", bound=SandboxBackend)


@dataclass(frozen=True)
class Simulator(Generic[B]):
    """
    One platform's simulator: its backend class, its routes and the connection that reaches it.

    Each ``airflow_provider.sandbox.<platform>`` package exports one as ``SIMULATOR``; the
    platform registry names that package.

    :param platform: the platform name (the registry key, the connection type).
    :param backend: the backend class (state and business rules, no HTTP).
    :param routes: builds the FastAPI app serving a backend (the HTTP layer).
    :param connection: the Airflow connection (``AIRFLOW_CONN_*`` JSON form) for a sandbox URL.
    """

    platform: str
    backend: type[B]
    routes: Callable[[B], FastAPI]
    connection: Callable[[str], dict[str, Any]]

    def new_backend(
        self,
        *,
        clock: SandboxClock | None = None,
        faults: Faults | None = None,
        duplicate_ids: DuplicateIds | None = None,
        **kwargs: Any,
    ) -> B:
        return self.backend(clock=clock, faults=faults, duplicate_ids=duplicate_ids, **kwargs)

    def create_app(self, backend: B | None = None, **kwargs: Any) -> FastAPI:
        """The app serving ``backend`` (a new one from ``kwargs`` if omitted)."""
        return self.routes(backend if backend is not None else self.new_backend(**kwargs))


def backend_of(app: FastAPI) -> SandboxBackend:
    """The backend a sandbox app serves (the in-process handle on a running simulator)."""
    backend = app.state.backend
    if not isinstance(backend, SandboxBackend):
        raise TypeError(f"{app!r} is not a sandbox app")
    return backend
