"""The sandbox clock: simulated time that tests speed up and advance."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone


class SandboxClock:
    """
    Simulated time: real time multiplied by ``speed``, plus whatever tests ``advance``.

    :param speed: simulated seconds per real second (``60`` = a minute a second).
    :param start: simulated epoch seconds at creation (default: now).
    :param monotonic: the real-time source (inject a fake one to keep tests off the wall clock).
    """

    def __init__(
        self,
        speed: float = 1.0,
        start: float | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.speed = speed
        self._monotonic = monotonic
        self._start_real = monotonic()
        self._start = time.time() if start is None else start
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Simulated epoch seconds."""
        with self._lock:
            return self._start + (self._monotonic() - self._start_real) * self.speed + self._offset

    def advance(self, seconds: float) -> None:
        """Jump ``seconds`` ahead (orders move on their lifecycles, tokens expire)."""
        with self._lock:
            self._offset += seconds

    def datetime(self, tz: timezone = UTC) -> datetime:
        return datetime.fromtimestamp(self.now(), tz)

    def set_speed(self, speed: float) -> None:
        """Change the pace from now on (time already passed keeps its old pace)."""
        with self._lock:
            now_real = self._monotonic()
            self._offset += (now_real - self._start_real) * self.speed
            self._start_real = now_real
            self.speed = speed


def tz_offset(hours: int) -> timezone:
    """A fixed UTC offset (SuperShip +07:00, 超8 and HyperSKU +08:00)."""
    return timezone(timedelta(hours=hours))
