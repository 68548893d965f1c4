"""The package as Airflow sees it: entry point, provider info, cheap imports."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import airflow

from airflow_provider.get_provider_info import get_provider_info
from airflow_provider.platforms import platform_names, platforms


def test_entry_point_returns_valid_provider_info() -> None:
    (entry,) = [
        e for e in entry_points(group="apache_airflow_provider") if e.value.startswith("airflow_provider")
    ]
    info = entry.load()()
    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    import jsonschema

    jsonschema.validate(info, schema)
    assert info["package-name"] == "airflow-provider-fulfillment"


def test_four_connection_types_with_declarative_forms_and_hidden_secrets() -> None:
    types = {c["connection-type"]: c for c in get_provider_info()["connection-types"]}
    assert set(types) == set(platform_names()) == {"hypersku", "supership", "chao8", "hishopping"}
    secrets = {
        "hypersku": {"api_key", "client_secret", "refresh_token"},
        "supership": {"client_secret", "partner_secret"},
        "chao8": set(),
        "hishopping": {"secret_key", "sign_secret"},
    }
    for conn_type, conn in types.items():
        fields = conn["conn-fields"]
        hidden = {name for name, f in fields.items() if f["schema"].get("format") == "password"}
        assert hidden == secrets[conn_type], conn_type
        assert {"timeout", "max_concurrency", "verify", "endpoints"} <= set(fields)
        module = conn["hook-class-name"].rpartition(".")[0]
        assert module == f"airflow_provider.{conn_type}.hooks"


def test_every_secret_extra_has_a_name_airflow_masks() -> None:
    """Masking, the REST API and the edit form go by name, not by ``format: password``."""
    try:
        from airflow.sdk._shared.secrets_masker.secrets_masker import should_hide_value_for_key
    except ImportError:  # older Airflow 3 releases
        from airflow.sdk.execution_time.secrets_masker import should_hide_value_for_key

    for platform in platforms():
        for name in platform.secret_fields:
            assert should_hide_value_for_key(name), (platform.name, name)
    renamed = {p.name: dict(p.renamed_extras) for p in platforms() if p.renamed_extras}
    assert renamed == {
        "hypersku": {"token_prefix": "auth_header_prefix"},
        "supership": {"partner_secret": "partner"},
        "hishopping": {"sign_secret": "sign_key"},
    }


def test_operator_and_sensor_modules_import_no_heavy_modules() -> None:
    """DAG parsing pays every module-level import: keep hooks, httpx clients, fastapi out."""
    root = Path(__file__).resolve().parents[3]
    modules = [
        p.module(kind)
        for p in platforms()
        for kind in p.modules
        if (root / Path(*p.module(kind).split("."))).with_suffix(".py").exists()
    ]
    code = (
        "import sys, airflow.sdk\n"
        "before = set(sys.modules)\n"
        "import airflow_provider, airflow_provider.get_provider_info, airflow_provider.platforms\n"
        + "".join(f"import {m}\n" for m in modules)
        + "new = set(sys.modules) - before\n"
        "heavy = sorted(m for m in new if m.split('.')[0] in ('fastapi', 'uvicorn', 'requests', 'cryptography')"
        " or m.startswith('airflow.providers.http') or m.endswith('.hooks') or m.startswith('airflow_provider.sandbox'))\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
