"""HyperSKU order status changes as asset events (for an ``AssetWatcher``; light module)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from airflow_provider.common.event_triggers import OrderStatusEventTrigger
from airflow_provider.hypersku.constants import CLOSED, DELIVERED, OVERDUE, RETURNED

#: delivered, closed, overdue or returned: nothing follows, the order is polled no more
FINAL_STATUSES = frozenset({str(DELIVERED), str(CLOSED), str(OVERDUE), str(RETURNED)})


class HyperSkuOrderEventTrigger(OrderStatusEventTrigger):
    """
    Fire an asset event per batch of HyperSKU order status changes.

    ``getOrderInfos`` filters by a time window, but nothing documents which time (created or
    changed), so the trigger watches ids: one ``getOrdersStatus`` call per 200 orders not yet
    final per poll. Orders delivered (``5``), closed (``6``), overdue (``10``) or returned
    (``11``) are polled no more.

    :param hypersku_conn_id: the HyperSKU connection id.
    :param order_ids: HyperSKU order ids to watch.
    :param results_path: a create's results file, or a folder of them (``*.results.jsonl``):
        their ``id`` (HyperSKU's order id) is watched.
    :param statuses: fire when an order enters one of these statuses; empty: on every change.
    :param poll_interval: seconds between polls.
    :param max_changes: changes per event at most.
    :param without_cursor: run without ``asset_state_store`` (Airflow 3.2; see the core).
    """

    platform = "hypersku"
    final_statuses: ClassVar[frozenset[str]] = FINAL_STATUSES
    conn_arg = "hypersku_conn_id"

    def __init__(
        self,
        *,
        hypersku_conn_id: str = "hypersku_default",
        order_ids: Iterable[str | int] | None = None,
        results_path: str | None = None,
        statuses: Iterable[str | int] | None = None,
        poll_interval: float = 300.0,
        max_changes: int = 500,
        without_cursor: bool = False,
    ) -> None:
        super().__init__(
            conn_id=hypersku_conn_id,
            order_ids=order_ids,
            results_path=results_path,
            statuses=statuses,
            poll_interval=poll_interval,
            max_changes=max_changes,
            without_cursor=without_cursor,
        )

    def platform_kwargs(self) -> dict[str, Any]:
        return {"hypersku_conn_id": self.conn_id}
