"""超8 logistics order status changes as asset events (for an ``AssetWatcher``; light module)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from airflow_provider.chao8.constants import LOGISTICS_CANCELLED, LOGISTICS_COMPLETED
from airflow_provider.common.event_triggers import OrderStatusEventTrigger


class Chao8OrderEventTrigger(OrderStatusEventTrigger):
    """
    Fire an asset event per batch of 超8 logistics order status changes.

    The outbound list takes a time window, but nothing documents which time (created or
    changed), so the trigger watches ``orderNo`` values: one detail call per order not yet final
    per poll, ``max_concurrency`` at a time. Completed (``2``) and cancelled (``3``) orders are
    polled no more; an order the platform does not know yet is skipped until it appears.

    :param chao8_conn_id: the 超8 connection id.
    :param order_nos: ``orderNo`` values to watch.
    :param results_path: a create's results file, or a folder of them (``*.results.jsonl``):
        their ``key`` (your ``orderNo``) is watched.
    :param statuses: fire when an order enters one of these statuses; empty: on every change.
    :param poll_interval: seconds between polls.
    :param max_changes: changes per event at most.
    :param without_cursor: run without ``asset_state_store`` (Airflow 3.2; see the core).
    """

    platform = "chao8"
    final_statuses: ClassVar[frozenset[str]] = frozenset({LOGISTICS_COMPLETED, LOGISTICS_CANCELLED})
    conn_arg = "chao8_conn_id"

    def __init__(
        self,
        *,
        chao8_conn_id: str = "chao8_default",
        order_nos: Iterable[str | int] | None = None,
        results_path: str | None = None,
        statuses: Iterable[str | int] | None = None,
        poll_interval: float = 300.0,
        max_changes: int = 500,
        without_cursor: bool = False,
    ) -> None:
        super().__init__(
            conn_id=chao8_conn_id,
            order_ids=order_nos,
            results_path=results_path,
            id_field="key",
            statuses=statuses,
            poll_interval=poll_interval,
            max_changes=max_changes,
            without_cursor=without_cursor,
        )

    def platform_kwargs(self) -> dict[str, Any]:
        return {"chao8_conn_id": self.conn_id}

    def serialize(self) -> tuple[str, dict[str, Any]]:
        classpath, kwargs = super().serialize()
        kwargs["order_nos"] = kwargs.pop("order_ids")
        return classpath, kwargs
