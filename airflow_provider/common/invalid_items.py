"""
Invalid items as results: what a bulk operator reports for an item it did not send when it runs
with ``on_invalid="report"`` or ``"allow"`` (outcome ``invalid``, naming the order and fields).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Literal

from airflow_provider.common.results import ItemResult

#: what a bulk operator does with invalid items
OnInvalid = Literal["stop", "report", "allow"]
ON_INVALID_CHOICES: tuple[str, ...] = ("stop", "report", "allow")
#: what the default ``on_invalid="stop"`` says when it refuses a batch
STOP_HINT = (
    "\n(on_invalid='report' sends the valid items and reports these; 'allow' also lets the task succeed)"
)


def invalid_result(label: str, problems: Iterable[tuple[str, str]]) -> ItemResult:
    """The result of an item not sent: ``problems`` are ``(field, message)`` pairs."""
    listed = list(problems)
    return ItemResult(
        key=label,
        outcome="invalid",
        error={
            "kind": "invalid",
            "message": "; ".join(f"{field}: {message}" for field, message in listed) + "; not sent",
            "fields": list(dict.fromkeys(field for field, _ in listed)),
        },
    )


def results_by_order(problems: Iterable[tuple[str, str, str]]) -> dict[str, ItemResult]:
    """One ``invalid`` result per order named in ``(order, field, message)`` problems."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for order, field, message in problems:
        grouped.setdefault(order, []).append((field, message))
    return {order: invalid_result(order, listed) for order, listed in grouped.items()}


def split_elements(raw: Any) -> list[Any] | None:
    """The separate items of a list input (a list or a JSON list string), ``None`` for any
    other shape (it cannot be validated item by item)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    if isinstance(raw, list | tuple):
        return list(raw)
    return None


def check_on_invalid(value: str) -> str:
    if value not in ON_INVALID_CHOICES:
        raise ValueError(f"on_invalid must be one of {ON_INVALID_CHOICES}, not {value!r}")
    return value
