"""
The field types every HyperSKU schema is built from, and how HyperSKU writes times and lists.

Money is :class:`~decimal.Decimal`; times are timezone-aware (HyperSKU answers in +08:00: a naive
``"yyyy-MM-dd HH:mm:ss"`` is read as +08:00, epoch numbers in seconds or milliseconds are
recognised); ids sent as numbers are read as strings; country codes are ISO 3166-1 alpha-2.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints

from airflow_provider.common.models import ApiModel, to_decimal, valid_items
from airflow_provider.hypersku.countries import check_country_code

#: HyperSKU's time zone (China Standard Time)
CST = timezone(timedelta(hours=8), "+08:00")
#: how HyperSKU writes times
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def _money(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    try:
        return to_decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError) as err:
        raise ValueError(f"{value!r} is not an amount") from err


def _time(value: Any) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(seconds, CST)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return _time(int(text))
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as err:
            raise ValueError(f"{value!r} is not a time HyperSKU writes") from err
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=CST)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=CST)
    raise ValueError(f"{value!r} is not a time")


def _id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Money = Annotated[Decimal | None, BeforeValidator(_money)]
Time = Annotated[datetime | None, BeforeValidator(_time)]
IdStr = Annotated[str, BeforeValidator(_id)]
# the length bound before the validator: checked by pydantic-core itself, not a Python call per field
Text = Annotated[str, StringConstraints(min_length=1), BeforeValidator(_id)]
CountryCode = Annotated[str, BeforeValidator(lambda v: check_country_code(v) if isinstance(v, str) else v)]


def format_time(value: datetime | str) -> str:
    """A time as HyperSKU writes it (``yyyy-MM-dd HH:mm:ss`` in +08:00); naive times are UTC."""
    if isinstance(value, str):
        return value
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(CST).strftime(TIME_FORMAT)


def iter_rows(model: type[ApiModel], data: Any, *, strict: bool = False) -> Iterator[Any]:
    """Rows of a list answer (a list, ``TableData`` or a single object) validated as ``model``.

    A row missing a required field is left out (logged, naming field and operation) unless
    ``strict``: a look-up by the caller's id must fail rather than read a drifted row as absent
    (absent would let a create be sent again).
    """
    if data is None:
        return
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        data = data["rows"]
    if isinstance(data, dict):
        data = [data]
    if strict:
        for row in data:
            yield model.model_validate(row)
        return
    yield from valid_items(model, data)
