"""
超8 (Chao8) SaaS API open platform hook: the token flow and one typed method per call.

Authentication follows the vendor's 获取 AccessToken page to the letter: the hook sends the
access key and the lowercase MD5 hex of the application secret (never the secret), caches the
token for every task on every worker (the shared token store), refreshes after TTL - TTL/10,
refreshes and retries once on 20324012 / 20324013 / ``meta.status == 401``, and never loops on
the token call (one call per minute per application: 21185002 makes it wait and re-read the
store instead).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import BaseModel

from airflow_provider.chao8 import constants as c
from airflow_provider.chao8.models import (
    AccessToken,
    AccessTokenRequest,
    BatchResult,
    Dealer,
    DealerSync,
    LogisticsOrder,
    LogisticsOrderCreate,
    LogisticsOrderCreated,
    LogisticsOrderState,
    LogisticsOrderUpdate,
    OutboundQuery,
    Product,
    ProductionOrder,
    ProductionOrderCreate,
    ProductionOrderCreated,
    ProductionOrderQuery,
    ProductQuery,
    ProductUpsert,
    ScanRecord,
    VendorPage,
    parse_datetime,
)
from airflow_provider.common.auth import Token, jwt_expiry
from airflow_provider.common.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConfigurationError,
    DuplicateError,
    NotFoundError,
    ResponseError,
    TokenRateLimitError,
)
from airflow_provider.common.hooks import ApiCall, ApiHook, mask
from airflow_provider.common.models import Page
from airflow_provider.common.retry import parse_retry_after

log = logging.getLogger(__name__)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

_ISO_DURATION = re.compile(
    r"^P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>-?\d+(?:\.\d+)?)H)?(?:(?P<minutes>-?\d+(?:\.\d+)?)M)?(?:(?P<seconds>-?\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)
# "the order already exists" / "does not exist", as Chinese and English gateways word them
_EXISTS = re.compile(r"已存在|重复|already exist|duplicate", re.IGNORECASE)
_MISSING = re.compile(r"不存在|未找到|not found|does not exist|no such", re.IGNORECASE)


def parse_iso_duration(value: str | None) -> float | None:
    """Seconds of an ISO-8601 duration as Java's ``Duration`` writes it (``PT8H``, ``PT1H30M``, ``P1DT2H``)."""
    if not value:
        return None
    match = _ISO_DURATION.match(value.strip())
    if match is None or not any(match.groupdict().values()):
        return None
    parts = {name: float(amount) for name, amount in match.groupdict().items() if amount}
    return (
        parts.get("days", 0.0) * 86400
        + parts.get("hours", 0.0) * 3600
        + parts.get("minutes", 0.0) * 60
        + parts.get("seconds", 0.0)
    )


def secret_sign(secret: str) -> str:
    """``secretKeySign``: the lowercase 32-character MD5 hex of the application secret."""
    return hashlib.md5(secret.encode("utf-8")).hexdigest()


def _model(model: type[M], value: M | Mapping[str, Any]) -> M:
    return value if isinstance(value, model) else model.model_validate(value)


def _listed(data: Any) -> list[Any]:
    """A list answer, also when the gateway wraps it as ``{list: [...]}``."""
    if data is None:
        return []
    if isinstance(data, dict):
        for name in ("list", "records", "items"):
            if isinstance(data.get(name), list):
                return list(data[name])
        return [data]
    if isinstance(data, list):
        return data
    raise TypeError(f"expected a list, got {type(data).__name__}")


