"""HiShoppingHook, no sockets: the answer timestamp window, the account/app/key endpoints, key storage."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.errors import ConfigurationError, ResponseError
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.hishopping import envelope, keystore
from airflow_provider.hishopping.answers import TIMESTAMP_WINDOW
from airflow_provider.hishopping.hooks import HiShoppingHook

APP_ID = "app_unit"
SECRET = "unit-test-secret-key-0123456789a"
SIGN = "unit-sign-key"
NOW = 1_800_000_000.0
FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.01)


def ok(data: Any) -> httpx.Response:
    return httpx.Response(200, json={"code": 0, "message": "success", "data": data})


class Server:
    """A scripted HiShopping: ``answers[path]`` answers each request; every request is kept."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answers: dict[str, Callable[[httpx.Request], httpx.Response]] = {}
        self.sign_key = SIGN
        self.stamp = NOW

    def sealed(self, data: Any) -> httpx.Response:
        body = envelope.seal(
            data, app_id=APP_ID, secret_key=SECRET, sign_key=self.sign_key, timestamp=int(self.stamp)
        )
        return httpx.Response(200, json={"code": 0, "message": "success", **body})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/api/v1/web/login":
            return ok({"token": "unit-token"})  # not a JWT: the hook assumes 24 h
        answer = self.answers.get(request.url.path)
        if answer is None:
            return httpx.Response(404, json={"code": 404, "message": "no route"})
        return answer(request)

    def last(self, path: str) -> httpx.Request:
        return [r for r in self.requests if r.url.path == path][-1]


@pytest.fixture
def server() -> Server:
    return Server()


@pytest.fixture
def conn(make_conn: Callable[..., str]) -> str:
    return make_conn(
        "hs_account",
        "hishopping",
        host="https://hs.example",
        login="m@example.com",
        password="pw",
        extra={"app_id": APP_ID, "secret_key": SECRET, "sign_secret": SIGN},
    )


def reading_keys(make_conn: Callable[..., str], conn_id: str, variable: str) -> str:
    """A connection (open API keys only) whose extra ``keys_variable`` names ``variable``."""
    extra = {"app_id": APP_ID, "secret_key": SECRET, "sign_secret": SIGN, "keys_variable": variable}
    return make_conn(conn_id, "hishopping", host="https://hs.example", extra=extra)


def make_hook(conn: str, server: Server, clock: Callable[[], float] = lambda: NOW) -> HiShoppingHook:
    return HiShoppingHook(
        conn,
        transport=httpx.MockTransport(server),
        token_store=MemoryTokenStore(),
        retry_policy=FAST,
        clock=clock,
    )


@pytest.fixture
def hook(conn: str, server: Server) -> HiShoppingHook:
    return make_hook(conn, server)


def balance_answer(server: Server) -> None:
    server.answers["/api/v1/open/credit/balance"] = lambda r: server.sealed({"balance": "10.00"})


# ----------------------------------------------------------------------------- the answer's timestamp
def test_a_day_old_signed_answer_is_refused(hook: HiShoppingHook, server: Server) -> None:
    balance_answer(server)
    server.stamp = NOW - 86400  # a correctly signed answer, replayed a day later
    with pytest.raises(ResponseError) as raised:
        hook.get_credit_balance()
    message = str(raised.value)
    assert "86400 s in the past" in message
    assert "window" in message
    assert "clock" in message


def test_an_answer_signed_in_the_future_beyond_the_window_is_refused(
    hook: HiShoppingHook, server: Server
) -> None:
    balance_answer(server)
    server.stamp = NOW + TIMESTAMP_WINDOW + 1
    with pytest.raises(ResponseError, match="in the future"):
        hook.get_credit_balance()


@pytest.mark.parametrize("offset", [-TIMESTAMP_WINDOW, -240, 0, 240, TIMESTAMP_WINDOW])
def test_answers_inside_the_window_are_accepted(hook: HiShoppingHook, server: Server, offset: float) -> None:
    balance_answer(server)
    server.stamp = NOW + offset
    assert str(hook.get_credit_balance().balance) == "10.00"


