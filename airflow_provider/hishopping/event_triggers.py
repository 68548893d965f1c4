"""HiShopping order status changes as asset events (for an ``AssetWatcher``; light module)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from airflow_provider.common.event_triggers import OrderStatusEventTrigger

#: completed, cancelled or failed (refunded): nothing follows, the order is polled no more
FINAL_STATUSES = frozenset({"completed", "cancelled", "failed"})


class HiShoppingOrderEventTrigger(OrderStatusEventTrigger):
    """
    Fire an asset event per batch of HiShopping order status changes.

    The order lists take a time window, but nothing documents which time (created or changed),
    so the trigger watches ids: one detail call per order not yet final per poll,
    ``max_concurrency`` at a time. Completed, cancelled and failed orders are polled no more; an
    order the platform does not know yet is skipped until it appears.

    :param hishopping_conn_id: the HiShopping connection id.
    :param order_ids: ``order_no`` values (or ``merchant_order`` values with
        ``lookup_by="merchant_order"``) to watch.
    :param results_path: a create's results file, or a folder of them (``*.results.jsonl``).
    :param lookup_by: ``order_no`` (the results' ``id``) or ``merchant_order`` (their ``key``).
    :param api: ``auto``, ``open`` or ``web``.
    :param statuses: fire when an order enters one of these statuses; empty: on every change.
    :param poll_interval: seconds between polls.
    :param max_changes: changes per event at most.
    :param without_cursor: run without ``asset_state_store`` (Airflow 3.2; see the core).
    """

    platform = "hishopping"
    final_statuses: ClassVar[frozenset[str]] = FINAL_STATUSES
    conn_arg = "hishopping_conn_id"

    def __init__(
        self,
        *,
        hishopping_conn_id: str = "hishopping_default",
        lookup_by: str = "order_no",
        api: str = "auto",
        order_ids: Iterable[str | int] | None = None,
        results_path: str | None = None,
        statuses: Iterable[str | int] | None = None,
        poll_interval: float = 300.0,
        max_changes: int = 500,
        without_cursor: bool = False,
    ) -> None:
        if lookup_by not in ("order_no", "merchant_order"):
            raise ValueError(f"lookup_by must be 'order_no' or 'merchant_order', not {lookup_by!r}")
        if api not in ("auto", "open", "web"):
            raise ValueError(f"api must be 'auto', 'open' or 'web', not {api!r}")
        super().__init__(
            conn_id=hishopping_conn_id,
            order_ids=order_ids,
            results_path=results_path,
            id_field="key" if lookup_by == "merchant_order" else "id",
            statuses=statuses,
            poll_interval=poll_interval,
            max_changes=max_changes,
            method_kwargs={"by": lookup_by, "api": api},
            without_cursor=without_cursor,
        )
        self.lookup_by = lookup_by
        self.api = api

    def platform_kwargs(self) -> dict[str, Any]:
        return {"hishopping_conn_id": self.conn_id, "lookup_by": self.lookup_by, "api": self.api}
