"""The one-time OAuth2 helper: authorise URL, code exchange, refresh token for the connection."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from test_hypersku_support import AppTransport, sandbox_hook

from airflow_provider.common.errors import ApiError, ConfigurationError
from airflow_provider.hypersku import oauth
from airflow_provider.sandbox.hypersku import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_REDIRECT_URI,
    HyperSkuBackend,
    create_app,
)


@pytest.fixture
def backend() -> HyperSkuBackend:
    return HyperSkuBackend()


@pytest.fixture
def transport(backend: HyperSkuBackend) -> Iterator[AppTransport]:
    app_transport = AppTransport(create_app(backend))
    yield app_transport
    app_transport.shutdown()


def test_authorize_url_has_the_documented_parameters() -> None:
    url = oauth.authorize_url("app-1", "https://me.test/cb?x=1", "st8")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://app.hypersku.com/application/auth"
    assert parse_qs(parts.query) == {
        "clientId": ["app-1"],
        "scope": ["oms"],
        "redirectUri": ["https://me.test/cb?x=1"],
        "state": ["st8"],
    }


def test_code_from_a_pasted_redirect() -> None:
    assert oauth.code_from("https://me.test/cb?code=abc&state=s1", "s1") == "abc"
    assert oauth.code_from("  abc \n") == "abc"
    with pytest.raises(ValueError, match="state"):
        oauth.code_from("https://me.test/cb?code=abc&state=evil", "s1")


def test_exchange_code_sends_the_documented_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        data = {"accessToken": "at", "refreshToken": "rt", "expiresIn": 7200}
        return httpx.Response(200, json={"status": 200, "message": "success", "data": data, "rel": True})

    vo = oauth.exchange_code("c0de", "app", "secret", transport=httpx.MockTransport(handler))
    assert (vo.access_token, vo.refresh_token, vo.expires_in) == ("at", "rt", 7200)
    (request,) = seen
    assert str(request.url) == "https://api.hypersku.com/api/auth/admin/token/access_token"
    assert json.loads(request.content) == {"clientId": "app", "clientSecret": "secret", "code": "c0de"}


def test_exchange_errors_are_api_errors() -> None:
    refused = httpx.MockTransport(
        lambda r: httpx.Response(200, json={"status": 40131, "message": "Client invalid"})
    )
    with pytest.raises(ConfigurationError):
        oauth.exchange_code("c", "app", "bad", transport=refused)
    down = httpx.MockTransport(lambda r: httpx.Response(503))
    with pytest.raises(ApiError):
        oauth.exchange_code("c", "app", "s", transport=down)


def test_interactive_flow_against_the_sandbox(
    backend: HyperSkuBackend,
    transport: AppTransport,
    monkeypatch: pytest.MonkeyPatch,
    make_conn: Callable[..., str],
) -> None:
    monkeypatch.setenv(oauth.SECRET_ENV, SANDBOX_CLIENT_SECRET)
    out = io.StringIO()
    with httpx.Client(transport=transport, base_url="http://sandbox.test") as browser:

        class Stdin(io.StringIO):
            def readline(self, size: int | None = -1) -> str:
                # the user opens the printed URL; the sandbox approves and redirects with a code
                url = out.getvalue().splitlines()[1]
                page = browser.get(url.replace("https://app.hypersku.com", "http://sandbox.test"))
                return page.headers["location"] + "\n"

        code = oauth.main(
            [
                "--client-id",
                SANDBOX_CLIENT_ID,
                "--redirect-uri",
                SANDBOX_REDIRECT_URI,
                "--base-url",
                "http://sandbox.test",
            ],
            out=out,
            stdin=Stdin(),
            transport=transport,
        )
    assert code == 0
    lines = out.getvalue().splitlines()
    refresh_token = lines[lines.index(next(line for line in lines if line.startswith("Refresh token"))) + 1]
    snippet = json.loads(lines[-1])
    assert snippet["extra"]["refresh_token"] == refresh_token
    assert snippet["extra"]["auth_mode"] == "oauth2"
    assert SANDBOX_CLIENT_SECRET not in out.getvalue()
    # the printed refresh token works in a connection
    hook = sandbox_hook(
        make_conn,
        transport,
        login=None,
        password=None,
        extra={
            "auth_mode": "oauth2",
            "client_id": SANDBOX_CLIENT_ID,
            "client_secret": SANDBOX_CLIENT_SECRET,
            "refresh_token": refresh_token,
        },
    )
    assert len(hook.get_country_codes()) > 5
    assert backend.token_calls == 2  # the exchange, then the hook's refresh


def test_step_commands(
    capsys: pytest.CaptureFixture[str],
    transport: AppTransport,
    backend: HyperSkuBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert (
        oauth.main(["authorize-url", "--client-id", "app", "--redirect-uri", "https://me/cb", "--state", "S"])
        == 0
    )
    printed = capsys.readouterr().out
    assert "state=S" in printed
    assert "(state: S)" in printed
    monkeypatch.setenv(oauth.SECRET_ENV, SANDBOX_CLIENT_SECRET)
    code = backend.authorize()
    args = ["exchange", "--client-id", SANDBOX_CLIENT_ID, "--code", code, "--base-url", "http://sandbox.test"]
    assert oauth.main(args, transport=transport) == 0
    assert "Refresh token" in capsys.readouterr().out
    assert oauth.main(args, transport=transport) == 1  # a code works once
    assert "authorization code invalid" in capsys.readouterr().err
