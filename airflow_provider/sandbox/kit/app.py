"""The app builder: a FastAPI app with fault injection and the ``/_sandbox`` control routes."""

from __future__ import annotations

from fastapi import FastAPI

from airflow_provider.sandbox.kit.backend import SandboxBackend
from airflow_provider.sandbox.kit.control import control_router
from airflow_provider.sandbox.kit.drift import DriftMiddleware
from airflow_provider.sandbox.kit.faults import FaultMiddleware


def build_app(backend: SandboxBackend, title: str) -> FastAPI:
    """
    A FastAPI app serving ``backend``: fault middleware, request counters, ``/_sandbox`` routes,
    the OpenAPI page at ``/_sandbox/docs``. The platform's routes module adds its own routes.
    """
    app = FastAPI(
        title=title,
        docs_url="/_sandbox/docs",
        openapi_url="/_sandbox/openapi.json",
        redoc_url=None,
    )
    app.state.backend = backend
    app.include_router(control_router(backend))
    app.add_middleware(DriftMiddleware, switch=backend.drift)  # type: ignore[arg-type]
    app.add_middleware(FaultMiddleware, backend=backend)  # type: ignore[arg-type]
    return app
