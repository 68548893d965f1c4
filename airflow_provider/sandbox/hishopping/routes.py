"""HiShopping sandbox routes: the HTTP layer over :class:`HiShoppingBackend` (web API and open API)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from airflow_provider.sandbox.hishopping.backend import HiShoppingBackend
from airflow_provider.sandbox.hishopping.seed import SANDBOX_CATEGORIES
from airflow_provider.sandbox.hishopping.wire import SandboxAnswer, money
from airflow_provider.sandbox.kit import build_app


class TopUp(BaseModel):
    """A credit top-up (USD)."""

    amount: Decimal = Field(gt=0)


class ScriptedCode(BaseModel):
    """A vendor code answered to the next ``count`` calls whose path contains ``path_contains``."""

    code: int
    count: int = Field(1, ge=1)
    path_contains: str | None = None


def _error(err: SandboxAnswer) -> JSONResponse:
    return JSONResponse({"code": err.code, "message": err.message}, status_code=err.http_status)


def _ok(data: Any) -> JSONResponse:
    return JSONResponse({"code": 0, "message": "success", "data": data})


async def _json(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise SandboxAnswer(400, "body is not JSON", 400) from None


def create_app(backend: HiShoppingBackend | None = None, **kwargs: Any) -> FastAPI:
    """The HiShopping sandbox app; ``kwargs`` go to :class:`HiShoppingBackend` when none is given."""
    backend = backend or HiShoppingBackend(**kwargs)
    app = build_app(backend, "HiShopping sandbox")
    web = "/api/v1/web"
    open_api = "/api/v1/open"

    # ------------------------------------------------------------------ web API
    @app.post(f"{web}/login")
    async def login(request: Request) -> JSONResponse:
        try:
            backend.scripted_code(request.url.path)
            return _ok(backend.login(await _json(request)))
        except SandboxAnswer as err:
            return _error(err)

    def web_call(request: Request, handler: Callable[[], Any]) -> JSONResponse:
        try:
            backend.check_bearer(request.headers.get("authorization"))
            backend.scripted_code(request.url.path)
            return _ok(handler())
        except SandboxAnswer as err:
            return _error(err)

    @app.post(f"{web}/logout")
    def logout(request: Request) -> JSONResponse:
        authorization = request.headers.get("authorization")
        return web_call(request, lambda: backend.logout(authorization))

    @app.get(f"{web}/captcha")
    def captcha(request: Request) -> JSONResponse:
        try:
            backend.scripted_code(request.url.path)
            return _ok(backend.captcha())
        except SandboxAnswer as err:
            return _error(err)

    def account_route(handler: Callable[[str, Any], Any]) -> Callable[[Request], Awaitable[JSONResponse]]:
        """A web route acting for the token's account: ``handler(email, JSON body or None)``."""

        async def route(request: Request) -> JSONResponse:
            try:
                email = backend.check_bearer(request.headers.get("authorization"))
                backend.scripted_code(request.url.path)
                body = await _json(request) if request.method in ("POST", "PUT") else None
                return _ok(handler(email, body))
            except SandboxAnswer as err:
                return _error(err)

        return route

    def mine(read: Callable[[str], Any]) -> Callable[[str, Any], Any]:
        return lambda email, _body: read(email)

    account_routes: list[tuple[str, str, Callable[[str, Any], Any]]] = [
        ("PUT", "/password", backend.change_password),
        ("GET", "/apikey", mine(backend.api_key)),
        ("POST", "/apikey", mine(backend.new_api_key)),
        ("POST", "/merchant", backend.create_merchant),
        ("GET", "/merchant", mine(backend.merchant)),
        ("PUT", "/merchant", backend.update_merchant),
        ("GET", "/app", mine(backend.app_view)),
        ("PUT", "/app", backend.update_app),
        ("PUT", "/app/cert", mine(backend.new_sign_key)),
    ]
    for method, path, handler in account_routes:
        app.add_api_route(f"{web}{path}", account_route(handler), methods=[method])

    @app.get(f"{web}/goods")
    def web_goods(request: Request) -> JSONResponse:
        return web_call(request, lambda: backend.list_goods(dict(request.query_params)))

    @app.get(f"{web}/goods/categories")
    def web_categories(request: Request) -> JSONResponse:
        return web_call(request, lambda: [dict(c) for c in SANDBOX_CATEGORIES])

    @app.get(f"{web}/goods/detail/{{goods_id}}")
    def web_goods_detail(request: Request, goods_id: str) -> JSONResponse:
        return web_call(request, lambda: backend.goods_detail(goods_id))

    @app.get(f"{web}/orders")
    def web_orders(request: Request) -> JSONResponse:
        return web_call(request, lambda: backend.list_orders(dict(request.query_params)))

    @app.get(f"{web}/orders/{{order_no}}")
    def web_order(request: Request, order_no: str) -> JSONResponse:
        return web_call(request, lambda: backend.view(backend.find_order(order_no=order_no)))

    @app.get(f"{web}/credit")
    def web_credit(request: Request) -> JSONResponse:
        return web_call(request, backend.credit)

    @app.get(f"{web}/credit/transactions")
    def web_transactions(request: Request) -> JSONResponse:
        return web_call(request, lambda: backend.list_transactions(dict(request.query_params)))

    # ------------------------------------------------------------------ open API
    async def open_call(request: Request, handler: Callable[[dict[str, Any]], Any]) -> JSONResponse:
        try:
            body = await _json(request)
            caller, payload = backend.open_request(body)
            backend.scripted_code(request.url.path)
            return JSONResponse(backend.seal(caller, handler(payload)))
        except SandboxAnswer as err:
            return _error(err)

    @app.post(f"{open_api}/order/create")
    async def open_create(request: Request) -> JSONResponse:
        return await open_call(request, backend.create_order)

    @app.post(f"{open_api}/order/detail")
    async def open_detail(request: Request) -> JSONResponse:
        return await open_call(request, backend.order_detail)

    @app.post(f"{open_api}/order/list")
    async def open_list(request: Request) -> JSONResponse:
        return await open_call(request, backend.list_orders)

    @app.post(f"{open_api}/credit/balance")
    async def open_balance(request: Request) -> JSONResponse:
        return await open_call(request, lambda _payload: backend.credit())

    @app.post(f"{open_api}/goods/list")
    async def open_goods(request: Request) -> JSONResponse:
        return await open_call(request, backend.list_goods)

    @app.post(f"{open_api}/goods/detail")
    async def open_goods_detail(request: Request) -> JSONResponse:
        return await open_call(request, lambda payload: backend.goods_detail(payload.get("goods_id")))

    # ------------------------------------------------------------------ sandbox controls
    @app.post("/_sandbox/hishopping/topup", tags=["sandbox control"])
    def topup(body: TopUp) -> dict[str, Any]:
        """Add credit to the merchant's balance (a ledger transaction)."""
        try:
            row = backend.top_up(body.amount)
        except (ValueError, InvalidOperation) as err:
            return {"ok": False, "error": str(err)}
        return {"ok": True, "reference_no": row["reference_no"], "balance": money(backend.balance)}

    @app.post("/_sandbox/hishopping/codes", tags=["sandbox control"])
    def codes(body: ScriptedCode) -> dict[str, Any]:
        """Answer the next ``count`` matching calls with the vendor code ``code`` (e.g. 5001, 2001)."""
        backend.script_code(body.code, body.count, body.path_contains)
        return {"ok": True}

    return app
