"""
What the 超8 resource modules share to describe a call: request bodies and the answer readers.

Bodies are the caller's model or its vendor-spelled dict; answers come as a list (bare or
wrapped as ``{list: [...]}``), a page ``{total, pageNum, pageSize, list}``, a count (bare or
``{total | count}``) or a create answer that may carry only an id. Query times are sent in
Beijing time (dates mean midnight).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from airflow_provider.chao8.models import VendorPage, parse_datetime
from airflow_provider.common.models import Page, valid_items

log = logging.getLogger(__name__)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def as_model(model: type[M], value: M | Mapping[str, Any]) -> M:
    """``value`` as ``model``: a model as given, a dict validated (field errors name the field)."""
    return value if isinstance(value, model) else model.model_validate(value)


def as_int(value: Any) -> int | None:
    """``value`` as an integer, ``None`` when it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def listed(data: Any) -> list[Any]:
    """A list answer, also when the gateway wraps it as ``{list: [...]}``."""
    if data is None:
        return []
    if isinstance(data, dict):
        for name in ("list", "records", "items"):
            if isinstance(data.get(name), list):
                return list(data[name])
        return [data]
    if isinstance(data, list):
        return data
    raise TypeError(f"expected a list, got {type(data).__name__}")


def list_of(model: type[M]) -> Callable[[Any], list[M]]:
    """The reader of a list answer of ``model`` items."""
    return lambda data: valid_items(model, listed(data))


def page_of(model: type[M], page_num: int, page_size: int) -> Callable[[Any], Page[M]]:
    """The reader of one page of ``model`` items (a bare list is a page too)."""

    def parse(data: Any) -> Page[M]:
        if isinstance(data, list):
            data = {"list": data}
        raw: VendorPage[Any] = VendorPage.model_validate(data or {})
        items = valid_items(model, raw.items)
        return Page(items=items, total=raw.total, page=raw.page_num or page_num, size=page_size)

    return parse


def count_of(data: Any) -> int:
    """A count answered as a number or as ``{total | count}``."""
    if isinstance(data, dict):
        data = data.get("total", data.get("count"))
    number = as_int(data)
    if number is None:
        raise TypeError(f"expected a count, got {data!r}")
    return number


def created(model: type[M], data: Any, order_no: str, kind: str) -> M:
    """A create answer; a gateway answering only an id (or nothing) still names the order."""
    fields = {"orderNo": order_no, **data} if isinstance(data, dict) else {"orderNo": order_no, "id": data}
    answer = model.model_validate(fields)
    log.info("超8 %s order %s created (id %s)", kind, order_no, fields.get("id"))
    return answer


def time_param(value: datetime | date | str | None) -> datetime | None:
    """A query time: a datetime as given, a date as its midnight, text parsed."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    parsed = parse_datetime(value)
    if not isinstance(parsed, datetime):
        raise ValueError(f"not a time: {value!r}")
    return parsed


def with_times(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Query filters with ``start_time`` / ``end_time`` read as times (dates = midnight, Beijing)."""
    out = dict(filters)
    for name in ("start_time", "end_time", "startTime", "endTime"):
        if out.get(name) is not None:
            out[name] = time_param(out[name])
    return out


def walk(fetch: Callable[[int], Page[T]]) -> Iterator[T]:
    """Every item of the pages ``fetch(1)``, ``fetch(2)``, ... to the last one."""
    page_num = 1
    while True:
        page = fetch(page_num)
        yield from page.items
        if page.is_last:
            return
        page_num += 1


async def awalk(fetch: Callable[[int], Awaitable[Page[T]]]) -> AsyncIterator[T]:
    """Async :func:`walk`: ``fetch`` returns an awaitable page."""
    page_num = 1
    while True:
        page = await fetch(page_num)
        for item in page.items:
            yield item
        if page.is_last:
            return
        page_num += 1
