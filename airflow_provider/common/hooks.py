"""
The request pipeline every platform hook runs.

``ApiHook.request`` / ``arequest``: auth header from the shared token -> httpx (keep-alive,
explicit timeouts, TLS verification on) -> HTTP status triage (429, 5xx) -> the platform's
envelope check -> the answer's data, or an :class:`~airflow_provider.common.errors.ApiError`.
Retries follow :class:`~airflow_provider.common.retry.RetryPolicy`: each one is logged at INFO
and the error that ends a call is one paragraph (platform, operation, host, attempts, last
cause). An auth error re-reads the shared token store or refreshes, then retries once.

The loop is written out in ``request`` and ``arequest`` themselves, with helpers that return
before the send, so a traceback or a profile shows at most ``call -> request`` of this module
between a platform's typed method and httpx.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import quote

import httpx
from airflow.sdk import BaseHook

from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.asyncio_bridge import run_sync
from airflow_provider.common.auth import Token, TokenManager, TokenStore, token_store_key
from airflow_provider.common.connection_settings import (
    COMMON_SECRET_EXTRAS,
    HookSettings,
    MergedUrls,
    host_of,
    read_settings,
    resolve_extra_aliases,
    retry_policy_from,
)
from airflow_provider.common.errors import (
    ApiError,
    AuthError,
    ConfigurationError,
    RateLimitError,
    ResponseError,
    TransientError,
    TransportError,
)
from airflow_provider.common.masking import amask, mask
from airflow_provider.common.metrics import OTHER_OPERATION, CallMeter
from airflow_provider.common.personal import redact_error
from airflow_provider.common.retry import AsyncSleep, Attempts, Clock, RetryPolicy, Sleep, parse_retry_after

if TYPE_CHECKING:
    from airflow.sdk import Connection

log = logging.getLogger(__name__)
# At INFO httpx logs every full URL, query-string tokens included.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

T = TypeVar("T")
R = TypeVar("R")
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
    :param sleep: waits between attempts of a sync call (tests pass one that records them).
    :param async_sleep: the same for async calls.
    :param clock: monotonic seconds, for the retry time budget and the final error's duration.
    """

    conn_name_attr = "conn_id"
    default_conn_name = ""
    conn_type = ""
    hook_name = ""

    #: the platform's key in :mod:`airflow_provider.platforms`; the registry entry gives the hook
    #: its connection type, default connection, form name, secret and renamed extras
    registry_key: ClassVar[str] = ""

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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("registry_key"):
            from airflow_provider.platforms import get_platform

            entry = get_platform(cls.registry_key)
            cls.conn_type = entry.conn_type
            cls.conn_name_attr = entry.hook_conn_id_param
            cls.default_conn_name = entry.default_conn_id
            cls.hook_name = entry.display_name
            cls.secret_extras = entry.secret_extras
            cls.extra_aliases = dict(entry.renamed_extras)

    def __init__(
        self,
        conn_id: str | None = None,
        *,
        retry_policy: RetryPolicy | None = None,
        token_store: TokenStore | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        max_concurrency: int | None = None,
        sleep: Sleep = time.sleep,
        async_sleep: AsyncSleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id or self.default_conn_name
        self._max_concurrency = max_concurrency
        self._retry_policy = retry_policy
        self._token_store = token_store
        self._transport = transport
        self._sleep, self._async_sleep, self._clock = sleep, async_sleep, clock
        self._aclient: httpx.AsyncClient | None = None
        self._aclient_loop: asyncio.AbstractEventLoop | None = None
        self._urls = MergedUrls()

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
        where = f"{self.platform} connection {self.conn_id!r}"
        return resolve_extra_aliases(extra, self.extra_aliases, where)

    async def aload_connection(self) -> None:
        """Load the connection without blocking the event loop (triggers call this first)."""
        if "connection" in self.__dict__:
            return
        import importlib

        # imported off the loop: a first import reads files and would stall every trigger
        compat = await asyncio.to_thread(
            importlib.import_module, "airflow.providers.common.compat.connection"
        )
        conn = await compat.get_async_connection(self.conn_id, hook=type(self))
        extra = dict(await compat.get_async_extra_dejson(conn) or {})
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
        return read_settings(
            self.platform,
            self.connection,
            self.extra,
            endpoints=self.endpoints,
            default_base_url=self.default_base_url,
            max_concurrency=self._max_concurrency,
        )

    @property
    def retry_policy(self) -> RetryPolicy:
        """The connection's retry budget (extras ``max_attempts``, ``retry_base_delay``,
        ``retry_max_seconds``) unless one was given to the hook."""
        if self._retry_policy is None:
            self._retry_policy = retry_policy_from(self.extra)
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
        if self._transport is not None:
            kwargs["transport"] = self._transport
        return kwargs

    @cached_property
    def client(self) -> httpx.Client:
        """One keep-alive client for every sync call of this hook."""
        return httpx.Client(**self._client_kwargs())

    def _async_client_kwargs(self) -> dict[str, Any]:
        """:meth:`_client_kwargs` on the async transport of :mod:`~airflow_provider.common.transport`
        (an injected transport wins), which carries the proxy, TLS and pool size itself."""
        kwargs = self._client_kwargs()
        if self._transport is None:
            from airflow_provider.common.transport import async_transport

            proxy = kwargs.pop("proxy", None)
            kwargs["transport"] = async_transport(
                verify=kwargs["verify"], proxy=proxy, limits=kwargs["limits"]
            )
        return kwargs

    def async_client(self) -> httpx.AsyncClient:
        """One keep-alive async client per event loop."""
        loop = asyncio.get_running_loop()
        if self._aclient is None or self._aclient_loop is not loop:
            self._aclient = httpx.AsyncClient(**self._async_client_kwargs())
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

        answer: dict[str, T] = {}

        async def closing() -> None:
            try:
                answer["value"] = await coro  # not the task's result: see run_sync
            finally:
                await self.aclose()

        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the usual case (a task's execute): no bridge thread, no extra frame
            asyncio.run(closing())
        else:
            run_sync(closing())
        return answer["value"]

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
        if token is not None and not self.token_manager.store_write_due():
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
        elapsed_ms = (time.monotonic() - started) * 1000
        log.debug("%s %s %s -> %s in %.0f ms", self.platform, method, path, response.status_code, elapsed_ms)
        self.triage_status(response)
        return self.check_response(response)

    def _transport_error(self, err: httpx.HTTPError, method: str, path: str) -> TransportError:
        sent = not isinstance(err, httpx.ConnectError | httpx.ConnectTimeout)
        error = TransportError(self.platform, f"{method} {path}: {type(err).__name__}: {err}", sent=sent)
        error.__cause__ = err  # what the final error names as its cause
        return error

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
        return client.build_request(
            method, self._urls(client, path), **self.prepare(method, path, json, params, headers)
        )

    def _attempts(
        self, method: str, path: str, idempotent: bool | None, retry_policy: RetryPolicy | None
    ) -> Attempts:
        """The retry state of one call: counts, logs and words the final error."""
        return Attempts(
            retry_policy or self.retry_policy,
            platform_label=self.hook_name or self.platform,
            operation=f"{method} {path}",
            host=self._host,
            idempotent=method in READ_ONLY_METHODS if idempotent is None else idempotent,
            clock=self._clock,
            logger=log,
        )

    @cached_property
    def _host(self) -> str:
        """``host[:port]`` of the base URL, as retries and final errors name it."""
        return host_of(self.settings.base_url)

    def _may_refresh(self, err: ApiError, attempts: Attempts) -> bool:
        """Whether ``err`` refused the token and the call may refresh it and try again (once)."""
        if attempts.refreshed or not self.is_auth_error(err):
            return False
        log.info("%s refused the token (%s); refreshing once", self.platform, err.code or err.http_status)
        attempts.refreshed = True
        return True

    @cached_property
    def call_meter(self) -> CallMeter:
        """Timing, in-flight gauge, errors and retries of this hook's calls (``common/metrics.py``)."""
        return CallMeter(self.platform, self.settings.endpoints)

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
        :param retry_policy: this call's retry budget instead of the hook's.
        """
        method = method.upper()
        attempts = self._attempts(method, path, idempotent, retry_policy)
        token = self.get_token() if auth and self.uses_token else None
        meter, operation = self.call_meter, self.call_meter.operation(path)
        while True:
            request = self._build(self.client, method, path, json, params, token)
            started = meter.start()
            try:
                response = self.client.send(request)
            except httpx.HTTPError as err:
                failure: ApiError = self._transport_error(err, method, path)
            else:
                try:
                    return self._interpret(response, method, path, started)
                except ApiError as err:
                    failure = redact_error(err, json)  # a vendor may quote the customer back
            finally:
                meter.stop(operation, started)
            meter.failed(operation, failure)
            if token is not None and self._may_refresh(failure, attempts):
                token = self._refreshed_token(token)
                continue
            delay = attempts.wait_after(failure)
            meter.retried(operation, failure)
            self._sleep(delay)

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
        attempts = self._attempts(method, path, idempotent, retry_policy)
        token = await self.aget_token() if auth and self.uses_token else None
        meter, operation = self.call_meter, self.call_meter.operation(path)
        while True:
            client = self.async_client()
            request = self._build(client, method, path, json, params, token)
            started = meter.start()
            try:
                response = await client.send(request)
            except httpx.HTTPError as err:
                failure: ApiError = self._transport_error(err, method, path)
            else:
                try:
                    return self._interpret(response, method, path, started)
                except ApiError as err:
                    failure = redact_error(err, json)  # a vendor may quote the customer back
            finally:
                meter.stop(operation, started)
            meter.failed(operation, failure)
            if token is not None and self._may_refresh(failure, attempts):
                from asgiref.sync import sync_to_async

                token = await sync_to_async(self._refreshed_token, thread_sensitive=False)(token)
                continue
            delay = attempts.wait_after(failure)
            meter.retried(operation, failure)
            await self._async_sleep(delay)

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
        from airflow_provider.common.drift import parse_answer

        op = self.call_meter.operation(api_call.path)
        if op == OTHER_OPERATION:  # no endpoint of the catalogue: the path names it
            op = api_call.path.split("?", 1)[0]
        return parse_answer(self.platform, op, api_call, data)

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
        """The connection form's Test button: the doctor's auth part (see
        :func:`~airflow_provider.common.test_button.check_connection`)."""
        from airflow_provider.common.test_button import check_connection

        return check_connection(self)
