"""
How the SuperShip simulator writes its answers and reads request fields.

Envelope: ``{"status": "Success", "message", "results"}`` or ``{"status": "Error", "message",
"errors"}`` with Laravel-style ``errors`` (``{field: [messages]}``); times in +07:00; phones
masked the way order info shows them (``094****350``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from airflow_provider.sandbox.kit import tz_offset

#: SuperShip's time zone
VN = tz_offset(7)
_PHONE = re.compile(r"^(0\d{9}|\+84\d{9})$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def success_answer(results: Any, message: str = "") -> dict[str, Any]:
    """A ``Success`` envelope."""
    return {"status": "Success", "message": message, "results": results}


def error_answer(message: str, errors: Any = None) -> dict[str, Any]:
    """An ``Error`` envelope (``errors`` defaults to the message)."""
    return {"status": "Error", "message": message, "errors": errors if errors is not None else message}


def first_error(errors: Mapping[str, list[str]], *, more: bool = False) -> str:
    """The first message of ``errors`` (with how many others follow when ``more``)."""
    first = next(iter(errors.values()))[0]
    others = sum(len(v) for v in errors.values()) - 1
    return f"{first} (và {others} lỗi khác)" if more and others else first


def text_of(value: Any) -> str:
    """A request field as stripped text (empty when missing)."""
    return "" if value is None else str(value).strip()


def whole_number(value: Any) -> int | None:
    """An int from an int or a digit string; ``None`` when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    return None


def valid_phone(phone: str) -> bool:
    """A Vietnamese phone number: 10 digits starting with 0, or +84 and 9 digits (separators ignored)."""
    return _PHONE.fullmatch(_PHONE_SEPARATORS.sub("", phone)) is not None


def mask_phone(phone: str) -> str:
    """The phone as order info shows it (``094****350``)."""
    digits = phone.replace("+84", "0")
    return f"{digits[:3]}****{digits[-3:]}" if len(digits) >= 7 else "****"


def iso_time(epoch: float) -> str:
    """Sandbox clock seconds as an ISO time in +07:00."""
    return datetime.fromtimestamp(epoch, VN).isoformat(timespec="seconds")
