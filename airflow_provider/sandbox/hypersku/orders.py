"""
HyperSKU sandbox orders: create (stock locked, freight quoted, the ``thirdOrderId`` index),
statuses, the order list, lookups by ``thirdOrderId``, cancel (stock released), the address
update, and the tracking of shipped orders (events from status 4).

A second create with the same ``thirdOrderId`` makes a second order by default (HyperSKU does
not document a refusal); with ``duplicate_ids="refuse"`` it is refused (``status`` 500,
"... already exists"), the answer ``api/hypersku.md`` infers.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from airflow_provider.hypersku.constants import (
    CLOSED,
    DELIVERED,
    EDITABLE_STATUSES,
    ORDER_STATUS_NAMES,
    PROCESSING,
    RETURNED,
    SHIPPING,
)
from airflow_provider.sandbox.hypersku.answers import (
    Envelope,
    SandboxInputError,
    fail,
    format_time,
    money,
    ok,
    order_id_of,
    paging,
    parse_time,
    required_text,
    table,
)
from airflow_provider.sandbox.hypersku.lifecycle import (
    SHIPPING_SECONDS,
    reached,
    sandbox_outcome,
    status_at,
)
from airflow_provider.sandbox.hypersku.logistics import quote
from airflow_provider.sandbox.hypersku.seed import SANDBOX_COUNTRIES, SANDBOX_CURRENCY, SANDBOX_LOGISTICS
from airflow_provider.sandbox.hypersku.stock import HyperSkuStock, sku_lines

#: order ids count up from here
ORDER_ID_BASE = 7_000_000_000
_REQUIRED_ADDRESS = (
    "firstName",
    "lastName",
    "countryCode",
    "province",
    "city",
    "address1",
    "zipCode",
    "phone",
)


def shipping_address(value: Any, what: str = "shippingAddress.") -> dict[str, Any]:
    """A validated ``ShippingAddressDto`` (country upper-cased, optional fields kept when given)."""
    if not isinstance(value, dict):
        raise SandboxInputError("shippingAddress is required")
    address = {key: required_text(value, key, what) for key in _REQUIRED_ADDRESS}
    address["countryCode"] = address["countryCode"].upper()
    if address["countryCode"] not in SANDBOX_COUNTRIES:
        raise SandboxInputError(f"country {address['countryCode']} is not supported")
    for key in ("address2", "email", "taxNo"):
        if value.get(key):
            address[key] = str(value[key])
    return address


def tracking_number(order: Mapping[str, Any]) -> str:
    """The tracking number of a shipped order."""
    return f"HSK{order['orderId']}{order['address']['countryCode']}"


class HyperSkuOrders(HyperSkuStock):
    """The orders of :class:`~airflow_provider.sandbox.hypersku.backend.HyperSkuBackend` (they lock stock)."""

    # state, set up by HyperSkuBackend.__init__
    #: the account's store code (lookups by ``thirdOrderId`` name it)
    store_code: str
    #: share of unmarked orders ending closed or returned
    failure_share: float
    _seq: int
    _seq_lock: threading.Lock

    def outcome(self, third_order_id: str) -> str:
        return sandbox_outcome(third_order_id, self.failure_share)

    def status_of(self, order: Mapping[str, Any], now: float | None = None) -> int:
        """The order's status at ``now`` on the sandbox clock."""
        return status_at(order, self.clock.now() if now is None else now)

    def view(self, order: Mapping[str, Any]) -> dict[str, Any]:
        """The order as ``OrderResult``."""
        now = self.clock.now()
        status = self.status_of(order, now)
        paid = reached(order, PROCESSING, now)
        address = order["address"]
        shipped = reached(order, SHIPPING, now) is not None
        channel = order["channel"]
        return {
            "orderId": order["orderId"],
            "storeOrderId": order["thirdOrderId"],
            "thirdOrderId": order["thirdOrderId"],
            "thirdOrderName": order["thirdOrderName"],
            "storeCode": self.store_code,
            "status": status,
            "statusName": ORDER_STATUS_NAMES[status],
            "amount": money(order["amount"]),
            "actualAmount": money(order["amount"]) if paid is not None else 0.0,
            "freight": money(order["freight"]),
            "taxAmount": 0.0,
            "currencyCode": SANDBOX_CURRENCY,
            "warehouseName": order["warehouseName"],
            "logisticsId": channel["logisticsId"],
            "paymentTime": format_time(paid) if paid is not None else None,
            "crtTime": format_time(order["created"]),
            "goodsList": [
                {
                    "productId": line["productId"],
                    "goodsId": line["skuId"],
                    "skuId": line["skuId"],
                    "goodsName": line["title"],
                    "attrStr": ", ".join(f"{a['name']}: {a['value']}" for a in line["attributes"]),
                    "num": line["num"],
                    "unitPrice": float(line["price"]),
                    "weight": float(line["weight"]),
                    "isInventory": 1 if line["fromInventory"] else 0,
                }
                for line in order["lines"]
            ],
            "logisticsList": (
                [
                    {
                        "trackingNumber": tracking_number(order),
                        "expressDelivery": channel["carrier"],
                        "initialTrackingNumber": tracking_number(order),
                    }
                ]
                if shipped
                else []
            ),
            "ordersAddress": {
                "firstName": address["firstName"],
                "lastName": address["lastName"],
                "address": " ".join(p for p in (address["address1"], address.get("address2") or "") if p),
                "countryCode": address["countryCode"],
                "countryName": SANDBOX_COUNTRIES[address["countryCode"]][0],
                "secondRegionName": address["province"],
                "thirdRegionName": address["city"],
                "zipCode": address["zipCode"],
                "phone": address["phone"],
            },
        }

    def orders(self) -> list[dict[str, Any]]:
        """Every order (newest first) as ``OrderResult``."""
        rows = sorted(self.store.values("orders"), key=lambda o: o["seq"], reverse=True)
        return [self.view(order) for order in rows]

    def orders_by_third(self, third_order_id: str) -> list[dict[str, Any]]:
        """Every order created with ``thirdOrderId`` (more than one only when duplicates are accepted)."""
        return self.orders_by_id("third_order_ids", "orders", str(third_order_id))

    def order_by_third(self, third_order_id: str) -> dict[str, Any] | None:
        """The first order created with ``thirdOrderId``."""
        orders = self.orders_by_third(third_order_id)
        return orders[0] if orders else None

    # ------------------------------------------------------------------ orders: validation
    def _next_order_id(self) -> tuple[str, int]:
        with self._seq_lock:
            self._seq += 1
            return str(ORDER_ID_BASE + self._seq), self._seq

    # ------------------------------------------------------------------ endpoints
    def create(self, body: Any) -> Envelope:
        if not isinstance(body, dict):
            raise SandboxInputError("body must be an OrdersInfoDto object")
        third = required_text(body, "thirdOrderId", "")
        address = shipping_address(body.get("shippingAddress"))
        lines = sku_lines(body.get("skuItems"))
        logistics_id = required_text(body, "logisticsId", "")
        channel = next((c for c in SANDBOX_LOGISTICS if c["logisticsId"] == logistics_id), None)
        if channel is None:
            raise SandboxInputError(f"logisticsId {logistics_id} not found")
        quoted = next(o for o in quote(address["countryCode"], lines) if o["logisticsId"] == logistics_id)
        with self.store.lock:
            if self.id_refused("third_order_ids", third):
                return fail(500, f"Order {third} already exists (thirdOrderId already used)")
            order_id, seq = self._next_order_id()
            self.index_id("third_order_ids", third, order_id)
            warehouse = "Shenzhen Warehouse"
            for line in lines:
                stock = self.inventory.get(line["skuId"])
                if stock is not None and stock["available"] >= line["num"]:
                    stock["available"] -= line["num"]
                    stock["locked"] += line["num"]
                    line["fromInventory"] = True
                    warehouse = stock["warehouseName"]
                    self._record_movement(
                        order_id, line["skuId"], line["num"], "LOCK", stock["warehouseName"]
                    )
            freight = Decimal(str(quoted["freight"]))
            amount = sum((Decimal(line["price"]) * line["num"] for line in lines), Decimal(0)) + freight
            order = {
                "orderId": order_id,
                "seq": seq,
                "thirdOrderId": third,
                "thirdOrderName": str(body.get("thirdOrderName") or third),
                "created": self.clock.now(),
                "path": self.outcome(third),
                "address": address,
                "lines": lines,
                "channel": channel,
                "freight": freight,
                "amount": amount,
                "warehouseName": warehouse,
                "cancelledAt": None,
            }
            self.store.insert("orders", order_id, order)
        status = self.status_of(order)
        return ok(
            {
                "orderBaseInfo": {
                    "orderId": order_id,
                    "storeOrderId": third,
                    "status": status,
                    "amount": money(amount),
                    "currencyCode": SANDBOX_CURRENCY,
                }
            }
        )

    def orders_status(self, body: Any) -> Envelope:
        if not isinstance(body, list):
            raise SandboxInputError("body must be a JSON array of order ids")
        now = self.clock.now()
        rows = []
        for order_id in body:
            order = self.store.get("orders", str(order_id))
            if order is not None:
                status = self.status_of(order, now)
                rows.append(
                    {"orderId": order["orderId"], "status": status, "statusName": ORDER_STATUS_NAMES[status]}
                )
        return ok(rows)

    def order_infos(self, body: Any) -> Envelope:
        page, limit = paging(body)
        body = body if isinstance(body, dict) else {}
        start, end = (
            parse_time(body.get("startTime"), "startTime"),
            parse_time(body.get("endTime"), "endTime"),
        )
        status = body.get("status")
        now = self.clock.now()
        rows = []
        for order in sorted(self.store.values("orders"), key=lambda o: o["seq"], reverse=True):
            if start is not None and order["created"] < start:
                continue
            if end is not None and order["created"] >= end:
                continue
            if status not in (None, "") and self.status_of(order, now) != int(status):
                continue
            rows.append(order)
        selected = rows[(page - 1) * limit : page * limit]
        return table([self.view(order) for order in selected], len(rows))

    def orders_by_external(self, body: Any) -> Envelope:
        if not isinstance(body, dict):
            raise SandboxInputError("body must be {storeCode, storeOrderId}")
        store_code = required_text(body, "storeCode", "")
        if store_code != self.store_code:
            raise SandboxInputError(f"store {store_code} not found")
        return ok(
            [self.view(order) for order in self.orders_by_third(required_text(body, "storeOrderId", ""))]
        )

    def _order(self, body: Any) -> dict[str, Any]:
        order_id = order_id_of(body)
        order = self.store.get("orders", order_id)
        if order is None:
            raise SandboxInputError(f"order {order_id} not found")
        return order  # the stored dict itself: changes stick

    def cancel(self, body: Any) -> Envelope:
        order = self._order(body)
        with self.store.lock:
            status = self.status_of(order)
            if status == CLOSED:
                return fail(500, f"order {order['orderId']} is already closed")
            if status not in EDITABLE_STATUSES:
                return fail(
                    500,
                    f"order {order['orderId']} cannot be cancelled in status {status} ({ORDER_STATUS_NAMES[status]})",
                )
            order["cancelledAt"] = self.clock.now()
            for line in order["lines"]:
                stock = self.inventory.get(line["skuId"])
                if line["fromInventory"] and stock is not None:
                    stock["available"] += line["num"]
                    stock["locked"] -= line["num"]
                    self._record_movement(
                        order["orderId"], line["skuId"], line["num"], "RELEASE", stock["warehouseName"]
                    )
        return ok({"orderId": order["orderId"], "status": CLOSED, "statusName": ORDER_STATUS_NAMES[CLOSED]})

    def update_address(self, body: Any) -> Envelope:
        order = self._order(body)
        address = shipping_address(body.get("shippingAddress"))
        with self.store.lock:
            status = self.status_of(order)
            if status not in EDITABLE_STATUSES:
                return fail(
                    500,
                    f"the address of order {order['orderId']} cannot change in status {status} ({ORDER_STATUS_NAMES[status]})",
                )
            order["address"] = address
        return ok({"orderId": order["orderId"], **self.view(order)["ordersAddress"]})

    def international_logistics(self, storeOrderId: str) -> Envelope:
        """``GET .../internationalLogisticsInfo/{storeOrderId}``: tracking of an order (your ``thirdOrderId``)."""
        store_order_id = storeOrderId
        order = self.order_by_third(store_order_id) or self.store.get("orders", store_order_id)
        if order is None:
            raise SandboxInputError(f"order {store_order_id} not found")
        now = self.clock.now()
        shipped_at = reached(order, SHIPPING, now)
        if shipped_at is None:
            return ok({"trackingNumber": None, "expressDelivery": None, "tracks": []})
        country = order["address"]["countryCode"]
        city = order["address"]["city"]
        plan: list[tuple[float, str, str, str]] = [
            (0.0, "Shipment information received", "Shenzhen", "CN"),
            (0.15, "Departed from origin facility", "Shenzhen", "CN"),
            (0.4, "Arrived at destination country", city, country),
            (0.7, "Customs cleared", city, country),
            (0.85, "Out for delivery", city, country),
        ]
        end = reached(order, DELIVERED, now)
        if end is not None:
            plan.append((1.0, "Delivered", city, country))
        returned = reached(order, RETURNED, now)
        if returned is not None:
            plan.append((0.95, "Delivery failed: addressee unknown", city, country))
            plan.append((1.0, "Returned to sender", "Shenzhen", "CN"))
        events = []
        for fraction, thing, event_city, event_country in plan:
            at = shipped_at + fraction * SHIPPING_SECONDS
            if at <= now:
                events.append(
                    {
                        "eventTime": format_time(at),
                        "eventThing": thing,
                        "eventCity": event_city,
                        "eventCountry": event_country,
                    }
                )
        events.reverse()  # newest first, as tracking pages list them
        return ok(
            {
                "trackingNumber": tracking_number(order),
                "expressDelivery": order["channel"]["carrier"],
                "tracks": events,
            }
        )
