"""The simulators of the registered platforms, resolved through their typed interface."""

from __future__ import annotations

import importlib
from typing import Any

from airflow_provider.platforms import Platform, get_platform, platforms
from airflow_provider.sandbox.kit import Simulator


def simulated_platforms() -> tuple[Platform, ...]:
    """Registered platforms that have a simulator."""
    return tuple(p for p in platforms() if p.simulator)


def load_simulator(name: str) -> Simulator[Any]:
    """The ``SIMULATOR`` of a platform's sandbox package (checked to be a :class:`Simulator`)."""
    platform = get_platform(name)
    if not platform.simulator:
        raise LookupError(f"platform {name!r} declares no simulator")
    simulator = getattr(importlib.import_module(platform.simulator), "SIMULATOR", None)
    if not isinstance(simulator, Simulator):
        raise TypeError(f"{platform.simulator}.SIMULATOR must be an airflow_provider.sandbox.kit.Simulator")
    if simulator.platform != name:
        raise ValueError(f"{platform.simulator}.SIMULATOR simulates {simulator.platform!r}, not {name!r}")
    return simulator
