"""
TLS certificates are verified by default: a self-signed HTTPS server is refused unless the
connection says otherwise (``verify``: ``false``, or the path of a CA bundle that signs it).

The server is the SuperShip sandbox behind uvicorn's TLS on loopback, with a certificate made in
the test (``cryptography``); the calls go through the hook, sync and async, end to end.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider.common.errors import TransportError
from airflow_provider.sandbox.registry import load_simulator

pytestmark = pytest.mark.integration

PROVINCES = "/v1/partner/areas/province"


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost (its own CA) and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fulfillment-tls-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def https_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, Path]]:
    """``(https url, backend, certificate path)``: the SuperShip sandbox behind a self-signed TLS cert."""
    import uvicorn

    cert, key = _self_signed(tmp_path_factory.mktemp("tls"))
    simulator = load_simulator("supership")
    backend = simulator.new_backend()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        simulator.create_app(backend),
        log_level="critical",
        lifespan="off",
        access_log=False,
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
    )
    server = uvicorn.Server(config)
    started = threading.Event()
    original_startup = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original_startup(sockets=sockets)
        started.set()

    server.startup = startup  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert started.wait(10), "the HTTPS sandbox did not start"
    try:
        yield f"https://127.0.0.1:{port}", backend, cert
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def hook_with(
    https_sandbox: tuple[str, Any, Path], make_conn: Callable[..., str]
) -> Callable[[dict[str, Any]], Any]:
    """``hook_with(extra)``: a SuperShip hook on the HTTPS sandbox, its connection given ``extra``."""
    from airflow_provider.sandbox.supership import sandbox_connection
    from airflow_provider.supership.hooks import SuperShipHook

    url, _backend, _cert = https_sandbox
    conn = sandbox_connection(url)

    def build(extra: dict[str, Any]) -> SuperShipHook:
        make_conn(
            "supership_tls",
            "supership",
            host=url,
            password=conn.get("password"),
            # one attempt: a refused certificate is not worth the retry budget here
            extra={**conn["extra"], "max_attempts": 1, **extra},
        )
        return SuperShipHook("supership_tls")

    return build


def _provinces(hook: Any) -> int:
    return len(hook.get_provinces())


async def _provinces_async(hook: Any) -> Any:
    try:
        return await hook.arequest("GET", PROVINCES)
    finally:
        await hook.aclose()


@pytest.mark.parametrize("extra", [{}, {"verify": True}, {"verify": "true"}], ids=["default", "true", "text"])
def test_a_self_signed_server_is_refused_by_default(
    hook_with: Callable[[dict[str, Any]], Any], https_sandbox: tuple[str, Any, Path], extra: dict[str, Any]
) -> None:
    _url, backend, _cert = https_sandbox
    before = backend.requests[PROVINCES]
    hook = hook_with(extra)
    with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
        _provinces(hook)
    hook = hook_with(extra)
    with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
        hook.run_async(_provinces_async(hook))
    assert backend.requests[PROVINCES] == before, "a request reached the server past a refused certificate"


def test_a_ca_bundle_in_the_connection_trusts_the_server(
    hook_with: Callable[[dict[str, Any]], Any], https_sandbox: tuple[str, Any, Path]
) -> None:
    _url, backend, cert = https_sandbox
    before = backend.requests[PROVINCES]
    assert _provinces(hook_with({"verify": str(cert)})) > 0
    hook = hook_with({"verify": str(cert)})
    assert hook.run_async(_provinces_async(hook))
    assert backend.requests[PROVINCES] == before + 2


@pytest.mark.parametrize("value", [False, "false"])
def test_verify_false_in_the_connection_turns_checking_off(
    hook_with: Callable[[dict[str, Any]], Any], value: Any
) -> None:
    assert _provinces(hook_with({"verify": value})) > 0
