"""超8 wire times, written and read by the sandbox's own code: ``yyyy-MM-dd HH:mm:ss`` in +08:00."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow_provider.chao8.constants import UTC_OFFSET_HOURS
from airflow_provider.sandbox.kit import tz_offset

BEIJING = tz_offset(UTC_OFFSET_HOURS)
WIRE_FORMAT = "%Y-%m-%d %H:%M:%S"


def wire_time(epoch: float) -> str:
    """Epoch seconds as the gateway writes times."""
    return datetime.fromtimestamp(epoch, BEIJING).strftime(WIRE_FORMAT)


def parse_wire_time(value: Any) -> float:
    """
    Epoch seconds of a time a caller sent: ``yyyy-MM-dd HH:mm:ss`` (Beijing), ISO 8601 (naive =
    Beijing), or epoch seconds / milliseconds as a number or digit string.

    :raises ValueError: anything else.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float):
        return value / 1000 if value > 1e11 else float(value)
    if not isinstance(value, str):
        raise ValueError(f"not a time: {value!r}")
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=BEIJING)).timestamp()
