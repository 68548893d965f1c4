"""docs/privacy.md says what the code does: its example error, its defaults, the tests it names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "privacy.md"


@pytest.fixture(scope="module")
def page() -> str:
    """The page's text, its line breaks (wrapped prose) read as spaces."""
    return " ".join(PAGE.read_text(encoding="utf-8").split())


def test_the_input_error_shown_is_the_operators_and_holds_no_value(page: str) -> None:
    from airflow_provider.common.models import InputError
    from airflow_provider.sandbox.supership.seed import sample_order
    from airflow_provider.supership.operators import SuperShipCreateOrdersOperator

    shown = re.search(r"`(order FF-1002: phone: [^`]+)`", page)
    assert shown is not None
    order = sample_order("FF-1002", 1)
    order["phone"] = "091234567"  # nine digits
    with pytest.raises(InputError) as refused:
        SuperShipCreateOrdersOperator(task_id="c", orders=[order]).validate_items([order])
    assert shown.group(1) in str(refused.value)
    assert "091234567" not in str(refused.value)


def test_the_hand_over_default_folder_is_the_one_documented(
    page: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from airflow_provider.common.handover import default_folder

    assert "`$AIRFLOW_HOME/fulfillment/handover`" in page
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    assert default_folder() == str(tmp_path / "fulfillment" / "handover")


def test_the_tests_it_names_exist(page: str) -> None:
    named = re.findall(r"`(tests/[\w/.]+\.py)`", page)
    assert len(named) >= 3
    for path in named:
        assert (REPO / path).is_file(), path


def test_the_rendered_field_setting_it_names_is_airflows(page: str) -> None:
    from airflow.configuration import conf

    assert "`[core] max_templated_field_length`" in page
    assert conf.getint("core", "max_templated_field_length") > 0
