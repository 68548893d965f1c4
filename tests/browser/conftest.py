"""Browser tests: headless Chromium against a real ``airflow api-server`` and the sandbox."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives headless Chromium against a real Airflow api-server and the sandbox"
    )
