"""
HyperSKU hook: token authentication (password or OAuth2) and one typed method per API call.

Every path lives in :attr:`HyperSkuHook.endpoints`; :attr:`HyperSkuHook.inferred_endpoints`
names those no public document states. A connection corrects any of them with its extra
``endpoints`` (``{"getOrderInfos": "/api/customer/admin/orders/list"}``).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from airflow_provider.common.auth import Token, jwt_expiry
from airflow_provider.common.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConfigurationError,
    DuplicateError,
    NotFoundError,
    RateLimitError,
    ResponseError,
    TransportError,
)
from airflow_provider.common.hooks import ApiCall, ApiHook
from airflow_provider.common.models import ApiModel, Page
from airflow_provider.hypersku.models import (
    LOGISTICS_STRATEGIES,
    CountryCodeReponseDto,
    CustomerInventoryDto,
    InternationalLogisticsInfo,
    LoginReqDto,
    LoginResDto,
    LogisticsReponseDto,
    LogisticsRequestDto,
    LogisticsResult,
    OAuth2AccessTokenReq,
    OAuth2RefreshTokenReq,
    OAuth2TokenVo,
    OrderAddressInfo,
    OrderCreateResponse,
    OrderInventoryHistoryDto,
    OrderInventoryResult,
    OrderResult,
    OrdersInfoDto,
    OrderStatusInfo,
    ProductInfoDto,
    ShippingAddressDto,
    UpdateOrderAddressReq,
    format_time,
    iter_rows,
    select_option,
)

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

PLATFORM = "hypersku"
#: ``status`` values of a successful answer (200: HyperSKU's tooling; 0: the API doc's examples)
SUCCESS_CODES = frozenset({0, 200})
#: token invalid or expired: refresh once and retry
TOKEN_INVALID = 40101
#: user invalid (wrong username/password), client invalid, client forbidden
CONFIGURATION_CODES = frozenset({40102, 40131, 40331})
#: a create rejected because its ``thirdOrderId`` is taken says so in its message
DUPLICATE_MESSAGE = re.compile(r"exist|duplicat|repeat|already|重复|已存在", re.IGNORECASE)
#: tokens are kept at least this long even when their ``exp`` says less (clock skew)
MIN_TOKEN_TTL = 30.0
#: order ids per ``getOrdersStatus`` call
STATUS_BATCH = 200
#: a paged walk stops after this many pages whatever the answers say
MAX_PAGES = 10_000

ModelT = TypeVar("ModelT", bound=ApiModel)
R = TypeVar("R")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def trace_id_of(body: Any, headers: Mapping[str, str] | None = None) -> str | None:
    """The trace id of an answer, from the body or the usual headers."""
    if isinstance(body, dict):
        for key in ("traceId", "trace_id", "requestId"):
            if body.get(key):
                return str(body[key])
    for key in ("x-trace-id", "traceid", "x-request-id"):
        if headers and headers.get(key):
            return str(headers[key])
    return None


def envelope_error(
    body: Mapping[str, Any], *, http_status: int | None, trace_id: str | None = None
) -> ApiError:
    """The error an AG-Admin envelope with a non-success ``status`` stands for."""
    code = _int(body.get("status"))
    message = str(body.get("message") or body.get("msg") or body.get("error") or "request failed")
    kwargs: dict[str, Any] = {"http_status": http_status, "code": code, "trace_id": trace_id}
    if code == TOKEN_INVALID:
        return AuthError(PLATFORM, message, **kwargs)
    if code in CONFIGURATION_CODES:
        hint = {
            40102: "username or password wrong, or API access not enabled for the account",
            40131: "OAuth2 client id/secret not accepted",
            40331: "OAuth2 client not allowed",
        }[code]
        return ConfigurationError(PLATFORM, f"{message} ({hint})", **kwargs)
    if code == 429:
        return RateLimitError(PLATFORM, message, **kwargs)
    if code == 404 or (code is None and http_status == 404):
        return NotFoundError(PLATFORM, message, **kwargs)
    if code is None and http_status == 401:
        return AuthError(PLATFORM, message, **kwargs)
    if code is None and http_status == 403:
        return ConfigurationError(PLATFORM, message, **kwargs)
    return BadRequestError(PLATFORM, message, **kwargs)


def check_envelope(body: Any, *, http_status: int, headers: Mapping[str, str] | None = None) -> Any:
    """
    The ``data`` of a successful AG-Admin answer, else the matching :class:`ApiError`.

    Success is a ``status`` of 0 or 200 with ``rel`` not false, whatever the HTTP status; an
    error ``status`` (``500`` included) inside an HTTP 200 is a business error.
    """
    trace_id = trace_id_of(body, headers)
    if not isinstance(body, dict):
        if http_status >= 400:
            raise envelope_error({}, http_status=http_status, trace_id=trace_id)
        raise ResponseError(PLATFORM, "answer is not an AG-Admin envelope", http_status=http_status)
    code = _int(body.get("status"))
    if code is None and http_status >= 400:
        raise envelope_error(body, http_status=http_status, trace_id=trace_id)
    if code is None:
        raise ResponseError(PLATFORM, "answer has no 'status'", http_status=http_status, trace_id=trace_id)
    if code not in SUCCESS_CODES:
        raise envelope_error(body, http_status=http_status, trace_id=trace_id)
    if body.get("rel") is False:
        message = str(body.get("message") or "request refused (rel=false)")
        raise BadRequestError(PLATFORM, message, http_status=http_status, code=code, trace_id=trace_id)
    return body.get("data")


def check_token_answer(body: Any, *, http_status: int, headers: Mapping[str, str] | None = None) -> Any:
    """
    A token call's answer, returned whole: it succeeded when a token is present and ``status``
    is not an error code (the API doc's example shows ``"status": 0``).
    """
    trace_id = trace_id_of(body, headers)
    if not isinstance(body, dict):
        if http_status >= 400:
            raise envelope_error({}, http_status=http_status, trace_id=trace_id)
        raise ResponseError(PLATFORM, "token answer is not a JSON object", http_status=http_status)
    code = _int(body.get("status"))
    failed = (code is not None and code not in SUCCESS_CODES and not 200 <= code < 300) or (
        code is None and http_status >= 400
    )
    if failed or body.get("rel") is False:
        raise envelope_error(body, http_status=http_status, trace_id=trace_id)
    return body


class HyperSkuHook(ApiHook):
    """
    Talk to HyperSKU's customer API.

    Connection: ``host`` = base URL (empty: ``https://api.hypersku.com``). ``auth_mode`` extra
    ``password`` (default): ``login`` = username, ``password`` = password, optional secret
    ``api_key`` extra sent as ``Authorization`` on the token call. ``oauth2``: extras
    ``client_id``, ``client_secret`` and ``refresh_token`` (from
    ``python -m airflow_provider.hypersku.oauth``). Other extras: ``store_code`` (needed to look
    orders up by ``thirdOrderId``), ``session_ttl`` (seconds, when the token is no JWT with
    ``exp``; default 3600), ``auth_scheme`` (``Bearer`` to send ``Bearer <token>``),
    ``endpoints``, ``timeout``, ``verify``, ``proxy``, ``max_concurrency``.

    Tokens go in ``Authorization`` raw. A rotated OAuth2 refresh token is kept in the shared
    token store and preferred over the connection's copy (tasks cannot write connections).

    :param hypersku_conn_id: the Airflow connection id.
    """

    conn_name_attr = "hypersku_conn_id"
    default_conn_name = "hypersku_default"
    conn_type = "hypersku"
    hook_name = "HyperSKU"

    platform: ClassVar[str] = PLATFORM
    default_base_url: ClassVar[str] = "https://api.hypersku.com"
    endpoints: ClassVar[Mapping[str, str]] = {
        # authentication
        "getToken": "/api/auth/admin/token",
        "accessToken": "/api/auth/admin/token/access_token",
        "refreshToken": "/api/auth/admin/token/refresh_token",
        # logistics
        "getCountryCode": "/api/customer/admin/logistics/getCountryCode",
        "getLogisticsSku": "/api/customer/admin/logistics/getLogisticsInfo-Sku",
        "internationalLogisticsInfo": "/api/customer/admin/logistics/internationalLogisticsInfo/{storeOrderId}",
        # orders
        "create": "/api/customer/admin/orders/create",
        "getOrdersStatus": "/api/customer/admin/orders/status",
        "getOrderInfos": "/api/customer/admin/orders/getOrderInfos",
        "getOrdersByExternalOrderId": "/api/customer/admin/orders/getOrdersByExternalOrderId",
        "cancelOrder": "/api/customer/admin/orders/cancelOrder",
        "updateOrderAddress": "/api/customer/admin/orders/updateOrderAddress",
        "getStockOrderInfo": "/api/customer/admin/orders/getStockOrderInfo",
        "getInventoryInfo": "/api/customer/admin/orders/getInventoryInfo",
        "getCustomerInventoryInfo": "/api/customer/admin/orders/getCustomerInventoryInfo",
        "getInventoryHistoryByOrderId": "/api/customer/admin/orders/getInventoryHistoryByOrderId",
        # products
        "getProductInfo": "/api/customer/admin/product/getProductInfo",
        "getPrivateProduct": "/api/customer/admin/product/getPrivateProduct",
    }
    #: endpoints whose path (or part of it) no public source states: correct them per connection
    inferred_endpoints: ClassVar[frozenset[str]] = frozenset(
        {
            "refreshToken",
            "getOrderInfos",
            "cancelOrder",
            "updateOrderAddress",
            "getStockOrderInfo",
            "getInventoryInfo",
            "getCustomerInventoryInfo",
            "getInventoryHistoryByOrderId",
            "getProductInfo",
            "getPrivateProduct",
        }
    )
    secret_extras: ClassVar[tuple[str, ...]] = ("api_key", "client_secret", "refresh_token")
    extra_aliases: ClassVar[Mapping[str, str]] = {
        "auth_scheme": "auth_header_prefix",
        "session_ttl": "token_ttl",
    }
    #: paths answered by :func:`check_token_answer` instead of :func:`check_envelope`
    token_endpoints: ClassVar[tuple[str, ...]] = ("getToken", "accessToken", "refreshToken")

    def __init__(self, hypersku_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(hypersku_conn_id, **kwargs)

    # ------------------------------------------------------------------ settings
    @property
    def auth_mode(self) -> str:
        """``password`` or ``oauth2`` (connection extra ``auth_mode``)."""
        mode = str(self.extra.get("auth_mode") or "password").strip().lower()
        if mode not in ("password", "oauth2"):
            raise ConfigurationError(self.platform, f"auth_mode must be 'password' or 'oauth2', not {mode!r}")
        return mode

    @property
    def store_code(self) -> str:
        """The ``store_code`` extra (lookups by ``thirdOrderId`` need it)."""
        code = str(self.extra.get("store_code") or "").strip()
        if not code:
            raise ConfigurationError(
                self.platform,
                "the connection extra 'store_code' is needed to look orders up by thirdOrderId",
            )
        return code

    def _extra_str(self, name: str) -> str:
        return str(self.extra.get(name) or "").strip()

    # ------------------------------------------------------------------ tokens
    def token_credentials(self) -> tuple[str, str]:
        """
        The account behind the token: username + password, or in OAuth2 mode the client and
        the connection's refresh token (a user re-authorising starts a fresh store entry).
        """
        if self.auth_mode == "oauth2":
            secret = f"{self._extra_str('client_secret')}\0{self._extra_str('refresh_token')}"
            return f"oauth2:{self._extra_str('client_id')}", secret
        return super().token_credentials()

    def fetch_token(self) -> Token:
        """A new access token: the password token call, or an OAuth2 refresh."""
        if self.auth_mode == "oauth2":
            return self._fetch_oauth2_token()
        return self._fetch_password_token()

    def _token(
        self, value: str | None, expires_in: float | None, *, extra: dict[str, str] | None = None
    ) -> Token:
        if not value:
            raise ResponseError(self.platform, "token answer carries no token")
        exp = jwt_expiry(value)
        if exp is not None:
            ttl = max(exp - time.time(), MIN_TOKEN_TTL)
        elif expires_in:
            ttl = float(expires_in)
        else:
            ttl = float(self.extra.get("session_ttl") or self.default_token_ttl)
        return Token.with_ttl(value, ttl, extra=extra)

    def get_password_token(self) -> LoginResDto:
        """``getToken``: ``POST /api/auth/admin/token`` with the connection's username and password."""
        conn = self.connection
        if not conn.login or not conn.password:
            raise ConfigurationError(
                self.platform, "password mode needs the connection's login (username) and password"
            )
        body = LoginReqDto(username=conn.login, password=conn.password).dump()
        return self._token_call(self._post("getToken", body, LoginResDto.model_validate))

    def _fetch_password_token(self) -> Token:
        return self._token(self.get_password_token().token, None)

    def _oauth_client(self) -> tuple[str, str]:
        client_id, client_secret = self._extra_str("client_id"), self._extra_str("client_secret")
        if not client_id or not client_secret:
            raise ConfigurationError(
                self.platform, "oauth2 mode needs the extras client_id and client_secret"
            )
        return client_id, client_secret

    def exchange_oauth2_code(self, code: str) -> OAuth2TokenVo:
        """``accessToken``: exchange an authorisation ``code`` (once, outside a DAG) for tokens."""
        client_id, client_secret = self._oauth_client()
        body = OAuth2AccessTokenReq(client_id=client_id, client_secret=client_secret, code=code).dump()
        return self._token_call(self._post("accessToken", body, oauth2_token_vo, idempotent=False))

    def refresh_oauth2_token(self, refresh_token: str) -> OAuth2TokenVo:
        """``refreshToken``: a new access token (and maybe a rotated refresh token)."""
        client_id, client_secret = self._oauth_client()
        body = OAuth2RefreshTokenReq(
            client_id=client_id, client_secret=client_secret, refresh_token=refresh_token
        ).dump()
        return self._token_call(self._post("refreshToken", body, oauth2_token_vo))

    def stored_refresh_token(self) -> str | None:
        """The newest refresh token in the process cache or the shared store (rotations land there)."""
        latest = self.token_manager.latest()
        return latest.extra.get("refresh_token") if latest is not None else None

    def _fetch_oauth2_token(self) -> Token:
        self._oauth_client()
        candidates: list[str] = []
        for candidate in (self.stored_refresh_token(), self._extra_str("refresh_token")):
            if candidate and candidate not in candidates:
                candidates.append(candidate)
        if not candidates:
            raise ConfigurationError(
                self.platform,
                "oauth2 mode needs the extra refresh_token: run `python -m airflow_provider.hypersku.oauth`",
            )
        refused: ApiError | None = None
        for refresh_token in candidates:
            try:
                vo = self.refresh_oauth2_token(refresh_token)
            except (AuthError, BadRequestError, NotFoundError) as err:
                refused = err
                log.warning(
                    "HyperSKU refused a refresh token (%s); trying the next copy", err.code or err.message
                )
                continue
            rotated = vo.refresh_token or refresh_token
            if rotated != refresh_token:
                log.info("HyperSKU rotated the refresh token; the new one is kept in the token store")
            return self._token(vo.access_token, vo.expires_in, extra={"refresh_token": rotated})
        raise ConfigurationError(
            self.platform,
            f"every refresh token was refused ({refused}); authorise again with "
            "`python -m airflow_provider.hypersku.oauth` and update the connection's refresh_token",
            code=refused.code if refused else None,
        )

    def auth_headers(self, token: str) -> dict[str, str]:
        """``Authorization: <token>`` (raw), or ``Bearer <token>`` with extra ``auth_scheme``."""
        prefix = self._extra_str("auth_scheme")
        return {"Authorization": f"{prefix} {token}" if prefix else token}

    def prepare(
        self, method: str, path: str, json: Any, params: Mapping[str, Any] | None, headers: dict[str, str]
    ) -> dict[str, Any]:
        """Adds the optional ``api_key`` extra as ``Authorization`` on the password token call only."""
        api_key = self._extra_str("api_key")
        if api_key and "Authorization" not in headers and path == self.endpoint("getToken"):
            headers = {**headers, "Authorization": api_key}
        return super().prepare(method, path, json, params, headers)

    def _is_token_path(self, path: str) -> bool:
        return any(path.endswith(self.endpoint(name)) for name in self.token_endpoints)

    def check_response(self, response: httpx.Response) -> Any:
        """The AG-Admin envelope: body ``status`` decides, not only the HTTP status."""
        try:
            body = response.json()
        except ValueError:
            if response.status_code >= 400:
                raise envelope_error(
                    {}, http_status=response.status_code, trace_id=trace_id_of(None, response.headers)
                ) from None
            body = self.json_body(response)
        if self._is_token_path(response.request.url.path):
            return check_token_answer(body, http_status=response.status_code, headers=response.headers)
        return check_envelope(body, http_status=response.status_code, headers=response.headers)

    def test_connection(self) -> tuple[bool, str]:
        """
        Check the credentials with a read-only call.

        In OAuth2 mode with no token cached, the refresh may rotate the refresh token; the new
        one can live only in the shared store, so this is the one case where the test writes it.
        """
        try:
            if self.auth_mode == "oauth2" and self.token_manager.peek() is None:
                self.get_token()
        except ApiError as err:
            self.close()
            return False, str(err)
        except Exception as err:
            self.close()
            return False, f"{type(err).__name__}: {err}"
        return super().test_connection()

    def probe(self) -> str:
        return f"{len(self.get_country_codes())} destination countries readable"

    # ------------------------------------------------------------------ plumbing
    def _token_call(self, api_call: ApiCall[R]) -> R:
        """Send a token call: like :meth:`call`, without a token (``ApiCall`` has no ``auth``)."""
        data = self.request(
            api_call.method, api_call.path, json=api_call.json, auth=False, idempotent=api_call.idempotent
        )
        return self._parse_answer(api_call, data)

    def _post(
        self, name: str, body: Any, parse: Callable[[Any], R], *, idempotent: bool = True
    ) -> ApiCall[R]:
        return ApiCall("POST", self.endpoint(name), parse, json=body, idempotent=idempotent)

    def _paged(
        self, name: str, model: type[ModelT], body: Mapping[str, Any], page: int, limit: int
    ) -> ApiCall[Page[ModelT]]:
        payload = {k: v for k, v in body.items() if v is not None}
        payload.update(page=page, limit=limit)
        return self._post(name, payload, lambda data: _page(model, data, page, limit))

    def _walk(self, name: str, model: type[ModelT], body: Mapping[str, Any], limit: int) -> Iterator[ModelT]:
        seen = 0
        for page in range(1, MAX_PAGES + 1):
            result = self.call(self._paged(name, model, body, page, limit))
            yield from result.items
            seen += len(result.items)
            if _last_page(result, seen, limit):
                return

    async def _awalk(
        self, name: str, model: type[ModelT], body: Mapping[str, Any], limit: int
    ) -> AsyncIterator[ModelT]:
        seen = 0
        for page in range(1, MAX_PAGES + 1):
            result = await self.acall(self._paged(name, model, body, page, limit))
            for item in result.items:
                yield item
            seen += len(result.items)
            if _last_page(result, seen, limit):
                return

    # ------------------------------------------------------------------ logistics
    def _country_codes(self) -> ApiCall[list[CountryCodeReponseDto]]:
        return ApiCall(
            "GET", self.endpoint("getCountryCode"), lambda d: list(iter_rows(CountryCodeReponseDto, d))
        )

    def get_country_codes(self) -> list[CountryCodeReponseDto]:
        """``getCountryCode``: the destination countries HyperSKU ships to."""
        return self.call(self._country_codes())

    async def aget_country_codes(self) -> list[CountryCodeReponseDto]:
        return await self.acall(self._country_codes())

    def _logistics_sku(self, request: LogisticsRequestDto | Mapping[str, Any]) -> ApiCall[LogisticsResult]:
        body = LogisticsRequestDto.model_validate(request).dump()
        return self._post("getLogisticsSku", body, lambda d: LogisticsResult.model_validate(d or {}))

    def get_logistics_sku(self, request: LogisticsRequestDto | Mapping[str, Any]) -> LogisticsResult:
        """``getLogisticsSku``: shipping channels, freight and delivery days for SKUs to a country.

        :param request: ``LogisticsRequestDto`` or ``{"countryCode": "US", "skuItems": [{skuId, num}]}``.
        """
        return self.call(self._logistics_sku(request))

    async def aget_logistics_sku(self, request: LogisticsRequestDto | Mapping[str, Any]) -> LogisticsResult:
        return await self.acall(self._logistics_sku(request))

    def _intl_logistics(self, store_order_id: str) -> ApiCall[InternationalLogisticsInfo]:
        path = self.endpoint("internationalLogisticsInfo", storeOrderId=store_order_id)
        return ApiCall("GET", path, lambda d: InternationalLogisticsInfo.model_validate(d or {}))

    def get_international_logistics(self, store_order_id: str) -> InternationalLogisticsInfo:
        """``internationalLogisticsInfo``: tracking of an order, by ``storeOrderId`` (your ``thirdOrderId``)."""
        return self.call(self._intl_logistics(store_order_id))

    async def aget_international_logistics(self, store_order_id: str) -> InternationalLogisticsInfo:
        return await self.acall(self._intl_logistics(store_order_id))

    async def achoose_logistics(
        self, orders: Sequence[OrdersInfoDto], strategy: str, *, limit: int | None = None
    ) -> list[LogisticsReponseDto | None]:
        """
        The ``"cheapest"`` or ``"fastest"`` channel for every order without ``logisticsId``
        (``None`` for orders that have one, or where no channel fits), asking ``getLogisticsSku``
        once per destination country and SKU set, ``limit`` calls at a time.
        """
        if strategy not in LOGISTICS_STRATEGIES:
            raise ConfigurationError(
                self.platform, f"logistics must be one of {LOGISTICS_STRATEGIES}, not {strategy!r}"
            )

        def route(order: OrdersInfoDto) -> tuple[str, tuple[tuple[str, int], ...]]:
            return order.shipping_address.country_code, tuple(sorted(order.sku_counts().items()))

        routes = {route(order): order for order in orders if order.logistics_id is None}

        async def ask(order: OrdersInfoDto) -> LogisticsReponseDto | None:
            country = order.shipping_address.country_code
            result = await self.aget_logistics_sku(
                {"countryCode": country, "skuItems": [item.dump() for item in order.sku_items]}
            )
            return select_option(result.options, strategy)

        answers = dict(
            zip(routes, await self.gather_limited(list(routes.values()), ask, limit=limit), strict=True)
        )
        return [None if order.logistics_id is not None else answers[route(order)] for order in orders]

    # ------------------------------------------------------------------ orders
    def _create(self, order: OrdersInfoDto | Mapping[str, Any]) -> tuple[ApiCall[OrderCreateResponse], str]:
        model = OrdersInfoDto.model_validate(order)
        call = self._post("create", model.dump(), OrderCreateResponse.model_validate, idempotent=False)
        return call, model.third_order_id

    @contextmanager
    def _create_answer(self, third_order_id: str) -> Iterator[None]:
        """A taken ``thirdOrderId`` -> :class:`DuplicateError`; an unreadable answer -> lost."""
        try:
            yield
        except BadRequestError as err:
            if not DUPLICATE_MESSAGE.search(err.message):
                raise
            raise DuplicateError(
                self.platform,
                f"thirdOrderId {third_order_id} already used: {err.message}",
                http_status=err.http_status,
                code=err.code,
                trace_id=err.trace_id,
            ) from err
        except ResponseError as err:
            # HyperSKU accepted the create but its answer cannot be read: the order probably
            # exists, so report the answer as lost (the idempotent create looks it up).
            raise TransportError(
                self.platform, f"create answer unreadable: {err.message}", sent=True
            ) from err

    def create_order(self, order: OrdersInfoDto | Mapping[str, Any]) -> OrderCreateResponse:
        """
        ``create``: place one order. Sent once: a lost answer raises ``TransportError`` /
        ``TransientError`` (look the order up with :meth:`find_order` before sending again);
        a taken ``thirdOrderId`` raises :class:`DuplicateError`.
        """
        call, third_order_id = self._create(order)
        with self._create_answer(third_order_id):
            return self.call(call)

    async def acreate_order(self, order: OrdersInfoDto | Mapping[str, Any]) -> OrderCreateResponse:
        call, third_order_id = self._create(order)
        with self._create_answer(third_order_id):
            return await self.acall(call)

    def _orders_status(self, order_ids: Sequence[str]) -> ApiCall[list[OrderStatusInfo]]:
        body = [str(order_id) for order_id in order_ids]
        return self._post("getOrdersStatus", body, lambda d: list(iter_rows(OrderStatusInfo, d)))

    def get_orders_status(self, order_ids: Sequence[str]) -> list[OrderStatusInfo]:
        """``getOrdersStatus``: statuses of many orders in one call (body: JSON array of order ids)."""
        return self.call(self._orders_status(order_ids))

    async def aget_orders_status(self, order_ids: Sequence[str]) -> list[OrderStatusInfo]:
        return await self.acall(self._orders_status(order_ids))

    def fetch_statuses(self, order_ids: Sequence[str]) -> dict[str, str]:
        """``{orderId: status}`` (strings) with one ``getOrdersStatus`` call per 200 ids."""
        statuses: dict[str, str] = {}
        for chunk in _chunks(order_ids, STATUS_BATCH):
            statuses.update(_status_map(self.get_orders_status(chunk)))
        return statuses

    async def afetch_statuses(self, order_ids: Sequence[str]) -> dict[str, str]:
        statuses: dict[str, str] = {}
        for chunk in _chunks(order_ids, STATUS_BATCH):
            statuses.update(_status_map(await self.aget_orders_status(chunk)))
        return statuses

    def _order_infos_body(
        self,
        status: int | str | None,
        start_time: datetime | str | None,
        end_time: datetime | str | None,
    ) -> dict[str, Any]:
        return {
            "status": _int(status) if status is not None else None,
            "startTime": format_time(start_time) if start_time is not None else None,
            "endTime": format_time(end_time) if end_time is not None else None,
        }

    def get_order_infos(
        self,
        page: int = 1,
        limit: int = 50,
        *,
        status: int | str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
    ) -> Page[OrderResult]:
        """``getOrderInfos``: one page of orders, optionally by status and creation time (+08:00)."""
        body = self._order_infos_body(status, start_time, end_time)
        return self.call(self._paged("getOrderInfos", OrderResult, body, page, limit))

    async def aget_order_infos(
        self,
        page: int = 1,
        limit: int = 50,
        *,
        status: int | str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
    ) -> Page[OrderResult]:
        body = self._order_infos_body(status, start_time, end_time)
        return await self.acall(self._paged("getOrderInfos", OrderResult, body, page, limit))

    def iter_order_infos(
        self,
        *,
        status: int | str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        limit: int = 50,
    ) -> Iterator[OrderResult]:
        """Every order matching the filters, page after page to the end."""
        return self._walk(
            "getOrderInfos", OrderResult, self._order_infos_body(status, start_time, end_time), limit
        )

    def list_order_infos(self, **filters: Any) -> list[OrderResult]:
        """:meth:`iter_order_infos` as a list."""
        return list(self.iter_order_infos(**filters))

    async def alist_order_infos(
        self,
        *,
        status: int | str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        limit: int = 50,
    ) -> list[OrderResult]:
        body = self._order_infos_body(status, start_time, end_time)
        return [order async for order in self._awalk("getOrderInfos", OrderResult, body, limit)]

    def _by_external(self, store_order_id: str, store_code: str | None) -> ApiCall[list[OrderResult]]:
        body = {"storeCode": store_code or self.store_code, "storeOrderId": str(store_order_id)}
        return self._post("getOrdersByExternalOrderId", body, lambda d: list(iter_rows(OrderResult, d)))

    def get_orders_by_external_order_id(
        self, store_order_id: str, store_code: str | None = None
    ) -> list[OrderResult]:
        """Orders whose ``storeOrderId`` (your ``thirdOrderId``) is ``store_order_id``.

        :param store_code: defaults to the connection extra ``store_code``.
        """
        return self.call(self._by_external(store_order_id, store_code))

    async def aget_orders_by_external_order_id(
        self, store_order_id: str, store_code: str | None = None
    ) -> list[OrderResult]:
        return await self.acall(self._by_external(store_order_id, store_code))

    def find_order(self, third_order_id: str) -> OrderResult | None:
        """The order created with ``third_order_id``, ``None`` when there is none."""
        return _pick_order(self.get_orders_by_external_order_id(third_order_id), third_order_id)

    async def afind_order(self, third_order_id: str) -> OrderResult | None:
        return _pick_order(await self.aget_orders_by_external_order_id(third_order_id), third_order_id)

    def _cancel(self, order_id: str) -> ApiCall[Any]:
        return self._post("cancelOrder", {"orderId": str(order_id)}, lambda d: d)

    def cancel_order(self, order_id: str) -> Any:
        """``cancelOrder``: cancel an order not yet shipped; returns the answer's ``data``."""
        return self.call(self._cancel(order_id))

    async def acancel_order(self, order_id: str) -> Any:
        return await self.acall(self._cancel(order_id))

    def _update_address(
        self, order_id: str, address: ShippingAddressDto | Mapping[str, Any]
    ) -> ApiCall[OrderAddressInfo]:
        body = UpdateOrderAddressReq(
            order_id=str(order_id), shipping_address=ShippingAddressDto.model_validate(address)
        ).dump()
        return self._post("updateOrderAddress", body, lambda d: OrderAddressInfo.model_validate(d or {}))

    def update_order_address(
        self, order_id: str, shipping_address: ShippingAddressDto | Mapping[str, Any]
    ) -> OrderAddressInfo:
        """``updateOrderAddress``: change where an order not yet shipped goes (safe to resend)."""
        return self.call(self._update_address(order_id, shipping_address))

    async def aupdate_order_address(
        self, order_id: str, shipping_address: ShippingAddressDto | Mapping[str, Any]
    ) -> OrderAddressInfo:
        return await self.acall(self._update_address(order_id, shipping_address))

    # ------------------------------------------------------------------ stock
    def get_stock_order_info(self, page: int = 1, limit: int = 50, **filters: Any) -> Page[OrderResult]:
        """``getStockOrderInfo``: one page of stock (inventory purchase) orders.

        :param filters: extra body fields in HyperSKU's spelling (``orderId``, ...).
        """
        return self.call(self._paged("getStockOrderInfo", OrderResult, filters, page, limit))

    async def aget_stock_order_info(
        self, page: int = 1, limit: int = 50, **filters: Any
    ) -> Page[OrderResult]:
        return await self.acall(self._paged("getStockOrderInfo", OrderResult, filters, page, limit))

    def iter_stock_orders(self, *, limit: int = 50, **filters: Any) -> Iterator[OrderResult]:
        """Every stock order, page after page."""
        return self._walk("getStockOrderInfo", OrderResult, filters, limit)

    def get_inventory_info(
        self, page: int = 1, limit: int = 50, *, sku_id: str | None = None
    ) -> Page[OrderInventoryResult]:
        """``getInventoryInfo``: one page of stock rows, optionally for one SKU."""
        return self.call(
            self._paged("getInventoryInfo", OrderInventoryResult, {"skuId": sku_id}, page, limit)
        )

    async def aget_inventory_info(
        self, page: int = 1, limit: int = 50, *, sku_id: str | None = None
    ) -> Page[OrderInventoryResult]:
        return await self.acall(
            self._paged("getInventoryInfo", OrderInventoryResult, {"skuId": sku_id}, page, limit)
        )

    def iter_inventory(self, *, sku_id: str | None = None, limit: int = 50) -> Iterator[OrderInventoryResult]:
        """Every stock row (of one SKU when given), page after page."""
        return self._walk("getInventoryInfo", OrderInventoryResult, {"skuId": sku_id}, limit)

    async def alist_inventory(
        self, *, sku_id: str | None = None, limit: int = 50
    ) -> list[OrderInventoryResult]:
        walk = self._awalk("getInventoryInfo", OrderInventoryResult, {"skuId": sku_id}, limit)
        return [row async for row in walk]

    def _customer_inventory(self, sku_id: str | None) -> ApiCall[list[CustomerInventoryDto]]:
        body = {"skuId": sku_id} if sku_id else {}
        return self._post(
            "getCustomerInventoryInfo", body, lambda d: list(iter_rows(CustomerInventoryDto, d))
        )

    def get_customer_inventory_info(self, sku_id: str | None = None) -> list[CustomerInventoryDto]:
        """``getCustomerInventoryInfo``: your stock per SKU and warehouse (available, locked)."""
        return self.call(self._customer_inventory(sku_id))

    async def aget_customer_inventory_info(self, sku_id: str | None = None) -> list[CustomerInventoryDto]:
        return await self.acall(self._customer_inventory(sku_id))

    def _inventory_history(self, order_id: str) -> ApiCall[list[OrderInventoryHistoryDto]]:
        return self._post(
            "getInventoryHistoryByOrderId",
            {"orderId": str(order_id)},
            lambda d: list(iter_rows(OrderInventoryHistoryDto, d)),
        )

    def get_inventory_history_by_order_id(self, order_id: str) -> list[OrderInventoryHistoryDto]:
        """``getInventoryHistoryByOrderId``: stock movements an order caused."""
        return self.call(self._inventory_history(order_id))

    async def aget_inventory_history_by_order_id(self, order_id: str) -> list[OrderInventoryHistoryDto]:
        return await self.acall(self._inventory_history(order_id))

    # ------------------------------------------------------------------ products
    def _products(
        self, private: bool, page: int, limit: int, keyword: str | None
    ) -> ApiCall[Page[ProductInfoDto]]:
        name = "getPrivateProduct" if private else "getProductInfo"
        return self._paged(name, ProductInfoDto, {"keyword": keyword}, page, limit)

    def get_product_info(
        self, page: int = 1, limit: int = 50, *, keyword: str | None = None
    ) -> Page[ProductInfoDto]:
        """``getProductInfo``: one page of the product catalogue, optionally by keyword."""
        return self.call(self._products(False, page, limit, keyword))

    async def aget_product_info(
        self, page: int = 1, limit: int = 50, *, keyword: str | None = None
    ) -> Page[ProductInfoDto]:
        return await self.acall(self._products(False, page, limit, keyword))

    def get_private_product(
        self, page: int = 1, limit: int = 50, *, keyword: str | None = None
    ) -> Page[ProductInfoDto]:
        """``getPrivateProduct``: one page of your private (sourced) products."""
        return self.call(self._products(True, page, limit, keyword))

    async def aget_private_product(
        self, page: int = 1, limit: int = 50, *, keyword: str | None = None
    ) -> Page[ProductInfoDto]:
        return await self.acall(self._products(True, page, limit, keyword))

    def iter_products(
        self, *, keyword: str | None = None, private: bool = False, limit: int = 50
    ) -> Iterator[ProductInfoDto]:
        """Every product (private ones with ``private=True``), page after page."""
        name = "getPrivateProduct" if private else "getProductInfo"
        return self._walk(name, ProductInfoDto, {"keyword": keyword}, limit)

    def list_products(
        self, *, keyword: str | None = None, private: bool = False, limit: int = 50
    ) -> list[ProductInfoDto]:
        """:meth:`iter_products` as a list."""
        return list(self.iter_products(keyword=keyword, private=private, limit=limit))

    async def alist_products(
        self, *, keyword: str | None = None, private: bool = False, limit: int = 50
    ) -> list[ProductInfoDto]:
        name = "getPrivateProduct" if private else "getProductInfo"
        return [p async for p in self._awalk(name, ProductInfoDto, {"keyword": keyword}, limit)]


def oauth2_token_vo(answer: Any) -> OAuth2TokenVo:
    """``OAuth2TokenVo`` from a token answer: inside ``data`` (AG-Admin) or at the top level."""
    payload = (
        answer.get("data") if isinstance(answer, dict) and isinstance(answer.get("data"), dict) else answer
    )
    vo = OAuth2TokenVo.model_validate(payload or {})
    if not vo.access_token:
        raise ResponseError(PLATFORM, "OAuth2 token answer carries no accessToken")
    return vo


def _page(model: type[ModelT], data: Any, page: int, limit: int) -> Page[ModelT]:
    rows = list(iter_rows(model, data))
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        total = _int(data.get("total"))
    else:  # a plain list: the whole answer at once
        total = (page - 1) * limit + len(rows)
    return Page[model](items=rows, total=total, page=page, size=limit)  # type: ignore[valid-type]


def _last_page(result: Page[Any], seen: int, limit: int) -> bool:
    if not result.items or len(result.items) < limit:
        return True
    return result.total is not None and seen >= result.total


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    ids = [str(i) for i in items]
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _status_map(rows: list[OrderStatusInfo]) -> dict[str, str]:
    return {row.order_id: str(row.status) for row in rows if row.status is not None}


def _pick_order(orders: list[OrderResult], third_order_id: str) -> OrderResult | None:
    """The order carrying ``third_order_id``; an order naming no own id counts as a match."""
    for order in orders:
        if order.own_id == str(third_order_id):
            return order
    return next((order for order in orders if order.own_id is None), None)
