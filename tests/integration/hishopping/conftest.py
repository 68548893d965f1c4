"""The HiShopping integration tests' sandbox: a fresh backend (no random cancels or failures) on loopback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider.sandbox import hishopping as sb


@pytest.fixture
def backend() -> sb.HiShoppingBackend:
    return sb.HiShoppingBackend(cancel_rate=0, fail_rate=0)


@pytest.fixture
def url(backend: sb.HiShoppingBackend, serve_app: Callable[[Any], str]) -> str:
    return serve_app(sb.create_app(backend))


@pytest.fixture
def sandbox_conn(make_conn: Callable[..., str], url: str) -> Callable[..., str]:
    """``sandbox_conn(conn_id, **extra)``: a connection to this sandbox as the main account with
    the first app's keys (``extra`` adds or replaces extras)."""

    def factory(conn_id: str, **extra: Any) -> str:
        keys = {
            "app_id": sb.SANDBOX_APP_ID,
            "secret_key": sb.SANDBOX_SECRET_KEY,
            "sign_secret": sb.SANDBOX_SIGN_KEY,
        }
        return make_conn(
            conn_id,
            "hishopping",
            host=url,
            login=sb.SANDBOX_EMAIL,
            password=sb.SANDBOX_PASSWORD,
            extra=keys | extra,
        )

    return factory
