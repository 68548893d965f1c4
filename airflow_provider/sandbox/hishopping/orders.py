"""
The HiShopping simulator's orders: create (charged to the credit, refused on a reused
``merchant_order`` or short credit), read, list, and the status lifecycle on the sandbox clock,
with cancelled and failed orders refunded to the ledger.
"""

from __future__ import annotations

import hashlib
import heapq
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from airflow_provider.sandbox.hishopping.catalogue import GoodsCatalogue
from airflow_provider.sandbox.hishopping.ledger import CreditLedger
from airflow_provider.sandbox.hishopping.seed import (
    CURRENCY,
    FEE_RATE,
    PENDING_SECONDS,
    PROCESSING_SECONDS,
    SHIPPED_SECONDS,
)
from airflow_provider.sandbox.hishopping.wire import SandboxAnswer, cents, epoch, iso, money, page_of, paged
from airflow_provider.sandbox.kit import Lifecycle, pick

OK_PATH = Lifecycle(
    (
        ("pending", PENDING_SECONDS),
        ("processing", PROCESSING_SECONDS),
        ("shipped", SHIPPED_SECONDS),
        ("completed", 0),
    )
)
CANCEL_PATH = Lifecycle((("pending", PENDING_SECONDS), ("cancelled", 0)))
FAIL_PATH = Lifecycle((("pending", PENDING_SECONDS), ("processing", PROCESSING_SECONDS), ("failed", 0)))
PATHS = {"ok": OK_PATH, "cancelled": CANCEL_PATH, "failed": FAIL_PATH}
REFUNDED_STATUSES = frozenset({"cancelled", "failed"})
RECEIVER_FIELDS = ("name", "phone", "country", "province", "city", "address", "zip")
#: the fields a create answers with
CREATED_FIELDS = ("order_no", "merchant_order", "goods_amount", "fee", "total_charge", "status")