def test_the_clock_also_stamps_the_request(hook: HiShoppingHook, server: Server) -> None:
    balance_answer(server)
    hook.get_credit_balance()
    assert json.loads(server.last("/api/v1/open/credit/balance").content)["timestamp"] == int(NOW)


def test_a_plain_error_answer_needs_no_timestamp(hook: HiShoppingHook, server: Server) -> None:
    server.answers["/api/v1/open/credit/balance"] = lambda r: httpx.Response(
        200, json={"code": 1001, "message": "invalid signature"}
    )
    with pytest.raises(ConfigurationError, match="invalid signature"):
        hook.get_credit_balance()


# ----------------------------------------------------------------------------- account and app
def test_captcha_is_read_without_a_token(hook: HiShoppingHook, server: Server) -> None:
    server.answers["/api/v1/web/captcha"] = lambda r: ok(
        {"captcha_id": "c1", "image": "data:image/png;base64,"}
    )
    captcha = hook.get_captcha()
    assert captcha.captcha_id == "c1"
    assert "authorization" not in server.last("/api/v1/web/captcha").headers
    assert not any(r.url.path == "/api/v1/web/login" for r in server.requests)


def test_change_password_is_validated_before_any_request(hook: HiShoppingHook, server: Server) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="new_password"):
        hook.change_password("pw", "short")
    assert server.requests == []


def test_change_password_sends_both_and_masks_them(hook: HiShoppingHook, server: Server) -> None:
    from airflow.sdk.log import redact

    server.answers["/api/v1/web/password"] = lambda r: ok(None)
    hook.change_password("old-password-1", "new-password-2")
    sent = server.last("/api/v1/web/password")
    assert sent.method == "PUT"
    assert json.loads(sent.content) == {"old_password": "old-password-1", "new_password": "new-password-2"}
    assert "new-password-2" not in str(redact("now new-password-2"))


def test_logout_forgets_the_token_so_the_next_call_logs_in_again(
    hook: HiShoppingHook, server: Server
) -> None:
    server.answers["/api/v1/web/logout"] = lambda r: ok(None)
    server.answers["/api/v1/web/credit"] = lambda r: ok({"balance": "1.00"})
    hook.get_credit()
    hook.logout()
    hook.get_credit()
    logins = [r for r in server.requests if r.url.path == "/api/v1/web/login"]
    assert len(logins) == 2
    assert server.last("/api/v1/web/logout").headers["authorization"].startswith("Bearer ")


def test_update_merchant_reads_back_when_the_answer_carries_no_profile(
    hook: HiShoppingHook, server: Server
) -> None:
    server.answers["/api/v1/web/merchant"] = lambda r: (
        ok(None) if r.method == "PUT" else ok({"merchant_id": 7, "merchant_name": "Shop", "phone": 5550100})
    )
    merchant = hook.update_merchant({"merchant_name": "Shop"})
    assert merchant.merchant_id == "7"
    assert merchant.phone == "5550100"
    assert [r.method for r in server.requests if r.url.path == "/api/v1/web/merchant"] == ["PUT", "GET"]


def test_merchant_request_refuses_unknown_fields_before_any_request(
    hook: HiShoppingHook, server: Server
) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="merchnat_name"):
        hook.update_merchant({"merchnat_name": "typo"})
    with pytest.raises(ValueError, match="merchant_name"):
        hook.create_merchant({"contact_name": "no name"})
    assert server.requests == []


def test_app_info_and_update(hook: HiShoppingHook, server: Server) -> None:
    app = {"app_id": APP_ID, "app_name": "Store", "status": "ENABLED", "ip_whitelist": "1.2.3.4, 5.6.7.8"}
    server.answers["/api/v1/web/app"] = lambda r: ok(
        app | json.loads(r.content) if r.method == "PUT" else app
    )
    info = hook.get_app()
    assert (info.app_id, info.status, info.ip_whitelist) == (APP_ID, "enabled", ["1.2.3.4", "5.6.7.8"])
    assert hook.update_app({"app_name": "Renamed"}).app_name == "Renamed"
    with pytest.raises(ValueError, match="callback_url"):
        hook.update_app({"callback_url": "ftp://nope"})


