"""
The status path of HyperSKU sandbox orders on the sandbox clock.

Orders advance 8 -> 1 -> 9 -> 2 -> 3 -> 4 -> 5; some end in 6 (closed), 11 (returned), 7
(refunding) or 10 (overdue), chosen by ``thirdOrderId`` (see :func:`sandbox_outcome`). A
cancelled order is closed (6) from its cancel on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider.hypersku.constants import (
    CLOSED,
    DELIVERED,
    OVERDUE,
    PAYING,
    PENDING_PAYMENT,
    PENDING_SOURCING,
    PROCESSING,
    READY_TO_SHIP,
    REFUNDING,
    RETURNED,
    SHIPPING,
)
from airflow_provider.sandbox.kit import Lifecycle, pick

#: sandbox seconds in each status of the path
SOURCING_SECONDS = 120  # 8 Pending Sourcing
PAYMENT_SECONDS = 120  # 1 Pending Payment
PAYING_SECONDS = 60  # 9 Payment in progress
PROCESSING_SECONDS = 300  # 2 Processing
READY_SECONDS = 300  # 3 Ready to Ship
SHIPPING_SECONDS = 900  # 4 Shipping, then 5 Delivered
#: from creation to delivered (30 minutes: 3 s at clock speed 600)
LIFECYCLE_SECONDS = (
    SOURCING_SECONDS
    + PAYMENT_SECONDS
    + PAYING_SECONDS
    + PROCESSING_SECONDS
    + READY_SECONDS
    + SHIPPING_SECONDS
)
#: sandbox seconds from creation until status 4 (tracking starts)
SHIPPED_AFTER = LIFECYCLE_SECONDS - SHIPPING_SECONDS

_TO_SHIPPING = (
    (PENDING_SOURCING, SOURCING_SECONDS),
    (PENDING_PAYMENT, PAYMENT_SECONDS),
    (PAYING, PAYING_SECONDS),
    (PROCESSING, PROCESSING_SECONDS),
    (READY_TO_SHIP, READY_SECONDS),
    (SHIPPING, SHIPPING_SECONDS),
)
#: the status path of each outcome
LIFECYCLES: dict[str, Lifecycle] = {
    "delivered": Lifecycle((*_TO_SHIPPING, (DELIVERED, 0))),
    "returned": Lifecycle((*_TO_SHIPPING, (RETURNED, 0))),
    "closed": Lifecycle(
        ((PENDING_SOURCING, SOURCING_SECONDS), (PENDING_PAYMENT, PAYMENT_SECONDS), (CLOSED, 0))
    ),
    "overdue": Lifecycle(
        ((PENDING_SOURCING, SOURCING_SECONDS), (PENDING_PAYMENT, PAYMENT_SECONDS), (OVERDUE, 0))
    ),
    "refunding": Lifecycle((*_TO_SHIPPING[:4], (REFUNDING, 0))),
}
#: a ``thirdOrderId`` containing one of these (any case) takes that path
OUTCOME_MARKERS: dict[str, str] = {
    "CANCEL": "closed",
    "CLOSED": "closed",
    "RETURN": "returned",
    "REFUND": "refunding",
    "OVERDUE": "overdue",
    "DELIVER": "delivered",
    "SUCCESS": "delivered",
}
#: share of unmarked orders that end closed or returned (half each), picked by id; 0 by default so
#: that only marked orders fail (a backend or ``sandbox_outcome`` can be given another share)
SANDBOX_FAILURE_SHARE = 0.0


def sandbox_outcome(third_order_id: str, failure_share: float = SANDBOX_FAILURE_SHARE) -> str:
    """
    Where an order ends in the sandbox: ``delivered``, ``closed``, ``returned``, ``refunding``
    or ``overdue``. A marker in ``thirdOrderId`` decides (``CANCEL`` -> closed, ``RETURN`` ->
    returned, ``DELIVER`` -> delivered, ...), else a deterministic pick by id.
    """
    upper = str(third_order_id).upper()
    for marker, outcome in OUTCOME_MARKERS.items():
        if marker in upper:
            return outcome
    if failure_share <= 0:
        return "delivered"
    share = min(failure_share, 1.0)
    return pick(str(third_order_id), {"delivered": 1 - share, "closed": share / 2, "returned": share / 2})


def status_at(order: Mapping[str, Any], now: float) -> int:
    """The order's status at ``now`` (sandbox clock seconds)."""
    if order.get("cancelledAt") is not None and now >= order["cancelledAt"]:
        return CLOSED
    status: int = LIFECYCLES[order["path"]].status_at(order["created"], now)
    return status


def reached(order: Mapping[str, Any], status: int, now: float) -> float | None:
    """When ``order`` entered ``status``, ``None`` when it has not (yet) by ``now``."""
    if order.get("cancelledAt") is not None and order["cancelledAt"] <= now and status != CLOSED:
        now = order["cancelledAt"]
    for step, at in LIFECYCLES[order["path"]].history(order["created"], now):
        if step == status:
            return at
    if status == CLOSED and order.get("cancelledAt") is not None and order["cancelledAt"] <= now:
        return float(order["cancelledAt"])
    return None