class OrderBook(CreditLedger, GoodsCatalogue):
    """The order part of the HiShopping backend (its state is set by the backend's ``__init__``)."""

    #: the share of orders taking each path (``ok``, ``cancelled``, ``failed``)
    weights: dict[str, float]
    _sequence: int
    #: ``(moment it is due, order_no)`` of every refund not booked yet, soonest first
    _refunds: list[tuple[float, str]]

    def path_of(self, merchant_order: str) -> str:
        """Which path an order takes: ``ok``, ``cancelled`` or ``failed`` (deterministic)."""
        upper = merchant_order.upper()
        if "CANCEL" in upper:
            return "cancelled"
        if "FAIL" in upper:
            return "failed"
        return pick(merchant_order, self.weights)

    def settle(self) -> None:
        """Refund orders that reached cancelled/failed by now, in the order they got there.

        An order's path is fixed when it is made, so the moment it will need its refund is known
        then (:meth:`_refund_due`): a heap of those moments makes this cost the refunds booked,
        not a scan of every order on every create and read (which made a 100,000-order run
        quadratic).
        """
        now = self.clock.now()
        with self._ledger_lock:
            while self._refunds and self._refunds[0][0] <= now:
                entered, order_no = heapq.heappop(self._refunds)
                order = self.store.get("orders", order_no)
                if order is None or order["refunded"]:
                    continue
                order["refunded"] = True
                status = PATHS[order["path"]].status_at(order["created"], now)
                self._book(
                    "refund", order["total_charge"], entered, order_no=order_no, remark=f"order {status}"
                )

    def _refund_due(self, order: dict[str, Any]) -> None:
        """Remember when ``order`` reaches a refunded status, if its path leads to one."""
        steps = PATHS[order["path"]].steps
        if steps[-1][0] in REFUNDED_STATUSES:
            entered = order["created"] + sum(duration for _status, duration in steps[:-1])
            heapq.heappush(self._refunds, (entered, order["order_no"]))

    def view(self, order: dict[str, Any], *, full: bool = True) -> dict[str, Any]:
        """The wire form of an order at the current clock time."""
        now = self.clock.now()
        lifecycle = PATHS[order["path"]]
        history = lifecycle.history(order["created"], now)
        status = history[-1][0]
        row: dict[str, Any] = {
            "order_no": order["order_no"],
            "merchant_order": order["merchant_order"],
            "goods_id": order["goods_id"],
            "sku_id": order["sku_id"],
            "goods_name": order["goods_name"],
            "quantity": order["quantity"],
            "unit_price": money(order["unit_price"]),
            "goods_amount": money(order["goods_amount"]),
            "fee": money(order["fee"]),
            "total_charge": money(order["total_charge"]),
            "currency": CURRENCY,
            "status": status,
            "tracking_no": order["tracking_no"] if status in ("shipped", "completed") else None,
            "created_at": iso(order["created"]),
            "updated_at": iso(history[-1][1]),
        }
        if full:
            row["receiver"] = order["receiver"]
            row["remark"] = order["remark"]
            row["status_history"] = [{"status": s, "at": iso(at)} for s, at in history]
        return row

    def find_order(self, *, order_no: str | None = None, merchant_order: str | None = None) -> dict[str, Any]:
        """The stored order with this ``order_no``, or the first one with this ``merchant_order``."""
        if order_no:
            order = self.store.get("orders", str(order_no))
        elif merchant_order:
            found = self.orders_by_id("merchant_orders", "orders", str(merchant_order))
            order = found[0] if found else None
        else:
            raise SandboxAnswer(400, "order_no or merchant_order is required", 400)
        if order is None:
            raise SandboxAnswer(404, "order not found", 404)
        return order

    def order_detail(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The open API's order detail: by ``order_no`` or ``merchant_order``, refunds booked first."""
        self.settle()
        order = self.find_order(
            order_no=payload.get("order_no"), merchant_order=payload.get("merchant_order")
        )
        return self.view(order)

    def create_order(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Validate, refuse duplicates (2002) and short credit (2001), charge, store."""
        merchant_order, goods, sku, quantity, receiver = self._order_input(payload)
        unit = Decimal(sku["price"])
        goods_amount = cents(unit * quantity)
        fee = cents(goods_amount * FEE_RATE)
        total = goods_amount + fee
        with self._ledger_lock:
            self.settle()
            if self.id_refused("merchant_orders", merchant_order):
                raise SandboxAnswer(2002, "duplicate order")
            if self.balance < total:
                raise SandboxAnswer(
                    2001, f"insufficient credit: balance {money(self.balance)}, need {money(total)}"
                )
            now = self.clock.now()
            order_no = f"HS{datetime.fromtimestamp(now, UTC):%Y%m%d}{self._next():08d}"
            digest = hashlib.sha256(order_no.encode()).hexdigest()
            order = {
                "order_no": order_no,
                "merchant_order": merchant_order,
                "goods_id": goods["goods_id"],
                "sku_id": sku["sku_id"],
                "goods_name": goods["goods_name"],
                "quantity": quantity,
                "unit_price": unit,
                "goods_amount": goods_amount,
                "fee": fee,
                "total_charge": total,
                "receiver": {key: str(value) for key, value in receiver.items()},
                "remark": payload.get("remark"),
                "created": now,
                "path": self.path_of(merchant_order),
                "tracking_no": f"TEMU{int(digest[:12], 16) % 10**12:012d}",
                "refunded": False,
            }
            self.store.insert("orders", order_no, order)
            self.index_id("merchant_orders", merchant_order, order_no)
            self._refund_due(order)
            self._book("charge", -total, now, order_no=order_no, remark=f"order {merchant_order}")
        row = self.view(order, full=False)
        return {key: row[key] for key in CREATED_FIELDS}

    def _order_input(
        self, payload: dict[str, Any]
    ) -> tuple[str, dict[str, Any], dict[str, Any], int, dict[str, Any]]:
        """``(merchant_order, goods, sku, quantity, receiver)`` of a create, each checked (400/404)."""
        merchant_order = payload.get("merchant_order")
        if not isinstance(merchant_order, str) or not merchant_order.strip() or len(merchant_order) > 64:
            raise SandboxAnswer(400, "merchant_order: required, at most 64 characters", 400)
        goods = self.goods.get(str(payload.get("goods_id")))
        if goods is None:
            raise SandboxAnswer(404, f"goods_id {payload.get('goods_id')!r} not found", 404)
        sku = next((s for s in goods["skus"] if str(s["sku_id"]) == str(payload.get("sku_id"))), None)
        if sku is None:
            raise SandboxAnswer(
                400, f"sku_id {payload.get('sku_id')!r} is not a SKU of goods {goods['goods_id']}", 400
            )
        quantity = payload.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise SandboxAnswer(400, "quantity: a positive integer is required", 400)
        receiver = payload.get("receiver")
        if not isinstance(receiver, dict):
            raise SandboxAnswer(400, "receiver: required", 400)
        for name in RECEIVER_FIELDS:
            if not str(receiver.get(name) or "").strip():
                raise SandboxAnswer(400, f"receiver.{name}: required", 400)
        return merchant_order, goods, sku, quantity, receiver

    def _next(self) -> int:
        with self.lock:
            self._sequence += 1
            return self._sequence

    def list_orders(self, query: dict[str, Any]) -> dict[str, Any]:
        """One page of orders, newest first, optionally of one status and in ``[start_time, end_time)``."""
        self.settle()
        page, size = page_of(query)
        status = query.get("status") or None
        start = epoch(query.get("start_time"), "start_time")
        end = epoch(query.get("end_time"), "end_time")
        rows = []
        for order in self.store.values("orders"):
            created = int(order["created"])  # times travel in whole seconds
            if start is not None and created < start:
                continue
            if end is not None and created >= end:
                continue
            rows.append(order)
        rows.sort(key=lambda o: (o["created"], o["order_no"]), reverse=True)
        views = [self.view(order, full=False) for order in rows]
        if status:
            views = [view for view in views if view["status"] == status]
        return paged(views, page, size)
