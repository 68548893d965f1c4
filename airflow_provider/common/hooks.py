"""
The request pipeline every platform hook runs.

``ApiHook.request`` / ``arequest``: auth header from the shared token -> httpx (keep-alive,
explicit timeouts, TLS verification on) -> HTTP status triage (429, 5xx) -> the platform's
envelope check -> the answer's data, or an :class:`~airflow_provider.common.errors.ApiError`.
Retries follow :class:`~airflow_provider.common.retry.RetryPolicy`; an auth error re-reads the
shared token store or refreshes, then retries once.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from airflow.sdk import BaseHook

from airflow_provider.common.auth import Token, TokenManager, TokenStore, token_store_key
from airflow_provider.common.errors import (
    ApiError,
    AuthError,
    ConfigurationError,
    RateLimitError,
    ResponseError,
    TransientError,
    TransportError,
)
from airflow_provider.common.retry import RetryPolicy, acall_with_retry, call_with_retry, parse_retry_after

if TYPE_CHECKING:
    from airflow.sdk import Connection

log = logging.getLogger(__name__)
# At INFO httpx logs every full URL, query-string tokens included.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

T = TypeVar("T")
R = TypeVar("R")
DEFAULT_CONCURRENCY = 16
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: extras of every connection type that may hold a secret (a proxy URL can carry a password)
COMMON_SECRET_EXTRAS: tuple[str, ...] = ("proxy",)
#: what Airflow's form saves for a field whose name it masks: never a real setting
MASK_PLACEHOLDER = "***"


@dataclass(frozen=True)
class ApiCall(Generic[T]):
    """
    One API call, described once and sent sync (:meth:`ApiHook.call`) or async (``acall``).

    :param method: HTTP method.
    :param path: the path (from :meth:`ApiHook.endpoint`).
    :param parse: turns the answer's data into the typed result (pydantic errors become a
        :class:`~airflow_provider.common.errors.ResponseError`).
    :param json: JSON body.
    :param params: query parameters.
    :param idempotent: see :meth:`ApiHook.request`.
    :param auth: whether the call carries the token (``False`` for the token call itself).
    """

    method: str
    path: str
    parse: Callable[[Any], T]
    json: Any = None
    params: Mapping[str, Any] | None = None
    idempotent: bool | None = None
    auth: bool = True


@dataclass(frozen=True)
class HookSettings:
    """What a connection says about how to reach the platform."""

    base_url: str
    timeout: httpx.Timeout
    verify: bool | str = True
    proxy: str | None = None
    max_concurrency: int = DEFAULT_CONCURRENCY
    endpoints: Mapping[str, str] = field(default_factory=dict)


def base_url_from(host: str | None, *, schema: str | None, port: int | None, default: str) -> str:
    """
    Base URL from a connection's host: a full URL (with an optional path prefix) or a bare host.

    An empty host means the platform's production URL ``default``.
    """
    host = (host or "").strip()
    if not host:
        return default.rstrip("/")
    if "://" not in host:
        scheme = schema if schema in ("http", "https") else "https"
        host = f"{scheme}://{host}"
    parts = urlsplit(host)
    netloc = parts.netloc
    if port and parts.port is None:
        netloc = f"{netloc}:{port}"
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def timeout_from(value: Any) -> httpx.Timeout:
    """``timeout`` extra: seconds (read/write/pool), or ``{connect, read, write, pool}``."""
    if isinstance(value, Mapping):
        return httpx.Timeout(
            connect=float(value.get("connect", 10)),
            read=float(value.get("read", 30)),
            write=float(value.get("write", 30)),
            pool=float(value.get("pool", 30)),
        )
    seconds = float(value) if value not in (None, "") else 30.0
    return httpx.Timeout(seconds, connect=min(10.0, seconds))


def _as_bool_or_path(value: Any) -> bool | str:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.lower() in ("true", "1", "yes")
    return str(value) if value else True


class ApiHook(BaseHook):
    """
    Base of every platform hook: connection -> httpx clients -> the request pipeline.

    Subclasses set the class attributes and implement :meth:`check_response` (the envelope),
    :meth:`fetch_token` (when the platform uses tokens) and :meth:`probe` (a cheap read for
    ``test_connection``).

    :param conn_id: the Airflow connection id.
    :param retry_policy: retries of transient faults; read from the connection when omitted.
    :param token_store: where tokens are shared (Airflow Variables by default).
    :param transport: an httpx transport for both clients (tests use ``httpx.MockTransport``).
    """

    conn_name_attr = "conn_id"
    default_conn_name = ""
    conn_type = ""
    hook_name = ""

    #: platform name used in errors, token keys and logs
    platform: ClassVar[str] = ""
    #: production base URL used when the connection's host is empty
    default_base_url: ClassVar[str] = ""
    #: documented paths by name; a connection's extra ``endpoints`` overrides any of them
    endpoints: ClassVar[Mapping[str, str]] = {}
    #: connection extras holding secrets (registered with log masking); list old names too
    secret_extras: ClassVar[tuple[str, ...]] = ()
    #: renamed connection extras, new name -> old name: the old one is still read, with a warning
    extra_aliases: ClassVar[Mapping[str, str]] = {}
    #: whether requests carry a token from :meth:`fetch_token`
    uses_token: ClassVar[bool] = True
    #: seconds a token lives when the platform does not say
    default_token_ttl: ClassVar[float] = 3600.0

    def __init__(
        self,
        conn_id: str | None = None,
        *,
        retry_policy: RetryPolicy | None = None,
        token_store: TokenStore | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        max_concurrency: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id or self.default_conn_name
        self._max_concurrency = max_concurrency
        self._retry_policy = retry_policy
        self._token_store = token_store
        self._transport = transport
        self._aclient: httpx.AsyncClient | None = None
        self._aclient_loop: asyncio.AbstractEventLoop | None = None

    # ----------------------------------------------------------------- connection
    @cached_property
    def connection(self) -> Connection:
        conn = self.get_connection(self.conn_id)
        self._mask_connection_secrets(conn)
        return conn

    @cached_property
    def extra(self) -> dict[str, Any]:
        return self._resolve_extra_aliases(dict(self.connection.extra_dejson or {}))

    def _resolve_extra_aliases(self, extra: dict[str, Any]) -> dict[str, Any]:
        """Fill each renamed extra from its deprecated old name when only the old one is set."""
        for new, old in self.extra_aliases.items():
            if old not in extra:
                continue
            where = f"{self.platform} connection {self.conn_id!r}"
            if extra[old] == MASK_PLACEHOLDER:
                _deprecated(
                    f"{where}: extra {old!r} holds Airflow's mask {MASK_PLACEHOLDER!r} (saved by the form), "
                    f"not a value: ignored; set {new!r} instead"
                )
            elif extra.get(new) is None:
                extra[new] = extra[old]
                _deprecated(f"{where}: extra {old!r} is deprecated; rename it to {new!r}")
            else:
                _deprecated(f"{where}: extra {new!r} is used and the deprecated {old!r} ignored; remove it")
        return extra

    async def aload_connection(self) -> None:
        """Load the connection without blocking the event loop (triggers call this first)."""
        if "connection" in self.__dict__:
            return
        from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson

        conn = await get_async_connection(self.conn_id, hook=type(self))
        extra = dict(await get_async_extra_dejson(conn) or {})
        for secret in [conn.password, *(extra.get(name) for name in self._secret_extra_names())]:
            if secret:
                await amask(str(secret))
        self.__dict__["extra"] = self._resolve_extra_aliases(extra)
        self.__dict__["connection"] = conn

    def _secret_extra_names(self) -> tuple[str, ...]:
        return (*self.secret_extras, *COMMON_SECRET_EXTRAS)

    def _mask_connection_secrets(self, conn: Connection) -> None:
        secrets = [conn.password]
        extra = self.__dict__.get("extra") or conn.extra_dejson or {}
        secrets += [extra.get(name) for name in self._secret_extra_names()]
        for secret in secrets:
            if secret:
                mask(str(secret))

    @cached_property
    def settings(self) -> HookSettings:
        conn, extra = self.connection, self.extra
        overrides = extra.get("endpoints") or {}
        if not isinstance(overrides, Mapping):
            raise ConfigurationError(self.platform, "connection extra 'endpoints' must be a JSON object")
        unknown = sorted(set(overrides) - set(self.endpoints))
        if unknown:
            raise ConfigurationError(
                self.platform,
                f"connection extra 'endpoints' names unknown endpoints {unknown}; "
                f"known: {sorted(self.endpoints)}",
            )
        return HookSettings(
            base_url=base_url_from(
                conn.host, schema=conn.schema, port=conn.port, default=self.default_base_url
            ),
            timeout=timeout_from(extra.get("timeout")),
            verify=_as_bool_or_path(extra.get("verify", True)),
            proxy=extra.get("proxy") or None,
            max_concurrency=max(
                1, int(self._max_concurrency or extra.get("max_concurrency") or DEFAULT_CONCURRENCY)
            ),
            endpoints={**self.endpoints, **overrides},
        )

    @property
    def retry_policy(self) -> RetryPolicy:
        if self._retry_policy is None:
            extra = self.extra
            self._retry_policy = RetryPolicy(
                max_attempts=int(extra.get("max_attempts", 5)),
                base_delay=float(extra.get("retry_base_delay", 0.5)),
                max_total=float(extra.get("retry_max_seconds", 120)),
            )
        return self._retry_policy

    def endpoint(self, name: str, **params: Any) -> str:
        """The path of endpoint ``name`` (connection overrides applied), ``{params}`` filled in."""
        template = self.settings.endpoints[name]
        return template.format(**{key: quote(str(value), safe="") for key, value in params.items()})

    # ----------------------------------------------------------------- clients
    def _client_kwargs(self) -> dict[str, Any]:
        settings = self.settings
        kwargs: dict[str, Any] = {
            "base_url": settings.base_url,
            "timeout": settings.timeout,
            "verify": settings.verify,
            "headers": {"Accept": "application/json", "User-Agent": "airflow-provider-fulfillment"},
            "limits": httpx.Limits(
                max_connections=max(settings.max_concurrency, 10),
                max_keepalive_connections=max(settings.max_concurrency, 10),
            ),
        }
        if settings.proxy:
            kwargs["proxy"] = settings.proxy
        return kwargs

    @cached_property
    def client(self) -> httpx.Client:
        """One keep-alive client for every sync call of this hook."""
        kwargs = self._client_kwargs()
        if self._transport is not None:
            kwargs["transport"] = self._transport
        return httpx.Client(**kwargs)

    def async_client(self) -> httpx.AsyncClient:
        """One keep-alive async client per event loop."""
        loop = asyncio.get_running_loop()
        if self._aclient is None or self._aclient_loop is not loop:
            kwargs = self._client_kwargs()
            if self._transport is not None:
                kwargs["transport"] = self._transport
            self._aclient = httpx.AsyncClient(**kwargs)
            self._aclient_loop = loop
        return self._aclient

    def concurrency(self, override: int | None = None) -> int:
        """Calls in flight at once: an operator's ``max_concurrency``, else the connection's."""
        return max(1, int(override or self.settings.max_concurrency))

    async def gather_limited(
        self, items: Iterable[T], work: Callable[[T], Awaitable[R]], *, limit: int | None = None
    ) -> list[R]:
        """``work`` for every item, at most ``limit`` (default ``max_concurrency``) in flight;
        results in order. For platforms without a batched call (e.g. one status read per order).
        """
        semaphore = asyncio.Semaphore(max(1, limit or self.settings.max_concurrency))

        async def one(item: T) -> R:
            async with semaphore:
                return await work(item)

        return list(await asyncio.gather(*(one(item) for item in items)))

    def run_async(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run an async hook method from sync code; the async client is closed afterwards."""
        from airflow_provider.common.operators import run_sync

        async def closing() -> T:
            try:
                return await coro
            finally:
                await self.aclose()

        return run_sync(closing())

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()
            del self.__dict__["client"]

    async def aclose(self) -> None:
        if self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None
            self._aclient_loop = None

    def __enter__(self) -> ApiHook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- tokens
    def token_credentials(self) -> tuple[str, str]:
        """(login, secret) identifying the account: the token store key is derived from them."""
        conn = self.connection
        return conn.login or "", conn.password or ""

    def fetch_token(self) -> Token:
        """Obtain a new token from the platform (call with ``auth=False``)."""
        raise ConfigurationError(self.platform, f"{type(self).__name__} does not use tokens")

    @cached_property
    def token_manager(self) -> TokenManager:
        login, secret = self.token_credentials()
        key = token_store_key(self.platform, self.settings.base_url, login, secret)
        return TokenManager(key, self.fetch_token, store=self._token_store, mask=mask)

    def get_token(self) -> str:
        """A valid token, from the process cache or the shared store when possible."""
        return self.token_manager.get().value

    async def aget_token(self) -> str:
        token = self.token_manager.cached()
        if token is not None:
            return token.value
        from asgiref.sync import sync_to_async

        return await sync_to_async(self.get_token, thread_sensitive=False)()

    def _refreshed_token(self, refused: str) -> str:
        self.token_manager.invalidate(refused)
        return self.token_manager.get(stale=refused).value

    def auth_headers(self, token: str) -> dict[str, str]:
        """Headers carrying ``token``; the raw token in ``Authorization`` unless overridden."""
        return {"Authorization": token}

    def is_auth_error(self, err: ApiError) -> bool:
        return isinstance(err, AuthError)

    # ----------------------------------------------------------------- pipeline
    def prepare(
        self, method: str, path: str, json: Any, params: Mapping[str, Any] | None, headers: dict[str, str]
    ) -> dict[str, Any]:
        """Keyword arguments for ``httpx.Client.build_request``; override to sign or encrypt."""
        kwargs: dict[str, Any] = {"headers": headers}
        if json is not None:
            kwargs["json"] = json
        if params:
            kwargs["params"] = {k: v for k, v in params.items() if v is not None}
        return kwargs

    def check_response(self, response: httpx.Response) -> Any:
        """The platform's envelope: return the answer's data or raise an :class:`ApiError`."""
        return self.json_body(response)

    def json_body(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as err:
            raise ResponseError(
                self.platform,
                f"answer is not JSON ({response.headers.get('content-type', 'no content type')})",
                http_status=response.status_code,
            ) from err

    def triage_status(self, response: httpx.Response) -> None:
        """Raise for HTTP statuses whose meaning does not depend on the platform (429, 5xx)."""
        status = response.status_code
        if status == 429:
            raise RateLimitError(
                self.platform,
                "rate limited (HTTP 429)",
                http_status=429,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500:
            raise TransientError(
                self.platform,
                f"server error (HTTP {status})",
                http_status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )

    def _interpret(self, response: httpx.Response, method: str, path: str, started: float) -> Any:
        log.debug(
            "%s %s %s -> %s in %.0f ms",
            self.platform,
            method,
            path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        self.triage_status(response)
        return self.check_response(response)

    def _transport_error(self, err: httpx.HTTPError, method: str, path: str) -> TransportError:
        sent = not isinstance(err, httpx.ConnectError | httpx.ConnectTimeout)
        return TransportError(self.platform, f"{method} {path}: {type(err).__name__}: {err}", sent=sent)

    def _build(
        self,
        client: httpx.Client | httpx.AsyncClient,
        method: str,
        path: str,
        json: Any,
        params: Any,
        token: str | None,
    ) -> httpx.Request:
        headers = self.auth_headers(token) if token is not None else {}
        return client.build_request(method, path, **self.prepare(method, path, json, params, headers))

    def _send_once(self, method: str, path: str, json: Any, params: Any, token: str | None) -> Any:
        request = self._build(self.client, method, path, json, params, token)
        started = time.monotonic()
        try:
            response = self.client.send(request)
        except httpx.HTTPError as err:
            raise self._transport_error(err, method, path) from err
        return self._interpret(response, method, path, started)

    async def _asend_once(self, method: str, path: str, json: Any, params: Any, token: str | None) -> Any:
        client = self.async_client()
        request = self._build(client, method, path, json, params, token)
        started = time.monotonic()
        try:
            response = await client.send(request)
        except httpx.HTTPError as err:
            raise self._transport_error(err, method, path) from err
        return self._interpret(response, method, path, started)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        auth: bool = True,
        idempotent: bool | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> Any:
        """
        Send one API call through the pipeline and return the answer's data.

        :param method: HTTP method.
        :param path: the documented path (see :meth:`endpoint`), relative to the base URL.
        :param json: JSON body.
        :param params: query parameters (``None`` values dropped).
        :param auth: whether to send the token.
        :param idempotent: whether an answer lost in transit may be sent again; defaults to
            ``True`` for GET/HEAD/OPTIONS. Creates pass ``False`` and rely on the idempotent
            create path instead.
        """
        method = method.upper()
        safe = method in READ_ONLY_METHODS if idempotent is None else idempotent
        use_token = auth and self.uses_token

        def attempt() -> Any:
            token = self.get_token() if use_token else None
            try:
                return self._send_once(method, path, json, params, token)
            except ApiError as err:
                if token is None or not self.is_auth_error(err):
                    raise
                log.info(
                    "%s refused the token (%s); refreshing once", self.platform, err.code or err.http_status
                )
                return self._send_once(method, path, json, params, self._refreshed_token(token))

        return call_with_retry(attempt, retry_policy or self.retry_policy, idempotent=safe)

    async def arequest(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        auth: bool = True,
        idempotent: bool | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> Any:
        """Async twin of :meth:`request`, on the hook's async client."""
        method = method.upper()
        safe = method in READ_ONLY_METHODS if idempotent is None else idempotent
        use_token = auth and self.uses_token

        async def attempt() -> Any:
            token = await self.aget_token() if use_token else None
            try:
                return await self._asend_once(method, path, json, params, token)
            except ApiError as err:
                if token is None or not self.is_auth_error(err):
                    raise
                log.info(
                    "%s refused the token (%s); refreshing once", self.platform, err.code or err.http_status
                )
                from asgiref.sync import sync_to_async

                fresh = await sync_to_async(self._refreshed_token, thread_sensitive=False)(token)
                return await self._asend_once(method, path, json, params, fresh)

        return await acall_with_retry(attempt, retry_policy or self.retry_policy, idempotent=safe)

    def call(self, api_call: ApiCall[T]) -> T:
        """Send ``api_call`` and return its parsed result."""
        data = self.request(
            api_call.method,
            api_call.path,
            json=api_call.json,
            params=api_call.params,
            idempotent=api_call.idempotent,
            auth=api_call.auth,
        )
        return self._parse_answer(api_call, data)

    async def acall(self, api_call: ApiCall[T]) -> T:
        """Async twin of :meth:`call`."""
        data = await self.arequest(
            api_call.method,
            api_call.path,
            json=api_call.json,
            params=api_call.params,
            idempotent=api_call.idempotent,
            auth=api_call.auth,
        )
        return self._parse_answer(api_call, data)

    def _parse_answer(self, api_call: ApiCall[T], data: Any) -> T:
        from pydantic import ValidationError

        try:
            return api_call.parse(data)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(answer)"
            raise ResponseError(
                self.platform,
                f"{api_call.method} {api_call.path}: unexpected answer: {where}: {first['msg']}",
            ) from err
        except (TypeError, KeyError, ValueError) as err:
            raise ResponseError(
                self.platform, f"{api_call.method} {api_call.path}: unexpected answer: {err}"
            ) from err

    # ----------------------------------------------------------------- UI test button
    def probe(self) -> str:
        """A cheap, read-only call proving the connection works; returns a short description.

        The base version relies on the token call alone; platforms override it with a read.
        """
        return "credentials accepted"

    def needs_token(self) -> bool:
        """Whether this connection authenticates with a token (a platform may decide per connection)."""
        return self.uses_token

    def status_label(self, status: str) -> str:
        """How a status reads in messages (platforms add the vendor's status name)."""
        return status

    def test_connection(self) -> tuple[bool, str]:
        """Check the credentials with a read-only call; never writes the shared token store."""
        try:
            if self.needs_token():
                existing = self.token_manager.peek()
                token = existing if existing is not None else self.fetch_token()
                self.token_manager.remember(token)
            detail = self.probe()
        except ApiError as err:
            return False, str(err)
        except Exception as err:
            return False, f"{type(err).__name__}: {err}"
        finally:
            self.close()
        return True, f"Connected to {self.platform} at {self.settings.base_url}: {detail}"


def _deprecated(message: str) -> None:
    """A deprecation both as a Python warning and in the task log (where users look)."""
    try:
        from airflow.exceptions import AirflowProviderDeprecationWarning as category
    except ImportError:  # pragma: no cover - a worker without airflow-core
        category = DeprecationWarning  # type: ignore[assignment,misc]
    warnings.warn(message, category, stacklevel=4)
    log.warning(message)


async def amask(value: str) -> None:
    """Async :func:`mask` (``amask_secret`` where the Airflow version has it, since 3.3)."""
    if not value:
        return
    try:
        from airflow.sdk.log import amask_secret
    except ImportError:
        mask(value)
        return
    await amask_secret(value)


def mask(value: str) -> None:
    """Register ``value`` with Airflow's log masking (a no-op for empty values)."""
    if not value:
        return
    from airflow.sdk.log import mask_secret

    mask_secret(value)
