"""
From HiShopping answers to models, and from filters to request fields: the parsers the call
descriptions of both APIs share (one object, one page, an optional object) and the paging rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from airflow_provider.common.errors import NotFoundError, ResponseError
from airflow_provider.common.models import Page, valid_items

M = TypeVar("M", bound=BaseModel)
#: a time filter: a datetime (naive = UTC), Unix seconds, or none
TimeArg = datetime | int | float | None

#: paged walks stop here whatever the server says (a server ignoring ``page`` would loop)
MAX_PAGES = 10_000
#: where a page object may keep its rows
LIST_KEYS = ("list", "items", "records", "rows", "data")


def unix_seconds(value: TimeArg) -> int | None:
    """Unix seconds from a tz-aware datetime (naive = UTC) or a number."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    return int(value)


def time_filter(
    page: int, page_size: int, status: str | None, start_time: TimeArg, end_time: TimeArg
) -> dict[str, Any]:
    """Paging and filters of the order and ledger lists (times as Unix seconds)."""
    return {
        "page": page,
        "page_size": page_size,
        "status": status,
        "start_time": unix_seconds(start_time),
        "end_time": unix_seconds(end_time),
    }


def last_page(page: Page[Any], seen: int) -> bool:
    """Whether ``page`` ends a walk: empty, or ``total`` reached, or (no total) a short page.

    ``total`` wins over a short page: a server may cap ``page_size`` below what was asked.
    """
    if not page.items:
        return True
    if page.total is not None:
        return seen >= page.total
    return len(page.items) < page.size


def one(platform: str, model: type[M], what: str) -> Callable[[Any], M]:
    """Parse one object; an empty answer means there is no such object (:class:`NotFoundError`)."""

    def parse(data: Any) -> M:
        if data is None or data == {} or data == []:
            raise NotFoundError(platform, f"{what}: no such object")
        return model.model_validate(data)

    return parse


def rows(platform: str, model: type[M], page: int, size: int) -> Callable[[Any], Page[M]]:
    """Parse one page: a list, or an object with the rows under a list key and ``total``."""

    def parse(data: Any) -> Page[M]:
        total: Any = None
        if isinstance(data, list):
            found: Any = data
        elif isinstance(data, Mapping):
            found = next((data[key] for key in LIST_KEYS if isinstance(data.get(key), list)), [])
            total = data.get("total", data.get("count"))
        elif data is None:
            found = []
        else:
            raise ResponseError(platform, f"a page should be a list or an object, got {type(data).__name__}")
        items = valid_items(model, found)
        return Page[model](  # type: ignore[valid-type]
            items=items, total=int(total) if total not in (None, "") else None, page=page, size=size
        )

    return parse


def maybe(model: type[M]) -> Callable[[Any], M | None]:
    """Parse an update's answer: the object, or ``None`` when the answer carries none."""

    def parse(data: Any) -> M | None:
        if not isinstance(data, Mapping) or not data:
            return None
        return model.model_validate(data)

    return parse


def nothing(_data: Any) -> None:
    """Parse an answer whose data does not matter."""
    return None
