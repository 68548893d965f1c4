"""
The status paths of SuperShip sandbox orders on the sandbox clock (statuses 0-27).

Which path an order takes is deterministic: by keywords in its ``soc`` (``PICKUPFAIL``, ``FAIL``
or ``RETURN``, ``PARTIAL``, ``LOST``, ``DELAY``, ``DELIVER``/``SUCCESS``), else by a weighted
hash of the soc (or code) with :data:`DEFAULT_OUTCOME_WEIGHTS`. A cancelled order is ``0`` from
its cancel on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider.sandbox.kit import Lifecycle, pick

#: simulated seconds spent in each status before the next step of a path
STEP_SECONDS: dict[str, float] = {
    "1": 0,  # approval is immediate: a new order answers "2 Chờ Lấy Hàng"
    "2": 120,
    "3": 120,
    "4": 180,
    "5": 240,
    "8": 240,
    "9": 300,
    "10": 180,
    "11": 300,
    "12": 600,  # delivered, reconciled (16) ten minutes later
    "13": 600,
    "14": 240,
    "15": 120,
    "20": 300,
    "23": 300,
    "25": 600,
}
#: the status path of each outcome
PATHS: dict[str, tuple[str, ...]] = {
    "delivered": ("1", "2", "3", "4", "8", "9", "10", "11", "12", "16"),
    "delayed": ("1", "2", "3", "4", "8", "9", "10", "11", "14", "11", "12", "16"),
    "partial": ("1", "2", "3", "4", "8", "9", "10", "11", "13", "16"),
    "returned": ("1", "2", "3", "4", "8", "9", "10", "11", "15", "20", "21"),
    "pickup_failed": ("1", "2", "3", "5", "3", "6"),
    "lost": ("1", "2", "3", "4", "8", "9", "23", "25", "27"),
}
#: each outcome's path as a lifecycle on the sandbox clock
LIFECYCLES: dict[str, Lifecycle] = {
    name: Lifecycle(tuple((status, STEP_SECONDS.get(status, 0)) for status in path))
    for name, path in PATHS.items()
}
#: simulated seconds from creation to delivered (12) on the normal path
SECONDS_TO_DELIVERED = sum(STEP_SECONDS[s] for s in PATHS["delivered"][:-2])
#: simulated seconds from creation to the last status of the slowest path
SECONDS_TO_FINAL = max(sum(STEP_SECONDS.get(s, 0) for s in path[:-1]) for path in PATHS.values())
#: soc keywords forcing a path (checked in this order, case-insensitive)
SOC_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("PICKUPFAIL", "pickup_failed"),
    ("FAIL", "returned"),
    ("RETURN", "returned"),
    ("PARTIAL", "partial"),
    ("LOST", "lost"),
    ("DELAY", "delayed"),
    ("DELIVER", "delivered"),
    ("SUCCESS", "delivered"),
)
#: share of each path for orders without a keyword
DEFAULT_OUTCOME_WEIGHTS: dict[str, float] = {
    "delivered": 0.8,
    "delayed": 0.05,
    "partial": 0.05,
    "returned": 0.1,
}

#: the note of each journey step
JOURNEY_NOTES: dict[str, str] = {
    "0": "Hủy Đơn hàng",
    "1": "Tạo Đơn hàng",
    "2": "Duyệt Đơn hàng",
    "3": "Nhân viên đang đến lấy hàng",
    "4": "Lấy hàng thành công",
    "5": "Hoãn lấy hàng: Shop hẹn lấy lại",
    "6": "Không lấy được hàng: không liên lạc được với Shop",
    "8": "Nhập kho",
    "9": "Đang chuyển kho giao",
    "10": "Đã đến kho giao",
    "11": "Nhân viên đang giao hàng",
    "12": "Giao hàng thành công",
    "13": "Giao hàng một phần",
    "14": "Hoãn giao hàng: Không liên lạc được với Người Nhận",
    "15": "Không giao được: Người Nhận từ chối nhận hàng",
    "16": "Đã đối soát giao hàng",
    "20": "Đang trả hàng về Shop",
    "21": "Đã trả hàng cho Shop",
    "23": "Đang vận chuyển",
    "25": "Hàng thất lạc",
    "27": "Đã bồi hoàn cho Shop",
}
#: the reason code and text a webhook gives for a failed delivery attempt
REASONS: dict[str, tuple[str, str]] = {
    "14": ("304", "Không liên lạc được với Người Nhận"),
    "15": ("401", "Người Nhận từ chối nhận hàng"),
}
#: statuses reached at the receiver's end (journeys name the receiver's place)
AT_RECEIVER = frozenset({"10", "11", "12", "13", "14", "15", "16", "20"})


def path_for(key: str, weights: dict[str, float]) -> str:
    """The path of an order whose ``soc`` (or code) is ``key``: by keyword, else weighted by ``key``."""
    upper = key.upper()
    for keyword, path in SOC_KEYWORDS:
        if keyword in upper:
            return path
    return pick(key, weights)


def status_at(order: Mapping[str, Any], now: float) -> str:
    """The order's status at ``now`` (sandbox clock seconds)."""
    cancelled = order.get("cancelled_at")
    if cancelled is not None and now >= cancelled:
        return "0"
    return str(LIFECYCLES[order["path"]].status_at(order["created"], now))


def history_until(order: Mapping[str, Any], now: float) -> list[tuple[str, float]]:
    """``(status, entered at)`` of every status the order reached by ``now``."""
    cancelled = order.get("cancelled_at")
    until = min(now, cancelled) if cancelled is not None else now
    events = [(str(s), t) for s, t in LIFECYCLES[order["path"]].history(order["created"], until)]
    if cancelled is not None and cancelled <= now:
        events = [(s, t) for s, t in events if t < cancelled] + [("0", cancelled)]
    return events
