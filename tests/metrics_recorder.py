"""
A stats backend that records what it is sent, installed in-process behind Airflow's ``Stats``.

It replaces the backend the way Airflow itself configures one (``Stats.initialize(factory=...)``:
the task SDK's on 3.3, with ``export_legacy_names``; the metaclass's on 3.2), so every metric the
provider emits through ``airflow.sdk.observability.stats`` lands here, and the previous backend
comes back afterwards.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Sent:
    """One metric as the backend received it."""

    kind: str  # incr, decr, gauge, timing
    stat: str
    value: float
    tags: dict[str, Any] = field(default_factory=dict)


class Stopwatch:
    """What Airflow's own code expects of a backend's ``timer()``: a context manager with ``duration``."""

    def __init__(self) -> None:
        self.duration: float | None = None
        self._started = 0.0

    def start(self) -> Stopwatch:
        self._started = time.perf_counter()
        return self

    def stop(self, send: bool = True) -> None:
        self.duration = (time.perf_counter() - self._started) * 1000

    def __enter__(self) -> Stopwatch:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class StatsRecorder:
    """A ``StatsLogger`` keeping every metric it receives (thread-safe)."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self._lock = threading.Lock()

    def _add(self, kind: str, stat: str, value: float, tags: dict[str, Any] | None) -> None:
        with self._lock:
            self.sent.append(Sent(kind, stat, float(value), dict(tags or {})))

    # ---- the StatsLogger protocol
    def incr(self, stat: str, count: int = 1, rate: float = 1, *, tags: dict[str, Any] | None = None) -> None:
        self._add("incr", stat, count, tags)

    def decr(self, stat: str, count: int = 1, rate: float = 1, *, tags: dict[str, Any] | None = None) -> None:
        self._add("decr", stat, count, tags)

    def gauge(
        self,
        stat: str,
        value: float,
        rate: float = 1,
        delta: bool = False,
        *,
        tags: dict[str, Any] | None = None,
    ) -> None:
        self._add("gauge", stat, value, tags)

    def timing(self, stat: str, dt: Any, *, tags: dict[str, Any] | None = None) -> None:
        millis = dt.total_seconds() * 1000 if hasattr(dt, "total_seconds") else float(dt)
        self._add("timing", stat, millis, tags)

    def timer(self, *args: Any, **kwargs: Any) -> Stopwatch:
        return Stopwatch()

    # ---- reading
    def of(self, kind: str, prefix: str = "") -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.kind == kind and s.stat.startswith(prefix)]

    def counter(self, stat: str) -> int:
        """The sum of every increment of ``stat``."""
        return int(sum(s.value for s in self.of("incr") if s.stat == stat))

    def counters(self, prefix: str = "") -> dict[str, int]:
        totals: dict[str, int] = {}
        for sent in self.of("incr", prefix):
            totals[sent.stat] = totals.get(sent.stat, 0) + int(sent.value)
        return totals

    def timings(self, prefix: str = "") -> dict[str, int]:
        """How many timings each stat under ``prefix`` received."""
        totals: dict[str, int] = {}
        for sent in self.of("timing", prefix):
            totals[sent.stat] = totals.get(sent.stat, 0) + 1
        return totals

    def last_gauge(self, stat: str) -> float | None:
        values = [s.value for s in self.of("gauge") if s.stat == stat]
        return values[-1] if values else None

    def clear(self) -> None:
        with self._lock:
            self.sent.clear()


@contextmanager
def recording_stats() -> Iterator[StatsRecorder]:
    """Airflow's stats backend replaced by a :class:`StatsRecorder` for the block."""
    from airflow.sdk.observability.stats import Stats

    recorder = StatsRecorder()
    try:  # Airflow 3.3: module-level state behind a class shim
        from airflow.sdk._shared.observability.metrics import stats as module

        previous: tuple[Any, ...] = (module._factory, module._export_legacy_names)
        Stats.initialize(factory=lambda: recorder, export_legacy_names=False)  # type: ignore[call-arg]

        def restore() -> None:
            Stats.initialize(factory=previous[0], export_legacy_names=previous[1])  # type: ignore[call-arg]
    except (AttributeError, TypeError):  # Airflow 3.2: a metaclass holding factory and instance
        previous = (type.__getattribute__(Stats, "factory"),)
        Stats.initialize(factory=lambda: recorder)  # type: ignore[call-arg]

        def restore() -> None:
            Stats.initialize(factory=previous[0])  # type: ignore[call-arg]

    try:
        yield recorder
    finally:
        restore()
