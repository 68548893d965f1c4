"""
The hooks' async transport (common/transport.py) on loopback: requests in flight as the server
counts them, the httpx exception each fault raises (what the retry logic reads: a connect error
was not sent, anything later may have been), the pool timeout, proxies and TLS verification.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import socket
import ssl
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from airflow_provider.common.transport import TRANSPORT_ENV, AiohttpTransport, async_transport
from airflow_provider.hypersku.hooks import HyperSkuHook
from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator
from airflow_provider.sandbox.hypersku import (
    SANDBOX_EXAMPLE_ORDER,
    SANDBOX_PASSWORD,
    SANDBOX_STORE_CODE,
    SANDBOX_USERNAME,
    HyperSkuBackend,
    create_app,
)

pytestmark = pytest.mark.integration

LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=4)
ANSWER = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"ok": true}'
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


# ------------------------------------------------------------------ in flight, counted by the sandbox
@pytest.mark.parametrize("kind", ["aiohttp", "httpx"])
def test_max_concurrency_64_is_what_the_sandbox_counts_in_flight(
    kind: str,
    serve_app: Callable[[Any], str],
    make_conn: Callable[..., str],
    task_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TRANSPORT_ENV, kind)
    backend = HyperSkuBackend(failure_share=0)
    backend.faults.latency_ms = 1000  # every create is held long enough for the next 63 to arrive
    url = serve_app(create_app(backend))
    make_conn(
        "hypersku_default",
        "hypersku",
        host=url,
        login=SANDBOX_USERNAME,
        password=SANDBOX_PASSWORD,
        extra={"store_code": SANDBOX_STORE_CODE},
    )
    orders = [{**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"FLIGHT-{i:03d}"} for i in range(128)]
    operator = HyperSkuCreateOrdersOperator(
        task_id="create", orders=orders, max_concurrency=64, lookup_first=False
    )

    report = operator.execute(task_context())

    assert report["counts"] == {"created": 128}
    stats = httpx.get(f"{url}/_sandbox/stats").json()
    assert stats["requests"]["/api/customer/admin/orders/create"] == 128
    assert stats["peak_in_flight"] == 64  # all 64 at once, and never more
    assert stats["in_flight"] == 0


def test_stats_reset_starts_the_peak_from_the_requests_in_flight(serve_app: Callable[[Any], str]) -> None:
    backend = HyperSkuBackend(failure_share=0)
    url = serve_app(create_app(backend))
    httpx.get(f"{url}/api/ping")
    assert httpx.get(f"{url}/_sandbox/stats").json()["peak_in_flight"] == 1
    assert httpx.post(f"{url}/_sandbox/stats/reset").json()["peak_in_flight"] == 0


# ------------------------------------------------------------------ choosing the transport
def test_the_environment_chooses_the_transport_and_an_injected_one_wins(
    make_conn: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_conn("hypersku_default", "hypersku", host="http://127.0.0.1:9", login="u", password="p")
    monkeypatch.delenv(TRANSPORT_ENV, raising=False)
    assert isinstance(HyperSkuHook()._async_client_kwargs()["transport"], AiohttpTransport)
    monkeypatch.setenv(TRANSPORT_ENV, "httpx")
    assert isinstance(HyperSkuHook()._async_client_kwargs()["transport"], httpx.AsyncHTTPTransport)
    mock = httpx.MockTransport(lambda request: httpx.Response(200))
    assert HyperSkuHook(transport=mock)._async_client_kwargs()["transport"] is mock
    monkeypatch.setenv(TRANSPORT_ENV, "curl")
    with pytest.raises(ValueError, match="one of aiohttp, httpx"):
        HyperSkuHook()._async_client_kwargs()


def test_a_proxy_from_the_environment_or_socks_keeps_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TRANSPORT_ENV, raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ImportError, match="socksio"):  # httpx's own answer, as before (no httpx[socks])
        async_transport(verify=True, proxy="socks5://127.0.0.1:1080", limits=LIMITS)
    proxied = async_transport(verify=True, proxy="http://proxy.internal:3128", limits=LIMITS)
    assert isinstance(proxied, AiohttpTransport)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert isinstance(async_transport(verify=True, proxy=None, limits=LIMITS), httpx.AsyncHTTPTransport)


# ------------------------------------------------------------------ faults -> httpx exceptions
@asynccontextmanager
async def raw_server(handle: Handler, tls: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    """A loopback TCP server running ``handle`` per connection; yields its port."""
    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def read_head(reader: asyncio.StreamReader) -> list[str]:
    head = await reader.readuntil(b"\r\n\r\n")
    return head.decode().split("\r\n")[:-2]


def client(
    verify: bool | str = True, proxy: str | None = None, limits: httpx.Limits = LIMITS, **timeouts: float
) -> httpx.AsyncClient:
    transport = AiohttpTransport(verify=verify, proxy=proxy, limits=limits)
    return httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(10.0, **timeouts))


async def test_an_answer_comes_back_with_status_headers_and_body() -> None:
    seen: list[list[str]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        seen.append(head)
        length = next(int(line.split(":")[1]) for line in head if line.lower().startswith("content-length"))
        seen.append([(await reader.readexactly(length)).decode()])
        writer.write(ANSWER)
        await writer.drain()
        writer.close()

    async with raw_server(handle) as port, client() as http:
        response = await http.post(
            f"http://127.0.0.1:{port}/orders", json={"id": "A-1"}, headers={"X-K": "v"}
        )
    assert (response.status_code, response.json()) == (200, {"ok": True})
    assert response.headers["content-type"] == "application/json"
    assert seen[0][0] == "POST /orders HTTP/1.1"
    assert "X-K: v" in seen[0] or "x-k: v" in seen[0]
    assert httpx.Response(200, content=seen[1][0]).json() == {"id": "A-1"}


def answer_one_request(conn: socket.socket) -> None:
    """Read one request (head and Content-Length body) from a blocking socket and answer it."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        body += conn.recv(65536)
    conn.sendall(ANSWER)


