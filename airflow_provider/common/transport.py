"""
The async transport under ``ApiHook``'s ``httpx.AsyncClient``.

httpcore's connection pool scans every connection for every request it queues, so its cost per
request grows with the number in flight: at 32 and more a task spends most of its CPU there and
raising ``max_concurrency`` makes it slower (docs/benchmarks.md has the measurements). The
default here is :class:`AiohttpTransport`: httpx's API on aiohttp's connector, whose pool hands a
free connection over without a scan. aiohttp is a dependency of Airflow itself.

``FULFILLMENT_ASYNC_TRANSPORT`` chooses (read when a hook opens its async client):

- ``aiohttp`` (default): :class:`AiohttpTransport`;
- ``httpx``: httpx's own ``AsyncHTTPTransport`` (httpcore), the transport before this module,
  kept for comparison (``make bench``) and as a way back.

A proxy given by the environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``) or a SOCKS proxy
keeps httpx's transport, which reads and speaks those exactly as before.

The hook's retry logic reads whether a failed request may have reached the server from the
exception's httpx class (``ConnectError``/``ConnectTimeout``: not sent; everything else: maybe
sent), so every aiohttp error is raised as the httpx exception httpcore raises for the same fault.
The ``httpx-aiohttp`` package's transport was not taken for that reason: its 0.2.0 maps every
``aiohttp.ClientConnectionError``, a server closing the connection after the request included,
to ``httpx.ConnectTimeout`` ("not sent"), which would send a create whose answer was lost again.
aiohttp is imported here only (a task imports it when it opens its async client).

On Python 3.11 aiohttp writes a request's body (with its buffered headers) from a task of its own,
which the event loop runs only after every callback it already holds: when 16 answers come in
together, each next request left only after all 16 had been handled, about 5 ms later at 16 in
flight. Python 3.12 starts that task eagerly (aiohttp asks for it);
:func:`_eager_body_request_class` does the same on 3.11 (docs/benchmarks.md, "Where the 5 ms per request went").
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import urllib.request
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    import ssl

    import aiohttp

TRANSPORT_ENV = "FULFILLMENT_ASYNC_TRANSPORT"
AIOHTTP = "aiohttp"
HTTPX = "httpx"
TRANSPORT_KINDS = (AIOHTTP, HTTPX)


def transport_kind(kind: str | None = None) -> str:
    """``kind``, else ``FULFILLMENT_ASYNC_TRANSPORT``, else ``aiohttp``; refuses other names."""
    chosen = (kind or os.environ.get(TRANSPORT_ENV) or AIOHTTP).strip().lower()
    if chosen not in TRANSPORT_KINDS:
        raise ValueError(f"{TRANSPORT_ENV}={chosen!r}: one of {', '.join(TRANSPORT_KINDS)}")
    return chosen


def async_transport(
    *, verify: bool | str, proxy: str | None, limits: httpx.Limits, kind: str | None = None
) -> httpx.AsyncBaseTransport:
    """The transport for a hook's async client, with the connection's TLS, proxy and pool size."""
    if transport_kind(kind) == AIOHTTP and _aiohttp_can_proxy(proxy):
        return AiohttpTransport(verify=verify, proxy=proxy, limits=limits)
    return httpx.AsyncHTTPTransport(verify=_ssl_context(verify), limits=limits, proxy=proxy)


def _aiohttp_can_proxy(proxy: str | None) -> bool:
    if proxy:
        return httpx.URL(proxy).scheme in ("http", "https")
    environment = urllib.request.getproxies()
    return not any(environment.get(scheme) for scheme in ("http", "https", "all"))


def warm_up() -> None:
    """Import and build, once per process, what a first async client needs (aiohttp, the request
    class, the default TLS context): a trigger calls it off its event loop, where it would stall."""
    _request_class()
    _ssl_context(True)


@functools.lru_cache(maxsize=16)
def _ssl_context(verify: bool | str) -> ssl.SSLContext:
    """What httpx builds from ``verify`` (certifi's bundle, ``SSL_CERT_FILE``, off, or a CA path),
    built once per value and process: loading a CA bundle costs tens of ms of CPU, and clients
    may share a context."""
    import ssl

    if isinstance(verify, str):  # httpx warns for a path: build the same context without it
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    return httpx.create_ssl_context(verify=verify)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """
    httpx requests sent by an ``aiohttp.ClientSession`` (HTTP/1.1, keep-alive).

    :param verify: TLS verification: ``True`` (certifi's bundle), ``False``, or a CA bundle path.
    :param proxy: an ``http://`` or ``https://`` proxy URL (credentials in it are sent to the proxy).
    :param limits: ``max_connections`` bounds the requests in flight; a request waiting longer than
        its ``pool`` timeout for a free connection raises ``httpx.PoolTimeout``.

    Timeouts come from each request (httpx's ``timeout`` extension): ``connect`` bounds opening a
    connection, ``read`` each wait for the answer's bytes, ``pool`` the wait for a connection.
    aiohttp has no separate write timeout: the ``write`` one is not used here.
    """

    def __init__(self, *, verify: bool | str = True, proxy: str | None = None, limits: httpx.Limits) -> None:
        self._ssl: ssl.SSLContext | bool = _ssl_context(verify) if verify is not False else False
        self._proxy, self._proxy_auth = _split_proxy(proxy)
        self._max_connections = limits.max_connections
        self._keepalive_expiry = limits.keepalive_expiry
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None

    def _open(self) -> aiohttp.ClientSession:
        import aiohttp

        connector = aiohttp.TCPConnector(
            limit=0,  # the slots below bound the requests, with httpx's pool timeout
            keepalive_timeout=self._keepalive_expiry if self._keepalive_expiry is not None else 15.0,
            ssl=self._ssl,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,  # httpx decodes Content-Encoding itself
            skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent", "Content-Type"),
            trust_env=False,  # httpx's own reading of the environment decided the proxy
            request_class=_request_class(),
        )
        if self._max_connections is not None:
            self._slots = asyncio.Semaphore(self._max_connections)
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import aiohttp

        session = self._session or self._open()
        timeout = request.extensions.get("timeout", {})
        release = await self._take_slot(timeout.get("pool"))
        try:
            body = await request.aread()
            with _httpx_errors():
                response = await session.request(
                    request.method,
                    str(request.url),
                    headers=request.headers.multi_items(),
                    data=body or None,
                    allow_redirects=False,
                    compress=None,
                    timeout=aiohttp.ClientTimeout(
                        total=None, sock_connect=timeout.get("connect"), sock_read=timeout.get("read")
                    ),
                    proxy=self._proxy,
                    proxy_auth=self._proxy_auth,
                )
        except BaseException:
            release()
            raise
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode()
        return httpx.Response(
            response.status,
            headers=list(response.raw_headers),
            stream=_AnswerStream(response, release),
            request=request,
            extensions=extensions,
        )

    async def _take_slot(self, pool_timeout: float | None) -> Callable[[], None]:
        slots = self._slots
        if slots is None:
            return _nothing
        try:
            if slots.locked():
                await asyncio.wait_for(slots.acquire(), pool_timeout)
            else:  # free: taken without suspending (wait_for's task would send the request loops later)
                await slots.acquire()
        except TimeoutError as err:
            raise httpx.PoolTimeout("no free connection within the pool timeout") from err
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                slots.release()

        return release

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()


def _nothing() -> None:
    return None


def _request_class() -> type[aiohttp.ClientRequest]:
    import aiohttp

    if sys.version_info >= (3, 12):  # aiohttp starts its body writer eagerly there itself
        return aiohttp.ClientRequest
    return _eager_body_request_class()


@functools.cache
def _eager_body_request_class() -> type[aiohttp.ClientRequest]:
    """``aiohttp.ClientRequest`` whose body writer runs at once up to its first wait (Python 3.11)."""
    import aiohttp

    class EagerBodyRequest(aiohttp.ClientRequest):
        def write_bytes(self, *args: Any, **kwargs: Any) -> Coroutine[Any, Any, None]:  # type: ignore[override]
            return started_now(super().write_bytes(*args, **kwargs))

    return EagerBodyRequest


def started_now(coro: Coroutine[Any, Any, None]) -> Coroutine[Any, Any, None]:
    """
    Run ``coro`` now until it first waits (what an eager task does on Python 3.12); the returned
    coroutine, run by the task aiohttp makes of it, finishes it: it passes on what each awaited
    future gives, and a cancellation of that task into ``coro``.
    """
    try:
        awaited = coro.send(None)
    except StopIteration:
        return _finished()
    except BaseException as err:
        return _raising(err)
    return _resumed(coro, awaited)


async def _finished() -> None:
    return None


async def _raising(err: BaseException) -> None:
    raise err


async def _resumed(coro: Coroutine[Any, Any, None], awaited: Any) -> None:
    while True:
        try:
            if awaited is None:  # a bare yield (asyncio.sleep(0))
                await asyncio.sleep(0)
            else:
                await asyncio.wait([awaited])
        except BaseException as err:  # the task was cancelled: as a task would, cancel what it awaited
            if awaited is not None:
                awaited.cancel()
            step: Callable[[], Any] = functools.partial(coro.throw, err)
        else:
            step = functools.partial(coro.send, None)
        try:
            awaited = step()
        except StopIteration:
            return


def _split_proxy(proxy: str | None) -> tuple[str | None, aiohttp.BasicAuth | None]:
    """The proxy URL without credentials, and the credentials as aiohttp's proxy auth."""
    if not proxy:
        return None, None
    import aiohttp

    url = httpx.URL(proxy)
    if not url.username:
        return str(url), None
    from urllib.parse import unquote

    auth = aiohttp.BasicAuth(unquote(url.username), unquote(url.password or ""))
    return str(url.copy_with(username=None, password=None)), auth


class _AnswerStream(httpx.AsyncByteStream):
    """The answer's body; frees the request's slot when httpx closes the response."""

    def __init__(self, response: aiohttp.ClientResponse, release: Callable[[], None]) -> None:
        self._response = response
        self._release = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        try:
            self._response.release()
        finally:
            self._release()


@contextmanager
def _httpx_errors() -> Iterator[None]:
    """Re-raise aiohttp's errors as the httpx exceptions httpcore raises for the same fault."""
    try:
        yield
    except httpx.HTTPError:
        raise
    except Exception as err:
        mapped = httpx_error_for(err)
        if mapped is None:
            raise
        raise mapped from err


def httpx_error_for(err: Exception) -> httpx.TransportError | None:
    """The httpx exception for an aiohttp (or asyncio timeout) error; ``None`` for anything else."""
    import aiohttp

    message = str(err) or type(err).__name__
    # order matters: the aiohttp classes below subclass one another
    if isinstance(err, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message)
    if isinstance(err, aiohttp.ServerTimeoutError | TimeoutError):
        return httpx.ReadTimeout(message)
    if isinstance(err, aiohttp.ClientHttpProxyError):
        return httpx.ProxyError(message)
    if isinstance(err, aiohttp.ClientConnectorError):  # refused, DNS, TLS handshake, proxy unreachable
        return httpx.ConnectError(message)
    if isinstance(err, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(message)
    if isinstance(err, aiohttp.ClientResponseError):  # an answer that is not HTTP
        return httpx.RemoteProtocolError(message)
    if isinstance(err, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(message)
    if isinstance(err, aiohttp.ClientOSError):
        return httpx.ReadError(message)
    if isinstance(err, aiohttp.ClientError | OSError):
        return httpx.NetworkError(message)
    return None
