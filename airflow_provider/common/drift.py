"""
Drift: an answer that differs from the documented contract is reported, not fatal.

The words here are shared by the run logs and the doctor (``python -m airflow_provider.doctor``):
a field the model does not know is kept and logged once per process ("fields differ: got and
unknown"), a required field that is missing fails that one item ("fields differ: expected but
missing"), a status code outside the documented tables is ``unknown`` with its raw value.

While the doctor runs an operation it opens a :func:`recording`: every difference seen in that
operation's answers is added to it as well as logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from airflow_provider.common.api_call import ApiCall

T = TypeVar("T")

log = logging.getLogger(__name__)

#: the kinds of row the doctor prints; the run logs use the same words
OK = "ok"
AUTH_REFUSED = "auth refused"
PATH_NOT_FOUND = "path not found"
METHOD_REFUSED = "method refused"
ENVELOPE_DIFFERS = "envelope differs"
FIELDS_DIFFER = "fields differ"
BUSINESS_ERROR = "business error"
SLOW = "slow"
UNKNOWN_STATUS = "unknown status"
UNREACHABLE = "unreachable"
CONFIGURATION = "configuration"
KINDS = (
    OK,
    AUTH_REFUSED,
    PATH_NOT_FOUND,
    METHOD_REFUSED,
    ENVELOPE_DIFFERS,
    FIELDS_DIFFER,
    BUSINESS_ERROR,
    SLOW,
    UNKNOWN_STATUS,
    UNREACHABLE,
    CONFIGURATION,
)
#: the status a code outside the documented tables is reported as
UNKNOWN = "unknown"


@dataclass
class Recording:
    """What one operation's answers showed: unknown and missing fields, unknown statuses."""

    unknown: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)
    statuses: set[str] = field(default_factory=set)

    @property
    def clean(self) -> bool:
        return not (self.unknown or self.missing or self.statuses)


_recording: ContextVar[Recording | None] = ContextVar("fulfillment_drift_recording", default=None)
_operation: ContextVar[tuple[str, str] | None] = ContextVar("fulfillment_drift_operation", default=None)
_warned: set[tuple[str, ...]] = set()
_warned_lock = threading.Lock()


@contextmanager
def recording() -> Iterator[Recording]:
    """Collect the differences of the calls made inside the block (the doctor's view)."""
    found = Recording()
    token = _recording.set(found)
    try:
        yield found
    finally:
        _recording.reset(token)


@contextmanager
def operation(platform: str, name: str) -> Iterator[None]:
    """Name the operation whose answer is parsed inside the block (for list parsers deep down)."""
    token = _operation.set((platform, name))
    try:
        yield
    finally:
        _operation.reset(token)


def current_operation() -> tuple[str, str]:
    """``(platform, operation)`` being parsed, ``("?", "?")`` outside :func:`operation`."""
    return _operation.get() or ("?", "?")


def warn_once(*key: str, message: str) -> bool:
    """Log ``message`` as a warning the first time ``key`` is seen in this process."""
    with _warned_lock:
        if key in _warned:
            return False
        _warned.add(key)
    log.warning("%s", message)
    return True


def reset_warnings() -> None:
    """Forget which warnings were given (tests)."""
    with _warned_lock:
        _warned.clear()


# ----------------------------------------------------------------------------- fields


def unknown_fields(value: Any, prefix: str = "") -> list[str]:
    """Dotted names of every field an answer carried that its models do not declare.

    Runs on every answer of a bulk run: a list built in one pass, scalar fields never visited.
    """
    if isinstance(value, BaseModel):
        extra = value.model_extra
        found = [f"{prefix}{name}" for name in sorted(extra)] if extra else []
        for name, info in type(value).model_fields.items():
            child = getattr(value, name, None)
            if isinstance(child, _NESTED):
                found += unknown_fields(child, _child_prefix(value, prefix, info.alias or name))
        return found
    if isinstance(value, list | tuple):
        found, seen = [], set()
        for item in value:
            if isinstance(item, _NESTED):
                for name in unknown_fields(item, prefix):
                    if name not in seen:
                        seen.add(name)
                        found.append(name)
        return found
    if isinstance(value, Mapping):
        found = []
        for child in value.values():
            if isinstance(child, BaseModel | list | tuple):
                found += unknown_fields(child, prefix)
        return found
    return []


#: values that can hold a model (the rest cannot carry an unknown field)
_NESTED = (BaseModel, list, tuple, Mapping)


def missing_beside_unknown(value: Any, prefix: str = "") -> Iterator[str]:
    """Declared fields absent from a model that also got unknown ones (a renamed field shows
    as one of each); fields merely left out by an answer with no unknown field are not named."""
    if isinstance(value, BaseModel):
        if value.model_extra:
            for name, info in type(value).model_fields.items():
                if name not in value.model_fields_set:
                    yield f"{prefix}{info.alias or name}"
        for name, info in type(value).model_fields.items():
            child_prefix = _child_prefix(value, prefix, info.alias or name)
            yield from missing_beside_unknown(getattr(value, name, None), child_prefix)
    elif isinstance(value, list | tuple):
        seen: set[str] = set()
        for item in value:
            for found in missing_beside_unknown(item, prefix):
                if found not in seen:
                    seen.add(found)
                    yield found


def _child_prefix(model: BaseModel, prefix: str, name: str) -> str:
    """A vendor schema's field names its children (``orderBaseInfo.orderId``); our own
    containers (a page of items) do not, so a row's field reads as the vendor names it."""
    if model.model_config.get("extra") == "allow":
        return f"{prefix}{name}."
    return prefix


