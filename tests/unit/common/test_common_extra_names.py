"""Connection extras as Airflow masks them: by NAME, so names and secrets must agree.

Airflow hides an extra in the UI's edit form, the REST API and logs when its name contains a
sensitive word (``should_hide_value_for_key``); ``format: password`` only makes the input a
password box. A secret named otherwise is shown in clear; a setting named like a secret has its
default shown as ``***`` and saved as ``***`` by the form. Renamed extras keep their old names
as deprecated aliases, so connections saved before the rename keep working.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider.common import hooks as common_hooks
from airflow_provider.get_provider_info import get_provider_info


def _should_hide() -> Callable[[str], bool]:
    """Airflow's own check, wherever this Airflow version keeps it."""
    for module in (
        "airflow._shared.secrets_masker",  # what the API server uses (3.3)
        "airflow.sdk._shared.secrets_masker",
        "airflow.sdk.execution_time.secrets_masker",
        "airflow.utils.log.secrets_masker",
    ):
        try:
            return importlib.import_module(module).should_hide_value_for_key  # type: ignore[no-any-return]
        except (ImportError, AttributeError):
            continue
    raise AssertionError("no should_hide_value_for_key in this Airflow")


def _fields() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (conn["connection-type"], name, field)
        for conn in get_provider_info()["connection-types"]
        for name, field in conn["conn-fields"].items()
    ]


def _hook_class(conn_type: str) -> type[common_hooks.ApiHook]:
    (conn,) = [c for c in get_provider_info()["connection-types"] if c["connection-type"] == conn_type]
    module, _, name = conn["hook-class-name"].rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("conn_type", "name", "field"), _fields(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_each_conn_field_is_masked_by_airflow_exactly_when_it_is_a_secret(
    conn_type: str, name: str, field: dict[str, Any]
) -> None:
    should_hide = _should_hide()
    assert should_hide("password")  # the check is live in this configuration
    secret = field["schema"].get("format") == "password"
    assert should_hide(name) == secret, (
        f"{conn_type}.{name}: format password={secret} but Airflow masks it={should_hide(name)}"
    )


@pytest.mark.parametrize("conn_type", ["hypersku", "supership", "chao8", "hishopping"])
def test_hook_registers_every_secret_field_and_its_old_name_with_log_masking(conn_type: str) -> None:
    hook = _hook_class(conn_type)
    masked = set(hook.secret_extras) | set(common_hooks.COMMON_SECRET_EXTRAS)
    secrets = {name for t, name, f in _fields() if t == conn_type and f["schema"].get("format") == "password"}
    assert secrets <= masked
    for new, old in hook.extra_aliases.items():
        assert (new in masked) == (old in masked), f"{new} and its old name {old} are masked alike"
        assert (new in secrets) == _should_hide()(new)


def _conn(make_conn: Callable[..., str], conn_type: str, extra: dict[str, Any], **kwargs: Any) -> str:
    return make_conn(f"{conn_type}_names", conn_type, host="https://api.example.test", extra=extra, **kwargs)


def test_hypersku_old_auth_header_prefix_still_works_with_a_deprecation_warning(
    make_conn: Callable[..., str],
) -> None:
    from airflow_provider.hypersku.hooks import HyperSkuHook

    hook = HyperSkuHook(_conn(make_conn, "hypersku", {"auth_header_prefix": "Bearer", "token_ttl": 60}))
    with pytest.warns(DeprecationWarning, match="auth_header_prefix"):
        assert hook.auth_headers("tok") == {"Authorization": "Bearer tok"}
    assert hook.extra["session_ttl"] == 60


def test_hypersku_prefix_saved_as_airflows_mask_is_ignored(make_conn: Callable[..., str]) -> None:
    """The bug: the form showed the default '' as *** and saved it; the hook sent '*** <token>'."""
    from airflow_provider.hypersku.hooks import HyperSkuHook

    hook = HyperSkuHook(_conn(make_conn, "hypersku", {"auth_header_prefix": "***"}))
    with pytest.warns(DeprecationWarning, match="mask"):
        assert hook.auth_headers("tok") == {"Authorization": "tok"}


def test_hypersku_new_name_wins_over_the_old_one(make_conn: Callable[..., str]) -> None:
    from airflow_provider.hypersku.hooks import HyperSkuHook

    hook = HyperSkuHook(_conn(make_conn, "hypersku", {"auth_scheme": "", "auth_header_prefix": "Bearer"}))
    with pytest.warns(DeprecationWarning, match="ignored"):
        assert hook.auth_headers("tok") == {"Authorization": "tok"}


def test_new_names_give_no_warning(make_conn: Callable[..., str], recwarn: pytest.WarningsRecorder) -> None:
    from airflow_provider.hypersku.hooks import HyperSkuHook

    hook = HyperSkuHook(_conn(make_conn, "hypersku", {"auth_scheme": "Bearer", "session_ttl": 60}))
    assert hook.auth_headers("tok") == {"Authorization": "Bearer tok"}
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]


