"""HyperSKU sandbox routes: the HTTP layer over :class:`HyperSkuBackend` (AG-Admin envelopes, HTTP 200)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from airflow_provider.sandbox.hypersku.backend import Envelope, HyperSkuBackend, SandboxInputError, fail
from airflow_provider.sandbox.kit import build_app

Handler = Callable[..., Envelope]


def create_app(backend: HyperSkuBackend | None = None, **kwargs: Any) -> FastAPI:
    """
    The HyperSKU sandbox app.

    :param backend: the state to serve; a new :class:`HyperSkuBackend` from ``kwargs`` if omitted.
    """
    backend = backend or HyperSkuBackend(**kwargs)
    app = build_app(backend, "HyperSKU sandbox")

    def answer(envelope: Envelope) -> JSONResponse:
        return JSONResponse(envelope, status_code=200)

    async def read_body(request: Request) -> tuple[Any, Envelope | None]:
        raw = await request.body()
        if not raw:
            return None, None
        try:
            return json.loads(raw), None
        except ValueError:
            return None, fail(500, "request body is not valid JSON")

    def business(method: str, path: str, handler: Handler, *, body: bool = True) -> None:
        async def endpoint(request: Request) -> JSONResponse:
            if backend.authorized(request.headers.get("authorization")) is None:
                return answer(fail(40101, "Token invalid or expired"))
            payload, error = await read_body(request) if body else (None, None)
            if error is not None:
                return answer(error)
            try:
                if request.path_params:
                    return answer(handler(**request.path_params))
                return answer(handler(payload))
            except SandboxInputError as err:
                return answer(fail(500, str(err)))

        endpoint.__name__ = handler.__name__
        app.add_api_route(path, endpoint, methods=[method], include_in_schema=True)

    @app.post("/api/auth/admin/token")
    async def get_token(request: Request) -> JSONResponse:
        payload, error = await read_body(request)
        return answer(error or backend.login(payload, request.headers.get("authorization")))

    @app.post("/api/auth/admin/token/access_token")
    async def access_token(request: Request) -> JSONResponse:
        payload, error = await read_body(request)
        return answer(error or backend.oauth_access_token(payload))

    @app.post("/api/auth/admin/token/refresh_token")
    async def refresh_token(request: Request) -> JSONResponse:
        payload, error = await read_body(request)
        return answer(error or backend.oauth_refresh(payload))

    @app.get("/application/auth", response_model=None)
    def authorize_page(
        clientId: str = "", redirectUri: str = "", state: str = "", scope: str = "oms"
    ) -> JSONResponse | RedirectResponse:
        """The consent page, approved at once for the sandbox account: redirects with ``code``."""
        if clientId not in backend.clients:
            return answer(fail(40131, "Client invalid"))
        if not redirectUri:
            return answer(fail(500, "redirectUri is required"))
        code = backend.authorize(clientId, redirectUri)
        separator = "&" if "?" in redirectUri else "?"
        return RedirectResponse(
            f"{redirectUri}{separator}{urlencode({'code': code, 'state': state})}", status_code=302
        )

    business("GET", "/api/customer/admin/logistics/getCountryCode", backend.country_codes, body=False)
    business("POST", "/api/customer/admin/logistics/getLogisticsInfo-Sku", backend.logistics_sku)
    business(
        "GET",
        "/api/customer/admin/logistics/internationalLogisticsInfo/{storeOrderId}",
        backend.international_logistics,
        body=False,
    )
    business("POST", "/api/customer/admin/orders/create", backend.create)
    business("POST", "/api/customer/admin/orders/status", backend.orders_status)
    business("POST", "/api/customer/admin/orders/getOrderInfos", backend.order_infos)
    business("POST", "/api/customer/admin/orders/getOrdersByExternalOrderId", backend.orders_by_external)
    business("POST", "/api/customer/admin/orders/cancelOrder", backend.cancel)
    business("POST", "/api/customer/admin/orders/updateOrderAddress", backend.update_address)
    business("POST", "/api/customer/admin/orders/getStockOrderInfo", backend.stock_order_info)
    business("POST", "/api/customer/admin/orders/getInventoryInfo", backend.inventory_info)
    business("POST", "/api/customer/admin/orders/getCustomerInventoryInfo", backend.customer_inventory)
    business("POST", "/api/customer/admin/orders/getInventoryHistoryByOrderId", backend.inventory_history)
    business("POST", "/api/customer/admin/product/getProductInfo", backend.product_info)
    business("POST", "/api/customer/admin/product/getPrivateProduct", backend.private_product)
    return app
