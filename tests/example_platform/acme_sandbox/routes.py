"""ACME Parcels routes: the HTTP layer over :class:`AcmeBackend` (envelope ``{"code", "data"}``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from acme.constants import BAD_TOKEN, TOKEN_PATH
from fastapi import FastAPI, Request

from acme_sandbox.backend import AcmeBackend, AcmeError
from airflow_provider.sandbox.kit import build_app


def create_app(backend: AcmeBackend) -> FastAPI:
    app = build_app(backend, "ACME Parcels sandbox")

    def answer(action: Callable[[], Any]) -> dict[str, Any]:
        try:
            return {"code": 0, "data": action()}
        except AcmeError as err:
            return {"code": err.code, "message": str(err)}

    def authorised(request: Request) -> bool:
        return backend.tokens.check(request.headers.get("authorization")) is not None

    @app.post(TOKEN_PATH)
    async def token(request: Request) -> dict[str, Any]:
        body = await request.json()
        return answer(lambda: backend.issue_token(body.get("account"), body.get("secret")))

    @app.post("/v1/parcels")
    async def create(request: Request) -> dict[str, Any]:
        if not authorised(request):
            return {"code": BAD_TOKEN, "message": "token invalid or expired"}
        body = await request.json()
        return answer(lambda: backend.create(body))

    @app.post("/v1/parcels/status")
    async def statuses(request: Request) -> dict[str, Any]:
        if not authorised(request):
            return {"code": BAD_TOKEN, "message": "token invalid or expired"}
        ids = await request.json()
        return answer(lambda: backend.statuses(ids))

    return app
