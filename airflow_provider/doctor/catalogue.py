"""What the doctor calls on each platform: one :class:`Probe` per operation of its catalogue."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: ids the probes found on the way (an order id listed by one read, used by the next)
Found = dict[str, Any]

#: an id no platform has: a read by id answers "not found", which proves the path and envelope
PROBE_ID = "doctor-probe-0"


class MissingInput(Exception):
    """A probe needs something the reads before it did not find (a SKU, an order): not called."""


@dataclass(frozen=True)
class Probe:
    """
    One operation the doctor checks.

    :param endpoint: the key of the hook's ``endpoints`` table (and of the connection's
        ``endpoints`` override that corrects its path).
    :param run: calls the operation with harmless parameters through the hook's typed method.
    :param used_by_examples: an example DAG calls it: the doctor exits non-zero when it fails.
    :param writes: it changes data: run only with ``--include-writes`` against the sandbox.
    :param by_probe_id: it reads one object by an id that may be :data:`PROBE_ID`; a "not
        found" answer then proves the operation works.
    """

    endpoint: str
    run: Callable[[Any, Found], Any]
    used_by_examples: bool = False
    writes: bool = False
    by_probe_id: bool = False


#: platform name -> module with ``probes(hook) -> list[Probe]``
CATALOGUES = {
    "hypersku": "airflow_provider.doctor.hypersku",
    "supership": "airflow_provider.doctor.supership",
    "chao8": "airflow_provider.doctor.chao8",
    "hishopping": "airflow_provider.doctor.hishopping",
}


def probes_for(platform: str, hook: Any) -> list[Probe]:
    """The probes of ``platform`` for this hook (some depend on how the connection is set up)."""
    module = CATALOGUES.get(platform)
    if module is None:
        return []
    probes: list[Probe] = importlib.import_module(module).probes(hook)
    return probes


def first(items: Any, attr: str) -> Any:
    """``attr`` of the first item of a list or page that has one, else ``None``."""
    for item in items or ():
        value = getattr(item, attr, None)
        if value:
            return value
    return None
