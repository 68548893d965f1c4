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
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
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
from airflow_provider.common.hooks import ApiHook
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
T = TypeVar("T")
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
        body = LoginRequest(email=str(conn.login), password=str(conn.password)).dump()
        data = self.request("POST", self.endpoint("web_login"), json=body, auth=False, idempotent=True)
        if not isinstance(data, Mapping) or not data.get("token"):
            raise ResponseError(self.platform, "login answer carries no token")
        token = LoginResult.model_validate(data).token
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

    # ------------------------------------------------------------------ parsing helpers
    def _model(self, model: type[M], data: Any, what: str) -> M:
        if data is None or data == {} or data == []:
            raise NotFoundError(self.platform, f"{what}: no such object")
        try:
            return model.model_validate(data)
        except ValueError as err:
            raise ResponseError(self.platform, f"{what}: unexpected answer shape: {err}") from err

    def _page(self, model: type[M], data: Any, page: int, size: int) -> Page[M]:
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
        try:
            items = [model.model_validate(row) for row in rows]
        except ValueError as err:
            raise ResponseError(self.platform, f"unexpected row shape: {err}") from err
        return Page[model](  # type: ignore[valid-type]
            items=items, total=int(total) if total not in (None, "") else None, page=page, size=size
        )

    @staticmethod
    def _last(page: Page[M], seen: int) -> bool:
        """Whether ``page`` ends the walk: empty, or ``total`` reached, or (no total) a short page.

        ``total`` wins over a short page: a server may cap ``page_size`` below what was asked.
        """
        if not page.items:
            return True
        if page.total is not None:
            return seen >= page.total
        return len(page.items) < page.size

    def _walk(self, fetch: Callable[[int], Page[M]]) -> Iterator[M]:
        seen = 0
        for number in range(1, MAX_PAGES + 1):
            page = fetch(number)
            seen += len(page.items)
            yield from page.items
            if self._last(page, seen):
                return
        raise ResponseError(self.platform, f"paging did not end after {MAX_PAGES} pages")

    async def _awalk(self, fetch: Callable[[int], Awaitable[Page[M]]]) -> AsyncIterator[M]:
        seen = 0
        for number in range(1, MAX_PAGES + 1):
            page = await fetch(number)
            seen += len(page.items)
            for item in page.items:
                yield item
            if self._last(page, seen):
                return
        raise ResponseError(self.platform, f"paging did not end after {MAX_PAGES} pages")

    @staticmethod
    async def _collect(items: AsyncIterator[M]) -> list[M]:
        return [item async for item in items]

    # ------------------------------------------------------------------ web API: goods
    def _goods_params(
        self, page: int, page_size: int, category_id: GoodsId | None, keyword: str | None
    ) -> dict[str, Any]:
        return {"page": page, "page_size": page_size, "category_id": category_id, "keyword": keyword}

    def list_goods(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        category_id: GoodsId | None = None,
        keyword: str | None = None,
    ) -> Page[Goods]:
        """One page of Temu goods (``GET /api/v1/web/goods``; page/page_size [inferred])."""
        data = self.request(
            "GET",
            self.endpoint("web_goods"),
            params=self._goods_params(page, page_size, category_id, keyword),
        )
        return self._page(Goods, data, page, page_size)

    async def alist_goods(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        category_id: GoodsId | None = None,
        keyword: str | None = None,
    ) -> Page[Goods]:
        data = await self.arequest(
            "GET",
            self.endpoint("web_goods"),
            params=self._goods_params(page, page_size, category_id, keyword),
        )
        return self._page(Goods, data, page, page_size)

    def iter_goods(
        self, *, category_id: GoodsId | None = None, keyword: str | None = None, page_size: int = 50
    ) -> Iterator[Goods]:
        """Every goods item, page after page to the end."""
        return self._walk(lambda n: self.list_goods(n, page_size, category_id=category_id, keyword=keyword))

    async def alist_all_goods(
        self, *, category_id: GoodsId | None = None, keyword: str | None = None, page_size: int = 50
    ) -> list[Goods]:
        return await self._collect(
            self._awalk(lambda n: self.alist_goods(n, page_size, category_id=category_id, keyword=keyword))
        )

    def list_goods_categories(self) -> list[Category]:
        """Temu goods categories (``GET /api/v1/web/goods/categories``)."""
        data = self.request("GET", self.endpoint("web_goods_categories"))
        return self._page(Category, data, 1, 0).items

    async def alist_goods_categories(self) -> list[Category]:
        data = await self.arequest("GET", self.endpoint("web_goods_categories"))
        return self._page(Category, data, 1, 0).items

    def get_goods(self, goods_id: GoodsId) -> Goods:
        """A goods item with its SKUs (``GET /api/v1/web/goods/detail/{goods_id}``)."""
        data = self.request("GET", self.endpoint("web_goods_detail", goods_id=goods_id))
        return self._model(Goods, data, f"goods {goods_id}")

    async def aget_goods(self, goods_id: GoodsId) -> Goods:
        data = await self.arequest("GET", self.endpoint("web_goods_detail", goods_id=goods_id))
        return self._model(Goods, data, f"goods {goods_id}")

    # ------------------------------------------------------------------ web API: orders
    @staticmethod
    def _order_query(
        page: int, page_size: int, status: str | None, start_time: TimeArg, end_time: TimeArg
    ) -> dict[str, Any]:
        return {
            "page": page,
            "page_size": page_size,
            "status": status,
            "start_time": unix_seconds(start_time),
            "end_time": unix_seconds(end_time),
        }

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
        params = self._order_query(page, page_size, status, start_time, end_time)
        return self._page(
            Order, self.request("GET", self.endpoint("web_orders"), params=params), page, page_size
        )

    async def alist_orders(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
    ) -> Page[Order]:
        params = self._order_query(page, page_size, status, start_time, end_time)
        data = await self.arequest("GET", self.endpoint("web_orders"), params=params)
        return self._page(Order, data, page, page_size)

    def iter_orders(
        self,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
        page_size: int = 50,
    ) -> Iterator[Order]:
        """Every order matching the filters, page after page to the end (web API)."""
        return self._walk(
            lambda n: self.list_orders(n, page_size, status=status, start_time=start_time, end_time=end_time)
        )

    async def alist_all_orders(
        self,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
        page_size: int = 50,
    ) -> list[Order]:
        return await self._collect(
            self._awalk(
                lambda n: self.alist_orders(
                    n, page_size, status=status, start_time=start_time, end_time=end_time
                )
            )
        )

    def get_order(self, order_no: str) -> Order:
        """One order by HiShopping order number (``GET /api/v1/web/orders/{order_no}``)."""
        data = self.request("GET", self.endpoint("web_order_detail", order_no=order_no))
        return self._model(Order, data, f"order {order_no}")

    async def aget_order(self, order_no: str) -> Order:
        data = await self.arequest("GET", self.endpoint("web_order_detail", order_no=order_no))
        return self._model(Order, data, f"order {order_no}")

    # ------------------------------------------------------------------ web API: credit
    def get_credit(self) -> CreditInfo:
        """Credit info (``GET /api/v1/web/credit``)."""
        return self._model(CreditInfo, self.request("GET", self.endpoint("web_credit")), "credit")

    async def aget_credit(self) -> CreditInfo:
        return self._model(CreditInfo, await self.arequest("GET", self.endpoint("web_credit")), "credit")

    def list_credit_transactions(
        self, page: int = 1, page_size: int = 50, *, start_time: TimeArg = None, end_time: TimeArg = None
    ) -> Page[CreditTransaction]:
        """One page of the credit ledger (``GET /api/v1/web/credit/transactions``)."""
        params = self._order_query(page, page_size, None, start_time, end_time)
        data = self.request("GET", self.endpoint("web_credit_transactions"), params=params)
        return self._page(CreditTransaction, data, page, page_size)

    async def alist_credit_transactions(
        self, page: int = 1, page_size: int = 50, *, start_time: TimeArg = None, end_time: TimeArg = None
    ) -> Page[CreditTransaction]:
        params = self._order_query(page, page_size, None, start_time, end_time)
        data = await self.arequest("GET", self.endpoint("web_credit_transactions"), params=params)
        return self._page(CreditTransaction, data, page, page_size)

    def iter_credit_transactions(
        self, *, start_time: TimeArg = None, end_time: TimeArg = None, page_size: int = 100
    ) -> Iterator[CreditTransaction]:
        """Every ledger row, page after page to the end."""
        return self._walk(
            lambda n: self.list_credit_transactions(n, page_size, start_time=start_time, end_time=end_time)
        )

    async def alist_all_credit_transactions(
        self, *, start_time: TimeArg = None, end_time: TimeArg = None, page_size: int = 100
    ) -> list[CreditTransaction]:
        return await self._collect(
            self._awalk(
                lambda n: self.alist_credit_transactions(
                    n, page_size, start_time=start_time, end_time=end_time
                )
            )
        )

    # ------------------------------------------------------------------ open API: orders
    def create_order(self, order: OrderCreateRequest | Mapping[str, Any]) -> Order:
        """Create one order (``POST /api/v1/open/order/create``), charged to the credit.

        Sent once (``idempotent=False``): a lost answer raises and the caller looks the order
        up by ``merchant_order`` (see the create operator). 2001 raises
        :class:`InsufficientCreditError`, 2002 :class:`DuplicateError`.
        """
        body = OrderCreateRequest.model_validate(order).dump()
        data = self.request(
            "POST", self.endpoint("open_order_create"), json=body, auth=False, idempotent=False
        )
        return self._model(Order, data, f"created order {body['merchant_order']}")

    async def acreate_order(self, order: OrderCreateRequest | Mapping[str, Any]) -> Order:
        body = OrderCreateRequest.model_validate(order).dump()
        data = await self.arequest(
            "POST", self.endpoint("open_order_create"), json=body, auth=False, idempotent=False
        )
        return self._model(Order, data, f"created order {body['merchant_order']}")

    @staticmethod
    def _detail_body(order_no: str | None, merchant_order: str | None) -> dict[str, Any]:
        if bool(order_no) == bool(merchant_order):
            raise ValueError("give exactly one of order_no or merchant_order")
        return OrderDetailRequest(order_no=order_no, merchant_order=merchant_order).dump()

    def open_get_order(self, order_no: str | None = None, *, merchant_order: str | None = None) -> Order:
        """One order by ``order_no`` or by your ``merchant_order`` (``POST /api/v1/open/order/detail``).

        :raises NotFoundError: no such order.
        """
        body = self._detail_body(order_no, merchant_order)
        data = self.request(
            "POST", self.endpoint("open_order_detail"), json=body, auth=False, idempotent=True
        )
        return self._model(Order, data, f"order {order_no or merchant_order}")

    async def aopen_get_order(
        self, order_no: str | None = None, *, merchant_order: str | None = None
    ) -> Order:
        body = self._detail_body(order_no, merchant_order)
        data = await self.arequest(
            "POST", self.endpoint("open_order_detail"), json=body, auth=False, idempotent=True
        )
        return self._model(Order, data, f"order {order_no or merchant_order}")

    @staticmethod
    def _list_body(
        page: int, page_size: int, status: str | None, start_time: TimeArg, end_time: TimeArg
    ) -> dict[str, Any]:
        return OrderListRequest(
            page=page,
            page_size=page_size,
            status=status,
            start_time=unix_seconds(start_time),
            end_time=unix_seconds(end_time),
        ).dump()

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
        body = self._list_body(page, page_size, status, start_time, end_time)
        data = self.request("POST", self.endpoint("open_order_list"), json=body, auth=False, idempotent=True)
        return self._page(Order, data, page, page_size)

    async def aopen_list_orders(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
    ) -> Page[Order]:
        body = self._list_body(page, page_size, status, start_time, end_time)
        data = await self.arequest(
            "POST", self.endpoint("open_order_list"), json=body, auth=False, idempotent=True
        )
        return self._page(Order, data, page, page_size)

    def open_iter_orders(
        self,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
        page_size: int = 50,
    ) -> Iterator[Order]:
        """Every order matching the filters, page after page to the end (open API)."""
        return self._walk(
            lambda n: self.open_list_orders(
                n, page_size, status=status, start_time=start_time, end_time=end_time
            )
        )

    async def aopen_list_all_orders(
        self,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
        page_size: int = 50,
    ) -> list[Order]:
        return await self._collect(
            self._awalk(
                lambda n: self.aopen_list_orders(
                    n, page_size, status=status, start_time=start_time, end_time=end_time
                )
            )
        )

    # ------------------------------------------------------------------ open API: credit, goods
    def get_credit_balance(self) -> CreditInfo:
        """The credit balance (``POST /api/v1/open/credit/balance``)."""
        data = self.request(
            "POST", self.endpoint("open_credit_balance"), json={}, auth=False, idempotent=True
        )
        return self._model(CreditInfo, data, "credit balance")

    async def aget_credit_balance(self) -> CreditInfo:
        data = await self.arequest(
            "POST", self.endpoint("open_credit_balance"), json={}, auth=False, idempotent=True
        )
        return self._model(CreditInfo, data, "credit balance")

    def open_list_goods(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        category_id: GoodsId | None = None,
        keyword: str | None = None,
    ) -> Page[Goods]:
        """One page of goods (``POST /api/v1/open/goods/list``)."""
        body = GoodsListRequest(
            page=page, page_size=page_size, category_id=category_id, keyword=keyword
        ).dump()
        data = self.request("POST", self.endpoint("open_goods_list"), json=body, auth=False, idempotent=True)
        return self._page(Goods, data, page, page_size)

    async def aopen_list_goods(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        category_id: GoodsId | None = None,
        keyword: str | None = None,
    ) -> Page[Goods]:
        body = GoodsListRequest(
            page=page, page_size=page_size, category_id=category_id, keyword=keyword
        ).dump()
        data = await self.arequest(
            "POST", self.endpoint("open_goods_list"), json=body, auth=False, idempotent=True
        )
        return self._page(Goods, data, page, page_size)

    def open_iter_goods(
        self, *, category_id: GoodsId | None = None, keyword: str | None = None, page_size: int = 50
    ) -> Iterator[Goods]:
        """Every goods item, page after page to the end (open API)."""
        return self._walk(
            lambda n: self.open_list_goods(n, page_size, category_id=category_id, keyword=keyword)
        )

    async def aopen_list_all_goods(
        self, *, category_id: GoodsId | None = None, keyword: str | None = None, page_size: int = 50
    ) -> list[Goods]:
        return await self._collect(
            self._awalk(
                lambda n: self.aopen_list_goods(n, page_size, category_id=category_id, keyword=keyword)
            )
        )

    def open_get_goods(self, goods_id: GoodsId) -> Goods:
        """A goods item with its SKUs (``POST /api/v1/open/goods/detail``)."""
        body = GoodsDetailRequest(goods_id=goods_id).dump()
        data = self.request(
            "POST", self.endpoint("open_goods_detail"), json=body, auth=False, idempotent=True
        )
        return self._model(Goods, data, f"goods {goods_id}")

    async def aopen_get_goods(self, goods_id: GoodsId) -> Goods:
        body = GoodsDetailRequest(goods_id=goods_id).dump()
        data = await self.arequest(
            "POST", self.endpoint("open_goods_detail"), json=body, auth=False, idempotent=True
        )
        return self._model(Goods, data, f"goods {goods_id}")

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
        self, *, category_id: GoodsId | None = None, api: Api = "auto"
    ) -> list[Goods]:
        """Every goods item (optionally of one category) through the open API or the web API."""
        if self.resolve_api(api) == "open":
            return await self.aopen_list_all_goods(category_id=category_id)
        return await self.alist_all_goods(category_id=category_id)

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
        if not ids:
            return {}

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
        """Blocking twin of :meth:`afetch_statuses`."""
        return self.run_async(self.afetch_statuses(order_ids, by=by, api=api))

    async def afetch_credit_status(
        self, ids: Iterable[str], *, amount: str | Decimal, api: Api = "auto"
    ) -> dict[str, str]:
        """A pseudo status for the credit sensor: ``covered`` when balance >= ``amount``, else ``short``."""
        credit = await self.acredit_any(api=api)
        verdict = "covered" if credit.balance >= Decimal(str(amount)) else "short"
        log.info("%s credit %s against %s: %s", self.platform, credit.balance, amount, verdict)
        return {str(pseudo_id): verdict for pseudo_id in ids}

    def fetch_credit_status(
        self, ids: Iterable[str], *, amount: str | Decimal, api: Api = "auto"
    ) -> dict[str, str]:
        """Blocking twin of :meth:`afetch_credit_status`."""
        return self.run_async(self.afetch_credit_status(ids, amount=amount, api=api))
