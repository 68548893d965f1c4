"""
What earlier attempts of a bulk create confirmed, so that a retried attempt looks up only the
orders whose outcome is not known.

A create run records, before it sends each chunk, its **frontier**: how many input items (in
input order) any attempt may have sent so far. The record goes to the task's
``task_state_store`` on Airflow 3.3 (scoped to the task instance, kept across its tries), else
to a small file beside the results file (``<results>.checkpoint.json``, naming the DAG run and
task so that another run's file is never read). The results file itself, written chunk by chunk
in input order, says which orders were confirmed (``created`` or ``existed``).

A retried attempt (``try_number`` > 1) then sorts every item:

- **confirmed** by an earlier attempt: not sent again; its recorded result is carried into this
  attempt's report unchanged (a ``created`` stays ``created``: this DAG run made it), with
  ``data["confirmed_by_earlier_try"] = True``;
- **maybe sent** (before the frontier, not confirmed: the chunk that was running, failed,
  unknown or skipped items): looked up before any create;
- **never sent** (past the frontier): created as a first attempt would.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider.common.results import PRESENT_OUTCOMES, ItemResult

log = logging.getLogger(__name__)

#: the task_state_store key (Airflow 3.3) holding the frontier
STATE_KEY = "fulfillment_bulk_checkpoint"


@dataclass
class ChunkPlan:
    """What a retried attempt does with one chunk: carry, look up, or create as new."""

    #: results an earlier attempt confirmed, by caller id (not sent again)
    carried: dict[str, ItemResult] = field(default_factory=dict)
    #: caller ids an earlier attempt may have sent: looked up before any create
    look_up: set[str] = field(default_factory=set)


def _identity(context: Mapping[str, Any] | None) -> dict[str, Any]:
    ti = (context or {}).get("ti")
    return {
        "dag_id": getattr(ti, "dag_id", None),
        "run_id": (context or {}).get("run_id"),
        "task_id": getattr(ti, "task_id", None),
        "map_index": getattr(ti, "map_index", -1),
    }


def try_number(context: Mapping[str, Any] | None) -> int:
    ti = (context or {}).get("ti")
    return int(getattr(ti, "try_number", 1) or 1)


class FrontierStore:
    """Where the frontier is kept: ``task_state_store`` (Airflow 3.3) or a file beside the results."""

    def __init__(self, context: Mapping[str, Any] | None, results_file: str | None) -> None:
        # present in the task context from Airflow 3.3 on (not on 3.2): the version gate
        self.state_store = (context or {}).get("task_state_store")
        self.identity = _identity(context)
        self.results_file = results_file
        self.sidecar = None if results_file is None else results_file + ".checkpoint.json"

    @property
    def usable(self) -> bool:
        return self.state_store is not None or self.sidecar is not None

    def read(self) -> int:
        """The frontier an earlier try of this task instance recorded (0: none)."""
        record: Any = None
        if self.state_store is not None:
            try:
                record = self.state_store.get(STATE_KEY)
            except Exception as err:  # the api-server away: every order sent is looked up (safe)
                log.warning("cannot read this task's checkpoint (%s): looking every order up", err)
                return 0
        elif self.sidecar is not None:
            record = self._read_sidecar()
            if isinstance(record, dict) and record.get("task") != self.identity:
                record = None  # another run's (or task's) file: never trusted
        if not isinstance(record, dict) or record.get("results_file") != self.results_file:
            return 0
        return int(record.get("frontier", 0) or 0)

    def write(self, frontier: int) -> None:
        """Record that items before ``frontier`` may have been sent (before they are: a record
        that cannot be written fails the task before the chunk is sent)."""
        record = {"frontier": frontier, "results_file": self.results_file, "task": self.identity}
        if self.state_store is not None:
            self.state_store.set(STATE_KEY, record)
        elif self.sidecar is not None:
            from airflow.sdk import ObjectStoragePath

            with ObjectStoragePath(self.sidecar).open("w", encoding="utf-8") as handle:
                handle.write(json.dumps(record))

    def clear(self) -> None:
        """The run finished: nothing to resume from."""
        if self.state_store is not None:
            self.state_store.delete(STATE_KEY)
        elif self.sidecar is not None:
            from airflow.sdk import ObjectStoragePath

            path = ObjectStoragePath(self.sidecar)
            if path.exists():
                path.unlink()

    def _read_sidecar(self) -> Any:
        from airflow.sdk import ObjectStoragePath

        path = ObjectStoragePath(str(self.sidecar))
        try:
            if not path.exists():
                return None
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None


class Checkpoint:
    """
    Records the frontier as a create run goes and, on a retried attempt, plans each chunk from
    what the earlier attempts recorded (:class:`ChunkPlan`).

    Memory stays flat: the earlier results file is copied aside (it is rewritten by this
    attempt) and read back a chunk at a time, in step with the input.
    """

    def __init__(self, context: Mapping[str, Any] | None, results_file: str | None) -> None:
        self.store = FrontierStore(context, results_file)
        self.retry = try_number(context) > 1
        self.earlier_frontier = self.store.read() if self.retry and self.store.usable else 0
        self.recorded_frontier = self.earlier_frontier
        self.position = 0
        self._copy: str | None = None
        self._rows: Iterator[ItemResult] | None = None
        self._pending: ItemResult | None = None
        self.carried = 0
        self.looked_up = 0

    @property
    def resuming(self) -> bool:
        """Whether an earlier attempt's frontier is known (else a retry looks everything up)."""
        return self.earlier_frontier > 0

    def open(self) -> Checkpoint:
        """Set the earlier results aside before this attempt rewrites the results file."""
        results_file = self.store.results_file
        if not self.resuming or results_file is None:
            return self
        from airflow.sdk import ObjectStoragePath

        source = ObjectStoragePath(results_file)
        try:
            if source.exists():
                with (
                    source.open("rb") as handle,
                    tempfile.NamedTemporaryFile(
                        "wb", prefix="fulfillment-earlier-results-", suffix=".jsonl", delete=False
                    ) as copy,
                ):
                    shutil.copyfileobj(handle, copy, 1 << 20)
                    self._copy = copy.name
        except OSError as err:  # nothing confirmed can be read: everything sent is looked up
            log.warning("cannot read the earlier results %s (%s): looking those orders up", results_file, err)
        self._rows = self._read_copy()
        return self

    def close(self) -> None:
        if self._copy is not None:
            import os

            os.unlink(self._copy)
            self._copy = None

    def __enter__(self) -> Checkpoint:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def plan(self, keys: list[str], size: int) -> ChunkPlan | None:
        """How to run the next chunk (``size`` input items, valid ones named by ``keys``):
        ``None`` on a first attempt or where nothing is known (the usual retry rule applies)."""
        start = self.position
        self.position += size
        if not self.retry:
            return None
        if not self.resuming:
            return None
        if start >= self.earlier_frontier:
            return ChunkPlan()  # no earlier attempt got this far: new orders
        wanted = set(keys)
        carried: dict[str, ItemResult] = {}
        for row in self._rows_of_chunk(wanted, size):
            if row.outcome in PRESENT_OUTCOMES and row.key in wanted:
                row.data["confirmed_by_earlier_try"] = True
                carried[row.key] = row
        look_up = wanted - set(carried)
        self.carried += len(carried)
        self.looked_up += len(look_up)
        return ChunkPlan(carried=carried, look_up=look_up)

    def before_sending(self) -> None:
        """Record, before the chunk just planned is sent, that it may be sent from now on."""
        if self.position > self.recorded_frontier and self.store.usable:
            self.store.write(self.position)
            self.recorded_frontier = self.position

    def finished(self) -> None:
        if self.store.usable:
            self.store.clear()

    def _rows_of_chunk(self, keys: set[str], size: int) -> Iterator[ItemResult]:
        """The earlier results of this chunk: the next rows while they name its items."""
        if self._rows is None:
            return
        for _ in range(size):
            row = self._pending if self._pending is not None else next(self._rows, None)
            self._pending = None
            if row is None:
                return
            if row.key not in keys:
                self._pending = row  # a later chunk's: kept for it
                return
            yield row

    def _read_copy(self) -> Iterator[ItemResult]:
        if self._copy is None:
            return
        with open(self._copy, encoding="utf-8") as handle:
            for line in handle:
                try:
                    yield ItemResult.model_validate_json(line)
                except ValueError:  # a line cut short by the kill: the rest is not known
                    return
