"""docs/real-platform.md, held to what the doctor and the drifting sandbox really do."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider.common import drift
from airflow_provider.doctor import cli
from airflow_provider.hypersku.hooks import HyperSkuHook
from airflow_provider.sandbox import __main__ as sandbox_command
from airflow_provider.sandbox.cluster import SandboxCluster, start_cluster
from airflow_provider.sandbox.hypersku import SANDBOX_EXAMPLE_ORDER
from airflow_provider.sandbox.registry import load_simulator, simulated_platforms

pytestmark = pytest.mark.integration

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = (DOCS / "real-platform.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE, re.DOTALL)


@pytest.fixture(scope="module")
def drifting() -> Iterator[SandboxCluster]:
    cluster = start_cluster(platforms=["hypersku"])
    yield cluster
    cluster.stop()


@pytest.fixture
def live_output(drifting: SandboxCluster, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, Any]]:
    """The doctor's text and JSON output against the drifting HyperSKU sandbox, with orders in it."""
    for name, value in drifting.env().items():
        monkeypatch.setenv(name, value)
    drifting.set_drift(False)
    hook = HyperSkuHook()
    for n in range(4):
        hook.create_order({**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"PAGE-{n}"})
    hook.close()
    drifting.set_drift(True)
    try:
        _code, text = cli.run(["--conn-id", "hypersku_default"])
        _code, as_json = cli.run(["--conn-id", "hypersku_default", "--json"])
    finally:
        drifting.set_drift(False)
    return text, json.loads(as_json)


def test_every_command_on_the_page_is_a_valid_command_line() -> None:
    commands = [
        line for block in blocks("bash") for line in block.splitlines() if line.startswith("python -m")
    ]
    assert commands
    for command in commands:
        words = shlex.split(command.split("#")[0])
        module, args = words[2], words[3:]
        if module == "airflow_provider.doctor":
            cli.parse_args(args)
        else:
            assert module == "airflow_provider.sandbox"
            assert sandbox_command.parse_args(args).drift is True


def test_the_sample_rows_are_what_the_doctor_prints_on_the_drifting_sandbox(
    live_output: tuple[str, dict[str, Any]],
) -> None:
    text, _ = live_output
    (sample,) = blocks("text")
    for line in sample.splitlines()[1:]:
        if line.startswith("     "):  # a detail or fix line: printed verbatim
            assert line.rstrip() in text, line
            continue
        row = re.match(r" ([ *])(.+?)  +(\S+)", line)
        assert row, line
        mark, kind, operation = row.groups()
        pattern = rf"^ {re.escape(mark)}{re.escape(kind)}  +{re.escape(operation)}( |$)"
        assert re.search(pattern, text, re.MULTILINE), (line, text)


def test_the_pasted_json_is_the_fix_the_doctor_proposes(live_output: tuple[str, dict[str, Any]]) -> None:
    _, report = live_output
    (connection,) = report["connections"]
    fix = next(row["fix"] for row in connection["operations"] if row["operation"] == "getProductInfo")
    (pasted,) = blocks("json")
    assert json.loads(pasted) == {"endpoints": fix["endpoints"]}
    assert fix["verified"] is True


def test_every_kind_of_row_is_explained() -> None:
    table = PAGE.split("## What each row means")[1].split("###")[0]
    for kind in (*drift.KINDS, "not checked"):
        assert f"| `{kind}` |" in table, kind


def test_every_inferred_hypersku_path_is_listed() -> None:
    listed = PAGE.split("**HyperSKU**")[1].split("**SuperShip**")[0]
    for endpoint in HyperSkuHook.inferred_endpoints:
        assert f"`{endpoint}`" in listed, endpoint


def test_the_log_words_quoted_are_the_provider_s() -> None:
    quoted = drift.missing_message("hypersku", "create", ["orderBaseInfo.orderId"])
    assert quoted.removesuffix(" (required)") in PAGE
    assert drift.unknown_status(99) in PAGE
    assert f"{drift.FIELDS_DIFFER}: got and unknown: parcelCount (kept as it came)" in PAGE


def test_the_simulators_with_a_drift_plan_are_those_the_page_names() -> None:
    planned = {p.name for p in simulated_platforms() if load_simulator(p.name).backend.drift_plan is not None}
    assert planned == {"hypersku", "supership"}
    assert "HyperSKU's and SuperShip's simulators have drift plans" in PAGE


@pytest.mark.parametrize("page", ["hypersku.md", "supership.md", "chao8.md", "hishopping.md", "tutorial.md"])
def test_linked_from_the_platform_pages_and_the_tutorial(page: str) -> None:
    assert "(real-platform.md)" in (DOCS / page).read_text(encoding="utf-8")


def test_the_test_button_example_is_the_sandbox_s_answer() -> None:
    quoted = "the token call failed (auth refused): hypersku: User invalid: wrong username or password"
    assert quoted in " ".join(PAGE.split())  # asserted live in tests/integration/doctor