def test_supership_old_partner_still_works_and_is_masked(
    make_conn: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider.supership.hooks import SuperShipHook

    masked: list[str] = []
    monkeypatch.setattr(common_hooks, "mask", masked.append)
    extra = {"auth_mode": "password", "client_id": "CID", "client_secret": "CSECRET", "partner": "PARTNER-9"}
    hook = SuperShipHook(_conn(make_conn, "supership", extra, login="a@b.vn", password="pw-123456"))
    with pytest.warns(DeprecationWarning, match="'partner' is deprecated; rename it to 'partner_secret'"):
        assert hook.login_request().partner == "PARTNER-9"
    assert "PARTNER-9" in masked
    assert "CSECRET" in masked


def test_hishopping_old_sign_key_still_works_and_is_masked(
    make_conn: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider.hishopping.hooks import HiShoppingHook

    masked: list[str] = []
    monkeypatch.setattr(common_hooks, "mask", masked.append)
    extra = {"app_id": "APP", "secret_key": "k" * 32, "sign_key": "SIGN-OLD-1"}
    hook = HiShoppingHook(_conn(make_conn, "hishopping", extra))
    with pytest.warns(DeprecationWarning, match="sign_key"):
        assert hook.open_credentials() == ("APP", "k" * 32, "SIGN-OLD-1")
    assert hook.has_open_credentials
    assert "SIGN-OLD-1" in masked


def test_chao8_old_token_ttl_still_works(make_conn: Callable[..., str]) -> None:
    from airflow_provider.chao8.hooks import Chao8Hook

    hook = Chao8Hook(_conn(make_conn, "chao8", {"token_ttl": 120}, login="ak", password="app-secret"))
    with pytest.warns(DeprecationWarning, match="token_ttl"):
        assert hook.extra["session_ttl"] == 120


def test_proxy_url_is_masked_in_logs(make_conn: Callable[..., str], monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider.chao8.hooks import Chao8Hook

    masked: list[str] = []
    monkeypatch.setattr(common_hooks, "mask", masked.append)
    proxy = "http://user:proxy-pass@proxy:3128"
    hook = Chao8Hook(_conn(make_conn, "chao8", {"proxy": proxy}, login="ak", password="app-secret"))
    assert hook.settings.proxy == proxy
    assert proxy in masked


async def test_async_load_resolves_old_names_and_masks_them(
    make_conn: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider.hishopping.hooks import HiShoppingHook

    masked: list[str] = []

    async def amask(value: str) -> None:
        masked.append(value)

    monkeypatch.setattr(common_hooks, "amask", amask)
    extra = {"app_id": "APP", "secret_key": "k" * 32, "sign_key": "SIGN-OLD-2"}
    hook = HiShoppingHook(_conn(make_conn, "hishopping", extra))
    with pytest.warns(DeprecationWarning, match="sign_key"):
        await hook.aload_connection()
    assert hook.open_credentials()[2] == "SIGN-OLD-2"
    assert "SIGN-OLD-2" in masked
