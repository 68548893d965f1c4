"""Every claim of docs/airflow3.md that code can check: datasets, refused URIs, default outlets,
the event's extra, the example's code and the retry table."""

from __future__ import annotations

import importlib
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from airflow.sdk import DAG, Asset

from airflow_provider.common.assets import AssetUriError, event_extra
from airflow_provider.common.results import BulkReport, ItemResult
from airflow_provider.platforms import get_platform, platforms

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "airflow3.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = PAGE.index(f"## {title}")
    end = PAGE.find("\n## ", start + 1)
    return PAGE[start : end if end > 0 else None]


def table_rows(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_the_dataset_table_is_the_registry() -> None:
    rows = [row for row in table_rows(section("Assets and their URIs")) if len(row) == 3]
    listed = {row[1].strip("`"): re.findall(r"`([^`]+)`", row[2]) for row in rows}
    assert listed == {p.conn_type: list(p.asset_datasets) for p in platforms()}


def test_the_uris_written_by_hand_are_valid() -> None:
    (block, *_) = code_blocks(section("Assets and their URIs"), "python")
    namespace: dict[str, object] = {}
    exec(block, namespace)
    assert namespace["SUPPLIER_ORDERS"] == Asset("hypersku://hypersku_default/orders")


def test_each_refused_uri_names_what_the_page_says() -> None:
    rows = [
        row
        for row in table_rows(section("Assets and their URIs"))
        if row[0].startswith("`") and "://" in row[0]
    ]
    refused = [row for row in rows if len(row) == 2]
    assert len(refused) == 4
    for written, says in refused:
        with pytest.raises(AssetUriError) as raised:
            Asset(written.strip("`"))
        assert says.strip("`") in str(raised.value)


def _operator(name: str) -> type:
    for platform in platforms():
        module = importlib.import_module(platform.module("operators"))
        if hasattr(module, name):
            return getattr(module, name)  # type: ignore[no-any-return]
    raise AssertionError(f"no operator {name}")


def test_the_default_outlet_table_is_what_the_operators_declare() -> None:
    rows = table_rows(section("Default outlets and the event's extra").split("Pass `outlets=")[0])
    checked = 0
    for operators, outlet in rows:
        ((scheme, dataset),) = re.findall(r"`(\w+)://<conn id>/([\w-]+)`", outlet)
        for name in re.findall(r"`(\w+Operator)`", operators):
            cls = _operator(name)
            assert cls.registry_key == scheme, name
            assert cls.asset_changes == (dataset,), (name, cls.asset_changes)
            checked += 1
    assert checked >= 12


def test_the_extra_has_the_keys_the_page_shows() -> None:
    (shown,) = code_blocks(section("Default outlets and the event's extra"), "json")
    report = BulkReport(results=[ItemResult(key="DTD-2001", outcome="created", id="HS1001")])
    assert set(json.loads(shown)) == set(event_extra(report))


def test_the_example_is_the_dag_file() -> None:
    (shown,) = code_blocks(section("Default outlets and the event's extra"), "python")
    dag_file = (REPO / "dags" / "supplier_orders_to_parcels.py").read_text(encoding="utf-8")
    for line in shown.splitlines():
        if line.strip() and "..." not in line:
            assert line in dag_file, line


def test_the_alias_named_on_the_page_is_the_exports_alias() -> None:
    from airflow_provider.chao8.constants import REPORT_NAMES
    from airflow_provider.chao8.operators import Chao8ExportReportOperator

    with DAG("page_alias", schedule=None, start_date=datetime(2026, 1, 1)):
        export = Chao8ExportReportOperator(task_id="e", report=sorted(REPORT_NAMES)[0], output_path="/tmp/x")
    (alias,) = export.outlets
    assert f'AssetAlias("{alias.name}")' in PAGE


def test_the_retry_table_names_the_policys_errors() -> None:
    from airflow_provider.common.retry_policy import FAIL_AT_ONCE

    (failing, waiting, _) = table_rows(section("Retry policy"))
    assert set(re.findall(r"`(\w+)`", failing[0])) == {path.rsplit(".", 1)[1] for path in FAIL_AT_ONCE}
    assert "`RateLimitError`" in waiting[0]


def test_the_account_is_the_connection_id() -> None:
    assert get_platform("hypersku").default_conn_id == "hypersku_default"
    assert "**The account is the Airflow connection id**" in PAGE
