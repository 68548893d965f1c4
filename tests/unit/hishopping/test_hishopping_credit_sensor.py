"""HiShoppingCreditSensor amounts: 0 means nothing to cover, negative amounts are errors."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider.hishopping.sensors import HiShoppingCreditSensor, parse_amount


def sensor(amount: Any, *, deferrable: bool) -> HiShoppingCreditSensor:
    made = HiShoppingCreditSensor(
        task_id="credit", amount=amount, deferrable=deferrable, poke_interval=0.01, timeout=1
    )
    made.__dict__["hook"] = mock.Mock(name="hook")  # the cached hook: any balance read is recorded
    return made


@pytest.mark.parametrize("amount", [0, "0", "0.00", " 0 "])
@pytest.mark.parametrize("deferrable", [False, True])
def test_zero_amount_is_done_at_the_first_poke_without_reading_the_balance(
    amount: Any, deferrable: bool
) -> None:
    waiting = sensor(amount, deferrable=deferrable)
    assert waiting.execute({}) == {"credit": "covered"}  # neither waits nor defers
    assert waiting.hook.mock_calls == []


def test_positive_amount_still_reads_the_balance() -> None:
    waiting = sensor("12.50", deferrable=False)
    waiting.hook.fetch_credit_status.return_value = {"credit": "covered"}
    assert waiting.execute({}) == {"credit": "covered"}
    waiting.hook.fetch_credit_status.assert_called_once_with(["credit"], amount="12.50", api="auto")


@pytest.mark.parametrize("amount", ["-0.01", -3, "abc", "NaN", "Infinity"])
def test_negative_or_non_numeric_amounts_fail(amount: Any) -> None:
    with pytest.raises(AirflowFailException, match="amount"):
        sensor(amount, deferrable=False).execute({})
    with pytest.raises(AirflowFailException):
        parse_amount(amount)
