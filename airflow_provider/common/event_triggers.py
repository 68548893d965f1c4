"""
Order status changes as asset events: the shared core of the platforms' event triggers.

An :class:`OrderStatusEventTrigger` runs under an ``AssetWatcher`` on the triggerer and never
ends: each poll reads the statuses of the orders it watches (ids given, and the ids of bulk
results files, re-read every poll so new orders join), compares them with its cursor (the last
status it saw of each order) and fires one event per batch of changes. A status that stays the
same fires nothing; an order already final is polled no more.

The cursor lives in the watched asset's ``asset_state_store`` (Airflow 3.3), written a few
seconds after a poll's events are handed to the triggerer (once it has stored them): a
restarted triggerer resumes from it, so a change made while it was down is reported once it is
back, and a change already reported is not reported again. Only a stop within those seconds
repeats that poll's events, with the same batch numbers (delivery is at least once).
On Airflow 3.2 there is no such store: the trigger refuses to run unless ``without_cursor=True``,
which keeps the cursor in memory (a restart re-reads a baseline and fires nothing for it, so the
changes made while it was down are missed).

Kwargs are plain JSON (a conn id, ids, statuses, a path), never a token or a secret; the events
carry order ids and statuses only, no personal data.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from airflow_provider.common.status import import_async_hook

log = logging.getLogger(__name__)

#: the results files below a ``results_path`` folder that the trigger reads
RESULTS_PATTERN = "**/*.results.jsonl"
#: outcomes of a results line whose order exists on the platform
_PRESENT = frozenset({"created", "existed", "updated", "ok"})
#: the cursor's format; a stored cursor of another version is ignored (read as empty)
CURSOR_VERSION = 1
#: seconds between handing events over and moving the cursor past them (the triggerer stores
#: the events it was handed at least once a second)
SETTLE_SECONDS = 5.0

NO_CURSOR_MESSAGE = (
    "{name} keeps its cursor in the watched asset's asset_state_store, which this triggerer did "
    "not provide: Airflow 3.3 or later runs it under an AssetWatcher with one. On Airflow 3.2 pass "
    "without_cursor=True to keep the cursor in memory (a triggerer restart then misses the changes "
    "made while it was down)."
)


class OrderStatusEventTrigger(BaseEventTrigger):
    """
    Fire one asset event per batch of order status changes (for an ``AssetWatcher``).

    Platform triggers (``airflow_provider.<platform>.event_triggers``) set ``platform``, the
    statuses after which an order is polled no more, and their own conn id argument. The hook
    provides ``afetch_statuses(ids, **method_kwargs) -> {id: status}``.

    Each event's payload::

        {"platform": "supership", "conn_id": "supership_default", "batch": 3,
         "observed_at": "2026-12-04T21:30:00+00:00", "count": 2,
         "changes": [{"id": "S1", "key": "FF-1", "old_status": "11", "new_status": "12"}, ...]}

    ``key`` is the caller's own id when a results file gives it; ``old_status`` is ``None`` for
    an order seen for the first time; ``batch`` counts the events of this cursor.

    :param conn_id: the platform connection id.
    :param order_ids: ids to watch.
    :param results_path: a bulk operator's JSON-lines results file, or a folder: every
        ``*.results.jsonl`` below it (local or any ``ObjectStoragePath``); re-read every poll.
    :param id_field: which id of a results line the status call takes: ``id`` (the platform's)
        or ``key`` (the caller's own).
    :param statuses: fire only when an order enters one of these statuses (from none of them);
        empty: every change fires.
    :param poll_interval: seconds between polls.
    :param max_changes: changes per event at most (a larger batch is split into several events).
    :param method_kwargs: extra JSON arguments of the hook's status method.
    :param without_cursor: run without ``asset_state_store`` (Airflow 3.2): the cursor stays in
        memory and the first poll is a baseline that fires nothing.
    """

    #: the platform's key in :mod:`airflow_provider.platforms` (which names its hook class)
    platform: ClassVar[str] = ""
    #: statuses after which an order changes no more: it is polled no more
    final_statuses: ClassVar[frozenset[str]] = frozenset()
    #: the name of the conn id argument of the platform trigger
    conn_arg: ClassVar[str] = "conn_id"
    status_method: ClassVar[str] = "afetch_statuses"

    def __init__(
        self,
        *,
        conn_id: str,
        order_ids: Iterable[str | int] | None = None,
        results_path: str | None = None,
        id_field: str = "id",
        statuses: Iterable[str | int] | None = None,
        poll_interval: float = 300.0,
        max_changes: int = 500,
        method_kwargs: Mapping[str, Any] | None = None,
        without_cursor: bool = False,
    ) -> None:
        super().__init__()
        if not order_ids and not results_path:
            raise ValueError("give order_ids or results_path: the trigger needs orders to watch")
        if id_field not in ("id", "key"):
            raise ValueError(f"id_field must be 'id' or 'key', not {id_field!r}")
        if max_changes < 1:
            raise ValueError("max_changes must be at least 1")
        self.conn_id = conn_id
        self.order_ids = [str(order_id) for order_id in dict.fromkeys(order_ids or [])]
        self.results_path = str(results_path) if results_path else None
        self.id_field = id_field
        self.statuses = sorted({str(status) for status in statuses or ()})
        self.poll_interval = float(poll_interval)
        self.max_changes = int(max_changes)
        self.method_kwargs = dict(method_kwargs or {})
        self.without_cursor = bool(without_cursor)
        self._hook: Any = None
        # injectable for tests: the pause between polls, the pause before the cursor moves past
        # events handed over, and the clock of ``observed_at``
        self.sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
        self.settle: Callable[[float], Awaitable[Any]] = asyncio.sleep
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)

    # ------------------------------------------------------------------ serialization
    def platform_kwargs(self) -> dict[str, Any]:
        """The platform trigger's own kwargs (its conn id argument and options)."""
        return {self.conn_arg: self.conn_id, "id_field": self.id_field, "method_kwargs": self.method_kwargs}

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                **self.platform_kwargs(),
                "order_ids": self.order_ids,
                "results_path": self.results_path,
                "statuses": self.statuses,
                "poll_interval": self.poll_interval,
                "max_changes": self.max_changes,
                "without_cursor": self.without_cursor,
            },
        )

    @property
    def hook_class_path(self) -> str:
        from airflow_provider.platforms import get_platform

        return get_platform(self.platform).hook_class

    @property
    def cursor_key(self) -> str:
        """The state store key of this watch: platform, connection and lookup kind (readable)."""
        lookup = json.dumps({"id_field": self.id_field, **self.method_kwargs}, sort_keys=True)
        digest = hashlib.sha256(lookup.encode()).hexdigest()[:8]
        return f"order_status_cursor:{self.platform}:{self.conn_id}:{digest}"

    # ------------------------------------------------------------------ the loop
    async def run(self) -> AsyncIterator[TriggerEvent]:
        store = self._cursor_store()
        cursor = await store.load() if store is not None else None
        seen: dict[str, str] = dict(cursor["statuses"]) if cursor else {}
        batch = int(cursor["batch"]) if cursor else 0
        baseline = store is None  # no cursor to resume from: the first poll fires nothing
        # the registry, the hook's module and what it imports load off the loop: a first import stalls it
        hook_class = await asyncio.to_thread(import_async_hook, self.hook_class_path)
        hook = self._hook = hook_class(self.conn_id)
        await hook.aload_connection()
        final, watched = set(self.final_statuses), set(self.statuses)
        from airflow_provider.common.errors import ApiError

        while True:
            ids, found_keys = await self._watched_ids()
            pending = [i for i in ids if seen.get(i) not in final]
            try:
                fetched = {str(k): str(v) for k, v in (await self.read_statuses(hook, pending)).items()}
            except ApiError as err:
                if not err.retryable:
                    raise
                log.warning("Status poll failed; polling again in %.0f s: %s", self.poll_interval, err)
                fetched = {}
            changes = [
                {"id": i, "key": found_keys.get(i), "old_status": seen.get(i), "new_status": status}
                for i, status in fetched.items()
                if seen.get(i) != status
            ]
            fire = [] if baseline else [c for c in changes if _fires(c, watched)]
            for start in range(0, len(fire), self.max_changes):
                batch += 1
                yield TriggerEvent(self._payload(batch, fire[start : start + self.max_changes]))
            seen.update(fetched)
            if changes:
                log.info(
                    "%d status change(s) among %d order(s); %d fired", len(changes), len(pending), len(fire)
                )
            waited = 0.0
            if changes and store is not None:
                # The triggerer stores the events it was handed once a second, and drops the ones
                # not stored yet when it stops: the cursor moves only once they are surely stored.
                # A stop before then repeats this poll's events (same batch numbers), never loses them.
                waited = SETTLE_SECONDS if fire else 0.0
                await self.settle(waited)
                await store.save(seen, batch)
            baseline = False
            await self.sleep(max(self.poll_interval - waited, 0.0))

    async def read_statuses(self, hook: Any, ids: list[str]) -> Mapping[str, Any]:
        """``{id: status}`` of ``ids`` (the hook's status method); an id the platform does not
        know is left out."""
        return await getattr(hook, self.status_method)(ids, **self.method_kwargs)

    def _payload(self, batch: int, changes: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "conn_id": self.conn_id,
            "batch": batch,
            "observed_at": self.now().isoformat(),
            "count": len(changes),
            "changes": [{k: v for k, v in c.items() if k != "key" or v} for c in changes],
        }

    def _cursor_store(self) -> _CursorStore | None:
        accessors = getattr(self, "asset_state_store", None)
        if accessors is None:
            if not self.without_cursor:
                raise RuntimeError(NO_CURSOR_MESSAGE.format(name=type(self).__name__))
            log.warning("%s runs without a cursor: a restart misses changes", type(self).__name__)
            return None
        return _CursorStore(accessors, self.cursor_key)

    async def _watched_ids(self) -> tuple[list[str], dict[str, str]]:
        """The ids to poll and ``{id: caller's key}`` from the results files (read off the loop)."""
        if not self.results_path:
            return list(self.order_ids), {}
        found = await asyncio.to_thread(read_results_ids, self.results_path, self.id_field)
        ids = list(dict.fromkeys([*self.order_ids, *found]))
        return ids, {i: key for i, key in found.items() if key and key != i}

    async def cleanup(self) -> None:
        if self._hook is not None:
            await self._hook.aclose()
            self._hook.close()


