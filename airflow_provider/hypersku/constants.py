"""HyperSKU order status codes (light: imported by operators and sensors at DAG parse time)."""

from __future__ import annotations

#: order status code -> name (HyperSKU's CLI and help centre)
ORDER_STATUS_NAMES: dict[int, str] = {
    8: "Pending Sourcing",
    1: "Pending Payment",
    9: "Payment in progress",
    2: "Processing",
    3: "Ready to Ship",
    14: "Split Shipment",
    4: "Shipping",
    5: "Delivered",
    6: "Order Closed",
    7: "Refunding",
    10: "Overdue",
    11: "Returned",
}

PENDING_SOURCING = 8
PENDING_PAYMENT = 1
PAYING = 9
PROCESSING = 2
READY_TO_SHIP = 3
SPLIT_SHIPMENT = 14
SHIPPING = 4
DELIVERED = 5
CLOSED = 6
REFUNDING = 7
OVERDUE = 10
RETURNED = 11

#: what the order status sensor waits for by default: shipped or delivered
DEFAULT_SUCCESS_STATUSES: frozenset[str] = frozenset({str(SHIPPING), str(DELIVERED)})
#: what fails the order status sensor at once by default
DEFAULT_FAILURE_STATUSES: frozenset[str] = frozenset(
    {str(CLOSED), str(REFUNDING), str(OVERDUE), str(RETURNED)}
)
#: statuses meaning the order is (being) cancelled: a cancel finding one of them succeeded already
CANCELLED_STATUSES: frozenset[str] = frozenset({str(CLOSED), str(REFUNDING)})
#: statuses in which HyperSKU still accepts a cancel or an address change (sandbox rule, inferred)
EDITABLE_STATUSES: frozenset[int] = frozenset(
    {PENDING_SOURCING, PENDING_PAYMENT, PAYING, PROCESSING, READY_TO_SHIP}
)
