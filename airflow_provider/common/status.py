"""Order status classification shared by the sensors and the trigger (light: no Airflow imports)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """Where a set of orders stands: which succeeded, which failed, which are still pending."""

    succeeded: dict[str, str]
    failed: dict[str, str]
    pending: dict[str, str | None]

    @property
    def done(self) -> bool:
        return not self.pending and not self.failed

    def failure_message(self, label: Callable[[str], str] | None = None) -> str:
        """Names every failed order with its status (``label`` turns a code into a name)."""
        label = label or (lambda status: status)
        named = ", ".join(
            f"{order_id} (status {label(status)})" for order_id, status in sorted(self.failed.items())
        )
        return f"{len(self.failed)} order(s) reached a failure status: {named}"


def classify(
    order_ids: Iterable[str], statuses: Mapping[str, str], success: set[str], failure: set[str]
) -> Verdict:
    """Sort orders by their last known status; statuses are sets, not thresholds."""
    succeeded: dict[str, str] = {}
    failed: dict[str, str] = {}
    pending: dict[str, str | None] = {}
    for order_id in order_ids:
        status = statuses.get(order_id)
        if status in failure:
            failed[order_id] = status
        elif status in success:
            succeeded[order_id] = status
        else:
            pending[order_id] = status
    return Verdict(succeeded, failed, pending)


def import_hook(path: str) -> Any:
    """The hook class at dotted ``path``."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def import_async_hook(path: str) -> Any:
    """:func:`import_hook`, plus what the hook's first async client imports and builds (the async
    transport, aiohttp, the default TLS context): a trigger calls it in a thread, so that none of
    it happens first on the triggerer's event loop."""
    hook_class = import_hook(path)
    importlib.import_module("airflow_provider.common.transport").warm_up()
    return hook_class


def note_undocumented(
    platform: str, operation: str, statuses: Mapping[str, str], documented: Iterable[object]
) -> dict[str, str]:
    """
    ``statuses`` unchanged (raw values kept, so a sensor keeps waiting on an undocumented one);
    each status outside ``documented`` is logged once per process as ``unknown`` with its raw
    value (and recorded when the doctor is watching).
    """
    from airflow_provider.common.drift import note_unknown_status

    known = {str(code) for code in documented}
    for status in sorted({str(value) for value in statuses.values()} - known):
        note_unknown_status(platform, operation, status)
    return dict(statuses)


def label_or_unknown(status: str, names: Mapping[str, str]) -> str:
    """``5`` -> ``5 (delivered)``; a status in no documented table -> ``unknown (99)``."""
    from airflow_provider.common.drift import unknown_status

    name = names.get(str(status))
    return f"{status} ({name})" if name else unknown_status(status)
