"""
The field types every SuperShip schema is built from, and the base of its answer models.

Money is ``Decimal`` in answers (VND, whole numbers on the wire); requests send integers. Times
are timezone-aware: SuperShip answers in +07:00 and some answers (webhooks) carry no offset,
which is then taken as +07:00. Codes documented as strings (``"1"``) are accepted as ints.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from airflow_provider.common.models import ApiModel, to_decimal

#: SuperShip's time zone (Indochina Time)
VN_TZ = timezone(timedelta(hours=7))
#: 10 digits starting with 0, or +84 and 9 digits (separators removed first)
PHONE_PATTERN = re.compile(r"^(0\d{9}|\+84\d{9})$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def as_whole_number(value: Any) -> Any:
    """Integers as ints or digit strings ("220000", as SuperShip's own example sends them)."""
    if value is None:
        return value
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError("must be a whole number (VND or grams have no fractions)")
        return int(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number (VND or grams have no fractions)")
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        raise ValueError("must be a whole number (digits only)")
    return value


def as_code(value: Any) -> Any:
    """Codes documented as strings ("1") given as ints are accepted and sent as strings."""
    if isinstance(value, bool):
        raise ValueError("must be a code such as '1', not true/false")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _phone(value: Any) -> Any:
    if value is None:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"0{value}"  # a number loses its leading zero
    if not isinstance(value, str):
        raise ValueError("must be a phone number string")
    text = _PHONE_SEPARATORS.sub("", value)
    if not PHONE_PATTERN.fullmatch(text):
        digits = sum(ch.isdigit() for ch in text)
        raise ValueError(
            f"not a Vietnamese phone number ({digits} digits): 10 digits starting with 0, or +84 and 9 digits"
        )
    return text


def _money(value: Any) -> Any:
    if value is None or value == "":
        return None
    return to_decimal(value)


def _blank_none(value: Any) -> Any:
    return None if value == "" else value


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=VN_TZ)
    return value


def as_code_or_none(value: Any) -> Any:
    """:func:`as_code`, ``None`` kept."""
    return None if value is None else as_code(value)


#: a non-negative whole number (VND or grams); digit strings are accepted, ints are sent
WholeNumber = Annotated[int, BeforeValidator(as_whole_number), Field(ge=0)]
#: a code documented as a string ("1"); ints are accepted
CodeStr = Annotated[str, BeforeValidator(as_code)]
#: a Vietnamese phone number, separators removed
Phone = Annotated[str, BeforeValidator(_phone)]
#: money in an answer (VND)
Money = Annotated[Decimal | None, BeforeValidator(_money)]
#: a time in an answer; +07:00 when the answer gives no offset
VnDateTime = Annotated[datetime | None, BeforeValidator(_blank_none)]
#: an optional code ("1"); ints are accepted
OptionalCode = Annotated[str | None, BeforeValidator(as_code_or_none)]
#: a string that must not be empty
NonEmpty = Annotated[str, Field(min_length=1)]


class SuperShipAnswer(ApiModel):
    """Answer models: naive times are SuperShip local time (+07:00)."""

    @field_validator("*", mode="after")
    @classmethod
    def _localize(cls, value: Any) -> Any:
        return _aware(value) if isinstance(value, datetime) else value


def whole_vnd(value: Decimal | None) -> int | None:
    """VND amounts are whole numbers: ints in XCom."""
    return None if value is None else int(value)


def without_none(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without its ``None`` values (the compact XCom forms)."""
    return {key: value for key, value in data.items() if value is not None}
