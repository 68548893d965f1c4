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
    secrets = {  # proxy: a proxy URL can carry a password, and Airflow masks any "proxy" extra
        "hypersku": {"api_key", "client_secret", "refresh_token", "proxy"},
        "supership": {"client_secret", "partner_secret", "proxy"},
        "chao8": {"proxy"},
        "hishopping": {"secret_key", "sign_secret", "proxy"},
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
        "hypersku": {"auth_scheme": "auth_header_prefix", "session_ttl": "token_ttl"},
        "supership": {"partner_secret": "partner"},
        "chao8": {"session_ttl": "token_ttl"},
        "hishopping": {"sign_secret": "sign_key"},
    }


def test_the_hooks_read_the_renamed_extras_the_registry_declares() -> None:
    """One fact, two readers: the form (registry) and the hook (old names as read-only aliases)."""
    from airflow.sdk.module_loading import import_string

    for platform in platforms():
        hook_class = import_string(platform.hook_class)
        assert dict(hook_class.extra_aliases) == dict(platform.renamed_extras), platform.name
        for new, old in platform.renamed_extras.items():
            assert new in platform.conn_fields, (platform.name, new)
            assert old not in platform.conn_fields, (platform.name, old)


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


def test_version_has_one_source_and_the_provider_info_reports_it() -> None:
    import tomllib
    from importlib.metadata import version

    import airflow_provider

    project = tomllib.loads((Path(__file__).resolve().parents[3] / "pyproject.toml").read_text())["project"]
    assert "version" not in project
    assert "version" in project["dynamic"]
    assert get_provider_info()["versions"] == [airflow_provider.__version__]
    assert version("airflow-provider-fulfillment") == airflow_provider.__version__


def _import_under_airflow(airflow_version: str) -> subprocess.CompletedProcess[str]:
    """``import airflow_provider`` in a process whose (stand-in) Airflow has this version."""
    code = (
        "import sys, types\n"
        "airflow = types.ModuleType('airflow')\n"
        f"airflow.__version__ = {airflow_version!r}\n"
        "sys.modules['airflow'] = airflow\n"
        "import airflow_provider\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_an_airflow_older_than_the_minimum_is_refused() -> None:
    old = _import_under_airflow("3.2.1")
    assert old.returncode != 0
    assert "RuntimeError" in old.stderr
    assert "needs Apache Airflow 3.2.2 or newer; this is Airflow 3.2.1" in old.stderr
    for ok in ("3.2.2", "3.2.2rc1", "3.3.0.dev0", "4.0.0"):
        assert _import_under_airflow(ok).returncode == 0, ok


def test_importing_the_package_does_not_import_airflow() -> None:
    """The sandbox and scripts import the package without paying for Airflow."""
    code = "import sys, airflow_provider; print('airflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