async def test_a_post_is_on_the_wire_before_the_loop_runs_its_next_callback() -> None:
    """aiohttp on Python 3.11 wrote a body from a task of its own, run after every callback the
    loop already held (16 answers handled before the next request left): the request must be on
    the wire when the callback queued right after the sending step runs."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    accepted: list[socket.socket] = []
    second = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        accepted.append(conn)
        answer_one_request(conn)  # the warm-up: the connection is then pooled
        second.wait(10)
        answer_one_request(conn)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    on_the_wire: list[bytes] = []

    def peek() -> None:
        try:
            on_the_wire.append(accepted[0].recv(65536, socket.MSG_PEEK | socket.MSG_DONTWAIT))
        except BlockingIOError:
            on_the_wire.append(b"")

    try:
        async with client() as http:
            url = f"http://127.0.0.1:{port}/orders"
            await http.post(url, json={"id": "warm-up"})
            sending = asyncio.ensure_future(http.post(url, json={"id": "A-2"}))
            asyncio.get_running_loop().call_soon(peek)  # runs right after the sending step
            await asyncio.sleep(0)
            second.set()
            assert (await sending).json() == {"ok": True}
    finally:
        second.set()
        listener.close()
        server.join(10)
        for conn in accepted:
            conn.close()
    assert on_the_wire[0].startswith(b"POST /orders HTTP/1.1")
    assert on_the_wire[0].endswith(b'{"id":"A-2"}')


async def test_a_refused_connection_is_a_connect_error(unused_tcp_port: int) -> None:
    async with client() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://127.0.0.1:{unused_tcp_port}/ping")


async def test_an_answer_that_never_comes_is_a_read_timeout() -> None:
    release = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        await release.wait()
        writer.close()

    async with raw_server(handle) as port, client(read=0.05) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(f"http://127.0.0.1:{port}/slow")
        release.set()


async def test_a_connection_closed_after_the_request_is_a_lost_answer_not_a_connect_error() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.close()

    async with raw_server(handle) as port, client() as http:
        with pytest.raises(httpx.TransportError) as caught:
            await http.post(f"http://127.0.0.1:{port}/orders", json={"id": "A-1"})
    assert isinstance(caught.value, httpx.RemoteProtocolError)
    error = HyperSkuHook()._transport_error(caught.value, "POST", "/orders")
    assert error.sent  # the order may exist: the idempotent create path looks before sending again


async def test_an_answer_cut_short_is_a_remote_protocol_error() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{")
        await writer.drain()
        writer.close()

    async with raw_server(handle) as port, client() as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(f"http://127.0.0.1:{port}/cut")


async def test_no_free_connection_within_the_pool_timeout_is_a_pool_timeout() -> None:
    arrived, release = asyncio.Event(), asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        arrived.set()
        await release.wait()
        writer.write(ANSWER)
        await writer.drain()
        writer.close()

    one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with raw_server(handle) as port, client(limits=one, pool=0.05) as http:
        first = asyncio.create_task(http.get(f"http://127.0.0.1:{port}/a"))
        await arrived.wait()
        with pytest.raises(httpx.PoolTimeout):
            await http.get(f"http://127.0.0.1:{port}/b")
        release.set()
        assert (await first).status_code == 200
        assert (await http.get(f"http://127.0.0.1:{port}/c")).status_code == 200  # the slot came back


async def test_a_proxy_gets_the_absolute_url_and_its_credentials() -> None:
    seen: list[list[str]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_head(reader))
        writer.write(ANSWER)
        await writer.drain()
        writer.close()

    async with raw_server(handle) as port, client(proxy=f"http://agent:pr%40xy@127.0.0.1:{port}") as http:
        response = await http.get("http://api.platform.invalid/v1/orders?page=2")
    assert response.json() == {"ok": True}
    assert seen[0][0] == "GET http://api.platform.invalid/v1/orders?page=2 HTTP/1.1"
    credentials = base64.b64encode(b"agent:pr@xy").decode()
    assert any(line.lower() == f"proxy-authorization: basic {credentials}".lower() for line in seen[0])


# ------------------------------------------------------------------ TLS verification
@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself, and its key."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fulfillment test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.mark.parametrize(("verify", "accepted"), [(True, False), ("ca", True), (False, True)])
async def test_tls_verification_follows_verify(
    verify: bool | str, accepted: bool, self_signed: tuple[Path, Path]
) -> None:
    cert_path, key_path = self_signed
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_path, key_path)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await read_head(reader)
            writer.write(ANSWER)
            await writer.drain()
        except (ssl.SSLError, ConnectionError, asyncio.IncompleteReadError):
            pass  # the client refused our certificate
        finally:
            writer.close()

    async with (
        raw_server(handle, tls) as port,
        client(verify=str(cert_path) if verify == "ca" else verify) as http,
    ):
        if accepted:
            assert (await http.get(f"https://127.0.0.1:{port}/tls")).json() == {"ok": True}
        else:
            with pytest.raises(httpx.ConnectError):  # not sent: a retry cannot make a second order
                await http.get(f"https://127.0.0.1:{port}/tls")
