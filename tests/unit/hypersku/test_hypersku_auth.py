"""HyperSKU hook authentication (no sockets): password token, API key, OAuth2 refresh, rotation."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_provider.common.auth import MemoryTokenStore, Token, TokenManager
from airflow_provider.common.errors import AuthError, BadRequestError, ConfigurationError, ResponseError
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.hypersku.hooks import HyperSkuHook

TOKEN = "/api/auth/admin/token"
REFRESH = "/api/auth/admin/token/refresh_token"
COUNTRIES = "/api/customer/admin/logistics/getCountryCode"
STATUS = "/api/customer/admin/orders/status"
FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.01)


def jwt(exp: float | None, sub: str = "u") -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims: dict[str, Any] = {"sub": sub}
    if exp is not None:
        claims["exp"] = int(exp)
    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2ln"


class FakeHyperSku:
    """A HyperSKU written from the API notes: tokens, one business call, scripted token refusals."""

    def __init__(self, *, refuse_first: int = 0, token_status: int = 200, ttl: float | None = 7200) -> None:
        self.issued: list[str] = []
        self.refuse_first = refuse_first
        self.token_status = token_status
        self.ttl = ttl
        self.requests: list[httpx.Request] = []
        self.refresh_tokens = {"rt-conn": True}
        self.rotate = True

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == TOKEN:
            body = json.loads(request.content)
            if body != {"username": "alice", "password": "pw"}:
                return httpx.Response(200, json={"status": 40102, "message": "User invalid!"})
            token = jwt(time.time() + self.ttl if self.ttl else None, sub=f"t{len(self.issued)}")
            self.issued.append(token)
            return httpx.Response(
                200, json={"message": "success", "status": self.token_status, "token": token}
            )
        if path == REFRESH:
            body = json.loads(request.content)
            if body.get("clientId") != "app" or body.get("clientSecret") != "app-secret":
                return httpx.Response(200, json={"status": 40131, "message": "Client invalid"})
            if not self.refresh_tokens.pop(body.get("refreshToken"), False):
                return httpx.Response(200, json={"status": 40101, "message": "refresh token invalid"})
            token = jwt(time.time() + 3600, sub=f"o{len(self.issued)}")
            self.issued.append(token)
            new_refresh = f"rt-{len(self.issued)}" if self.rotate else body["refreshToken"]
            self.refresh_tokens[new_refresh] = True
            data = {"accessToken": token, "refreshToken": new_refresh, "expiresIn": 3600}
            return httpx.Response(200, json={"status": 200, "message": "success", "data": data, "rel": True})
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.issued or self.refuse_first > 0:
            self.refuse_first -= 1
            return httpx.Response(200, json={"status": 40101, "message": "Token invalid or expired"})
        return httpx.Response(
            200, json={"status": 200, "message": "success", "rel": True, "data": [{"countryCode": "VN"}]}
        )

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.url.path == path)


@pytest.fixture
def fake() -> FakeHyperSku:
    return FakeHyperSku()


def password_hook(
    make_conn: Callable[..., str],
    fake: FakeHyperSku,
    *,
    extra: dict[str, Any] | None = None,
    conn_id: str = "hypersku_default",
    store: MemoryTokenStore | None = None,
    password: str = "pw",
) -> HyperSkuHook:
    make_conn(
        conn_id, "hypersku", host="https://hs.test", login="alice", password=password, extra=extra or {}
    )
    return HyperSkuHook(
        conn_id,
        transport=httpx.MockTransport(fake.handler),
        token_store=store or MemoryTokenStore(),
        retry_policy=FAST,
    )


def oauth_hook(
    make_conn: Callable[..., str],
    fake: FakeHyperSku,
    *,
    store: MemoryTokenStore,
    conn_id: str = "hypersku_oauth",
    refresh_token: str = "rt-conn",
    client_secret: str = "app-secret",
) -> HyperSkuHook:
    extra = {
        "auth_mode": "oauth2",
        "client_id": "app",
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }
    make_conn(conn_id, "hypersku", host="https://hs.test", extra=extra)
    return HyperSkuHook(
        conn_id, transport=httpx.MockTransport(fake.handler), token_store=store, retry_policy=FAST
    )


# ----------------------------------------------------------------------------- password mode
def test_password_token_sent_once_and_reused_raw(make_conn: Callable[..., str], fake: FakeHyperSku) -> None:
    hook = password_hook(make_conn, fake)
    for _ in range(3):
        assert [c.country_code for c in hook.get_country_codes()] == ["VN"]
    assert fake.count(TOKEN) == 1
    token_call = fake.requests[0]
    assert token_call.method == "POST"
    assert json.loads(token_call.content) == {"username": "alice", "password": "pw"}
    assert "authorization" not in token_call.headers  # no api_key configured
    business = [r for r in fake.requests if r.url.path == COUNTRIES]
    assert {r.headers["authorization"] for r in business} == {fake.issued[0]}  # raw, no "Bearer "
    assert str(business[0].url) == "https://hs.test/api/customer/admin/logistics/getCountryCode"


def test_api_key_goes_on_the_token_call_only(make_conn: Callable[..., str], fake: FakeHyperSku) -> None:
    hook = password_hook(make_conn, fake, extra={"api_key": "KEY-123"})
    hook.get_country_codes()
    token_call, business = fake.requests
    assert token_call.headers["authorization"] == "KEY-123"
    assert business.headers["authorization"] == fake.issued[0]


def test_bearer_prefix_when_configured(make_conn: Callable[..., str], fake: FakeHyperSku) -> None:
    hook = password_hook(make_conn, fake, extra={"auth_scheme": "Bearer"})
    hook.get_country_codes()
    assert fake.requests[-1].headers["authorization"] == f"Bearer {fake.issued[0]}"


def test_token_expiry_comes_from_the_jwt_exp(make_conn: Callable[..., str]) -> None:
    fake = FakeHyperSku(ttl=600)
    hook = password_hook(make_conn, fake, extra={"session_ttl": 5})
    hook.get_token()
    token = hook.token_manager.cached()
    assert token is not None
    assert token.expires_at is not None
    assert abs(token.expires_at - (time.time() + 600)) < 5
    assert token.refresh_at is not None
    assert token.refresh_at < token.expires_at


@pytest.mark.parametrize(("extra", "ttl"), [({"session_ttl": 120}, 120), ({}, 3600)])
def test_token_ttl_extra_applies_without_jwt_exp(
    make_conn: Callable[..., str], extra: dict[str, Any], ttl: float
) -> None:
    fake = FakeHyperSku(ttl=None)
    hook = password_hook(make_conn, fake, extra=extra)
    hook.get_token()
    token = hook.token_manager.cached()
    assert token is not None
    assert token.expires_at is not None
    assert abs(token.expires_at - (time.time() + ttl)) < 5


def test_status_zero_token_answer_is_a_success(make_conn: Callable[..., str]) -> None:
    fake = FakeHyperSku(token_status=0)
    hook = password_hook(make_conn, fake)
    assert hook.get_token() == fake.issued[0]


def test_wrong_password_is_a_configuration_error(make_conn: Callable[..., str], fake: FakeHyperSku) -> None:
    hook = password_hook(make_conn, fake, password="wrong")
    with pytest.raises(ConfigurationError) as caught:
        hook.get_token()
    assert caught.value.code == 40102
    assert fake.count(TOKEN) == 1  # never retried


def test_token_answer_without_token_or_with_error_status(make_conn: Callable[..., str]) -> None:
    answers = iter(
        [
            {"status": 200, "message": "ok"},
            {"status": 500, "message": "API access not enabled", "token": "x"},
        ]
    )
    transport = httpx.MockTransport(lambda _r: httpx.Response(200, json=next(answers)))
    make_conn("hs_bad", "hypersku", host="https://hs.test", login="a", password="b")
    hook = HyperSkuHook("hs_bad", transport=transport, token_store=MemoryTokenStore(), retry_policy=FAST)
    with pytest.raises(ResponseError):
        hook.get_token()
    with pytest.raises(BadRequestError, match="API access not enabled"):
        hook.get_token()


def test_40101_refreshes_the_token_and_retries_once(make_conn: Callable[..., str]) -> None:
    fake = FakeHyperSku(refuse_first=1)
    hook = password_hook(make_conn, fake)
    assert hook.get_country_codes()[0].country_code == "VN"
    assert fake.count(TOKEN) == 2
    business = [r.headers["authorization"] for r in fake.requests if r.url.path == COUNTRIES]
    assert business == fake.issued  # first with the refused token, then with the new one


def test_a_second_40101_is_raised_not_looped(make_conn: Callable[..., str]) -> None:
    fake = FakeHyperSku(refuse_first=10)
    hook = password_hook(make_conn, fake)
    with pytest.raises(AuthError) as caught:
        hook.get_country_codes()
    assert caught.value.code == 40101
    assert fake.count(COUNTRIES) == 2
    assert fake.count(TOKEN) == 2


async def test_async_calls_refresh_on_40101_too(make_conn: Callable[..., str]) -> None:
    fake = FakeHyperSku(refuse_first=1)
    hook = password_hook(make_conn, fake)
    try:
        assert (await hook.aget_country_codes())[0].country_code == "VN"
    finally:
        await hook.aclose()
    assert fake.count(TOKEN) == 2


def test_token_is_shared_by_conn_ids_of_one_account(
    make_conn: Callable[..., str], fake: FakeHyperSku
) -> None:
    store = MemoryTokenStore()
    first = password_hook(make_conn, fake, conn_id="hs_a", store=store)
    second = password_hook(make_conn, fake, conn_id="hs_b", store=store)
    first.get_country_codes()
    TokenManager.clear_process_cache()  # another process: only the shared store is left
    second.get_country_codes()
    assert fake.count(TOKEN) == 1
    assert first.token_manager.key == second.token_manager.key
    assert "hs_a" not in first.token_manager.key
    assert "token" in first.token_manager.key


def test_test_connection_is_read_only(make_conn: Callable[..., str], fake: FakeHyperSku) -> None:
    store = MemoryTokenStore()
    hook = password_hook(make_conn, fake, store=store)
    ok, message = hook.test_connection()
    assert ok, message
    assert "1 destination countries" in message
    assert store._data == {}
    assert [r.url.path for r in fake.requests] == [TOKEN, COUNTRIES]


def test_test_connection_reports_bad_credentials(make_conn: Callable[..., str], fake: FakeHyperSku) -> None:
    hook = password_hook(make_conn, fake, password="nope")
    ok, message = hook.test_connection()
    assert not ok
    assert "40102" in message


def test_secrets_are_registered_for_log_masking(make_conn: Callable[..., str], fake: FakeHyperSku) -> None:
    from airflow.sdk.log import redact

    hook = password_hook(make_conn, fake, extra={"api_key": "api-key-secret-1"})
    hook.get_country_codes()
    text = f"pw=pw-is-short api=api-key-secret-1 token={fake.issued[0]}"
    redacted = str(redact(text))
    assert "api-key-secret-1" not in redacted
    assert fake.issued[0] not in redacted


def test_missing_credentials_fail_clearly(make_conn: Callable[..., str]) -> None:
    make_conn("hs_empty", "hypersku", host="https://hs.test")
    hook = HyperSkuHook("hs_empty", transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    with pytest.raises(ConfigurationError, match="login"):
        hook.get_token()
    make_conn("hs_mode", "hypersku", host="https://hs.test", extra={"auth_mode": "magic"})
    with pytest.raises(ConfigurationError, match="auth_mode"):
        HyperSkuHook("hs_mode").get_token()


# ----------------------------------------------------------------------------- OAuth2 mode
def test_oauth2_refresh_request_and_raw_access_token(
    make_conn: Callable[..., str], fake: FakeHyperSku
) -> None:
    hook = oauth_hook(make_conn, fake, store=MemoryTokenStore())
    hook.get_country_codes()
    refresh_call, business = fake.requests
    assert refresh_call.url.path == REFRESH
    assert json.loads(refresh_call.content) == {
        "clientId": "app",
        "clientSecret": "app-secret",
        "refreshToken": "rt-conn",
    }
    assert "authorization" not in refresh_call.headers
    assert business.headers["authorization"] == fake.issued[0]


def test_rotated_refresh_token_is_kept_in_the_store_and_preferred(
    make_conn: Callable[..., str], fake: FakeHyperSku
) -> None:
    store = MemoryTokenStore()
    hook = oauth_hook(make_conn, fake, store=store)
    hook.get_token()
    stored = Token.from_json(store.get(hook.token_manager.key))
    assert stored is not None
    assert stored.extra["refresh_token"] == "rt-1"
    # a later process: the access token has expired; the connection still holds "rt-conn"
    expired = Token(value=stored.value, fetched_at=stored.fetched_at, refresh_at=0, extra=stored.extra)
    store.set(hook.token_manager.key, expired.to_json())
    TokenManager.clear_process_cache()
    later = oauth_hook(make_conn, fake, store=store)
    later.get_token()
    bodies = [json.loads(r.content)["refreshToken"] for r in fake.requests if r.url.path == REFRESH]
    assert bodies == ["rt-conn", "rt-1"]  # the rotated copy, not the connection's spent one
    newest = Token.from_json(store.get(hook.token_manager.key))
    assert newest is not None
    assert newest.extra["refresh_token"] == "rt-2"


def test_refused_stored_refresh_token_falls_back_to_the_connection_copy(
    make_conn: Callable[..., str], fake: FakeHyperSku
) -> None:
    store = MemoryTokenStore()
    hook = oauth_hook(make_conn, fake, store=store)
    stale = Token(value="old", refresh_at=0, extra={"refresh_token": "rt-revoked"})
    store.set(hook.token_manager.key, stale.to_json())
    assert hook.get_token() == fake.issued[0]
    bodies = [json.loads(r.content)["refreshToken"] for r in fake.requests if r.url.path == REFRESH]
    assert bodies == ["rt-revoked", "rt-conn"]


def test_every_refresh_token_refused_asks_to_authorise_again(
    make_conn: Callable[..., str], fake: FakeHyperSku
) -> None:
    hook = oauth_hook(make_conn, fake, store=MemoryTokenStore(), refresh_token="rt-unknown")
    with pytest.raises(ConfigurationError, match=r"airflow_provider\.hypersku\.oauth"):
        hook.get_token()


def test_wrong_client_secret_is_a_configuration_error(
    make_conn: Callable[..., str], fake: FakeHyperSku
) -> None:
    hook = oauth_hook(make_conn, fake, store=MemoryTokenStore(), client_secret="bad")
    with pytest.raises(ConfigurationError) as caught:
        hook.get_token()
    assert caught.value.code == 40131
    assert fake.count(REFRESH) == 1


def test_oauth2_token_key_follows_client_and_connection_refresh_token(
    make_conn: Callable[..., str], fake: FakeHyperSku
) -> None:
    store = MemoryTokenStore()
    a = oauth_hook(make_conn, fake, store=store, conn_id="hs_o1")
    b = oauth_hook(make_conn, fake, store=store, conn_id="hs_o2")
    c = oauth_hook(make_conn, fake, store=store, conn_id="hs_o3", refresh_token="rt-other-user")
    assert a.token_manager.key == b.token_manager.key
    assert a.token_manager.key != c.token_manager.key


def test_oauth2_test_connection_keeps_the_rotated_refresh_token(
    make_conn: Callable[..., str], fake: FakeHyperSku
) -> None:
    store = MemoryTokenStore()
    hook = oauth_hook(make_conn, fake, store=store)
    ok, message = hook.test_connection()
    assert ok, message
    stored = Token.from_json(store.get(hook.token_manager.key))
    assert stored is not None
    assert stored.extra["refresh_token"] == "rt-1"


def test_oauth2_needs_client_and_refresh_token(make_conn: Callable[..., str]) -> None:
    make_conn("hs_o", "hypersku", host="https://hs.test", extra={"auth_mode": "oauth2", "client_id": "app"})
    with pytest.raises(ConfigurationError, match="client_secret"):
        HyperSkuHook("hs_o", token_store=MemoryTokenStore()).get_token()
    make_conn(
        "hs_o2",
        "hypersku",
        host="https://hs.test",
        extra={"auth_mode": "oauth2", "client_id": "app", "client_secret": "s"},
    )
    with pytest.raises(ConfigurationError, match="refresh_token"):
        HyperSkuHook("hs_o2", token_store=MemoryTokenStore()).get_token()
