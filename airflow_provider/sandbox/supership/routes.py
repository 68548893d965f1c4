"""SuperShip sandbox routes: the HTTP layer over :class:`SuperShipBackend` (``/v1/partner``)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from airflow_provider.sandbox.kit import build_app
from airflow_provider.sandbox.supership.backend import SuperShipBackend, _error, _success, _text


def create_app(backend: SuperShipBackend | None = None, **kwargs: Any) -> FastAPI:
    """
    The SuperShip sandbox app.

    :param backend: an existing backend (tests keep a handle on it); else one is built from kwargs
        (``clock``, ``faults``, ``token_ttl``, ``outcome_weights``).
    """
    backend = backend or SuperShipBackend(**kwargs)
    app = build_app(backend, "SuperShip sandbox")

    def answer(status: int, body: dict[str, Any]) -> JSONResponse:
        return JSONResponse(body, status_code=status)

    def unauthorized() -> JSONResponse:
        return answer(401, _error("Unauthenticated.", "Access-Token không hợp lệ hoặc đã hết hạn."))

    def guard(request: Request) -> JSONResponse | None:
        backend.last_headers[request.url.path] = {
            k: v for k, v in request.headers.items() if k.lower() in ("accept", "content-type")
        }
        return None if backend.authorized(request.headers.get("authorization")) else unauthorized()

    async def body_of(request: Request) -> dict[str, Any] | JSONResponse:
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            import json

            data = json.loads(raw)
        except ValueError:
            return answer(400, _error("Dữ liệu gửi lên không phải JSON hợp lệ.", "invalid_json"))
        if not isinstance(data, dict):
            return answer(422, _error("Dữ liệu gửi lên phải là một đối tượng JSON.", "invalid_body"))
        return data

    async def guarded_body(request: Request) -> dict[str, Any] | JSONResponse:
        """The JSON body of an authorised request, or the error answer to send instead."""
        denied = guard(request)
        return denied if denied is not None else await body_of(request)

    @app.post("/v1/partner/auth/login")
    async def login(request: Request) -> Response:
        body = await body_of(request)
        if isinstance(body, JSONResponse):
            return body
        return answer(*backend.login(body))

    @app.get("/v1/partner/areas/province")
    async def provinces(request: Request) -> Response:
        return answer(200, _success(backend.provinces(), "Lấy danh sách Tỉnh/Thành Phố thành công."))

    @app.get("/v1/partner/areas/district")
    async def districts(request: Request) -> Response:
        code = request.query_params.get("province", "")
        if not code:
            return answer(
                422, _error("Trường province là bắt buộc.", {"province": ["Trường province là bắt buộc."]})
            )
        return answer(200, _success(backend.districts(code), "Lấy danh sách Quận/Huyện thành công."))

    @app.get("/v1/partner/areas/commune")
    async def communes(request: Request) -> Response:
        code = request.query_params.get("district", "")
        if not code:
            return answer(
                422, _error("Trường district là bắt buộc.", {"district": ["Trường district là bắt buộc."]})
            )
        return answer(200, _success(backend.communes(code), "Lấy danh sách Phường/Xã thành công."))

    @app.api_route("/v1/partner/orders/price", methods=["GET", "POST"])
    async def price(request: Request) -> Response:
        denied = guard(request)
        if denied:
            return denied
        params: dict[str, Any] = dict(request.query_params)
        if request.method == "POST":
            body = await body_of(request)
            if isinstance(body, JSONResponse):
                return body
            params.update({k: v for k, v in body.items() if v is not None})
        return answer(*backend.price(params))

    @app.post("/v1/partner/orders/add")
    async def add(request: Request) -> Response:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        return answer(*backend.create_order(body))

    @app.get("/v1/partner/orders/info")
    async def info(request: Request) -> Response:
        denied = guard(request)
        if denied:
            return denied
        code = request.query_params.get("code", "").strip()
        kind = request.query_params.get("type", "1").strip() or "1"
        if not code:
            return answer(422, _error("Trường code là bắt buộc.", {"code": ["Trường code là bắt buộc."]}))
        if kind not in ("1", "2"):
            return answer(
                422, _error("Trường type không hợp lệ.", {"type": ["Trường type phải là 1 hoặc 2."]})
            )
        order = backend.find(code, kind)
        if order is None:
            return answer(
                404, _error("Không tìm thấy đơn hàng.", {"code": [f"Không tìm thấy đơn hàng {code}."]})
            )
        return answer(200, _success(backend.info(order), "Lấy thông tin đơn hàng thành công."))

    @app.get("/v1/partner/orders/status")
    async def statuses(request: Request) -> Response:
        return answer(200, _success(backend.status_list(), "Lấy Danh Sách Trạng Thái thành công."))

    @app.post("/v1/partner/orders/cancel")
    async def cancel(request: Request) -> Response:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        return answer(*backend.cancel(_text(body.get("code"))))

    @app.post("/v1/partner/orders/token")
    async def label_token(request: Request) -> Response:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        return answer(*backend.label_token(body))

    async def label_page(request: Request) -> Response:
        status, page = backend.label_page(
            request.query_params.get("token", ""), request.query_params.get("size", "A5")
        )
        return HTMLResponse(page, status_code=status)

    # the print token is the credential of the print page (a browser follows the link)
    app.add_api_route("/v1/partner/orders/label", label_page, methods=["GET"])
    app.add_api_route("/orders/awb", label_page, methods=["GET"])

    @app.get("/v1/partner/warehouses")
    async def warehouses(request: Request) -> Response:
        denied = guard(request)
        if denied:
            return denied
        rows = sorted(backend.store.values("warehouses"), key=lambda w: w["created"])
        return answer(
            200, _success([backend.warehouse_json(w) for w in rows], "Lấy danh sách kho thành công.")
        )

    @app.post("/v1/partner/warehouses/create")
    async def create_warehouse(request: Request) -> Response:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        return answer(*backend.create_warehouse(body))

    @app.post("/v1/partner/warehouses/update")
    async def update_warehouse(request: Request) -> Response:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        return answer(*backend.update_warehouse(body))

    @app.get("/v1/partner/webhooks")
    async def webhooks(request: Request) -> Response:
        denied = guard(request)
        if denied:
            return denied
        return answer(200, _success(backend.webhook(), "Lấy thông tin webhook thành công."))

    @app.post("/v1/partner/webhooks/create")
    async def create_webhook(request: Request) -> Response:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        return answer(*backend.register_webhook(body))

    return app
