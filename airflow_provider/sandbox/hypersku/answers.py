"""
How the HyperSKU simulator writes its answers and reads requests: AG-Admin envelopes (sent with
HTTP 200 whatever they say), times as +08:00 ``yyyy-MM-dd HH:mm:ss``, amounts to the cent, pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from airflow_provider.sandbox.kit import tz_offset

#: HyperSKU's time zone
CST = tz_offset(8)
#: how HyperSKU writes times
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_CENT = Decimal("0.01")

Envelope = dict[str, Any]


def ok(data: Any = None, message: str = "success") -> Envelope:
    """``ObjectRestResponse``."""
    return {"status": 200, "message": message, "data": data, "rel": True}


def table(rows: list[Any], total: int) -> Envelope:
    """``TableResultResponse``."""
    return {"status": 200, "message": "success", "data": {"total": total, "rows": rows}}


def fail(status: int, message: str) -> Envelope:
    """An error envelope (sent with HTTP 200)."""
    return {"status": status, "message": message, "rel": False}


class SandboxInputError(Exception):
    """A request the sandbox refuses with ``status`` 500 and this message."""


def required_text(body: Mapping[str, Any], key: str, what: str) -> str:
    """``body[key]`` as stripped text; :class:`SandboxInputError` names ``what`` + ``key`` when empty."""
    value = body.get(key)
    if value is None or not str(value).strip():
        raise SandboxInputError(f"{what}{key} is required")
    return str(value).strip()


def order_id_of(body: Any) -> str:
    """The ``orderId`` of a ``{orderId}`` body."""
    if not isinstance(body, dict):
        raise SandboxInputError("body must be {orderId}")
    return required_text(body, "orderId", "")


def money(value: Decimal) -> float:
    """An amount rounded to the cent, as the JSON number HyperSKU sends."""
    return float(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def format_time(ts: float) -> str:
    """Sandbox clock seconds as HyperSKU writes times."""
    return datetime.fromtimestamp(ts, CST).strftime(TIME_FORMAT)


def parse_time(value: Any, key: str) -> float | None:
    """A time filter (``yyyy-MM-dd HH:mm:ss`` in +08:00, or epoch seconds or milliseconds)."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value / 1000 if value > 1e11 else float(value)
    try:
        return datetime.strptime(str(value), TIME_FORMAT).replace(tzinfo=CST).timestamp()
    except ValueError as err:
        raise SandboxInputError(f"{key} must be yyyy-MM-dd HH:mm:ss") from err


def paging(body: Any) -> tuple[int, int]:
    """``(page, limit)`` of a paged request (defaults 1 and 10; at most 500 rows a page)."""
    body = body if isinstance(body, dict) else {}
    try:
        page, limit = int(body.get("page") or 1), int(body.get("limit") or 10)
    except (TypeError, ValueError) as err:
        raise SandboxInputError("page and limit must be integers") from err
    if page < 1 or limit < 1:
        raise SandboxInputError("page and limit must be positive")
    return page, min(limit, 500)


def page_of(rows: list[Any], page: int, limit: int) -> Envelope:
    """One page of ``rows`` as a ``TableResultResponse``."""
    return table(rows[(page - 1) * limit : page * limit], len(rows))
