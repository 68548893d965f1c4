"""
What every 超8 simulated resource stands on: :class:`Chao8State` (clock, store, faults, ids and
the refusal of a reused ``orderNo``).
"""

from __future__ import annotations

import itertools
from typing import Any

from airflow_provider.chao8 import constants as c
from airflow_provider.sandbox.chao8.rules import Chao8Error
from airflow_provider.sandbox.chao8.wire import wire_time
from airflow_provider.sandbox.kit import DuplicateIds, Faults, SandboxBackend, SandboxClock


class Chao8State(SandboxBackend):
    """
    The state the resource rules of :class:`~airflow_provider.sandbox.chao8.backend.Chao8Backend`
    share (its constructor's arguments are documented there).
    """

    def __init__(
        self,
        *,
        clock: SandboxClock | None = None,
        faults: Faults | None = None,
        duplicate_ids: DuplicateIds | None = None,
        speed: float | None = None,
    ) -> None:
        super().__init__(
            clock=clock or SandboxClock(speed=speed or 1.0), faults=faults, duplicate_ids=duplicate_ids
        )
        self._ids = itertools.count(1580000000000000001)

    def new_id(self) -> str:
        """A new 超8-style numeric id."""
        return str(next(self._ids))

    def now_text(self, at: float | None = None) -> str:
        """The sandbox time ``at`` (now when omitted) as the gateway writes times."""
        return wire_time(self.clock.now() if at is None else at)

    def _insert_order(self, table: str, order_no: str, row: dict[str, Any]) -> None:
        """Store a new order; a reused ``orderNo`` is refused, or (mode ``accept``) kept as a second order."""
        with self.store.lock:
            if self.store.insert(table, order_no, row):
                return
            if self.refuses_duplicates:
                raise Chao8Error(c.ORDER_EXISTS, f"订单编号已存在(order already exists): {order_no}")
            copies = sum(1 for key in self.store.table(table) if key.split("#", 1)[0] == order_no)
            self.store.insert(table, f"{order_no}#{copies + 1}", row)
