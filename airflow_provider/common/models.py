"""Base of every vendor schema model, and the paged result shape."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

T = TypeVar("T")


class ApiModel(BaseModel):
    """
    A vendor schema: snake_case fields with the vendor's spelling as alias.

    Unknown response fields are kept (``extra="allow"``), never fatal; ``dump()`` gives the
    vendor's wire form (aliases, no ``None``), ``model_dump(mode="json")`` the XCom form.
    """

    model_config = ConfigDict(populate_by_name=True, extra="allow", str_strip_whitespace=True)

    def dump(self) -> dict[str, Any]:
        """The wire form: vendor field names, ``None`` values left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class RequestModel(ApiModel):
    """A request schema: unknown input fields are errors (a typo must not be sent silently)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid", str_strip_whitespace=True)


class Page(BaseModel, Generic[T]):
    """One page of a paged list."""

    items: list[T] = Field(default_factory=list)
    total: int | None = None
    page: int = 1
    size: int = 0

    def __iter__(self) -> Iterator[T]:  # type: ignore[override]
        return iter(self.items)

    @property
    def is_last(self) -> bool:
        """No page follows: judged by ``total`` when the server gives it (a server may cap the
        page size below what was asked), else by a short or empty page."""
        if not self.items:
            return True
        if self.total is not None:
            return (self.page - 1) * self.size + len(self.items) >= self.total
        return len(self.items) < self.size


class InputError(ValueError):
    """
    Bad input found before any request was sent; the message names the order and the field.

    :param errors: ``(order id or index, field, message)`` for every problem found.
    """

    def __init__(self, errors: list[tuple[str, str, str]]) -> None:
        self.errors = errors
        lines = [f"order {order}: {field}: {message}" for order, field, message in errors]
        super().__init__(f"{len(errors)} invalid input(s), nothing was sent:\n  " + "\n  ".join(lines))


ModelT = TypeVar("ModelT", bound=BaseModel)


def validate_all(model: type[ModelT], items: list[Any], *, id_field: str | None = None) -> list[ModelT]:
    """
    Validate every item as ``model`` and raise one :class:`InputError` naming each bad field.

    :param id_field: the caller's order id key (alias or name) used to name an order in errors;
        the item's position is used when it has none.
    """
    valid: list[ModelT] = []
    problems: list[tuple[str, str, str]] = []
    for index, item in enumerate(items):
        if isinstance(item, model):
            valid.append(item)
            continue
        label = _label(item, index, id_field)
        try:
            valid.append(model.model_validate(item))
        except ValidationError as err:
            for error in err.errors():
                where = ".".join(str(part) for part in error["loc"]) or "(order)"
                problems.append((label, where, error["msg"]))
    if problems:
        raise InputError(problems)
    return valid


def _label(item: Any, index: int, id_field: str | None) -> str:
    if id_field and isinstance(item, dict) and item.get(id_field):
        return f"{item[id_field]!s}"
    return f"#{index}"


def valid_items(model: type[ModelT], rows: Iterable[Any]) -> list[ModelT]:
    """
    The items of a list answer as ``model``. An item missing a required field is left out
    (logged once per field and operation, naming both); the other items are kept, so one
    drifted row never fails a whole answer. Any other validation error still raises.
    """
    from airflow_provider.common.drift import validate_item

    return [item for item in (validate_item(model, row) for row in rows) if item is not None]


def to_decimal(value: Any) -> Decimal:
    """Money from the wire (int, float or string) as a Decimal, floats via their text form."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))
