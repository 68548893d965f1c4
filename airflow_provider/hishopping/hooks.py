"""
HiShopping hook: the web API (e-mail + password -> 24 h JWT, ``Authorization: Bearer``) and the
open API (every body a signed, AES-256-GCM encrypted envelope; see
:mod:`airflow_provider.hishopping.envelope`).

Every answer's body ``code`` is what counts (HTTP 200 carries errors too):
``0`` success; ``1001``-``1005`` signature / app / key problems and ``3001``-``3003`` account
problems and ``4002`` forbidden are :class:`ConfigurationError`; ``2001``
:class:`InsufficientCreditError`; ``2002`` :class:`DuplicateError`; ``4001``
:class:`AuthError` (log in again once); ``5001`` :class:`TransientError` (retried).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal, TypeVar

import httpx
from pydantic import BaseModel

from airflow_provider.common.auth import Token, jwt_expiry
from airflow_provider.common.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConfigurationError,
    DuplicateError,
    InsufficientCreditError,
    NotFoundError,
    ResponseError,
    TransientError,
)
from airflow_provider.common.hooks import ApiCall, ApiHook
from airflow_provider.common.models import Page
from airflow_provider.hishopping import envelope
from airflow_provider.hishopping.models import (
    Category,
    CreditInfo,
    CreditTransaction,
    Goods,
    GoodsDetailRequest,
    GoodsId,
    GoodsListRequest,
    LoginRequest,
    LoginResult,
    Order,
    OrderCreateRequest,
    OrderDetailRequest,
    OrderListRequest,
)

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")
Api = Literal["auto", "open", "web"]
TimeArg = datetime | int | float | None

#: body code -> (error class, what it means for the user)
CODE_ERRORS: dict[int, tuple[type[ApiError], str]] = {
    1001: (ConfigurationError, "invalid signature: check the Sign Key and this machine's clock (+-5 min)"),
    1002: (ConfigurationError, "app not found: check the App ID"),
    1003: (ConfigurationError, "app disabled"),
    1004: (ConfigurationError, "missing auth header"),
    1005: (ConfigurationError, "invalid API key: check the Secret Key (the dashboard's API Key)"),
    2001: (InsufficientCreditError, "insufficient credit: top up the merchant credit"),
    2002: (DuplicateError, "duplicate order: this merchant_order exists"),
    3001: (ConfigurationError, "user not found: check the login e-mail"),
    3002: (ConfigurationError, "invalid credentials: check the password"),
    3003: (ConfigurationError, "user disabled"),
    4001: (AuthError, "unauthorized: token missing, invalid or expired"),
    4002: (ConfigurationError, "forbidden: the account may not do this"),
    5001: (TransientError, "internal error"),
}
#: paged walks stop here whatever the server says (a server ignoring ``page`` would loop)
MAX_PAGES = 10_000
_LIST_KEYS = ("list", "items", "records", "rows", "data")


def unix_seconds(value: TimeArg) -> int | None:
    """Unix seconds from a tz-aware datetime (naive = UTC) or a number."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    return int(value)


