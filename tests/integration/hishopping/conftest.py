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