def _fires(change: Mapping[str, Any], watched: set[str]) -> bool:
    """A change fires when no statuses are watched, or when it enters the watched ones."""
    if not watched:
        return True
    return change["new_status"] in watched and change["old_status"] not in watched


def read_results_ids(path: str, id_field: str = "id") -> dict[str, str]:
    """``{id: caller's key}`` of every order present on the platform in the results at ``path``
    (a JSON-lines file, or every ``*.results.jsonl`` below a folder), files in name order.

    A line that does not parse is skipped: a run may be writing the file right now, and its last
    line is whole at the next poll. A file gone meanwhile is skipped too.
    """
    from airflow.sdk import ObjectStoragePath

    root = ObjectStoragePath(path)
    if root.is_dir():
        files = sorted((p for p in root.glob(RESULTS_PATTERN) if p.is_file()), key=str)
    elif root.exists():
        files = [root]
    else:
        return {}
    ids: dict[str, str] = {}
    for file in files:
        try:
            with file.open("r", encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        except (FileNotFoundError, UnicodeDecodeError) as err:
            log.warning("Results file %s skipped: %s", file, err)
            continue
        for line in lines:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            order_id = row.get(id_field) if isinstance(row, dict) else None
            if order_id and row.get("outcome") in _PRESENT:
                ids[str(order_id)] = str(row.get("key") or "")
    return ids


class _CursorStore:
    """The cursor in the asset state store: one JSON value under the trigger's key.

    A trigger shared by several watched assets gets accessors for all of them: it writes the
    cursor to each and reads the first one that has it.
    """

    def __init__(self, accessors: Any, key: str) -> None:
        self.key = key
        by_name = getattr(accessors, "_by_name", None)
        by_uri = getattr(accessors, "_by_uri", None)
        if isinstance(by_name, dict) and isinstance(by_uri, dict) and len(by_name) + len(by_uri) > 1:
            self.targets: list[Any] = [*by_name.values(), *by_uri.values()]
        else:
            self.targets = [accessors]

    async def load(self) -> dict[str, Any] | None:
        for target in self.targets:
            value = await target.aget(self.key)
            if isinstance(value, dict) and value.get("version") == CURSOR_VERSION:
                return value
        return None

    async def save(self, statuses: Mapping[str, str], batch: int) -> None:
        value = {"version": CURSOR_VERSION, "batch": batch, "statuses": dict(statuses)}
        for target in self.targets:
            await target.aset(self.key, value)
