"""A minimal platform (hook + sandbox app) used to test the shared core on its own."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import Request

from airflow_provider.common.auth import Token
from airflow_provider.common.errors import AuthError, BadRequestError, DuplicateError, NotFoundError
from airflow_provider.common.hooks import ApiHook
from airflow_provider.sandbox.kit import Faults, SandboxBackend, SandboxClock, TokenIssuer, build_app

USERNAME, PASSWORD = "demo-user", "demo-password-123"


class DemoHook(ApiHook):
    """Envelope ``{"code": 0, "data": ...}``; token from POST /auth; raw Authorization header."""

    conn_name_attr = "demo_conn_id"
    default_conn_name = "demo_default"
    conn_type = "demo"
    hook_name = "Demo"
    platform = "demo"
    default_base_url = "https://demo.invalid"
    endpoints = {
        "token": "/auth",
        "create": "/orders",
        "order": "/orders/{order_id}",
        "statuses": "/orders/status",
        "ping": "/ping",
    }
    secret_extras = ("api_key",)

    def fetch_token(self) -> Token:
        data = self.request(
            "POST",
            self.endpoint("token"),
            json={"username": self.connection.login, "password": self.connection.password},
            auth=False,
            idempotent=True,
        )
        return Token.with_ttl(data["token"], float(data.get("ttl", 3600)))

    def check_response(self, response: httpx.Response) -> Any:
        body = self.json_body(response)
        code = body.get("code")
        if code == 0:
            return body.get("data")
        message = body.get("message", "")
        kinds = {401: AuthError, 404: NotFoundError, 409: DuplicateError}
        raise kinds.get(code, BadRequestError)(
            self.platform, message, http_status=response.status_code, code=code
        )

    def probe(self) -> str:
        self.request("GET", self.endpoint("ping"))
        return "ping ok"

    def fetch_statuses(self, ids: list[str]) -> dict[str, str]:
        return dict(self.request("POST", self.endpoint("statuses"), json=ids, idempotent=True))

    async def afetch_statuses(self, ids: list[str]) -> dict[str, str]:
        return dict(await self.arequest("POST", self.endpoint("statuses"), json=ids, idempotent=True))

    async def acreate(self, order: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.arequest("POST", self.endpoint("create"), json=order, idempotent=False))

    async def afind(self, order_id: str) -> dict[str, Any] | None:
        return dict(await self.arequest("GET", self.endpoint("order", order_id=order_id)))


class DemoBackend(SandboxBackend):
    platform = "demo"
    auth_paths = ("/auth",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tokens = TokenIssuer(self.clock, ttl=3600)


def create_app(
    backend: DemoBackend | None = None, *, clock: SandboxClock | None = None, faults: Faults | None = None
):  # type: ignore[no-untyped-def]
    backend = backend or DemoBackend(clock=clock, faults=faults)
    app = build_app(backend, "demo")

    def ok(data: Any) -> dict[str, Any]:
        return {"code": 0, "data": data}

    def authorised(request: Request) -> bool:
        return backend.tokens.check(request.headers.get("Authorization")) is not None

    @app.post("/auth")
    async def auth(request: Request) -> dict[str, Any]:
        body = await request.json()
        if (body.get("username"), body.get("password")) != (USERNAME, PASSWORD):
            return {"code": 403, "message": "bad credentials"}
        with backend.lock:
            backend.token_calls += 1
        return ok({"token": backend.tokens.issue(USERNAME), "ttl": 3600})

    @app.get("/ping")
    def ping(request: Request) -> dict[str, Any]:
        return ok("pong") if authorised(request) else {"code": 401, "message": "token expired"}

    @app.post("/orders")
    async def create(request: Request) -> dict[str, Any]:
        if not authorised(request):
            return {"code": 401, "message": "token expired"}
        body = await request.json()
        if not backend.store.insert("orders", body["id"], {**body, "status": "new"}):
            return {"code": 409, "message": f"order {body['id']} exists"}
        return ok(backend.store.get("orders", body["id"]))

    @app.get("/orders/{order_id}")
    def read(order_id: str, request: Request) -> dict[str, Any]:
        if not authorised(request):
            return {"code": 401, "message": "token expired"}
        order = backend.store.get("orders", order_id)
        return ok(order) if order else {"code": 404, "message": "no such order"}

    @app.post("/orders/status")
    async def statuses(request: Request) -> dict[str, Any]:
        if not authorised(request):
            return {"code": 401, "message": "token expired"}
        ids = await request.json()
        return ok(
            {i: backend.store.get("orders", i)["status"] for i in ids if backend.store.get("orders", i)}
        )

    return app
