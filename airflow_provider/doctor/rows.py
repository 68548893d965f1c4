"""One row of the doctor's report: an operation, what happened, and how to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from airflow_provider.common import drift
from airflow_provider.common.errors import ApiError

#: an operation the doctor did not call (it changes data, or an input it needs was not found)
NOT_CHECKED = "not checked"
#: kinds that do not fail the doctor
PASSING = frozenset({drift.OK, drift.SLOW, NOT_CHECKED})


@dataclass
class Row:
    """
    What one operation answered.

    :param kind: one of :data:`airflow_provider.common.drift.KINDS` or ``not checked``.
    :param detail: the difference in words (keys, codes, field names; never a value).
    :param fix: what to change, e.g. the JSON to paste into the connection's extra.
    """

    operation: str
    kind: str
    detail: str = ""
    path: str = ""
    used_by_examples: bool = False
    elapsed_ms: float | None = None
    fix: dict[str, Any] | None = None
    missing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    code: str | None = None

    @property
    def passed(self) -> bool:
        """Whether the operation works: an undocumented status or extra fields are reported
        (the provider keeps waiting, keeps the fields) but do not fail it; a missing field does."""
        if self.kind == drift.FIELDS_DIFFER:
            return not self.missing
        return self.kind in PASSING or self.kind == drift.UNKNOWN_STATUS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def kind_of(err: BaseException) -> str:
    """The doctor's word for an error (the Test button and the run logs use the same)."""
    return drift.word_for(err)


def describe(err: BaseException) -> str:
    """An error in one line: the vendor's code and message, never a request body."""
    if isinstance(err, ApiError):
        parts = [err.message]
        if err.code is not None:
            parts.append(f"code {err.code}")
        if err.http_status is not None:
            parts.append(f"HTTP {err.http_status}")
        return "; ".join(parts)
    return f"{type(err).__name__}: {err}"
