"""SuperShip order status codes and how sensors read them (standard library only: cheap to import)."""

from __future__ import annotations

#: status code -> name, as ``GET /v1/partner/orders/status`` lists them
STATUS_NAMES: dict[str, str] = {
    "0": "Huỷ",
    "1": "Chờ Duyệt",
    "2": "Chờ Lấy Hàng",
    "3": "Đang Lấy Hàng",
    "4": "Đã Lấy Hàng",
    "5": "Hoãn Lấy Hàng",
    "6": "Không Lấy Được",
    "7": "Đang Nhập Kho",
    "8": "Đã Nhập Kho",
    "9": "Đang Chuyển Kho Giao",
    "10": "Đã Chuyển Kho Giao",
    "11": "Đang Giao Hàng",
    "12": "Đã Giao Hàng Toàn Bộ",
    "13": "Đã Giao Hàng Một Phần",
    "14": "Hoãn Giao Hàng",
    "15": "Không Giao Được",
    "16": "Đã Đối Soát Giao Hàng",
    "17": "Đã Đối Soát Trả Hàng",
    "18": "Đang Chuyển Kho Trả",
    "19": "Đã Chuyển Kho Trả",
    "20": "Đang Trả Hàng",
    "21": "Đã Trả Hàng",
    "22": "Hoãn Trả Hàng",
    "23": "Đang Vận Chuyển",
    "24": "Xác Nhận Hoàn",
    "25": "Hàng Thất Lạc",
    "26": "Không Trả Được",
    "27": "Đã Bồi Hoàn",
}

#: English meaning of each status code
STATUS_MEANINGS: dict[str, str] = {
    "0": "cancelled",
    "1": "awaiting approval",
    "2": "awaiting pickup",
    "3": "picking up",
    "4": "picked up",
    "5": "pickup postponed",
    "6": "pickup failed",
    "7": "entering warehouse",
    "8": "in warehouse",
    "9": "moving to delivery warehouse",
    "10": "at delivery warehouse",
    "11": "out for delivery",
    "12": "delivered in full",
    "13": "partly delivered",
    "14": "delivery postponed",
    "15": "undeliverable",
    "16": "delivery reconciled",
    "17": "return reconciled",
    "18": "moving to return warehouse",
    "19": "at return warehouse",
    "20": "returning",
    "21": "returned",
    "22": "return postponed",
    "23": "in transit",
    "24": "return confirmed",
    "25": "lost",
    "26": "return failed",
    "27": "compensated",
}

CANCELLED = "0"
#: delivered in full, partly delivered, delivery reconciled
DELIVERED_STATUSES = frozenset({"12", "13", "16"})
#: cancelled, pickup failed, undeliverable, return reconciled, returned, return confirmed,
#: lost, return failed, compensated
FAILURE_STATUSES = frozenset({"0", "6", "15", "17", "21", "24", "25", "26", "27"})
#: statuses after which an order cannot be cancelled any more (picked up or later)
CANCELLABLE_STATUSES = frozenset({"1", "2", "3", "5"})


def describe(status: str | int | None) -> str:
    """``"12 Đã Giao Hàng Toàn Bộ (delivered in full)"`` for logs and messages."""
    if status is None:
        return "unknown"
    code = str(status)
    name = STATUS_NAMES.get(code)
    return f"{code} {name} ({STATUS_MEANINGS[code]})" if name else code