def _time_param(value: datetime | date | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    parsed = parse_datetime(value)
    if not isinstance(parsed, datetime):
        raise ValueError(f"not a time: {value!r}")
    return parsed


class Chao8Hook(ApiHook):
    """
    Talk to the 超8 (Chao8 / supercarrier8 / yesno) SaaS API open platform.

    Connection: ``host`` = gateway URL (empty = ``https://sapi.supercarrier8.com``; tenants and
    white-label gateways put theirs), ``login`` = access key (应用Key), ``password`` = application
    secret (应用秘钥; only its MD5 is ever sent). Extras: ``session_ttl`` (seconds, used only when
    the token answer carries no TTL), ``endpoints`` (path overrides: every business path is
    inferred), ``timeout``, ``verify``, ``proxy``, ``max_concurrency``.

    :param chao8_conn_id: the Airflow connection id.
    """

    conn_name_attr = "chao8_conn_id"
    default_conn_name = "chao8_default"
    conn_type = "chao8"
    hook_name = "超8 (Chao8)"

    platform: ClassVar[str] = "chao8"
    default_base_url: ClassVar[str] = c.DEFAULT_BASE_URL
    default_token_ttl: ClassVar[float] = 28800.0
    secret_extras: ClassVar[tuple[str, ...]] = ()
    extra_aliases: ClassVar[Mapping[str, str]] = {"session_ttl": "token_ttl"}
    #: every path the hook calls. Only ``token`` is documented by the vendor; the business paths
    #: are inferred from the gateway's ``/cncop/<module>/v1/...`` pattern: a connection's extra
    #: ``endpoints`` ({name: path}) corrects any of them.
    endpoints: ClassVar[Mapping[str, str]] = {
        "token": c.TOKEN_PATH,
        "logistics_order_create": "/cncop/trace/v1/logistics-orders",
        "logistics_order_detail": "/cncop/trace/v1/logistics-orders/{order_no}",
        "logistics_order_scans": "/cncop/trace/v1/logistics-orders/{order_no}/scans",
        "logistics_order_complete": "/cncop/trace/v1/logistics-orders/{order_no}/complete",
        "logistics_order_update": "/cncop/trace/v1/logistics-orders/{order_no}",
        "logistics_order_delete": "/cncop/trace/v1/logistics-orders/{order_no}",
        "logistics_outbound_page": "/cncop/trace/v1/logistics-orders/outbound/page",
        "production_order_create": "/cncop/trace/v1/production-orders",
        "production_order_detail": "/cncop/trace/v1/production-orders/{order_no}",
        "production_order_page": "/cncop/trace/v1/production-orders/page",
        "products_page": "/cncop/basic/v3/products/page",
        "products_batch_upsert": "/cncop/basic/v3/products/batch",
        "products_batch_query": "/cncop/basic/v3/products/batch-query",
        "dealers_batch_query": "/cncop/org/v1/dealers/batch-query",
        "dealers_sync": "/cncop/org/v1/dealers/sync",
    }

    def __init__(self, chao8_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(chao8_conn_id, **kwargs)

    # ================================================================= tokens
    def _access_key_and_secret(self) -> tuple[str, str]:
        conn = self.connection
        access_key = (conn.login or "").strip()
        secret = (conn.password or "").strip()
        if not access_key:
            raise ConfigurationError(
                self.platform,
                f"connection {self.conn_id!r}: {c.TOKEN_ERROR_HELP[c.ACCESS_KEY_EMPTY]} "
                f"(checked before calling 超8, which would answer {c.ACCESS_KEY_EMPTY} "
                f"{c.TOKEN_ERROR_MESSAGES[c.ACCESS_KEY_EMPTY]})",
            )
        if not secret:
            raise ConfigurationError(
                self.platform,
                f"connection {self.conn_id!r}: {c.TOKEN_ERROR_HELP[c.SECRET_EMPTY]} "
                f"(checked before calling 超8, which would answer {c.SECRET_EMPTY} "
                f"{c.TOKEN_ERROR_MESSAGES[c.SECRET_EMPTY]})",
            )
        return access_key, secret

    def _token_call(self) -> ApiCall[AccessToken]:
        access_key, secret = self._access_key_and_secret()
        sign = secret_sign(secret)
        mask(sign)  # the MD5 is what 超8 checks: as secret as the secret itself
        return ApiCall(
            "POST",
            self.endpoint("token"),
            AccessToken.model_validate,
            json=AccessTokenRequest(access_key=access_key, secret_key_sign=sign).dump(),
            idempotent=True,
        )

    def fetch_token(self) -> Token:
        """
        Call 获取 AccessToken once: ``{accessKey, secretKeySign = md5(secret)}``.

        Raises :class:`ConfigurationError` (never retried) for the credential codes and
        :class:`TokenRateLimitError` (``retry_after`` 60 s) for 21185002, which the token manager
        answers by waiting for another worker's token and re-reading the store, never by calling
        again in a loop. The refresh point is the core's (never before TTL - TTL/10, the vendor's
        rule): this hook only says how long the token lives.
        """
        token_call = self._token_call()
        # the one call sent without a token: ``call()`` always authenticates, so it goes by hand
        data = self.request(
            token_call.method, token_call.path, json=token_call.json, auth=False, idempotent=True
        )
        answer = self._parse_answer(token_call, data)
        ttl = self._token_ttl(answer)
        access_key = str(token_call.json["accessKey"])
        log.info("超8 access token obtained for access key %s… (valid %.0f s)", access_key[:6], ttl)
        return Token.with_ttl(answer.access_token, ttl)

    def _token_ttl(self, answer: AccessToken) -> float:
        """``tokenTtlSeconds``, else ``tokenTtl`` (ISO-8601), else the JWT's exp, else the default."""
        if answer.token_ttl_seconds and answer.token_ttl_seconds > 0:
            return float(answer.token_ttl_seconds)
        parsed = parse_iso_duration(answer.token_ttl)
        if parsed and parsed > 0:
            return parsed
        expiry = jwt_expiry(answer.access_token)
        if expiry is not None and expiry > time.time():
            return expiry - time.time()
        configured = self.extra.get("session_ttl")
        return float(configured) if configured not in (None, "") else self.default_token_ttl

    def auth_headers(self, token: str) -> dict[str, str]:
        """The raw token in ``Authorization`` (no ``Bearer``), as the vendor documents it."""
        return {"Authorization": token}

    # ================================================================= envelope
    def check_response(self, response: httpx.Response) -> Any:
        """
        Read the envelope ``{code, message, data, timestamp, traceId, exception, meta, ext}``.

        ``code == 200`` returns ``data``; every error keeps the vendor's code, message and trace id.
        """
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or ("code" not in body and "meta" not in body):
            return self._http_error(response, body)
        code = body.get("code")
        message = str(body.get("message") or "").strip()
        trace_id = body.get("traceId") or response.headers.get("traceId") or None
        meta = body.get("meta")
        meta_status = meta.get("status") if isinstance(meta, dict) else None
        kwargs: dict[str, Any] = {"http_status": status, "code": code, "trace_id": trace_id}
        if str(meta_status) == "401" or status == 401:
            raise AuthError(self.platform, message or "the token was refused (meta.status 401)", **kwargs)
        if _as_int(code) == c.SUCCESS_CODE and status < 400:
            return body.get("data")
        number = _as_int(code)
        if number is None:
            if status >= 400:
                return self._http_error(response, body)
            raise ResponseError(self.platform, "answer has no envelope code", **kwargs)
        raise self._error_for(number, message, response, kwargs)

    def _error_for(
        self, code: int, message: str, response: httpx.Response, kwargs: dict[str, Any]
    ) -> ApiError:
        platform = self.platform
        if code in c.AUTH_ERROR_CODES:
            return AuthError(platform, message or "access token invalid or expired", **kwargs)
        if code in c.TOKEN_ERROR_HELP:
            vendor = message or c.TOKEN_ERROR_MESSAGES[code]
            return ConfigurationError(
                platform,
                f"cannot get a 超8 access token: {c.TOKEN_ERROR_HELP[code]} (超8 said: {vendor})",
                **kwargs,
            )
        if code == c.TOKEN_RATE_LIMITED:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            return TokenRateLimitError(
                platform,
                f"token requested too often: one token call per minute per application "
                f"(超8 said: {message or c.TOKEN_ERROR_MESSAGES[code]})",
                retry_after=c.TOKEN_RATE_LIMIT_SECONDS if retry_after is None else retry_after,
                **kwargs,
            )
        text = message or f"error code {code}"
        if code == c.ORDER_EXISTS or _EXISTS.search(message):
            return DuplicateError(platform, text, **kwargs)
        if code == c.ORDER_NOT_FOUND or _MISSING.search(message):
            return NotFoundError(platform, text, **kwargs)
        if code == c.UNKNOWN_ERROR:
            return ApiError(platform, f"unknown error on the platform: {text}", **kwargs)
        return BadRequestError(platform, text, **kwargs)

    def _http_error(self, response: httpx.Response, body: Any) -> Any:
        status = response.status_code
        if status < 400:
            if body is None:
                raise ResponseError(
                    self.platform,
                    f"answer is not JSON ({response.headers.get('content-type', 'no content type')})",
                    http_status=status,
                )
            raise ResponseError(self.platform, "answer is not a 超8 envelope", http_status=status)
        text = f"HTTP {status}"
        if status == 401:
            raise AuthError(self.platform, f"the token was refused ({text})", http_status=status)
        if status == 404:
            # no envelope: the path itself is unknown to the gateway (never "the order is absent")
            raise ConfigurationError(
                self.platform,
                f"{response.request.method} {response.request.url.path}: the gateway has no such path "
                f"({text}); business paths are inferred: correct it with the connection extra 'endpoints'",
                http_status=status,
            )
        raise BadRequestError(self.platform, f"request refused ({text})", http_status=status)

    # ================================================================= plumbing
    @staticmethod
    def _walk(fetch: Callable[[int], Page[T]]) -> Iterator[T]:
        page_num = 1
        while True:
            page = fetch(page_num)
            yield from page.items
            if page.is_last:
                return
            page_num += 1

    @staticmethod
    async def _awalk(fetch: Callable[[int], Any]) -> AsyncIterator[Any]:
        page_num = 1
        while True:
            page = await fetch(page_num)
            for item in page.items:
                yield item
            if page.is_last:
                return
            page_num += 1

    @staticmethod
    def _paged(model: type[M], page_num: int, page_size: int) -> Callable[[Any], Page[M]]:
        def parse(data: Any) -> Page[M]:
            if isinstance(data, list):
                data = {"list": data}
            raw: VendorPage[Any] = VendorPage.model_validate(data or {})
            items = [model.model_validate(item) for item in raw.items]
            return Page(items=items, total=raw.total, page=raw.page_num or page_num, size=page_size)

        return parse

    # ================================================================= logistics orders
    def _create_logistics_order(
        self, order: LogisticsOrderCreate | Mapping[str, Any]
    ) -> ApiCall[LogisticsOrderCreated]:
        body = _model(LogisticsOrderCreate, order)
        return ApiCall(
            "POST",
            self.endpoint("logistics_order_create"),
            lambda data: _created(LogisticsOrderCreated, data, body.order_no, "logistics"),
            json=body.dump(),
            idempotent=False,
        )

    def create_logistics_order(
        self, order: LogisticsOrderCreate | Mapping[str, Any]
    ) -> LogisticsOrderCreated:
        """创建物流订单: create a logistics order (never resent on a lost answer: see the operator).

        :param order: a :class:`LogisticsOrderCreate` or its vendor-spelled dict.
        """
        return self.call(self._create_logistics_order(order))

    async def acreate_logistics_order(
        self, order: LogisticsOrderCreate | Mapping[str, Any]
    ) -> LogisticsOrderCreated:
        """Async :meth:`create_logistics_order`."""
        return await self.acall(self._create_logistics_order(order))

    def _logistics_order_detail(self, order_no: str) -> ApiCall[LogisticsOrder]:
        return ApiCall(
            "GET",
            self.endpoint("logistics_order_detail", order_no=order_no),
            LogisticsOrder.model_validate,
        )

    def get_logistics_order(self, order_no: str) -> LogisticsOrder:
        """物流订单详情: one logistics order by ``orderNo`` (:class:`NotFoundError` when absent)."""
        return self.call(self._logistics_order_detail(order_no))

    async def aget_logistics_order(self, order_no: str) -> LogisticsOrder:
        """Async :meth:`get_logistics_order`."""
        return await self.acall(self._logistics_order_detail(order_no))

    def _scans(self, order_no: str, page_num: int, page_size: int) -> ApiCall[Page[ScanRecord]]:
        return ApiCall(
            "GET",
            self.endpoint("logistics_order_scans", order_no=order_no),
            self._paged(ScanRecord, page_num, page_size),
            params={"pageNum": page_num, "pageSize": page_size},
        )

    def get_logistics_order_scans(
        self, order_no: str, page_num: int = 1, page_size: int = 100
    ) -> Page[ScanRecord]:
        """物流订单扫描明细: one page of the codes scanned for an order."""
        return self.call(self._scans(order_no, page_num, page_size))

    async def aget_logistics_order_scans(
        self, order_no: str, page_num: int = 1, page_size: int = 100
    ) -> Page[ScanRecord]:
        """Async :meth:`get_logistics_order_scans`."""
        return await self.acall(self._scans(order_no, page_num, page_size))

    def iter_logistics_order_scans(self, order_no: str, page_size: int = 100) -> Iterator[ScanRecord]:
        """Every scan of an order, page after page to the end."""
        return self._walk(lambda n: self.get_logistics_order_scans(order_no, n, page_size))

    def aiter_logistics_order_scans(self, order_no: str, page_size: int = 100) -> AsyncIterator[ScanRecord]:
        """Async :meth:`iter_logistics_order_scans`."""
        return self._awalk(lambda n: self.aget_logistics_order_scans(order_no, n, page_size))

    def list_logistics_order_scans(self, order_no: str, page_size: int = 100) -> list[ScanRecord]:
        """Every scan of an order as a list."""
        return list(self.iter_logistics_order_scans(order_no, page_size))

    async def alist_logistics_order_scans(self, order_no: str, page_size: int = 100) -> list[ScanRecord]:
        """Async :meth:`list_logistics_order_scans`."""
        return [scan async for scan in self.aiter_logistics_order_scans(order_no, page_size)]

    def _complete(self, order_no: str) -> ApiCall[LogisticsOrderState]:
        return ApiCall(
            "POST",
            self.endpoint("logistics_order_complete", order_no=order_no),
            lambda data: _state(data, order_no),
            idempotent=True,
        )

    def complete_logistics_order(self, order_no: str) -> LogisticsOrderState:
        """根据订单编号或Id完成订单: force an order to completed (status 2)."""
        return self.call(self._complete(order_no))

    async def acomplete_logistics_order(self, order_no: str) -> LogisticsOrderState:
        """Async :meth:`complete_logistics_order`."""
        return await self.acall(self._complete(order_no))

    def _update(
        self, order_no: str, changes: LogisticsOrderUpdate | Mapping[str, Any]
    ) -> ApiCall[LogisticsOrder | None]:
        body = _model(LogisticsOrderUpdate, changes)
        return ApiCall(
            "PUT",
            self.endpoint("logistics_order_update", order_no=order_no),
            lambda data: (
                LogisticsOrder.model_validate({"orderNo": order_no, **data})
                if isinstance(data, dict)
                else None
            ),
            json=body.dump(),
            idempotent=True,
        )

    def update_logistics_order(
        self, order_no: str, changes: LogisticsOrderUpdate | Mapping[str, Any]
    ) -> LogisticsOrder | None:
        """修改物流订单: change an order that has not started scanning; the order when answered."""
        return self.call(self._update(order_no, changes))

    async def aupdate_logistics_order(
        self, order_no: str, changes: LogisticsOrderUpdate | Mapping[str, Any]
    ) -> LogisticsOrder | None:
        """Async :meth:`update_logistics_order`."""
        return await self.acall(self._update(order_no, changes))

    def _delete(self, order_no: str) -> ApiCall[None]:
        return ApiCall(
            "DELETE",
            self.endpoint("logistics_order_delete", order_no=order_no),
            lambda _data: None,
            idempotent=True,
        )

    def delete_logistics_order(self, order_no: str) -> None:
        """删除物流订单: delete a logistics order."""
        self.call(self._delete(order_no))

    async def adelete_logistics_order(self, order_no: str) -> None:
        """Async :meth:`delete_logistics_order`."""
        await self.acall(self._delete(order_no))

    def _outbound(
        self,
        page_num: int,
        page_size: int,
        start_time: datetime | date | str | None,
        end_time: datetime | date | str | None,
        status: int | str | None,
    ) -> ApiCall[Page[LogisticsOrder]]:
        query = OutboundQuery(
            page_num=page_num,
            page_size=page_size,
            start_time=_time_param(start_time),
            end_time=_time_param(end_time),
            status=None if status is None else int(status),
        )
        return ApiCall(
            "POST",
            self.endpoint("logistics_outbound_page"),
            self._paged(LogisticsOrder, page_num, page_size),
            json=query.dump(),
            idempotent=True,
        )

    def get_outbound_orders_page(
        self,
        page_num: int = 1,
        page_size: int = 50,
        *,
        start_time: datetime | date | str | None = None,
        end_time: datetime | date | str | None = None,
        status: int | str | None = None,
    ) -> Page[LogisticsOrder]:
        """出库单列表分页查询: one page of outbound orders (times converted to Beijing time)."""
        return self.call(self._outbound(page_num, page_size, start_time, end_time, status))

    async def aget_outbound_orders_page(
        self,
        page_num: int = 1,
        page_size: int = 50,
        *,
        start_time: datetime | date | str | None = None,
        end_time: datetime | date | str | None = None,
        status: int | str | None = None,
    ) -> Page[LogisticsOrder]:
        """Async :meth:`get_outbound_orders_page`."""
        return await self.acall(self._outbound(page_num, page_size, start_time, end_time, status))

    def iter_outbound_orders(
        self,
        *,
        page_size: int = 50,
        start_time: datetime | date | str | None = None,
        end_time: datetime | date | str | None = None,
        status: int | str | None = None,
    ) -> Iterator[LogisticsOrder]:
        """Every outbound order matching the filters, page after page to the end."""
        return self._walk(
            lambda n: self.get_outbound_orders_page(
                n, page_size, start_time=start_time, end_time=end_time, status=status
            )
        )

    def aiter_outbound_orders(
        self,
        *,
        page_size: int = 50,
        start_time: datetime | date | str | None = None,
        end_time: datetime | date | str | None = None,
        status: int | str | None = None,
    ) -> AsyncIterator[LogisticsOrder]:
        """Async :meth:`iter_outbound_orders`."""
        return self._awalk(
            lambda n: self.aget_outbound_orders_page(
                n, page_size, start_time=start_time, end_time=end_time, status=status
            )
        )

    def list_outbound_orders(self, **filters: Any) -> list[LogisticsOrder]:
        """Every outbound order matching ``filters`` (see :meth:`iter_outbound_orders`) as a list."""
        return list(self.iter_outbound_orders(**filters))

    async def alist_outbound_orders(self, **filters: Any) -> list[LogisticsOrder]:
        """Async :meth:`list_outbound_orders`."""
        return [order async for order in self.aiter_outbound_orders(**filters)]

    # ================================================================= production orders
    def _create_production_order(
        self, order: ProductionOrderCreate | Mapping[str, Any]
    ) -> ApiCall[ProductionOrderCreated]:
        body = _model(ProductionOrderCreate, order)
        return ApiCall(
            "POST",
            self.endpoint("production_order_create"),
            lambda data: _created(ProductionOrderCreated, data, body.order_no, "production"),
            json=body.dump(),
            idempotent=False,
        )

    def create_production_order(
        self, order: ProductionOrderCreate | Mapping[str, Any]
    ) -> ProductionOrderCreated:
        """创建生产订单: create a production order (never resent on a lost answer)."""
        return self.call(self._create_production_order(order))

    async def acreate_production_order(
        self, order: ProductionOrderCreate | Mapping[str, Any]
    ) -> ProductionOrderCreated:
        """Async :meth:`create_production_order`."""
        return await self.acall(self._create_production_order(order))

    def _production_detail(self, order_no: str) -> ApiCall[ProductionOrder]:
        return ApiCall(
            "GET",
            self.endpoint("production_order_detail", order_no=order_no),
            ProductionOrder.model_validate,
        )

    def get_production_order(self, order_no: str) -> ProductionOrder:
        """生产订单详情: one production order by ``orderNo`` (:class:`NotFoundError` when absent)."""
        return self.call(self._production_detail(order_no))

    async def aget_production_order(self, order_no: str) -> ProductionOrder:
        """Async :meth:`get_production_order`."""
        return await self.acall(self._production_detail(order_no))

    def _production_page(
        self, page_num: int, page_size: int, filters: Mapping[str, Any]
    ) -> ApiCall[Page[ProductionOrder]]:
        query = ProductionOrderQuery.model_validate({**filters, "pageNum": page_num, "pageSize": page_size})
        return ApiCall(
            "POST",
            self.endpoint("production_order_page"),
            self._paged(ProductionOrder, page_num, page_size),
            json=query.dump(),
            idempotent=True,
        )

    def get_production_orders_page(
        self, page_num: int = 1, page_size: int = 50, **filters: Any
    ) -> Page[ProductionOrder]:
        """获取订单列表分页: one page of production orders.

        :param filters: ``status``, ``product_code`` / ``productCode``, ``batch_no`` / ``batchNo``.
        """
        return self.call(self._production_page(page_num, page_size, filters))

    async def aget_production_orders_page(
        self, page_num: int = 1, page_size: int = 50, **filters: Any
    ) -> Page[ProductionOrder]:
        """Async :meth:`get_production_orders_page`."""
        return await self.acall(self._production_page(page_num, page_size, filters))

    def iter_production_orders(self, page_size: int = 50, **filters: Any) -> Iterator[ProductionOrder]:
        """Every production order matching ``filters``, page after page to the end."""
        return self._walk(lambda n: self.get_production_orders_page(n, page_size, **filters))

    def aiter_production_orders(self, page_size: int = 50, **filters: Any) -> AsyncIterator[ProductionOrder]:
        """Async :meth:`iter_production_orders`."""
        return self._awalk(lambda n: self.aget_production_orders_page(n, page_size, **filters))

    def list_production_orders(self, page_size: int = 50, **filters: Any) -> list[ProductionOrder]:
        """Every production order matching ``filters`` as a list."""
        return list(self.iter_production_orders(page_size, **filters))

    async def alist_production_orders(self, page_size: int = 50, **filters: Any) -> list[ProductionOrder]:
        """Async :meth:`list_production_orders`."""
        return [order async for order in self.aiter_production_orders(page_size, **filters)]

    # ================================================================= products (商品 V3)
    def _products_page(self, page_num: int, page_size: int, keyword: str | None) -> ApiCall[Page[Product]]:
        query = ProductQuery(page_num=page_num, page_size=page_size, keyword=keyword or None)
        return ApiCall(
            "POST",
            self.endpoint("products_page"),
            self._paged(Product, page_num, page_size),
            json=query.dump(),
            idempotent=True,
        )

    def get_products_page(
        self, page_num: int = 1, page_size: int = 50, keyword: str | None = None
    ) -> Page[Product]:
        """商品分页列表V3: one page of products (``keyword`` filters by code or name)."""
        return self.call(self._products_page(page_num, page_size, keyword))

    async def aget_products_page(
        self, page_num: int = 1, page_size: int = 50, keyword: str | None = None
    ) -> Page[Product]:
        """Async :meth:`get_products_page`."""
        return await self.acall(self._products_page(page_num, page_size, keyword))

    def iter_products(self, page_size: int = 50, keyword: str | None = None) -> Iterator[Product]:
        """Every product, page after page to the end."""
        return self._walk(lambda n: self.get_products_page(n, page_size, keyword))

    def aiter_products(self, page_size: int = 50, keyword: str | None = None) -> AsyncIterator[Product]:
        """Async :meth:`iter_products`."""
        return self._awalk(lambda n: self.aget_products_page(n, page_size, keyword))

    def list_products(self, page_size: int = 50, keyword: str | None = None) -> list[Product]:
        """Every product as a list."""
        return list(self.iter_products(page_size, keyword))

    async def alist_products(self, page_size: int = 50, keyword: str | None = None) -> list[Product]:
        """Async :meth:`list_products`."""
        return [product async for product in self.aiter_products(page_size, keyword)]

    def _upsert_products(self, products: Iterable[ProductUpsert | Mapping[str, Any]]) -> ApiCall[BatchResult]:
        body = [_model(ProductUpsert, product).dump() for product in products]
        return ApiCall(
            "POST",
            self.endpoint("products_batch_upsert"),
            BatchResult.model_validate,
            json=body,
            idempotent=True,
        )

    def upsert_products(self, products: Iterable[ProductUpsert | Mapping[str, Any]]) -> BatchResult:
        """通过商品编号新增/修改商品信息(批量)V3: add or update products by product code (one batch)."""
        return self.call(self._upsert_products(products))

    async def aupsert_products(self, products: Iterable[ProductUpsert | Mapping[str, Any]]) -> BatchResult:
        """Async :meth:`upsert_products`."""
        return await self.acall(self._upsert_products(products))

    def _query_products(self, product_codes: Sequence[str]) -> ApiCall[list[Product]]:
        return ApiCall(
            "POST",
            self.endpoint("products_batch_query"),
            lambda data: [Product.model_validate(item) for item in _listed(data)],
            json={"productCodes": [str(code) for code in product_codes]},
            idempotent=True,
        )

    def query_products(self, product_codes: Sequence[str]) -> list[Product]:
        """根据商品编号查询(批量)V3: the products among ``product_codes`` that exist."""
        return self.call(self._query_products(product_codes))

    async def aquery_products(self, product_codes: Sequence[str]) -> list[Product]:
        """Async :meth:`query_products`."""
        return await self.acall(self._query_products(product_codes))

    # ================================================================= dealers (组织/经销商)
    def _query_dealers(self, codes: Sequence[str]) -> ApiCall[list[Dealer]]:
        return ApiCall(
            "POST",
            self.endpoint("dealers_batch_query"),
            lambda data: [Dealer.model_validate(item) for item in _listed(data)],
            json={"codes": [str(code) for code in codes]},
            idempotent=True,
        )

    def query_dealers(self, codes: Sequence[str]) -> list[Dealer]:
        """根据编码批量查询经销商: the dealers among ``codes`` that exist."""
        return self.call(self._query_dealers(codes))

    async def aquery_dealers(self, codes: Sequence[str]) -> list[Dealer]:
        """Async :meth:`query_dealers`."""
        return await self.acall(self._query_dealers(codes))

    def _sync_dealers(self, dealers: Iterable[DealerSync | Mapping[str, Any]]) -> ApiCall[BatchResult]:
        body = [_model(DealerSync, dealer).dump() for dealer in dealers]
        return ApiCall(
            "POST", self.endpoint("dealers_sync"), BatchResult.model_validate, json=body, idempotent=True
        )

    def sync_dealers(self, dealers: Iterable[DealerSync | Mapping[str, Any]]) -> BatchResult:
        """同步经销商: add or update dealers by code (one batch)."""
        return self.call(self._sync_dealers(dealers))

    async def async_dealers(self, dealers: Iterable[DealerSync | Mapping[str, Any]]) -> BatchResult:
        """Async :meth:`sync_dealers`."""
        return await self.acall(self._sync_dealers(dealers))

    # ================================================================= statuses for sensors
    @staticmethod
    def status_of(order: LogisticsOrder, min_scanned: int | None = None) -> str:
        """
        The order's status as a string; ``"scanned"`` when ``min_scanned`` is given and reached
        by an order that is neither completed nor cancelled.
        """
        status = "" if order.status is None else str(order.status)
        if (
            min_scanned is not None
            and status not in (c.LOGISTICS_COMPLETED, c.LOGISTICS_CANCELLED)
            and order.scanned_count >= int(min_scanned)
        ):
            return c.SCANNED
        return status

    async def afetch_statuses(
        self, order_ids: Sequence[str], min_scanned: int | None = None
    ) -> dict[str, str]:
        """
        ``{orderNo: status}`` of logistics orders, one detail call per order at bounded concurrency.

        Orders the platform does not know (yet) are left out: a sensor keeps waiting for them.
        """

        async def one(order_no: str) -> tuple[str, str | None]:
            try:
                order = await self.aget_logistics_order(order_no)
            except NotFoundError:
                log.info("超8 logistics order %s not found (yet)", order_no)
                return order_no, None
            return order_no, self.status_of(order, min_scanned)

        results = await self.gather_limited([str(order_no) for order_no in order_ids], one)
        return {order_no: status for order_no, status in results if status is not None}

    def fetch_statuses(self, order_ids: Sequence[str], min_scanned: int | None = None) -> dict[str, str]:
        """Sync :meth:`afetch_statuses` (the token is obtained in this thread first)."""
        if not order_ids:
            return {}
        self.get_token()
        return self.run_async(self.afetch_statuses(order_ids, min_scanned=min_scanned))

    # ================================================================= test button
    def probe(self) -> str:
        """A read-only call: one product of 商品分页列表V3."""
        page = self.get_products_page(1, 1)
        total = page.total if page.total is not None else len(page.items)
        return f"token accepted, {total} product(s) visible"


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _created(model: type[M], data: Any, order_no: str, kind: str) -> M:
    """A create answer; a gateway answering only an id (or nothing) still names the order."""
    fields = {"orderNo": order_no, **data} if isinstance(data, dict) else {"orderNo": order_no, "id": data}
    created = model.model_validate(fields)
    log.info("超8 %s order %s created (id %s)", kind, order_no, fields.get("id"))
    return created


def _state(data: Any, order_no: str) -> LogisticsOrderState:
    if isinstance(data, dict):
        return LogisticsOrderState.model_validate({"orderNo": order_no, **data})
    return LogisticsOrderState(order_no=order_no, status=int(c.LOGISTICS_COMPLETED))
