"""
SuperShip partner API hook: authentication, the envelope, and one typed method per endpoint.

Two ways to authenticate (connection extra ``auth_mode``):

- ``token``: the connection's password is a personal access token copied from the SuperShip
  dashboard; it is sent as is (``Authorization: Bearer <token>``) and never refreshed. A 401 then
  means the token was revoked or replaced: a :class:`~airflow_provider.common.errors.ConfigurationError`.
- ``password``: ``POST /v1/partner/auth/login`` with the shop e-mail (login), password and the
  extras ``client_id``, ``client_secret``, ``partner``. The token is shared through the token
  store until ``expires_in`` (minus 10 %); a 401 logs in again once. The ``refresh_token`` of the
  answer is kept with the token, but no documented endpoint takes it.

Envelope: ``{"status": "Success", "message", "results"}`` or ``{"status": "Error", "message",
"errors"}``, the latter also with HTTP 200. No code table is published, so errors are classified
by HTTP status: 401 auth, 400/422 bad input (never retried), 404 not found, 429/5xx retried.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar, Literal, TypeVar
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel

from airflow_provider.common.auth import Token
from airflow_provider.common.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConfigurationError,
    DuplicateError,
    NotFoundError,
    RateLimitError,
    ResponseError,
    TransientError,
)
from airflow_provider.common.hooks import ApiCall, ApiHook
from airflow_provider.common.retry import parse_retry_after
from airflow_provider.supership import areas as place_names
from airflow_provider.supership.models import (
    LABEL_SIZES,
    CancelRequest,
    CancelResult,
    Commune,
    CreatedOrder,
    District,
    FeeQuote,
    FeeQuoteRequest,
    LabelToken,
    LabelTokenRequest,
    LoginRequest,
    LoginResult,
    OrderCreateRequest,
    OrderInfo,
    OrderStatus,
    Province,
    Warehouse,
    WarehouseCreateRequest,
    WarehouseUpdate,
    WarehouseUpdateRequest,
    Webhook,
    WebhookCreateRequest,
)

ModelT = TypeVar("ModelT", bound=BaseModel)
LookupBy = Literal["code", "soc"]
AuthMode = Literal["token", "password"]
AreaLevel = Literal["provinces", "districts", "communes"]

#: the print page of shipping labels (a browser page; the token in its query is a credential)
PRINT_URL = "https://khachhang.supership.vn/orders/awb"

_UNAUTHENTICATED = ("unauthenticated", "unauthorized")
_NOT_FOUND = ("not found", "không tìm thấy", "không tồn tại", "khong tim thay")
_EXISTS = ("taken", "exist", "tồn tại", "trùng", "duplicate")
_ABSENT = ("không tồn tại", "not exist", "does not exist", "doesn't exist", "không tìm thấy", "not found")


#: areas endpoint -> (query parameter naming the parent area's code, answer model)
_AREA_LEVELS: dict[str, tuple[str | None, type[BaseModel]]] = {
    "provinces": (None, Province),
    "districts": ("province", District),
    "communes": ("district", Commune),
}


@dataclass
class PlaceCheck:
    """
    The outcome of checking one address's place names against the areas API.

    :param names: field -> the place name SuperShip lists (canonical spelling).
    :param problems: ``(field, message)`` for each name SuperShip does not know, with suggestions.
    :param codes: field -> the area code of each matched place.
    """

    names: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)


class SuperShipHook(ApiHook):
    """
    Talk to the SuperShip partner API (``https://api.mysupership.vn/v1/partner``).

    Connection: ``password`` holds the personal access token (extra ``auth_mode: token``), or
    ``login`` = shop e-mail, ``password`` = password and extras ``client_id``,
    ``client_secret``, ``partner_secret`` (``auth_mode: password``). ``host`` is empty for production
    or the base URL of another deployment (the sandbox). Optional extras: ``timeout``,
    ``verify``, ``proxy``, ``max_concurrency``, ``endpoints`` (path overrides), ``print_url``
    (label print page).

    Area lists (provinces, districts, communes) are cached for the life of the hook.

    :param supership_conn_id: the Airflow connection id.
    """

    conn_name_attr = "supership_conn_id"
    default_conn_name = "supership_default"
    conn_type = "supership"
    hook_name = "SuperShip"

    platform: ClassVar[str] = "supership"
    default_base_url: ClassVar[str] = "https://api.mysupership.vn"
    endpoints: ClassVar[Mapping[str, str]] = {
        "login": "/v1/partner/auth/login",
        "provinces": "/v1/partner/areas/province",
        "districts": "/v1/partner/areas/district",
        "communes": "/v1/partner/areas/commune",
        "price": "/v1/partner/orders/price",
        "create_order": "/v1/partner/orders/add",
        "order_info": "/v1/partner/orders/info",
        "statuses": "/v1/partner/orders/status",
        "cancel": "/v1/partner/orders/cancel",
        "label_token": "/v1/partner/orders/token",
        "label": "/v1/partner/orders/label",
        "warehouses": "/v1/partner/warehouses",
        "create_warehouse": "/v1/partner/warehouses/create",
        "update_warehouse": "/v1/partner/warehouses/update",
        "webhooks": "/v1/partner/webhooks",
        "create_webhook": "/v1/partner/webhooks/create",
    }
    secret_extras: ClassVar[tuple[str, ...]] = ("client_secret", "partner_secret", "partner")
    extra_aliases: ClassVar[Mapping[str, str]] = {"partner_secret": "partner"}
    default_token_ttl: ClassVar[float] = 86400.0

    def __init__(self, supership_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(supership_conn_id, **kwargs)
        self._area_cache: dict[tuple[str, str], list[Any]] = {}

    # ----------------------------------------------------------------- auth
    @property
    def auth_mode(self) -> AuthMode:
        """``token`` (personal access token) or ``password`` (password grant)."""
        mode = str(self.extra.get("auth_mode") or "").strip().lower()
        if not mode:
            conn = self.connection
            return "password" if self.extra.get("client_id") and conn.login else "token"
        if mode not in ("token", "password"):
            raise ConfigurationError(
                self.platform, f"connection extra auth_mode must be 'token' or 'password', not {mode!r}"
            )
        return "token" if mode == "token" else "password"

    def _personal_token(self) -> str:
        token = (self.connection.password or "").strip()
        if not token:
            raise ConfigurationError(
                self.platform,
                "auth_mode 'token' needs the personal access token in the connection's password field "
                "(SuperShip dashboard: Settings > API)",
            )
        return token

    def token_credentials(self) -> tuple[str, str]:
        """The account: the personal token itself, or client id + e-mail with the password."""
        if self.auth_mode == "token":
            return "personal-access-token", self._personal_token()
        conn = self.connection
        return f"{self.extra.get('client_id') or ''}|{conn.login or ''}", conn.password or ""

    def get_token(self) -> str:
        """The personal access token as is, or a shared password-grant token (logging in when needed)."""
        if self.auth_mode == "token":
            return self._personal_token()
        return super().get_token()

    async def aget_token(self) -> str:
        if self.auth_mode == "token":
            return self._personal_token()
        return await super().aget_token()

    def login_request(self) -> LoginRequest:
        """The password-grant body from the connection; names every missing field."""
        conn, extra = self.connection, self.extra
        values = {
            "client_id": extra.get("client_id"),
            "client_secret": extra.get("client_secret"),
            "username": conn.login,
            "password": conn.password,
            "partner": extra.get("partner_secret"),
        }
        where = {
            "client_id": "extra client_id",
            "client_secret": "extra client_secret",
            "username": "login (shop e-mail)",
            "password": "password",
            "partner": "extra partner_secret",
        }
        missing = [where[name] for name, value in values.items() if not str(value or "").strip()]
        if missing:
            raise ConfigurationError(
                self.platform, f"auth_mode 'password' needs the connection's {', '.join(missing)}"
            )
        return LoginRequest.model_validate({k: str(v).strip() for k, v in values.items()})

    def fetch_token(self) -> Token:
        """Log in (password grant); in token mode the personal token is returned without a call."""
        if self.auth_mode == "token":
            return Token(value=self._personal_token())
        login = self.login_call()
        try:
            # the one call sent without a token (ApiCall has no ``auth`` flag): request + its parse
            data = self.request(login.method, login.path, json=login.json, auth=False, idempotent=True)
        except (AuthError, BadRequestError, NotFoundError) as err:
            raise ConfigurationError(
                self.platform,
                f"login refused ({err.message}): check the connection's e-mail, password, "
                "client_id, client_secret and partner_secret",
                http_status=err.http_status,
                trace_id=err.trace_id,
            ) from err
        result = self._parse_answer(login, data)
        extra = {"refresh_token": result.refresh_token} if result.refresh_token else {}
        ttl = float(result.expires_in) if result.expires_in else self.default_token_ttl
        return Token.with_ttl(result.access_token, ttl, extra=extra)

    def login_call(self) -> ApiCall[LoginResult]:
        """``POST /v1/partner/auth/login`` (password grant; sent without a token)."""
        body = self.login_request().dump()
        return ApiCall("POST", self.endpoint("login"), LoginResult.model_validate, json=body, idempotent=True)

    def auth_headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def prepare(
        self, method: str, path: str, json: Any, params: Mapping[str, Any] | None, headers: dict[str, str]
    ) -> dict[str, Any]:
        """Every request sends ``Accept`` and ``Content-Type: application/json``."""
        headers = {"Accept": "application/json", "Content-Type": "application/json", **headers}
        return super().prepare(method, path, json, params, headers)

    # ----------------------------------------------------------------- envelope
    def triage_status(self, response: httpx.Response) -> None:
        """429 and 5xx are retried (``Retry-After`` honoured on both); the vendor's message is kept."""
        status = response.status_code
        if status != 429 and status < 500:
            return
        message = _body_message(response)
        suffix = f": {message}" if message else ""
        if status == 429:
            raise RateLimitError(
                self.platform,
                f"rate limited (HTTP 429){suffix}",
                http_status=429,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                trace_id=_trace_id(response),
            )
        raise TransientError(
            self.platform,
            f"server error (HTTP {status}){suffix}",
            http_status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            trace_id=_trace_id(response),
        )

    def check_response(self, response: httpx.Response) -> Any:
        """``results`` of a Success envelope, else the matching :class:`ApiError`."""
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if 200 <= status < 300:
                if body is None:
                    raise ResponseError(
                        self.platform,
                        f"answer is not JSON ({response.headers.get('content-type', 'no content type')})",
                        http_status=status,
                    )
                return body
            raise self.error_for(status, f"HTTP {status}", None, response)
        verdict = str(body.get("status", "")).strip().lower()
        if 200 <= status < 300 and verdict != "error":
            return body.get("results") if "status" in body else body.get("results", body)
        message = str(body.get("message") or "").strip() or f"HTTP {status}"
        raise self.error_for(status, message, body.get("errors"), response)

    def error_for(self, status: int, message: str, errors: Any, response: httpx.Response) -> ApiError:
        """
        The error kind of an Error answer, by HTTP status (SuperShip publishes no code table).

        Two endpoints say more: a refused create whose message says the order exists is a
        :class:`DuplicateError`; "not found" from order info names the code or soc asked for.
        """
        detail = _errors_text(errors)
        text = f"{message} ({detail})" if detail and detail not in message else message
        kwargs: dict[str, Any] = {"http_status": status, "trace_id": _trace_id(response), "details": errors}
        lowered = f"{message} {detail}".lower()
        path, query = _request_of(response)
        if status == 401 or (status < 300 and any(w in message.lower() for w in _UNAUTHENTICATED)):
            if self.auth_mode == "token":
                return ConfigurationError(
                    self.platform,
                    f"the personal access token was refused ({text}): replace it in the connection's "
                    "password field with a current token from the SuperShip dashboard (Settings > API)",
                    **kwargs,
                )
            return AuthError(self.platform, text, **kwargs)
        if status == 403:
            return ConfigurationError(self.platform, f"access denied: {text}", **kwargs)
        if status != 404 and _soc_exists(message, errors):
            return DuplicateError(self.platform, text, **kwargs)
        if status == 404 or (status < 300 and any(w in lowered for w in _NOT_FOUND)):
            if path.endswith(self.endpoint("order_info")) and "code" in query:
                what = "soc" if query.get("type") == "2" else "order code"
                text = f"no order with {what} {query['code']!r} ({text})"
            return NotFoundError(self.platform, text, **kwargs)
        if status == 429:
            return RateLimitError(self.platform, text, **kwargs)
        if status >= 500:
            return TransientError(self.platform, text, **kwargs)
        if path.endswith(self.endpoint("create_order")) and _says_exists(lowered):
            return DuplicateError(self.platform, text, **kwargs)
        return BadRequestError(self.platform, text, **kwargs)

    def probe(self) -> str:
        warehouses = self.get_warehouses()
        return f"{len(warehouses)} warehouse(s) visible"

    # ----------------------------------------------------------------- areas
    def _area_call(self, level: AreaLevel, parent: str | None = None) -> ApiCall[list[Any]]:
        """``GET /v1/partner/areas/<level>``, of a parent area's CODE for districts and communes."""
        param, model = _AREA_LEVELS[level]
        params = {param: str(parent)} if param else None
        return ApiCall("GET", self.endpoint(level), partial(_many, model), params=params)

    def _areas(self, level: AreaLevel, parent: str | None = None) -> list[Any]:
        key = (level, str(parent or ""))
        if key not in self._area_cache:
            self._area_cache[key] = self.call(self._area_call(level, parent))
        return self._area_cache[key]

    async def _aareas(self, level: AreaLevel, parent: str | None = None) -> list[Any]:
        key = (level, str(parent or ""))
        if key not in self._area_cache:
            self._area_cache[key] = await self.acall(self._area_call(level, parent))
        return self._area_cache[key]

    def get_provinces(self) -> list[Province]:
        """Provinces/cities SuperShip serves (cached for the life of the hook)."""
        return self._areas("provinces")

    async def aget_provinces(self) -> list[Province]:
        return await self._aareas("provinces")

    def get_districts(self, province_code: str) -> list[District]:
        """Districts of a province, by the province's CODE (``79``); cached."""
        return self._areas("districts", province_code)

    async def aget_districts(self, province_code: str) -> list[District]:
        return await self._aareas("districts", province_code)

    def get_communes(self, district_code: str) -> list[Commune]:
        """Communes/wards of a district, by the district's CODE (``767``); cached."""
        return self._areas("communes", district_code)

    async def aget_communes(self, district_code: str) -> list[Commune]:
        return await self._aareas("communes", district_code)

    def check_place(
        self,
        province: str | None,
        district: str | None,
        commune: str | None = None,
        *,
        fields: tuple[str, str, str] = ("province", "district", "commune"),
        resolve: bool = False,
        check_commune: bool = True,
    ) -> PlaceCheck:
        """
        Check place NAMES against the areas API, province -> district -> commune.

        A name matches when it is SuperShip's name or that name without its prefix
        (``Hồ Chí Minh``); otherwise the problem names the field and suggests the closest names
        (accent-insensitive: ``Ho Chi Minh`` -> ``Thành phố Hồ Chí Minh``).

        :param fields: the field names used in problems (``pickup_province``, ...).
        :param resolve: also accept a unique accent-insensitive match and report its spelling.
        :param check_commune: whether to check the commune (fee quotes have none).
        """
        check = PlaceCheck()
        found = self._match_area(province, self.get_provinces(), fields[0], "province", None, resolve, check)
        if found is None:
            return check
        district_found = self._match_area(
            district, self.get_districts(found.code), fields[1], "district", found.name, resolve, check
        )
        if district_found is None or not check_commune:
            return check
        self._match_area(
            commune,
            self.get_communes(district_found.code),
            fields[2],
            "commune",
            district_found.name,
            resolve,
            check,
        )
        return check

    def _match_area(
        self,
        name: str | None,
        candidates: Sequence[Province | District | Commune],
        field_name: str,
        level: str,
        parent: str | None,
        resolve: bool,
        check: PlaceCheck,
    ) -> Province | District | Commune | None:
        where = f" in {parent!r}" if parent else ""
        if not name or not str(name).strip():
            check.problems.append((field_name, f"a {level} name is required"))
            return None
        names = [area.name for area in candidates]
        hit = place_names.find(name, names) or (place_names.find_folded(name, names) if resolve else None)
        if hit is not None:
            area = candidates[names.index(hit)]
            check.names[field_name] = area.name
            check.codes[field_name] = area.code
            return area
        by_code = [area for area in candidates if area.code == str(name).strip()]
        if by_code:
            check.problems.append(
                (
                    field_name,
                    f"{name!r} is a {level} code; SuperShip takes names: did you mean {by_code[0].name!r}?",
                )
            )
            return None
        hint = place_names.did_you_mean(place_names.suggest(name, names))
        if not candidates:
            hint = f"SuperShip lists no {level} there"
        elif not hint:
            hint = f"no close match among the {len(candidates)} {level} names SuperShip lists{where}"
        check.problems.append((field_name, f"unknown {level} {name!r}{where}; {hint}"))
        return None

    # ----------------------------------------------------------------- the calls, each described once
    def fee_quote_call(
        self, quote: FeeQuoteRequest | Mapping[str, Any], method: Literal["GET", "POST"] = "GET"
    ) -> ApiCall[list[FeeQuote]]:
        """``GET /v1/partner/orders/price?<query>``; ``POST`` also sends the query as the JSON body
        (SuperShip's PHP SDK). Pricing changes nothing: safe to resend."""
        params = _model(FeeQuoteRequest, quote).dump()
        body = params if method == "POST" else None
        return ApiCall(
            method,
            self.endpoint("price"),
            partial(_many, FeeQuote),
            json=body,
            params=params,
            idempotent=True,
        )

    def create_order_call(self, order: OrderCreateRequest | Mapping[str, Any]) -> ApiCall[CreatedOrder]:
        """``POST /v1/partner/orders/add``, sent once: a lost answer raises TransportError or
        TransientError and the caller looks the order up by ``soc`` before any retry. A refusal
        saying the order exists is a :class:`DuplicateError` (see :meth:`error_for`)."""
        body = _model(OrderCreateRequest, order).dump()
        return ApiCall(
            "POST", self.endpoint("create_order"), CreatedOrder.model_validate, json=body, idempotent=False
        )

    def order_info_call(self, code: str, lookup_by: LookupBy = "code") -> ApiCall[OrderInfo]:
        """``GET /v1/partner/orders/info?code=..&type=1`` (SuperShip code) or ``type=2`` (your soc)."""
        return ApiCall(
            "GET", self.endpoint("order_info"), OrderInfo.model_validate, params=_info_params(code, lookup_by)
        )

    def statuses_call(self) -> ApiCall[list[OrderStatus]]:
        """``GET /v1/partner/orders/status``."""
        return ApiCall("GET", self.endpoint("statuses"), partial(_many, OrderStatus))

    def cancel_call(self, code: str) -> ApiCall[CancelResult]:
        """``POST /v1/partner/orders/cancel`` ``{code}``; safe to resend."""
        body = CancelRequest(code=code).dump()
        return ApiCall(
            "POST", self.endpoint("cancel"), CancelResult.model_validate, json=body, idempotent=True
        )

    def label_token_call(self, codes: Iterable[str]) -> ApiCall[str]:
        """``POST /v1/partner/orders/token`` ``{code: [codes]}`` -> the print token."""
        body = LabelTokenRequest(code=list(codes)).dump()
        return ApiCall("POST", self.endpoint("label_token"), _label_token, json=body, idempotent=True)

    def warehouses_call(self) -> ApiCall[list[Warehouse]]:
        """``GET /v1/partner/warehouses``."""
        return ApiCall("GET", self.endpoint("warehouses"), partial(_many, Warehouse))

    def create_warehouse_call(
        self, warehouse: WarehouseCreateRequest | Mapping[str, Any]
    ) -> ApiCall[Warehouse]:
        """``POST /v1/partner/warehouses/create`` (places are names); sent once."""
        body = _model(WarehouseCreateRequest, warehouse).dump()
        return ApiCall(
            "POST", self.endpoint("create_warehouse"), Warehouse.model_validate, json=body, idempotent=False
        )

    def update_warehouse_call(
        self, update: WarehouseUpdateRequest | Mapping[str, Any]
    ) -> ApiCall[WarehouseUpdate]:
        """``POST /v1/partner/warehouses/update`` ``{code, name, phone, contact}`` (PHP SDK)."""
        body = _model(WarehouseUpdateRequest, update).dump()
        return ApiCall(
            "POST",
            self.endpoint("update_warehouse"),
            WarehouseUpdate.model_validate,
            json=body,
            idempotent=True,
        )

    def webhook_call(self) -> ApiCall[Webhook | None]:
        """``GET /v1/partner/webhooks``: the registered webhook or ``None``."""
        return ApiCall("GET", self.endpoint("webhooks"), _webhook)

    def register_webhook_call(self, url: str) -> ApiCall[Webhook]:
        """``POST /v1/partner/webhooks/create`` ``{url}`` (replaces the URL: safe to resend)."""
        body = WebhookCreateRequest(url=url).dump()
        return ApiCall(
            "POST",
            self.endpoint("create_webhook"),
            lambda data: _webhook(data) or Webhook(url=url),
            json=body,
            idempotent=True,
        )

    # ----------------------------------------------------------------- fee quote
    def get_fee_quotes(
        self, quote: FeeQuoteRequest | Mapping[str, Any], *, method: Literal["GET", "POST"] = "GET"
    ) -> list[FeeQuote]:
        """
        Price of a parcel between two districts (``GET /v1/partner/orders/price``).

        :param quote: sender/receiver province and district NAMES, ``weight`` (g), ``value`` (VND).
        :param method: ``POST`` sends the query and the same JSON body, as SuperShip's PHP SDK does.
        """
        return self.call(self.fee_quote_call(quote, method))

    async def aget_fee_quotes(
        self, quote: FeeQuoteRequest | Mapping[str, Any], *, method: Literal["GET", "POST"] = "GET"
    ) -> list[FeeQuote]:
        return await self.acall(self.fee_quote_call(quote, method))

    # ----------------------------------------------------------------- orders
    def create_order(self, order: OrderCreateRequest | Mapping[str, Any]) -> CreatedOrder:
        """Create one order (``POST /v1/partner/orders/add``), sent once (see :meth:`create_order_call`)."""
        return self.call(self.create_order_call(order))

    async def acreate_order(self, order: OrderCreateRequest | Mapping[str, Any]) -> CreatedOrder:
        return await self.acall(self.create_order_call(order))

    def get_order(self, code: str, *, lookup_by: LookupBy = "code") -> OrderInfo:
        """
        One order with its journeys (``GET /v1/partner/orders/info``).

        :param code: SuperShip's order code, or your ``soc`` with ``lookup_by="soc"`` (``type=2``).
        :raises NotFoundError: no such order.
        """
        return self.call(self.order_info_call(code, lookup_by))

    async def aget_order(self, code: str, *, lookup_by: LookupBy = "code") -> OrderInfo:
        return await self.acall(self.order_info_call(code, lookup_by))

    def find_order_by_soc(self, soc: str) -> OrderInfo | None:
        """The order with your own code ``soc`` (info ``type=2``), ``None`` when there is none."""
        try:
            return self.get_order(soc, lookup_by="soc")
        except NotFoundError:
            return None

    async def afind_order_by_soc(self, soc: str) -> OrderInfo | None:
        try:
            return await self.aget_order(soc, lookup_by="soc")
        except NotFoundError:
            return None

    def get_order_statuses(self) -> list[OrderStatus]:
        """The status table (``GET /v1/partner/orders/status``)."""
        return self.call(self.statuses_call())

    async def aget_order_statuses(self) -> list[OrderStatus]:
        return await self.acall(self.statuses_call())

    def cancel_order(self, code: str) -> CancelResult:
        """Cancel an order by SuperShip code (``POST /v1/partner/orders/cancel``); safe to resend."""
        return self.call(self.cancel_call(code))

    async def acancel_order(self, code: str) -> CancelResult:
        return await self.acall(self.cancel_call(code))

    def create_label_token(self, codes: Iterable[str]) -> str:
        """
        A print token for the labels of ``codes`` (``POST /v1/partner/orders/token``).

        The token opens the print page without any other credential: keep it out of logs.
        """
        return self.call(self.label_token_call(codes))

    async def acreate_label_token(self, codes: Iterable[str]) -> str:
        return await self.acall(self.label_token_call(codes))

    def print_url(self, token: str, size: str = "A5") -> str:
        """
        The label print page: ``https://khachhang.supership.vn/orders/awb?token=..&size=A5``.

        The URL carries the print token: it may go to XCom, never to logs. A connection extra
        ``print_url`` replaces the page address (e.g. the sandbox's ``/orders/awb``).
        """
        size = _label_size(size)
        base = str(self.extra.get("print_url") or PRINT_URL)
        return f"{base}?{urlencode({'token': token, 'size': size})}"

    def label_url(self, token: str, size: str = "A5") -> str:
        """The API's own print address (``GET /v1/partner/orders/label?token=..&size=..``, PHP SDK)."""
        size = _label_size(size)
        return f"{self.settings.base_url}{self.endpoint('label')}?{urlencode({'token': token, 'size': size})}"

    # ----------------------------------------------------------------- warehouses
    def get_warehouses(self) -> list[Warehouse]:
        """Pickup warehouses of the account (``GET /v1/partner/warehouses``)."""
        return self.call(self.warehouses_call())

    async def aget_warehouses(self) -> list[Warehouse]:
        return await self.acall(self.warehouses_call())

    def create_warehouse(self, warehouse: WarehouseCreateRequest | Mapping[str, Any]) -> Warehouse:
        """Create a pickup warehouse (``POST /v1/partner/warehouses/create``); places are names."""
        return self.call(self.create_warehouse_call(warehouse))

    async def acreate_warehouse(self, warehouse: WarehouseCreateRequest | Mapping[str, Any]) -> Warehouse:
        return await self.acall(self.create_warehouse_call(warehouse))

    def update_warehouse(self, update: WarehouseUpdateRequest | Mapping[str, Any]) -> WarehouseUpdate:
        """Rename a warehouse or change its contact (``POST /v1/partner/warehouses/update``)."""
        return self.call(self.update_warehouse_call(update))

    async def aupdate_warehouse(self, update: WarehouseUpdateRequest | Mapping[str, Any]) -> WarehouseUpdate:
        return await self.acall(self.update_warehouse_call(update))

    # ----------------------------------------------------------------- webhooks
    def get_webhook(self) -> Webhook | None:
        """The registered webhook (``GET /v1/partner/webhooks``), ``None`` when there is none."""
        return self.call(self.webhook_call())

    async def aget_webhook(self) -> Webhook | None:
        return await self.acall(self.webhook_call())

    def register_webhook(self, url: str) -> Webhook:
        """Register (or replace) the webhook URL (``POST /v1/partner/webhooks/create``)."""
        return self.call(self.register_webhook_call(url))

    async def aregister_webhook(self, url: str) -> Webhook:
        return await self.acall(self.register_webhook_call(url))

    # ----------------------------------------------------------------- statuses for sensors
    async def afetch_orders(
        self, ids: Sequence[str], *, lookup_by: LookupBy = "code"
    ) -> dict[str, OrderInfo]:
        """Order infos of many orders, ``max_concurrency`` calls at a time (no batched endpoint)."""

        async def one(order_id: str) -> tuple[str, OrderInfo]:
            return order_id, await self.aget_order(order_id, lookup_by=lookup_by)

        return dict(await self.gather_limited([str(i) for i in dict.fromkeys(ids)], one))

    def status_label(self, status: str) -> str:
        """``15`` -> ``15 Không Giao Được (undeliverable)`` in the sensors' failure messages."""
        from airflow_provider.supership.statuses import describe

        return describe(status)

    async def afetch_statuses(self, ids: Sequence[str], lookup_by: LookupBy = "code") -> dict[str, str]:
        """``{id: status code}`` of many orders (info per order, bounded concurrency)."""
        infos = await self.afetch_orders(ids, lookup_by=lookup_by)
        return {order_id: info.status for order_id, info in infos.items()}

    def fetch_statuses(self, ids: Sequence[str], lookup_by: LookupBy = "code") -> dict[str, str]:
        """Sync twin of :meth:`afetch_statuses` (one event loop per call, its client closed after)."""
        return self.run_async(self.afetch_statuses(ids, lookup_by=lookup_by))


# --------------------------------------------------------------------------- helpers
def _model(model: type[ModelT], value: ModelT | Mapping[str, Any]) -> ModelT:
    return value if isinstance(value, model) else model.model_validate(value)


def _many(model: type[ModelT], data: Any) -> list[ModelT]:
    if data is None:
        return []
    if isinstance(data, Mapping):
        data = [data]
    return [model.model_validate(item) for item in data]


def _label_token(data: Any) -> str:
    return LabelToken.model_validate(data).token


def _webhook(data: Any) -> Webhook | None:
    if isinstance(data, list):
        data = data[0] if data else None
    if not isinstance(data, Mapping) or not data.get("url"):
        return None
    return Webhook.model_validate(data)


def _info_params(code: str, lookup_by: LookupBy) -> dict[str, str]:
    if lookup_by not in ("code", "soc"):
        raise ValueError(f"lookup_by must be 'code' or 'soc', not {lookup_by!r}")
    return {"code": str(code), "type": "2" if lookup_by == "soc" else "1"}


def _says_exists(text: str) -> bool:
    """Whether an error text says something already exists (and not that it does not)."""
    return any(word in text for word in _EXISTS) and not any(word in text for word in _ABSENT)


def _request_of(response: httpx.Response) -> tuple[str, Mapping[str, str]]:
    """The path and query of the request an answer belongs to (empty when it has none)."""
    try:
        request = response.request
    except RuntimeError:
        return "", {}
    return request.url.path, request.url.params


def _label_size(size: str) -> str:
    value = str(size).strip().upper()
    if value not in LABEL_SIZES:
        raise ValueError(f"label size {size!r} is not one of {', '.join(LABEL_SIZES)}")
    return value


def _trace_id(response: httpx.Response) -> str | None:
    return response.headers.get("x-request-id") or response.headers.get("x-trace-id")


def _body_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, Mapping):
        return str(body.get("message") or body.get("error") or "")[:300]
    return ""


def _errors_text(errors: Any) -> str:
    """``errors`` as one line: a string, or ``field: message`` pairs of a Laravel-style object."""
    if not errors:
        return ""
    if isinstance(errors, str):
        return errors
    if isinstance(errors, Mapping):
        parts = []
        for name, messages in errors.items():
            text = "; ".join(map(str, messages)) if isinstance(messages, list | tuple) else str(messages)
            parts.append(f"{name}: {text}")
        return "; ".join(parts)
    if isinstance(errors, list | tuple):
        return "; ".join(map(str, errors))
    return str(errors)


def _soc_exists(message: str, errors: Any) -> bool:
    """Whether an Error answer says the ``soc`` is already used (the wording is not documented)."""
    texts: list[str] = []
    if isinstance(errors, Mapping) and "soc" in errors:
        value = errors["soc"]
        texts += [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    if "soc" in message.lower():
        texts.append(message)
    return any(_says_exists(text.lower()) for text in texts)
