"""
The HiShopping simulator's wire forms: the error answer, money, times and pages as its answers
write them, and the query values and bodies as it reads them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


class SandboxAnswer(Exception):
    """An error answer: ``{code, message}`` with HTTP ``http_status``."""

    def __init__(self, code: int, message: str, http_status: int = 200) -> None:
        self.code = code
        self.message = message
        self.http_status = http_status
        super().__init__(message)


def cents(value: Decimal) -> Decimal:
    """``value`` rounded to cents (half up), as every amount the simulator charges."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> str:
    """An amount as the answers write it: a string with two decimals."""
    return str(cents(value))


def iso(seconds: float) -> str:
    """Unix seconds as the answers write times: ISO 8601 in UTC with ``Z``."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def epoch(value: Any, name: str) -> float | None:
    """A time filter: Unix seconds (or milliseconds) or ISO-8601."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, int | float) or str(value).strip().lstrip("-").isdigit():
            seconds = float(value)
            return seconds / 1000 if seconds > 1e11 else seconds
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise SandboxAnswer(400, f"{name}: not a time", 400) from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def bounded_int(value: Any, name: str, default: int, low: int = 1, high: int = 1000) -> int:
    """An integer query value in ``[low, high]``; ``default`` when absent."""
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SandboxAnswer(400, f"{name}: not an integer", 400) from None
    if not low <= number <= high:
        raise SandboxAnswer(400, f"{name}: must be between {low} and {high}", 400)
    return number


def page_of(query: dict[str, Any]) -> tuple[int, int]:
    """``(page, page_size)`` of a list query (defaults 1 and 20, at most 500 a page)."""
    page = bounded_int(query.get("page"), "page", 1, 1, 1_000_000)
    size = bounded_int(query.get("page_size"), "page_size", 20, 1, 500)
    return page, size


def paged(rows: list[dict[str, Any]], page: int, size: int) -> dict[str, Any]:
    """One page of ``rows`` with the total, as the list answers carry it."""
    start = (page - 1) * size
    return {"list": rows[start : start + size], "total": len(rows), "page": page, "page_size": size}


def changes(body: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The fields of a create/update body; an unknown field is refused (400)."""
    if not isinstance(body, dict):
        raise SandboxAnswer(400, "the body must be a JSON object", 400)
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise SandboxAnswer(400, f"unknown fields: {', '.join(unknown)}", 400)
    return dict(body)
