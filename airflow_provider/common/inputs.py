"""
Operator inputs as users give them: one item or many, a JSON string, XCom, or an upstream
operator's report. Every shape problem is an error naming the parameter (and the position),
raised before any request is sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from airflow_provider.common.models import InputError
from airflow_provider.common.report_reader import PRESENT_OUTCOMES, is_report

__all__ = ["PRESENT_OUTCOMES", "ids_from", "is_report", "items_from", "jsonl_chunks", "jsonl_source"]


def _parse_json(text: str, param: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as err:
        raise InputError([("-", param, f"a JSON string was given but it does not parse: {err}")]) from err


def items_from(value: Any, *, param: str = "orders") -> list[dict[str, Any]]:
    """
    One item or many, from a dict, a list, a JSON string, pydantic models or XCom, as dicts.

    ``None`` and an empty list give ``[]`` (the caller decides: operators skip an empty day).
    Pydantic models are dumped by alias (the vendor's spelling).
    """
    if value is None:
        return []
    if isinstance(value, str):
        value = _parse_json(value, param) if value.strip() else []
    if isinstance(value, BaseModel | Mapping):
        value = [value]
    if not isinstance(value, list | tuple):
        raise InputError([("-", param, f"expected a dict or a list of dicts, got {type(value).__name__}")])
    items: list[dict[str, Any]] = []
    problems: list[tuple[str, str, str]] = []
    for index, item in enumerate(value):
        if isinstance(item, BaseModel):
            item = item.model_dump(mode="json", by_alias=True, exclude_none=True)
        if not isinstance(item, Mapping):
            problems.append((f"#{index}", param, f"expected a dict, got {type(item).__name__}"))
            continue
        items.append(dict(item))
    if problems:
        raise InputError(problems)
    return items


def ids_from(
    value: Any,
    *,
    param: str = "order_ids",
    report_field: str = "id",
    report_key: str | None = None,
) -> list[str]:
    """
    Unique ids, in order, from what a user or an upstream task gives.

    Accepted: one id (str or int), a comma/space separated string, a JSON list, a list of ids,
    or a bulk operator's report: the ``report_field`` (``id``: the platform's id, ``key``: the
    caller's id) of every item that exists after that run (created, existed, updated, ok), or
    the report's list under ``report_key`` when it has one. ``None`` and ``[]`` give ``[]``.

    :raises InputError: naming ``param`` (and the position) for ``None`` or empty entries, a
        nested list or dict, a dict that is not a report, or JSON that does not parse.
    """
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("[", "{")):
            value = _parse_json(text, param)
        else:
            value = [part for part in re.split(r"[,\s]+", text) if part]
    if isinstance(value, Mapping):
        if report_key is not None and isinstance(value.get(report_key), list):
            value = value[report_key]
        elif is_report(value):
            value = _ids_of_report(value, report_field)
        else:
            raise InputError(
                [
                    (
                        "-",
                        param,
                        "a dict is not a list of ids (give ids, or an upstream bulk operator's report)",
                    )
                ]
            )
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if _reports_of_mapped_task(value):
        value = _ids_of_report(value, report_field)
    if not isinstance(value, list | tuple):
        raise InputError([("-", param, f"expected an id or a list of ids, got {type(value).__name__}")])
    ids: list[str] = []
    problems: list[tuple[str, str, str]] = []
    for index, entry in enumerate(value):
        if isinstance(entry, bool) or not isinstance(entry, str | int):
            shown = "None" if entry is None else type(entry).__name__
            problems.append((f"#{index}", param, f"expected an id (str or int), got {shown}"))
            continue
        text = str(entry).strip()
        if not text:
            problems.append((f"#{index}", param, "empty id"))
            continue
        ids.append(text)
    if problems:
        raise InputError(problems)
    return list(dict.fromkeys(ids))


def _reports_of_mapped_task(value: Any) -> bool:
    """A list of bulk reports (a mapped task's XCom, every map index; skipped ones ``None``)."""
    if not isinstance(value, list | tuple) or not value:
        return False
    present = [entry for entry in value if entry is not None]
    return bool(present) and all(is_report(entry) for entry in present)


def _ids_of_report(report: Any, field: str) -> list[Any]:
    from airflow_provider.common.report_reader import read_report

    return read_report(report).ids(field)


#: a JSON-lines file given where items are expected: ``file:///data/orders.jsonl``,
#: ``s3://bucket/orders.ndjson``, or a local absolute path ending in ``.jsonl`` / ``.ndjson``
_JSONL_URL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|/)[^\n,]*\.(?:jsonl|ndjson)$")


def jsonl_source(value: Any) -> str | None:
    """
    The location when ``value`` names a JSON-lines file of items, else ``None``.

    Accepted: an ``ObjectStoragePath`` (or any ``os.PathLike``) or a string that is a URL
    (``file:///…``, ``s3://…``, any scheme ``ObjectStoragePath`` knows) or an absolute local
    path, ending in ``.jsonl`` or ``.ndjson``. One JSON value (an order dict, or an id) per line;
    blank lines are skipped. Anything else is read as items (a dict, a list, JSON, XCom).
    """
    import os

    if isinstance(value, os.PathLike):
        text = str(value)
        return text if text.endswith((".jsonl", ".ndjson")) else None
    if isinstance(value, str) and _JSONL_URL.match(value.strip()):
        return value.strip()
    return None


def jsonl_chunks(
    source: str, size: int, *, param: str = "orders", skip: int = 0
) -> Iterator[tuple[list[int], list[Any]]]:
    """
    The file's items ``size`` at a time, as ``(line numbers, values)``: never the whole file in
    memory. A line that is not JSON becomes an :class:`InputError`-style problem: it is yielded
    as a :class:`BadLine` and reported by the caller with its line number. The first ``skip``
    chunks are passed over unparsed.
    """
    from airflow.sdk import ObjectStoragePath

    lines: list[int] = []
    values: list[Any] = []
    skipped = skip * size
    with ObjectStoragePath(source).open("r", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            if skipped:
                skipped -= 1
                continue
            try:
                value = json.loads(line)
            except ValueError as err:
                value = BadLine(str(err))
            lines.append(number)
            values.append(value)
            if len(values) >= size:
                yield lines, values
                lines, values = [], []
    if values:
        yield lines, values


class BadLine:
    """A line of a JSON-lines input that does not parse (named with its line number)."""

    def __init__(self, message: str) -> None:
        self.message = message
