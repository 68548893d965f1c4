"""HiShopping account, merchant, app and key endpoints against the sandbox on loopback; their operators."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.errors import BadRequestError, ConfigurationError, NotFoundError
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.hishopping import envelope
from airflow_provider.hishopping.hooks import HiShoppingHook
from airflow_provider.hishopping.operators import (
    HiShoppingGetAppOperator,
    HiShoppingGetMerchantOperator,
    HiShoppingRotateKeysOperator,
    HiShoppingUpdateMerchantOperator,
)
from airflow_provider.sandbox import hishopping as sb

pytestmark = pytest.mark.integration

CONN = "hishopping_account"
NEW_CONN = "hishopping_account_new"
KEYS_VARIABLE = "hishopping_account_keys_secret"
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)
WEB = "/api/v1/web"


@pytest.fixture(autouse=True)
def conns(sandbox_conn: Callable[..., str], make_conn: Callable[..., str], url: str) -> None:
    sandbox_conn(CONN, keys_variable=KEYS_VARIABLE, retry_base_delay=0)
    make_conn(NEW_CONN, "hishopping", host=url, login=sb.SANDBOX_NEW_EMAIL, password=sb.SANDBOX_PASSWORD)


def make_hook(conn: str = CONN) -> HiShoppingHook:
    return HiShoppingHook(conn, token_store=MemoryTokenStore(), retry_policy=FAST)


@pytest.fixture
def hook() -> HiShoppingHook:
    return make_hook()


def raw_balance(url: str, secret_key: str, sign_key: str) -> int:
    """The code the sandbox answers an open API call sealed with these keys."""
    body = envelope.seal({}, app_id=sb.SANDBOX_APP_ID, secret_key=secret_key, sign_key=sign_key)
    return int(httpx.post(f"{url}/api/v1/open/credit/balance", json=body).json()["code"])


def login(url: str, email: str = sb.SANDBOX_EMAIL, password: str = sb.SANDBOX_PASSWORD, **more: Any) -> Any:
    return httpx.post(f"{url}{WEB}/login", json={"email": email, "password": password, **more}).json()


# ----------------------------------------------------------------------------- account
def test_logout_revokes_the_token_and_the_hook_logs_in_again(
    hook: HiShoppingHook, backend: sb.HiShoppingBackend, url: str
) -> None:
    hook.get_credit()
    token = hook.get_token()
    hook.logout()
    answer = httpx.get(f"{url}{WEB}/credit", headers={"Authorization": f"Bearer {token}"}).json()
    assert answer["code"] == 4001
    hook.get_credit()
    assert backend.token_calls == 2
    assert backend.requests[f"{WEB}/credit"] == 3  # no 4001 round trip: the token was forgotten


def test_captcha_login(hook: HiShoppingHook, url: str) -> None:
    captcha = hook.get_captcha()
    svg = base64.b64decode(str(captcha.image).split(",", 1)[1]).decode()
    text = re.search(r">(\w{4})</text>", svg)
    assert text is not None
    assert login(url, captcha_id=captcha.captcha_id, captcha="WRONG")["code"] == 400
    again = hook.get_captcha()  # one attempt per captcha
    text = re.search(r">(\w{4})</text>", base64.b64decode(str(again.image).split(",", 1)[1]).decode())
    assert text is not None
    assert login(url, captcha_id=again.captcha_id, captcha=text.group(1).lower())["code"] == 0


def test_change_password(hook: HiShoppingHook, url: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        hook.change_password("not-the-password", "a-new-password")
    assert raised.value.code == 3002
    hook.change_password(sb.SANDBOX_PASSWORD, "a-new-password")
    assert login(url)["code"] == 3002
    assert login(url, password="a-new-password")["code"] == 0
    hook.get_credit()  # the token it has still works


# ----------------------------------------------------------------------------- keys
def test_api_key_is_shown_masked_and_regenerated(hook: HiShoppingHook, url: str) -> None:
    masked = hook.get_api_key().api_key
    assert masked.startswith(sb.SANDBOX_SECRET_KEY[:4])
    assert masked.endswith(sb.SANDBOX_SECRET_KEY[-4:])
    assert sb.SANDBOX_SECRET_KEY not in masked
    new = hook.regenerate_api_key().api_key.get_secret_value()
    assert new != sb.SANDBOX_SECRET_KEY
    assert raw_balance(url, sb.SANDBOX_SECRET_KEY, sb.SANDBOX_SIGN_KEY) == 1005  # the old key is dead
    assert raw_balance(url, new, sb.SANDBOX_SIGN_KEY) == 0
    hook.get_credit_balance()  # the hook moved to the new key


def test_sign_key_is_regenerated(hook: HiShoppingHook, url: str) -> None:
    new = hook.regenerate_sign_key().sign_key.get_secret_value()
    assert raw_balance(url, sb.SANDBOX_SECRET_KEY, sb.SANDBOX_SIGN_KEY) == 1001
    assert raw_balance(url, sb.SANDBOX_SECRET_KEY, new) == 0
    hook.get_credit_balance()
    with pytest.raises(ConfigurationError) as raised:
        make_hook().get_credit_balance()  # a hook with the connection's old key only
    assert raised.value.code == 1001


def test_an_account_without_an_app_gets_1002() -> None:
    with pytest.raises(ConfigurationError) as raised:
        make_hook(NEW_CONN).get_app()
    assert raised.value.code == 1002


# ----------------------------------------------------------------------------- merchant and app
def test_merchant_profile_read_update_and_create(hook: HiShoppingHook) -> None:
    merchant = hook.get_merchant()
    assert merchant.merchant_name == sb.SANDBOX_MERCHANT["merchant_name"]
    updated = hook.update_merchant({"contact_name": "New Contact", "phone": "+1 555 0199"})
    assert (updated.contact_name, updated.phone) == ("New Contact", "+1 555 0199")
    assert hook.get_merchant().contact_name == "New Contact"
    with pytest.raises(BadRequestError) as raised:
        hook.create_merchant({"merchant_name": "Twice"})
    assert raised.value.code == 409

    new = make_hook(NEW_CONN)
    with pytest.raises(NotFoundError):
        new.get_merchant()
    created = new.create_merchant({"merchant_name": "Fresh Shop", "country": "DE"})
    assert created.merchant_id
    assert new.get_merchant().country == "DE"


def test_app_read_and_update(hook: HiShoppingHook) -> None:
    app = hook.get_app()
    assert (app.app_id, app.app_name, app.status) == (sb.SANDBOX_APP_ID, sb.SANDBOX_APP_NAME, "enabled")
    changed = hook.update_app({"callback_url": "https://shop.example/hook", "ip_whitelist": ["203.0.113.7"]})
    assert changed.callback_url == "https://shop.example/hook"
    assert hook.get_app().ip_whitelist == ["203.0.113.7"]


# ----------------------------------------------------------------------------- operators
def test_get_merchant_operator_pushes_no_contact_or_bank_data(task_context: Callable[..., Any]) -> None:
    result = HiShoppingGetMerchantOperator(task_id="m", hishopping_conn_id=CONN).execute(task_context())
    assert result["exists"] is True
    assert result["merchant_id"] == sb.SANDBOX_MERCHANT["merchant_id"]
    for private in ("bank_account", "phone", "address", "contact_name"):
        assert str(sb.SANDBOX_MERCHANT[private]) not in json.dumps(result)


def test_get_merchant_operator_without_a_profile(task_context: Callable[..., Any]) -> None:
    lenient = HiShoppingGetMerchantOperator(task_id="m", hishopping_conn_id=NEW_CONN, fail_if_missing=False)
    assert lenient.execute(task_context()) == {"exists": False}
    with pytest.raises(AirflowFailException, match="merchant profile not found"):
        HiShoppingGetMerchantOperator(task_id="m", hishopping_conn_id=NEW_CONN).execute(task_context())


def test_update_merchant_operator_sends_only_what_differs(
    backend: sb.HiShoppingBackend, task_context: Callable[..., Any]
) -> None:
    changes = {"contact_name": "Ops Team", "country": sb.SANDBOX_MERCHANT["country"]}
    op = HiShoppingUpdateMerchantOperator(task_id="u", hishopping_conn_id=CONN, changes=changes)
    first = op.execute(task_context())
    assert first["changed"] == ["contact_name"]
    assert first["created"] is False
    again = op.execute(task_context())
    assert again["changed"] == []
    assert backend.requests[f"{WEB}/merchant"] == 3  # GET, PUT, GET: the re-run sent no update
    assert "Ops Team" not in json.dumps(first)


def test_update_merchant_operator_bad_input_fails_before_any_request(
    backend: sb.HiShoppingBackend, task_context: Callable[..., Any]
) -> None:
    bad = HiShoppingUpdateMerchantOperator(
        task_id="u", hishopping_conn_id=CONN, changes={"phone": "1", "bank_acount": "x"}
    )
    with pytest.raises(AirflowFailException) as raised:
        bad.execute(task_context())
    assert "changes.phone" in str(raised.value)
    assert "changes.bank_acount" in str(raised.value)
    assert sum(backend.requests.values()) == 0
    with pytest.raises(AirflowSkipException):
        HiShoppingUpdateMerchantOperator(task_id="u", hishopping_conn_id=CONN, changes={}).execute(
            task_context()
        )


def test_update_merchant_operator_creates_a_missing_profile(task_context: Callable[..., Any]) -> None:
    changes = {"merchant_name": "Fresh Shop", "country": "DE"}
    strict = HiShoppingUpdateMerchantOperator(task_id="u", hishopping_conn_id=NEW_CONN, changes=changes)
    with pytest.raises(AirflowFailException):
        strict.execute(task_context())
    op = HiShoppingUpdateMerchantOperator(
        task_id="u", hishopping_conn_id=NEW_CONN, changes=changes, create_if_missing=True
    )
    result = op.execute(task_context())
    assert result["created"] is True
    assert result["changed"] == ["country", "merchant_name"]
    assert op.execute(task_context())["changed"] == []


def test_get_app_operator(task_context: Callable[..., Any]) -> None:
    result = HiShoppingGetAppOperator(task_id="a", hishopping_conn_id=CONN).execute(task_context())
    assert result["app_id"] == sb.SANDBOX_APP_ID
    assert result["matches_connection"] is True
    assert sb.SANDBOX_SECRET_KEY not in json.dumps(result)


# ----------------------------------------------------------------------------- key rotation
def stored(name: str = KEYS_VARIABLE) -> dict[str, str]:
    from airflow.models import Variable

    return dict(json.loads(Variable.get(name)))


@pytest.fixture
def keys_store(variables_store: None) -> Any:
    """The metadata DB's Variables, without this module's keys variable before and after."""
    from airflow.models import Variable

    Variable.delete(KEYS_VARIABLE)
    yield
    Variable.delete(KEYS_VARIABLE)


@pytest.mark.usefixtures("keys_store")
def test_rotate_keys_stores_both_and_the_connection_uses_them(
    backend: sb.HiShoppingBackend,
    url: str,
    task_context: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    op = HiShoppingRotateKeysOperator(task_id="rotate", hishopping_conn_id=CONN)
    result = op.execute(task_context())
    keys = stored()
    assert set(keys) == {"app_id", "secret_key", "sign_secret", "rotated_at"}
    app = backend.apps[sb.SANDBOX_APP_ID]
    assert (keys["secret_key"], keys["sign_secret"]) == (app["secret_key"], app["sign_key"])
    assert result["rotated"] == ["sign_secret", "secret_key"]
    assert result["verified"] is True
    assert result["connection_reads_it"] is True
    for secret in (keys["secret_key"], keys["sign_secret"]):
        assert secret not in json.dumps(result)
        assert secret not in caplog.text
    assert raw_balance(url, sb.SANDBOX_SECRET_KEY, sb.SANDBOX_SIGN_KEY) != 0  # the old keys are dead
    # A later task: its hook reads the Variable named by the connection and wins over the extras.
    assert make_hook().open_credentials()[1:] == (keys["secret_key"], keys["sign_secret"])
    make_hook().get_credit_balance()

    HiShoppingRotateKeysOperator(task_id="rotate", hishopping_conn_id=CONN, keys="sign_key").execute(
        task_context()
    )
    after = stored()
    assert after["secret_key"] == keys["secret_key"]  # merged: only the sign key changed
    assert after["sign_secret"] != keys["sign_secret"]


@pytest.mark.usefixtures("keys_store")
def test_rotate_keys_refuses_before_any_request(
    backend: sb.HiShoppingBackend, make_conn: Callable[..., str], url: str, task_context: Callable[..., Any]
) -> None:
    named = HiShoppingRotateKeysOperator(task_id="r", hishopping_conn_id=CONN, keys_variable="hs_keys")
    with pytest.raises(AirflowFailException, match="shown in clear"):
        named.execute(task_context())
    make_conn(
        "hs_other_app",
        "hishopping",
        host=url,
        login=sb.SANDBOX_EMAIL,
        password=sb.SANDBOX_PASSWORD,
        extra={"app_id": "someone_else", "keys_variable": KEYS_VARIABLE},
    )
    other = HiShoppingRotateKeysOperator(task_id="r", hishopping_conn_id="hs_other_app")
    with pytest.raises(AirflowFailException, match="nothing was rotated"):
        other.execute(task_context())
    assert backend.requests[f"{WEB}/app/cert"] == 0
    assert backend.requests[f"{WEB}/apikey"] == 0
    with pytest.raises(ValueError, match="unknown"):
        HiShoppingRotateKeysOperator(task_id="r", keys=["password"])


def test_rotate_keys_without_a_place_to_store_them_rotates_nothing(
    backend: sb.HiShoppingBackend, task_context: Callable[..., Any]
) -> None:
    op = HiShoppingRotateKeysOperator(task_id="r", hishopping_conn_id=CONN)  # tests: no Variables
    with pytest.raises(AirflowFailException, match="would be lost"):
        op.execute(task_context())
    assert sum(backend.requests.values()) == 0


@pytest.mark.usefixtures("keys_store")
def test_a_failed_write_fails_naming_the_key_but_never_quoting_it(
    monkeypatch: pytest.MonkeyPatch, task_context: Callable[..., Any]
) -> None:
    from airflow_provider.hishopping.keystore import KeyVariableStore

    def refuse(self: Any, key: str, value: str) -> None:
        raise RuntimeError(f"INSERT failed for value {value}")  # a DB error quoting its parameters

    monkeypatch.setattr(KeyVariableStore, "set", refuse)
    op = HiShoppingRotateKeysOperator(task_id="r", hishopping_conn_id=CONN, keys="sign_secret")
    with pytest.raises(AirflowFailException) as raised:
        op.execute(task_context())
    message = str(raised.value)
    assert "the new sign_secret was issued but could not be stored" in message
    assert "RuntimeError" in message
    assert "INSERT" not in message
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__ is True


@pytest.mark.usefixtures("keys_store")
def test_rotate_keys_to_a_variable_the_connection_does_not_name(task_context: Callable[..., Any]) -> None:
    other = "hishopping_account_other_secret"
    op = HiShoppingRotateKeysOperator(task_id="r", hishopping_conn_id=CONN, keys_variable=other, verify=False)
    try:
        result = op.execute(task_context())
        assert result["connection_reads_it"] is False
        assert result["keys_variable"] == other
        assert set(stored(other)) >= {"secret_key", "sign_secret"}
    finally:
        from airflow.models import Variable

        Variable.delete(other)


def test_rotate_nothing_skips(task_context: Callable[..., Any]) -> None:
    with pytest.raises(AirflowSkipException):
        HiShoppingRotateKeysOperator(task_id="r", hishopping_conn_id=CONN, keys=[]).execute(task_context())