# ----------------------------------------------------------------------------- regenerated keys
def test_a_new_sign_key_is_masked_secret_and_used_by_the_next_open_call(
    hook: HiShoppingHook, server: Server
) -> None:
    from airflow.sdk.log import redact

    new = "brand-new-sign-key-0001"
    server.answers["/api/v1/web/app/cert"] = lambda r: ok({"app_id": APP_ID, "sign_key": new})
    result = hook.regenerate_sign_key()
    assert new not in repr(result)
    assert new not in str(result.model_dump())
    assert result.sign_key.get_secret_value() == new
    assert new not in str(redact(f"key {new}"))
    balance_answer(server)
    server.sign_key = new
    hook.get_credit_balance()
    sent = json.loads(server.last("/api/v1/open/credit/balance").content)
    assert envelope.verify(sent, new)
    assert not envelope.verify(sent, SIGN)


def test_a_new_api_key_becomes_the_secret_key(hook: HiShoppingHook, server: Server) -> None:
    new = "0123456789abcdef0123456789abcdef"
    server.answers["/api/v1/web/apikey"] = lambda r: ok({"api_key": new})
    assert hook.regenerate_api_key().api_key.get_secret_value() == new
    assert hook.open_credentials() == (APP_ID, new, SIGN)


def test_an_answer_without_the_new_key_is_a_response_error(hook: HiShoppingHook, server: Server) -> None:
    server.answers["/api/v1/web/apikey"] = lambda r: ok({"message": "done"})
    with pytest.raises(ResponseError, match="no new key"):
        hook.regenerate_api_key()


def test_stored_keys_win_over_the_connection(make_conn: Callable[..., str], server: Server) -> None:
    store = keystore.KeyVariableStore()  # process memory in unit tests
    keystore.write_stored_keys("hs_keys_secret", {"sign_secret": "stored-sign-key"}, store)
    reading_keys(make_conn, "hs_stored", "hs_keys_secret")
    hook = make_hook("hs_stored", server)
    assert hook.open_credentials() == (APP_ID, SECRET, "stored-sign-key")


def test_a_variable_that_is_not_a_key_object_is_ignored() -> None:
    store = keystore.KeyVariableStore()
    store.set("hs_bad_secret", "not json")
    assert keystore.read_stored_keys("hs_bad_secret", store) == {}


@pytest.mark.parametrize(
    ("name", "fine"),
    [("hishopping_keys_secret", True), ("HS_API_KEY_vault", True), ("hs_keys", False), ("", False)],
)
def test_the_variable_name_must_be_one_airflow_masks(name: str, fine: bool) -> None:
    assert (keystore.check_variable_name(name) is None) is fine


async def test_a_trigger_loads_the_stored_keys_off_the_event_loop(
    make_conn: Callable[..., str], server: Server
) -> None:
    keystore.write_stored_keys("hs_async_secret", {"app_id": APP_ID, "secret_key": "async-stored"})
    reading_keys(make_conn, "hs_async", "hs_async_secret")
    hook = make_hook("hs_async", server)
    await hook.aload_connection()
    assert "stored_keys" in hook.__dict__
    assert hook.open_credentials() == (APP_ID, "async-stored", SIGN)


def test_stored_keys_of_another_app_are_not_used(make_conn: Callable[..., str], server: Server) -> None:
    keystore.write_stored_keys("hs_other_secret", {"app_id": "another_app", "sign_secret": "theirs"})
    reading_keys(make_conn, "hs_other", "hs_other_secret")
    assert make_hook("hs_other", server).open_credentials() == (APP_ID, SECRET, SIGN)