def _declared(model: type[Any]) -> set[str]:
    names: set[str] = set()
    for name, info in getattr(model, "model_fields", {}).items():
        names.add(name)
        if info.alias:
            names.add(info.alias)
        choices = getattr(info.validation_alias, "choices", None)
        names.update(str(choice) for choice in choices or () if isinstance(choice, str))
        if isinstance(info.validation_alias, str):
            names.add(info.validation_alias)
    return names


def note_answer(platform: str, op: str, result: Any) -> None:
    """Log (once per field per process) and record every unknown field of a parsed answer."""
    unknown = unknown_fields(result)
    if not unknown:
        return
    found = _recording.get()
    if found is not None:
        found.missing.update(missing_beside_unknown(result))
    _note_unknown(platform, op, unknown)


def _note_unknown(platform: str, op: str, unknown: list[str]) -> None:
    found = _recording.get()
    if found is not None:
        found.unknown.update(unknown)
    for name in unknown:
        warn_once(
            "unknown",
            platform,
            op,
            name,
            message=f"{platform} {op}: {FIELDS_DIFFER}: got and unknown: {name} (kept as it came)",
        )


def missing_fields(err: ValidationError) -> list[str]:
    """The required fields a validation error says are missing (dotted, by wire name)."""
    return [
        ".".join(str(part) for part in error["loc"]) or "(answer)"
        for error in err.errors()
        if error["type"] == "missing"
    ]


def missing_message(platform: str, op: str, fields: list[str]) -> str:
    """The words of an item failed by a missing required field."""
    names = ", ".join(fields)
    return f"{platform} {op}: {FIELDS_DIFFER}: expected but missing: {names} (required)"


def note_missing(platform: str, op: str, fields: list[str]) -> str:
    """Record missing required fields; returns the message naming them and the operation."""
    found = _recording.get()
    if found is not None:
        found.missing.update(fields)
    return missing_message(platform, op, fields)


def validate_item(model: type[Any], row: Any) -> Any | None:
    """
    One item of a list answer as ``model``; ``None`` (logged once, recorded) when a required
    field is missing: that item is left out, the others are kept.
    """
    try:
        return model.model_validate(row)
    except ValidationError as err:
        fields = missing_fields(err)
        if not fields:
            raise
        platform, op = current_operation()
        message = note_missing(platform, op, fields) + ": item left out"
        warn_once("missing", platform, op, *fields, message=message)
        if isinstance(row, Mapping):
            _note_unknown(platform, op, sorted(set(map(str, row)) - _declared(model)))
        return None


# ----------------------------------------------------------------------------- statuses


def note_unknown_status(platform: str, op: str, raw: Any) -> str:
    """Record and log (once per code per process) a status outside the documented tables."""
    found = _recording.get()
    if found is not None:
        found.statuses.add(str(raw))
    warn_once(
        "status",
        platform,
        op,
        str(raw),
        message=f"{platform} {op}: {UNKNOWN_STATUS}: {raw!s} is in no documented status table; "
        f"reported as {UNKNOWN!r} with its raw value",
    )
    return unknown_status(raw)


def unknown_status(raw: Any) -> str:
    """How an undocumented status reads: ``unknown (99)``."""
    return f"{UNKNOWN} ({raw!s})"


# ----------------------------------------------------------------------------- errors


def word_for(err: BaseException) -> str:
    """The doctor's word for an error (the Test button, the doctor and the run logs share it)."""
    from airflow_provider.common.errors import (
        ApiError,
        AuthError,
        ConfigurationError,
        RateLimitError,
        ResponseError,
        TransientError,
        TransportError,
    )

    if isinstance(err, AuthError):
        return AUTH_REFUSED
    if isinstance(err, TransportError | TransientError | RateLimitError):
        return UNREACHABLE
    if not isinstance(err, ApiError):
        return "error"
    if err.http_status == 404 and err.code is None:
        return PATH_NOT_FOUND
    if err.http_status == 405:
        return METHOD_REFUSED
    if isinstance(err, ConfigurationError) and (err.code is not None or err.http_status in (401, 403)):
        return AUTH_REFUSED
    if isinstance(err, ResponseError):
        return FIELDS_DIFFER if FIELDS_DIFFER in err.message else ENVELOPE_DIFFERS
    if isinstance(err, ConfigurationError):
        return CONFIGURATION
    return BUSINESS_ERROR


# ----------------------------------------------------------------------------- operations


def parse_answer(platform: str, op: str, api_call: ApiCall[T], data: Any) -> T:
    """``api_call``'s parsed answer; unknown fields noted once, a missing required field or an
    unreadable answer a :class:`~airflow_provider.common.errors.ResponseError` naming the
    operation ``op`` (the endpoint's name) and the field."""
    from airflow_provider.common.errors import ResponseError

    try:
        with operation(platform, op):
            result = api_call.parse(data)
    except ValidationError as err:
        missing = missing_fields(err)
        if missing:
            raise ResponseError(platform, note_missing(platform, op, missing)) from err
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(answer)"
        raise ResponseError(
            platform, f"{api_call.method} {api_call.path}: unexpected answer: {where}: {first['msg']}"
        ) from err
    except (TypeError, KeyError, ValueError) as err:
        raise ResponseError(platform, f"{api_call.method} {api_call.path}: unexpected answer: {err}") from err
    note_answer(platform, op, result)
    return result
