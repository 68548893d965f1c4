"""超8 sandbox routes: the HTTP layer over :class:`Chao8Backend` (the ``{code, message, data, ...}`` envelope)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from airflow_provider.chao8 import constants as c
from airflow_provider.chao8.constants import OPERATIONS
from airflow_provider.sandbox.chao8.backend import Chao8Backend
from airflow_provider.sandbox.chao8.rules import Chao8Error
from airflow_provider.sandbox.chao8.tokens import TokenRateLimited
from airflow_provider.sandbox.kit import build_app

#: catalogue operations served by a hand-written route below; every other one gets a generated route
EXPLICIT_ROUTES = frozenset(
    {
        "token",
        "logistics_outbound_page",
        "logistics_order_create",
        "logistics_order_detail",
        "logistics_order_scans",
        "logistics_order_complete",
        "logistics_order_update",
        "logistics_order_delete",
        "production_order_page",
        "production_order_create",
        "production_order_detail",
        "products_page",
        "products_batch_upsert",
        "products_batch_query",
        "dealers_batch_query",
        "dealers_sync",
    }
)


def create_app(backend: Chao8Backend | None = None, **kwargs: Any) -> FastAPI:
    """
    The 超8 sandbox as a FastAPI app: hand-written routes for the first traceability calls, and
    one generated route per other operation of :mod:`airflow_provider.chao8.operations`
    (:meth:`Chao8Backend.operation`: its rules where the sandbox keeps state, else a stored echo).

    :param backend: the state to serve; a new :class:`Chao8Backend` built from ``kwargs`` when omitted.
    """
    backend = backend or Chao8Backend(**kwargs)
    app = build_app(backend, "超8 (Chao8) sandbox")

    def envelope(code: int, message: str, data: Any = None, meta: Any = None) -> dict[str, Any]:
        return {
            "code": code,
            "message": message,
            "data": data,
            "timestamp": int(backend.clock.now() * 1000),
            "traceId": str(uuid.uuid4()),
            "exception": None,
            "meta": meta,
            "ext": None,
        }

    def ok(data: Any = None) -> JSONResponse:
        return JSONResponse(envelope(c.SUCCESS_CODE, "success", data))

    def fail(err: Chao8Error) -> JSONResponse:
        headers = {}
        if isinstance(err, TokenRateLimited):
            headers["Retry-After"] = f"{max(err.retry_after, 0.05):.2f}"
        return JSONResponse(envelope(err.code, err.message), headers=headers)

    def denied(request: Request) -> JSONResponse | None:
        if backend.authenticate(request.headers.get("Authorization")):
            return None
        if backend.auth_error_style == "meta":
            return JSONResponse(envelope(401, "Unauthorized", meta={"status": 401}))
        return JSONResponse(
            envelope(c.TOKEN_INVALID, "AccessToken无效或已过期(access token invalid or expired)")
        )

    async def body_of(request: Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            return None

    def run(request: Request, action: Any) -> JSONResponse:
        refusal = denied(request)
        if refusal is not None:
            return refusal
        try:
            return ok(action())
        except Chao8Error as err:
            return fail(err)

    app.state.chao8_backend = backend
    app.state.chao8_body_of = body_of
    app.state.chao8_run = run

    @app.post(c.TOKEN_PATH)
    async def get_token(request: Request) -> JSONResponse:
        body = await body_of(request)
        try:
            data = backend.issue_token(body)
        except Chao8Error as err:
            return fail(err)
        return ok(data)

    trace = "/cncop/trace/v1"

    @app.post(f"{trace}/logistics-orders/outbound/page")
    async def outbound_page(request: Request) -> JSONResponse:
        body = await body_of(request)
        return run(request, lambda: backend.outbound_page(body))

    @app.post(f"{trace}/logistics-orders")
    async def create_logistics_order(request: Request) -> JSONResponse:
        body = await body_of(request)
        return run(request, lambda: backend.create_logistics_order(body))

    @app.get(f"{trace}/logistics-orders/{{order_no}}")
    async def logistics_order(order_no: str, request: Request) -> JSONResponse:
        return run(request, lambda: backend.logistics_order(order_no))

    @app.get(f"{trace}/logistics-orders/{{order_no}}/scans")
    async def logistics_scans(order_no: str, request: Request) -> JSONResponse:
        def action() -> dict[str, Any]:
            try:
                page_num = int(request.query_params.get("pageNum") or 1)
                page_size = int(request.query_params.get("pageSize") or 20)
            except ValueError as err:
                raise Chao8Error(c.INVALID_PARAMS, "pageNum/pageSize必须为整数") from err
            return backend.logistics_scans(order_no, page_num, page_size)

        return run(request, action)

    @app.post(f"{trace}/logistics-orders/{{order_no}}/complete")
    async def complete_logistics_order(order_no: str, request: Request) -> JSONResponse:
        return run(request, lambda: backend.complete_logistics_order(order_no))

    @app.put(f"{trace}/logistics-orders/{{order_no}}")
    async def update_logistics_order(order_no: str, request: Request) -> JSONResponse:
        body = await body_of(request)
        return run(request, lambda: backend.update_logistics_order(order_no, body))

    @app.delete(f"{trace}/logistics-orders/{{order_no}}")
    async def delete_logistics_order(order_no: str, request: Request) -> JSONResponse:
        return run(request, lambda: backend.delete_logistics_order(order_no))

    @app.post(f"{trace}/production-orders/page")
    async def production_page(request: Request) -> JSONResponse:
        body = await body_of(request)
        return run(request, lambda: backend.production_page(body))

    @app.post(f"{trace}/production-orders")
    async def create_production_order(request: Request) -> JSONResponse:
        body = await body_of(request)
        return run(request, lambda: backend.create_production_order(body))

    @app.get(f"{trace}/production-orders/{{order_no}}")
    async def production_order(order_no: str, request: Request) -> JSONResponse:
        return run(request, lambda: backend.production_order(order_no))

    @app.post("/cncop/basic/v3/products/page")
    async def products_page(request: Request) -> JSONResponse:
        body = await body_of(request)
        return run(request, lambda: backend.products_page(body))

    @app.post("/cncop/basic/v3/products/batch")
    async def upsert_products(request: Request) -> JSONResponse:
        body = await body_of(request)
        return run(request, lambda: backend.upsert_products(body))

    @app.post("/cncop/basic/v3/products/batch-query")
    async def query_products(request: Request) -> JSONResponse:
        body = await body_of(request)
        return run(request, lambda: backend.query_products(body))

    @app.post("/cncop/org/v1/dealers/batch-query")
    async def query_dealers(request: Request) -> JSONResponse:
        body = await body_of(request)
        return run(request, lambda: backend.query_dealers(body))

    @app.post("/cncop/org/v1/dealers/sync")
    async def sync_dealers(request: Request) -> JSONResponse:
        body = await body_of(request)
        return run(request, lambda: backend.sync_dealers(body))

    for op in OPERATIONS:
        if op.deprecated or op.key in EXPLICIT_ROUTES:
            continue
        app.add_api_route(
            op.path, _generic(op.key, op.method), methods=[op.method], name=op.key, summary=op.name
        )
    return app


def _generic(key: str, method: str) -> Any:
    """The handler of catalogue operation ``key``: path and query parameters and the JSON body."""

    async def handle(request: Request) -> JSONResponse:
        app_state = request.app.state
        body = None if method == "GET" else await app_state.chao8_body_of(request)
        return app_state.chao8_run(
            request,
            lambda: app_state.chao8_backend.operation(
                key, dict(request.path_params), dict(request.query_params), body
            ),
        )

    handle.__name__ = f"op_{key}"
    return handle
