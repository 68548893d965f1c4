"""Order lifecycles: where an order stands on its status path at a given clock time."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Lifecycle:
    """
    A status path: ``steps[i] = (status, seconds spent in it before the next step)``.

    The last step is terminal (its duration is ignored).
    """

    steps: Sequence[tuple[Any, float]]

    def status_at(self, started: float, now: float) -> Any:
        elapsed = now - started
        for status, duration in self.steps[:-1]:
            if elapsed < duration:
                return status
            elapsed -= duration
        return self.steps[-1][0]

    def history(self, started: float, now: float) -> list[tuple[Any, float]]:
        """``(status, entered at)`` for every step reached by ``now``."""
        events: list[tuple[Any, float]] = []
        at = started
        for status, duration in self.steps:
            if at > now:
                break
            events.append((status, at))
            at += duration
        return events


def pick(key: str, weights: dict[str, float]) -> str:
    """A deterministic weighted choice for ``key`` (which path an order takes)."""
    roll = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    total = sum(weights.values())
    upto = 0.0
    for name, weight in weights.items():
        upto += weight / total
        if roll <= upto:
            return name
    return next(reversed(weights))
