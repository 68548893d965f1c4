"""Progress lines of a long bulk run: done/total, outcomes so far, rate and time left."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Progress:
    """
    Counts the outcomes of a bulk run and logs a line at least every ``every_seconds`` and every
    ``every_fraction`` of the items, so a user watching a 20,000-order task sees it move.

    :param action: what the run does, e.g. ``"HyperSKU create orders"``.
    :param total: number of items.
    :param logger: where the lines go (the operator's task logger).
    :param clock: monotonic seconds; tests inject a fake one.
    :param every_seconds: the longest gap between two lines while items complete.
    :param every_fraction: a line each time this share of the items more is done.
    """

    def __init__(
        self,
        action: str,
        total: int,
        *,
        logger: Any = None,
        clock: Clock = time.monotonic,
        every_seconds: float = 10.0,
        every_fraction: float = 0.1,
    ) -> None:
        self.action = action
        self.total = total
        self.log: Any = logger or log
        self.clock = clock
        self.every_seconds = every_seconds
        self.step = max(1, int(total * every_fraction)) if total else 1
        self.counts: Counter[str] = Counter()
        self.done = 0
        self._emitted_done = -1
        self.started = clock()
        self._last_time = self.started
        self._next_done = self.step
        self.lines: list[str] = []

    def record(self, outcome: str) -> None:
        """One more item finished with ``outcome``; logs a line when one is due."""
        self.done += 1
        self.counts[outcome] += 1
        if self.done >= self._next_done or self.clock() - self._last_time >= self.every_seconds:
            self.emit()

    def record_result(self, result: Any) -> None:
        """:meth:`record` for an item result (anything with an ``outcome``)."""
        self.record(str(result.outcome))

    def tick(self) -> None:
        """Log a line if ``every_seconds`` passed without one (called by :meth:`heartbeat`)."""
        if self.done < self.total and self.clock() - self._last_time >= self.every_seconds:
            self.emit()

    async def heartbeat(self, sleep: Sleep = asyncio.sleep) -> None:
        """Run until cancelled: a line every ``every_seconds`` even while no item completes."""
        while True:
            await sleep(max(0.5, self.every_seconds / 5))
            self.tick()

    def line(self) -> str:
        now = self.clock()
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        percent = 100.0 * self.done / self.total if self.total else 100.0
        outcomes = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.counts.items())) or "none yet"
        if self.done >= self.total:
            left = "done"
        elif rate > 0:
            left = f"~{_duration((self.total - self.done) / rate)} left"
        else:
            left = "time left unknown"
        return (
            f"{self.action}: {self.done}/{self.total} ({percent:.0f}%): {outcomes}; "
            f"{rate:.1f}/s, {_duration(elapsed)} elapsed, {left}"
        )

    def finish(self) -> None:
        """The closing line, unless the last line already said where the run ended."""
        if self._emitted_done != self.done or not self.lines:
            self.emit()

    def emit(self) -> None:
        self._emitted_done = self.done
        text = self.line()
        self.lines.append(text)
        self.log.info("%s", text)
        self._last_time = self.clock()
        while self._next_done <= self.done:
            self._next_done += self.step


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