class HiShoppingHook(ApiHook):
    """
    Talk to HiShopping: the merchant web API and the signed, encrypted open ("B-End") API.

    Connection: ``login`` = account e-mail and ``password`` = password (web API: goods,
    orders, credit and its transactions); extras ``app_id``, ``secret_key`` and ``sign_secret``
    (open API: order create/detail/list, credit balance, goods list/detail). Either half may be
    left out when its API is not used. ``host`` empty means ``https://hishopping.xyz``.

    :param hishopping_conn_id: the Airflow connection id.
    """

    conn_name_attr = "hishopping_conn_id"
    default_conn_name = "hishopping_default"
    conn_type = "hishopping"
    hook_name = "HiShopping"

    platform: ClassVar[str] = "hishopping"
    default_base_url: ClassVar[str] = "https://hishopping.xyz"
    default_token_ttl: ClassVar[float] = 24 * 3600.0
    secret_extras: ClassVar[tuple[str, ...]] = ("secret_key", "sign_secret", "sign_key")
    extra_aliases: ClassVar[Mapping[str, str]] = {"sign_secret": "sign_key"}
    endpoints: ClassVar[Mapping[str, str]] = {
        # web API [seed]: JWT in Authorization: Bearer
        "web_login": "/api/v1/web/login",
        "web_goods": "/api/v1/web/goods",
        "web_goods_categories": "/api/v1/web/goods/categories",
        "web_goods_detail": "/api/v1/web/goods/detail/{goods_id}",
        "web_orders": "/api/v1/web/orders",
        "web_order_detail": "/api/v1/web/orders/{order_no}",
        "web_credit": "/api/v1/web/credit",
        "web_credit_transactions": "/api/v1/web/credit/transactions",
        # open API [doc + inferred paths]: signed, encrypted envelope
        "open_order_create": "/api/v1/open/order/create",
        "open_order_detail": "/api/v1/open/order/detail",
        "open_order_list": "/api/v1/open/order/list",
        "open_credit_balance": "/api/v1/open/credit/balance",
        "open_goods_list": "/api/v1/open/goods/list",
        "open_goods_detail": "/api/v1/open/goods/detail",
    }

    def __init__(self, hishopping_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(hishopping_conn_id, **kwargs)

    # ------------------------------------------------------------------ credentials
    @property
    def has_web_credentials(self) -> bool:
        conn = self.connection
        return bool(conn.login and conn.password)

    @property
    def has_open_credentials(self) -> bool:
        extra = self.extra
        return all(extra.get(name) for name in ("app_id", "secret_key", "sign_secret"))

    def open_credentials(self) -> tuple[str, str, str]:
        """``(app_id, secret_key, sign_secret)`` from the connection extras."""
        extra = self.extra
        missing = [name for name in ("app_id", "secret_key", "sign_secret") if not extra.get(name)]
        if missing:
            raise ConfigurationError(
                self.platform,
                f"the open API needs connection extras {missing} (App ID, Secret Key, Sign Key)",
            )
        return str(extra["app_id"]), str(extra["secret_key"]), str(extra["sign_secret"])

    def resolve_api(self, api: str = "auto") -> Literal["open", "web"]:
        """Which API to use: ``auto`` = the open API when its keys are set, else the web API."""
        if api == "open":
            return "open"
        if api == "web":
            return "web"
        if api != "auto":
            raise ConfigurationError(self.platform, f"api must be 'auto', 'open' or 'web', not {api!r}")
        if self.has_open_credentials:
            return "open"
        if self.has_web_credentials:
            return "web"
        raise ConfigurationError(
            self.platform,
            "the connection has neither web credentials (login + password) nor open API extras "
            "(app_id, secret_key, sign_secret)",
        )

    # ------------------------------------------------------------------ web API token
    def fetch_token(self) -> Token:
        """Log in to the web API; the JWT's ``exp`` (24 h) sets its refresh point."""
        conn = self.connection
        if not self.has_web_credentials:
            raise ConfigurationError(
                self.platform, "the web API needs the connection's login (e-mail) and password"
            )
        token = self.call(self._login(LoginRequest(email=str(conn.login), password=str(conn.password)))).token
        expires = jwt_expiry(token)
        ttl = (expires - time.time()) if expires is not None else self.default_token_ttl
        return Token.with_ttl(token, ttl if ttl > 0 else None)

    def auth_headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    # ------------------------------------------------------------------ envelope
    @property
    def _open_paths(self) -> frozenset[str]:
        endpoints = self.settings.endpoints
        return frozenset(path for name, path in endpoints.items() if name.startswith("open_"))

    def _is_open(self, path: str) -> bool:
        return any(path.endswith(open_path) for open_path in self._open_paths)

    def prepare(
        self, method: str, path: str, json: Any, params: Mapping[str, Any] | None, headers: dict[str, str]
    ) -> dict[str, Any]:
        """Open API paths: the business payload goes out sealed (fresh nonce, timestamp, iv)."""
        kwargs = super().prepare(method, path, json, params, headers)
        if self._is_open(path):
            app_id, secret_key, sign_key = self.open_credentials()
            log.debug("%s %s payload: %s", self.platform, path, json)
            kwargs["json"] = envelope.seal(
                json if json is not None else {}, app_id=app_id, secret_key=secret_key, sign_key=sign_key
            )
        return kwargs

    def check_response(self, response: httpx.Response) -> Any:
        """Web API: ``{code, message, data}``. Open API: verify the signature, then decrypt."""
        body = self._body(response)
        if self._is_open(response.request.url.path):
            return self._check_open(response, body)
        self._raise_for_code(response, body)
        if not isinstance(body, Mapping) or "code" not in body:
            self._raise_for_http(response, body)
            raise ResponseError(
                self.platform, "answer has no 'code' envelope", http_status=response.status_code
            )
        return body.get("data")

    def _body(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as err:
            if response.status_code >= 400:
                self._raise_for_http(response, None)
            raise ResponseError(
                self.platform,
                f"answer is not JSON ({response.headers.get('content-type', 'no content type')})",
                http_status=response.status_code,
            ) from err

    def _check_open(self, response: httpx.Response, body: Any) -> Any:
        sealed: Mapping[str, Any] | None = None
        if isinstance(body, Mapping) and "sign" in body:
            sealed = body
        elif isinstance(body, Mapping) and isinstance(body.get("data"), Mapping) and "sign" in body["data"]:
            sealed = body["data"]
        # A non-zero code is an error answer, signed or not (errors may come plain).
        self._raise_for_code(response, body)
        if sealed is None:
            self._raise_for_http(response, body)
            raise ResponseError(
                self.platform,
                "open API answer is neither signed nor an error: refusing unverified data",
                http_status=response.status_code,
            )
        app_id, secret_key, sign_key = self.open_credentials()
        try:
            payload = envelope.open_envelope(sealed, secret_key=secret_key, sign_key=sign_key)
        except envelope.EnvelopeError as err:
            hint = {
                "signature": "check the Sign Key",
                "decrypt": "check the Secret Key",
                "format": "malformed envelope",
            }[err.reason]
            raise ResponseError(
                self.platform,
                f"open API answer rejected ({err}); {hint}",
                http_status=response.status_code,
                trace_id=self._trace_id(response, body),
            ) from err
        if str(sealed.get("app_id")) != app_id:
            raise ResponseError(
                self.platform, "open API answer is for another App ID", http_status=response.status_code
            )
        log.debug("%s answer payload: %s", self.platform, payload)
        if isinstance(payload, Mapping) and "code" in payload and "message" in payload:
            self._raise_for_code(response, payload)
            return payload.get("data")
        return payload

    def _raise_for_code(self, response: httpx.Response, body: Any) -> None:
        if not isinstance(body, Mapping) or body.get("code") in (None, ""):
            return
        try:
            code = int(body["code"])
        except (TypeError, ValueError):
            raise ResponseError(
                self.platform,
                f"answer code {body['code']!r} is not a number",
                http_status=response.status_code,
            ) from None
        if code == 0:
            return
        message = str(body.get("message") or body.get("msg") or "")
        kind, meaning = CODE_ERRORS.get(code, (None, ""))
        if kind is None:
            kind = NotFoundError if code == 404 or response.status_code == 404 else BadRequestError
        text = f"{meaning} ({message})" if meaning and message else (meaning or message or "error")
        raise kind(
            self.platform,
            text,
            http_status=response.status_code,
            code=code,
            trace_id=self._trace_id(response, body),
        )

    def _raise_for_http(self, response: httpx.Response, body: Any) -> None:
        status = response.status_code
        if status < 400:
            return
        message = ""
        if isinstance(body, Mapping):
            message = str(body.get("message") or body.get("error") or "")
        kind: type[ApiError] = {401: AuthError, 403: ConfigurationError, 404: NotFoundError}.get(
            status, BadRequestError
        )
        raise kind(self.platform, message or f"HTTP {status}", http_status=status)

    @staticmethod
    def _trace_id(response: httpx.Response, body: Any) -> str | None:
        if isinstance(body, Mapping):
            for key in ("trace_id", "request_id", "traceId", "requestId"):
                if body.get(key):
                    return str(body[key])
        return response.headers.get("x-request-id") or response.headers.get("x-trace-id")

    # ------------------------------------------------------------------ UI test button
    def probe(self) -> str:
        """Read the credit balance through every API the connection is set up for."""
        parts = []
        if self.has_web_credentials:
            parts.append(f"web API credit {self.get_credit().balance}")
        if self.has_open_credentials:
            parts.append(f"open API credit {self.get_credit_balance().balance}")
        if not parts:
            raise ConfigurationError(self.platform, "no web credentials and no open API keys")
        return ", ".join(parts)

    def needs_token(self) -> bool:
        """A connection with open API keys only signs its calls: no web login to test."""
        return self.has_web_credentials

    # ------------------------------------------------------------------ API calls, described once
    def _post(
        self, name: str, body: Any, parse: Callable[[Any], R], *, idempotent: bool = True
    ) -> ApiCall[R]:
        """An open API call: ``POST`` of a payload that :meth:`prepare` seals (no JWT)."""
        return ApiCall("POST", self.endpoint(name), parse, json=body, idempotent=idempotent, auth=False)

    def _one(self, model: type[M], what: str) -> Callable[[Any], M]:
        """Parse one object; an empty answer means there is no such object."""

        def parse(data: Any) -> M:
            if data is None or data == {} or data == []:
                raise NotFoundError(self.platform, f"{what}: no such object")
            return model.model_validate(data)

        return parse

    def _rows(self, model: type[M], page: int, size: int) -> Callable[[Any], Page[M]]:
        """Parse one page: a list, or an object with the rows under a list key and ``total``."""

        def parse(data: Any) -> Page[M]:
            total: Any = None
            if isinstance(data, list):
                rows: Any = data
            elif isinstance(data, Mapping):
                rows = next((data[key] for key in _LIST_KEYS if isinstance(data.get(key), list)), [])
                total = data.get("total", data.get("count"))
            elif data is None:
                rows = []
            else:
                raise ResponseError(
                    self.platform, f"a page should be a list or an object, got {type(data).__name__}"
                )
            items = [model.model_validate(row) for row in rows]
            return Page[model](  # type: ignore[valid-type]
                items=items, total=int(total) if total not in (None, "") else None, page=page, size=size
            )

        return parse

    def _walk(self, page_call: Callable[[int], ApiCall[Page[M]]]) -> Iterator[M]:
        """Every row, page after page to the end (see :func:`last_page`)."""
        seen = 0
        for number in range(1, MAX_PAGES + 1):
            page = self.call(page_call(number))
            seen += len(page.items)
            yield from page.items
            if last_page(page, seen):
                return
        raise ResponseError(self.platform, f"paging did not end after {MAX_PAGES} pages")

    async def _awalk(self, page_call: Callable[[int], ApiCall[Page[M]]]) -> list[M]:
        """Async :meth:`_walk`, collected."""
        rows: list[M] = []
        for number in range(1, MAX_PAGES + 1):
            page = await self.acall(page_call(number))
            rows += page.items
            if last_page(page, len(rows)):
                return rows
        raise ResponseError(self.platform, f"paging did not end after {MAX_PAGES} pages")

    def _login(self, request: LoginRequest) -> ApiCall[LoginResult]:
        path = self.endpoint("web_login")
        return ApiCall("POST", path, self._login_result, json=request.dump(), idempotent=True, auth=False)

    def _login_result(self, data: Any) -> LoginResult:
        if not isinstance(data, Mapping) or not data.get("token"):
            raise ResponseError(self.platform, "login answer carries no token")
        return LoginResult.model_validate(data)

    # web API: goods
    def _goods_page(
        self, page: int, page_size: int, category_id: GoodsId | None, keyword: str | None
    ) -> ApiCall[Page[Goods]]:
        params = {"page": page, "page_size": page_size, "category_id": category_id, "keyword": keyword}
        return ApiCall("GET", self.endpoint("web_goods"), self._rows(Goods, page, page_size), params=params)

    def _categories(self) -> ApiCall[list[Category]]:
        parse = self._rows(Category, 1, 0)
        return ApiCall("GET", self.endpoint("web_goods_categories"), lambda data: parse(data).items)

    def _goods(self, goods_id: GoodsId) -> ApiCall[Goods]:
        path = self.endpoint("web_goods_detail", goods_id=goods_id)
        return ApiCall("GET", path, self._one(Goods, f"goods {goods_id}"))

    # web API: orders, credit
    def _orders_page(
        self, page: int, page_size: int, status: str | None, start_time: TimeArg, end_time: TimeArg
    ) -> ApiCall[Page[Order]]:
        params = _time_filter(page, page_size, status, start_time, end_time)
        return ApiCall("GET", self.endpoint("web_orders"), self._rows(Order, page, page_size), params=params)

    def _order(self, order_no: str) -> ApiCall[Order]:
        path = self.endpoint("web_order_detail", order_no=order_no)
        return ApiCall("GET", path, self._one(Order, f"order {order_no}"))

    def _credit(self) -> ApiCall[CreditInfo]:
        return ApiCall("GET", self.endpoint("web_credit"), self._one(CreditInfo, "credit"))

    def _transactions_page(
        self, page: int, page_size: int, start_time: TimeArg, end_time: TimeArg
    ) -> ApiCall[Page[CreditTransaction]]:
        params = _time_filter(page, page_size, None, start_time, end_time)
        path = self.endpoint("web_credit_transactions")
        return ApiCall("GET", path, self._rows(CreditTransaction, page, page_size), params=params)

    # open API
    def _create(self, order: OrderCreateRequest | Mapping[str, Any]) -> ApiCall[Order]:
        body = OrderCreateRequest.model_validate(order).dump()
        what = f"created order {body['merchant_order']}"
        return self._post("open_order_create", body, self._one(Order, what), idempotent=False)

    def _open_order(self, order_no: str | None, merchant_order: str | None) -> ApiCall[Order]:
        if bool(order_no) == bool(merchant_order):
            raise ValueError("give exactly one of order_no or merchant_order")
        body = OrderDetailRequest(order_no=order_no, merchant_order=merchant_order).dump()
        return self._post("open_order_detail", body, self._one(Order, f"order {order_no or merchant_order}"))

    def _open_orders_page(
        self, page: int, page_size: int, status: str | None, start_time: TimeArg, end_time: TimeArg
    ) -> ApiCall[Page[Order]]:
        body = OrderListRequest(**_time_filter(page, page_size, status, start_time, end_time)).dump()
        return self._post("open_order_list", body, self._rows(Order, page, page_size))

    def _balance(self) -> ApiCall[CreditInfo]:
        return self._post("open_credit_balance", {}, self._one(CreditInfo, "credit balance"))

    def _open_goods_page(
        self, page: int, page_size: int, category_id: GoodsId | None, keyword: str | None
    ) -> ApiCall[Page[Goods]]:
        body = GoodsListRequest(page=page, page_size=page_size, category_id=category_id, keyword=keyword)
        return self._post("open_goods_list", body.dump(), self._rows(Goods, page, page_size))

    def _open_goods(self, goods_id: GoodsId) -> ApiCall[Goods]:
        body = GoodsDetailRequest(goods_id=goods_id).dump()
        return self._post("open_goods_detail", body, self._one(Goods, f"goods {goods_id}"))

    # ------------------------------------------------------------------ web API: goods
    def list_goods(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        category_id: GoodsId | None = None,
        keyword: str | None = None,
    ) -> Page[Goods]:
        """One page of Temu goods (``GET /api/v1/web/goods``; page/page_size [inferred])."""
        return self.call(self._goods_page(page, page_size, category_id, keyword))

    async def alist_goods(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        category_id: GoodsId | None = None,
        keyword: str | None = None,
    ) -> Page[Goods]:
        return await self.acall(self._goods_page(page, page_size, category_id, keyword))

    def iter_goods(
        self, *, category_id: GoodsId | None = None, keyword: str | None = None, page_size: int = 50
    ) -> Iterator[Goods]:
        """Every goods item, page after page to the end."""
        return self._walk(lambda n: self._goods_page(n, page_size, category_id, keyword))

    async def alist_all_goods(
        self, *, category_id: GoodsId | None = None, keyword: str | None = None, page_size: int = 50
    ) -> list[Goods]:
        return await self._awalk(lambda n: self._goods_page(n, page_size, category_id, keyword))

    def list_goods_categories(self) -> list[Category]:
        """Temu goods categories (``GET /api/v1/web/goods/categories``)."""
        return self.call(self._categories())

    async def alist_goods_categories(self) -> list[Category]:
        return await self.acall(self._categories())

    def get_goods(self, goods_id: GoodsId) -> Goods:
        """A goods item with its SKUs (``GET /api/v1/web/goods/detail/{goods_id}``)."""
        return self.call(self._goods(goods_id))

    async def aget_goods(self, goods_id: GoodsId) -> Goods:
        return await self.acall(self._goods(goods_id))

    # ------------------------------------------------------------------ web API: orders
    def list_orders(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
    ) -> Page[Order]:
        """One page of orders (``GET /api/v1/web/orders``; filters [inferred], times in Unix seconds)."""
        return self.call(self._orders_page(page, page_size, status, start_time, end_time))

    async def alist_orders(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
    ) -> Page[Order]:
        return await self.acall(self._orders_page(page, page_size, status, start_time, end_time))

    def iter_orders(
        self,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
        page_size: int = 50,
    ) -> Iterator[Order]:
        """Every order matching the filters, page after page to the end (web API)."""
        return self._walk(lambda n: self._orders_page(n, page_size, status, start_time, end_time))

    async def alist_all_orders(
        self,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
        page_size: int = 50,
    ) -> list[Order]:
        return await self._awalk(lambda n: self._orders_page(n, page_size, status, start_time, end_time))

    def get_order(self, order_no: str) -> Order:
        """One order by HiShopping order number (``GET /api/v1/web/orders/{order_no}``)."""
        return self.call(self._order(order_no))

    async def aget_order(self, order_no: str) -> Order:
        return await self.acall(self._order(order_no))

    # ------------------------------------------------------------------ web API: credit
    def get_credit(self) -> CreditInfo:
        """Credit info (``GET /api/v1/web/credit``)."""
        return self.call(self._credit())

    async def aget_credit(self) -> CreditInfo:
        return await self.acall(self._credit())

    def list_credit_transactions(
        self, page: int = 1, page_size: int = 50, *, start_time: TimeArg = None, end_time: TimeArg = None
    ) -> Page[CreditTransaction]:
        """One page of the credit ledger (``GET /api/v1/web/credit/transactions``)."""
        return self.call(self._transactions_page(page, page_size, start_time, end_time))

    async def alist_credit_transactions(
        self, page: int = 1, page_size: int = 50, *, start_time: TimeArg = None, end_time: TimeArg = None
    ) -> Page[CreditTransaction]:
        return await self.acall(self._transactions_page(page, page_size, start_time, end_time))

    def iter_credit_transactions(
        self, *, start_time: TimeArg = None, end_time: TimeArg = None, page_size: int = 100
    ) -> Iterator[CreditTransaction]:
        """Every ledger row, page after page to the end."""
        return self._walk(lambda n: self._transactions_page(n, page_size, start_time, end_time))

    async def alist_all_credit_transactions(
        self, *, start_time: TimeArg = None, end_time: TimeArg = None, page_size: int = 100
    ) -> list[CreditTransaction]:
        return await self._awalk(lambda n: self._transactions_page(n, page_size, start_time, end_time))

    # ------------------------------------------------------------------ open API: orders
    def create_order(self, order: OrderCreateRequest | Mapping[str, Any]) -> Order:
        """Create one order (``POST /api/v1/open/order/create``), charged to the credit.

        Sent once (``idempotent=False``): a lost answer raises and the caller looks the order
        up by ``merchant_order`` (see the create operator). 2001 raises
        :class:`InsufficientCreditError`, 2002 :class:`DuplicateError`.
        """
        return self.call(self._create(order))

    async def acreate_order(self, order: OrderCreateRequest | Mapping[str, Any]) -> Order:
        return await self.acall(self._create(order))

    def open_get_order(self, order_no: str | None = None, *, merchant_order: str | None = None) -> Order:
        """One order by ``order_no`` or by your ``merchant_order`` (``POST /api/v1/open/order/detail``).

        :raises NotFoundError: no such order.
        """
        return self.call(self._open_order(order_no, merchant_order))

    async def aopen_get_order(
        self, order_no: str | None = None, *, merchant_order: str | None = None
    ) -> Order:
        return await self.acall(self._open_order(order_no, merchant_order))

    def open_list_orders(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
    ) -> Page[Order]:
        """One page of orders (``POST /api/v1/open/order/list``)."""
        return self.call(self._open_orders_page(page, page_size, status, start_time, end_time))

    async def aopen_list_orders(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
    ) -> Page[Order]:
        return await self.acall(self._open_orders_page(page, page_size, status, start_time, end_time))

    def open_iter_orders(
        self,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
        page_size: int = 50,
    ) -> Iterator[Order]:
        """Every order matching the filters, page after page to the end (open API)."""
        return self._walk(lambda n: self._open_orders_page(n, page_size, status, start_time, end_time))

    async def aopen_list_all_orders(
        self,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
        page_size: int = 50,
    ) -> list[Order]:
        return await self._awalk(lambda n: self._open_orders_page(n, page_size, status, start_time, end_time))

    # ------------------------------------------------------------------ open API: credit, goods
    def get_credit_balance(self) -> CreditInfo:
        """The credit balance (``POST /api/v1/open/credit/balance``)."""
        return self.call(self._balance())

    async def aget_credit_balance(self) -> CreditInfo:
        return await self.acall(self._balance())

    def open_list_goods(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        category_id: GoodsId | None = None,
        keyword: str | None = None,
    ) -> Page[Goods]:
        """One page of goods (``POST /api/v1/open/goods/list``)."""
        return self.call(self._open_goods_page(page, page_size, category_id, keyword))

    async def aopen_list_goods(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        category_id: GoodsId | None = None,
        keyword: str | None = None,
    ) -> Page[Goods]:
        return await self.acall(self._open_goods_page(page, page_size, category_id, keyword))

    def open_iter_goods(
        self, *, category_id: GoodsId | None = None, keyword: str | None = None, page_size: int = 50
    ) -> Iterator[Goods]:
        """Every goods item, page after page to the end (open API)."""
        return self._walk(lambda n: self._open_goods_page(n, page_size, category_id, keyword))

    async def aopen_list_all_goods(
        self, *, category_id: GoodsId | None = None, keyword: str | None = None, page_size: int = 50
    ) -> list[Goods]:
        return await self._awalk(lambda n: self._open_goods_page(n, page_size, category_id, keyword))

    def open_get_goods(self, goods_id: GoodsId) -> Goods:
        """A goods item with its SKUs (``POST /api/v1/open/goods/detail``)."""
        return self.call(self._open_goods(goods_id))

    async def aopen_get_goods(self, goods_id: GoodsId) -> Goods:
        return await self.acall(self._open_goods(goods_id))

    # ------------------------------------------------------------------ either API
    async def aorder_any(self, order_id: str, *, by: str = "order_no", api: Api = "auto") -> Order:
        """One order through the open API (by ``order_no`` or ``merchant_order``) or the web API."""
        if by not in ("order_no", "merchant_order"):
            raise ConfigurationError(self.platform, f"by must be 'order_no' or 'merchant_order', not {by!r}")
        if self.resolve_api(api) == "open":
            if by == "merchant_order":
                return await self.aopen_get_order(merchant_order=order_id)
            return await self.aopen_get_order(order_id)
        if by == "merchant_order":
            raise ConfigurationError(
                self.platform, "the web API reads orders by order_no only; set the open API extras"
            )
        return await self.aget_order(order_id)

    async def acredit_any(self, *, api: Api = "auto") -> CreditInfo:
        """The credit through the open API or the web API."""
        return await (self.aget_credit_balance() if self.resolve_api(api) == "open" else self.aget_credit())

    async def agoods_any(self, goods_id: GoodsId, *, api: Api = "auto") -> Goods:
        """A goods item with SKUs through the open API or the web API."""
        if self.resolve_api(api) == "open":
            return await self.aopen_get_goods(goods_id)
        return await self.aget_goods(goods_id)

    async def alist_all_goods_any(
        self, *, category_id: GoodsId | None = None, keyword: str | None = None, api: Api = "auto"
    ) -> list[Goods]:
        """Every goods item (optionally of one category) through the open API or the web API."""
        if self.resolve_api(api) == "open":
            return await self.aopen_list_all_goods(category_id=category_id, keyword=keyword)
        return await self.alist_all_goods(category_id=category_id, keyword=keyword)

    async def alist_all_orders_any(
        self,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
        api: Api = "auto",
    ) -> list[Order]:
        """Every order in ``[start_time, end_time)`` through the open API or the web API."""
        if self.resolve_api(api) == "open":
            return await self.aopen_list_all_orders(status=status, start_time=start_time, end_time=end_time)
        return await self.alist_all_orders(status=status, start_time=start_time, end_time=end_time)

    # ------------------------------------------------------------------ sensors
    async def afetch_statuses(
        self, order_ids: Iterable[str], *, by: str = "order_no", api: Api = "auto"
    ) -> dict[str, str]:
        """``{order id: status}``; one detail call per order, ``max_concurrency`` at a time.

        An order the platform does not know is left out (it stays pending for the sensor).
        """
        ids = [str(order_id) for order_id in order_ids]

        async def one(order_id: str) -> str | None:
            try:
                return (await self.aorder_any(order_id, by=by, api=api)).status
            except NotFoundError:
                log.warning("%s order %s not found (yet)", self.platform, order_id)
                return None

        statuses = await self.gather_limited(ids, one)
        return {
            order_id: status for order_id, status in zip(ids, statuses, strict=True) if status is not None
        }

    def fetch_statuses(
        self, order_ids: Iterable[str], *, by: str = "order_no", api: Api = "auto"
    ) -> dict[str, str]:
        """Blocking form of :meth:`afetch_statuses`."""
        return self.run_async(self.afetch_statuses(order_ids, by=by, api=api))

    async def afetch_credit_status(
        self, ids: Iterable[str], *, amount: str | Decimal, api: Api = "auto"
    ) -> dict[str, str]:
        """A pseudo status for credit waits: ``covered`` when balance >= ``amount``, else ``short``."""
        credit = await self.acredit_any(api=api)
        verdict = "covered" if credit.balance >= Decimal(str(amount)) else "short"
        log.info("%s credit %s against %s: %s", self.platform, credit.balance, amount, verdict)
        return {str(pseudo_id): verdict for pseudo_id in ids}

    def fetch_credit_status(
        self, ids: Iterable[str], *, amount: str | Decimal, api: Api = "auto"
    ) -> dict[str, str]:
        """Blocking form of :meth:`afetch_credit_status`."""
        return self.run_async(self.afetch_credit_status(ids, amount=amount, api=api))


def last_page(page: Page[Any], seen: int) -> bool:
    """Whether ``page`` ends a walk: empty, or ``total`` reached, or (no total) a short page.

    ``total`` wins over a short page: a server may cap ``page_size`` below what was asked.
    """
    if not page.items:
        return True
    if page.total is not None:
        return seen >= page.total
    return len(page.items) < page.size


def _time_filter(
    page: int, page_size: int, status: str | None, start_time: TimeArg, end_time: TimeArg
) -> dict[str, Any]:
    """Paging and filters of the order and ledger lists (times as Unix seconds)."""
    return {
        "page": page,
        "page_size": page_size,
        "status": status,
        "start_time": unix_seconds(start_time),
        "end_time": unix_seconds(end_time),
    }
