"""Airflow's own CLI discovers the provider and its hooks (the entry point, end to end)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def _airflow(*args: str) -> list[dict]:
    env = {**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    out = subprocess.run(
        [AIRFLOW, *args, "-o", "json"], capture_output=True, text=True, env=env, check=True, timeout=120
    )
    return json.loads(out.stdout[out.stdout.index("[") :])


def test_providers_list_and_hooks_show_the_package() -> None:
    providers = {p["package_name"]: p for p in _airflow("providers", "list")}
    assert "airflow-provider-fulfillment" in providers
    hooks = {
        h["connection_type"]: h
        for h in _airflow("providers", "hooks")
        if h["package_name"] == "airflow-provider-fulfillment"
    }
    assert {t: h["class"] for t, h in hooks.items()} == {
        "hypersku": "airflow_provider.hypersku.hooks.HyperSkuHook",
        "supership": "airflow_provider.supership.hooks.SuperShipHook",
        "chao8": "airflow_provider.chao8.hooks.Chao8Hook",
        "hishopping": "airflow_provider.hishopping.hooks.HiShoppingHook",
    }
    assert hooks["supership"]["conn_id_attribute_name"] == "supership_conn_id"
