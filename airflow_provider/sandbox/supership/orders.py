"""
SuperShip sandbox orders: create (places as NAMES, fees, the ``soc`` index), order info with its
journeys and COD collection, the status list, lookups by code or ``soc``, and cancel.

Inferred behaviour (not documented by SuperShip), marked where it happens:

- a ``soc`` that already exists makes a second order (SuperShip documents no refusal); with the
  ``refuse`` duplicate-id mode: HTTP 422 Error, ``errors.soc = ["The soc has already been taken."]``;
- cancelling an order already cancelled, or past pickup: HTTP 422 Error;
- order info also carries ``collection`` (what the courier collects: COD plus fees when the
  receiver pays) and ``collected`` (collected so far: all of it once delivered, half of it on a
  partial delivery, nothing otherwise) for COD reconciliation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider.sandbox.kit import SandboxBackend
from airflow_provider.sandbox.supership.answers import (
    error_answer,
    first_error,
    iso_time,
    mask_phone,
    success_answer,
    text_of,
    valid_phone,
    whole_number,
)
from airflow_provider.sandbox.supership.areas import resolve_place
from airflow_provider.sandbox.supership.lifecycle import (
    AT_RECEIVER,
    JOURNEY_NOTES,
    history_until,
    path_for,
    status_at,
)
from airflow_provider.sandbox.supership.pricing import insurance_fee, shipping_fee
from airflow_provider.sandbox.supership.seed import _CITY_CODE, SHOP_ID
from airflow_provider.supership.statuses import CANCELLABLE_STATUSES, STATUS_NAMES

#: names of the ``config`` codes (may the receiver see or try the goods)
CONFIG_NAMES = {"1": "Cho Xem Hàng Nhưng Không Cho Thử Hàng", "2": "Cho Thử Hàng", "3": "Không Cho Xem Hàng"}
#: names of the ``payer`` codes
PAYER_NAMES = {"1": "Người Gửi", "2": "Người Nhận"}


class SuperShipOrders(SandboxBackend):
    """The orders of :class:`~airflow_provider.sandbox.supership.backend.SuperShipBackend`."""

    # state, set up by SuperShipBackend.__init__
    #: share of each path for orders whose soc carries no keyword
    outcome_weights: dict[str, float]
    _sequence: int

    def orders(self) -> list[dict[str, Any]]:
        """Every order record (tests check for duplicates here)."""
        return self.store.values("orders")

    def orders_by_soc(self, soc: str) -> list[dict[str, Any]]:
        """Every order created with ``soc`` (more than one only when duplicates are accepted)."""
        return self.orders_by_id("socs", "orders", soc)

    def order_by_soc(self, soc: str) -> dict[str, Any] | None:
        """The first order created with ``soc``."""
        orders = self.orders_by_soc(soc)
        return orders[0] if orders else None

    def create_order(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        errors, order = self._validate_order(body)
        if errors:
            return 422, error_answer(first_error(errors, more=True), errors)
        soc = order["soc"]
        with self.store.lock:
            if soc and self.id_refused("socs", soc):
                # inferred: SuperShip does not document its answer to a reused soc (the
                # "refuse" duplicate-id mode answers this)
                return 422, error_answer(
                    "Mã đơn riêng (soc) đã tồn tại.", {"soc": ["The soc has already been taken."]}
                )
            self._sequence += 1
            shortcode = str(self._sequence)
            code = (
                f"{_CITY_CODE.get(order['pickup']['province_code'], 'SGN')}S{SHOP_ID}"
                f"{_CITY_CODE.get(order['receiver']['province_code'], 'SGN')[:2]}.{shortcode}"
            )
            order.update(code=code, shortcode=shortcode, created=self.clock.now(), cancelled_at=None)
            number = int(shortcode)
            order["sorting"] = (
                f"{_CITY_CODE.get(order['receiver']['province_code'], 'SGN')}{number % 9 + 1}-{chr(65 + number % 26)}{number % 7 + 1}"
            )
            order["path"] = self._path_for(soc or code)
            self.store.insert("orders", code, order)
            if soc:
                self.index_id("socs", soc, code)
        results = {
            "code": code,
            "sorting": order["sorting"],
            "shortcode": shortcode,
            "soc": soc or "",
            "phone": order["receiver"]["phone"],
            "address": order["receiver"]["formatted_address"],
            "amount": order["amount"],
            "collection": order["collection"],
            "value": order["value"],
            "weight": order["weight"],
            "fee": order["fee"],
            "insurance": order["insurance"],
            "status": self.status_of(order),
            "status_name": STATUS_NAMES[self.status_of(order)],
        }
        return 200, success_answer(results, "Tạo đơn hàng thành công.")

    def _path_for(self, key: str) -> str:
        """The path of a new order whose ``soc`` (or code) is ``key``."""
        return path_for(key, self.outcome_weights)

    def _validate_order(self, body: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, Any]]:
        errors: dict[str, list[str]] = {}

        def need(name: str) -> str:
            value = text_of(body.get(name))
            if not value:
                errors.setdefault(name, []).append(f"Trường {name} là bắt buộc.")
            return value

        receiver = {k: need(k) for k in ("name", "phone", "address", "province", "district", "commune")}
        if receiver["phone"] and not valid_phone(receiver["phone"]):
            errors.setdefault("phone", []).append("Số điện thoại không hợp lệ.")
        numbers: dict[str, int] = {}
        for name in ("amount", "value", "weight"):
            raw = body.get(name)
            if raw is None or text_of(raw) == "":
                errors.setdefault(name, []).append(f"Trường {name} là bắt buộc.")
                continue
            number = whole_number(raw)
            if number is None or number < 0:
                errors.setdefault(name, []).append(f"Trường {name} phải là một số nguyên không âm.")
            else:
                numbers[name] = number
        allowed = {
            "service": ("1",),
            "config": ("1", "2", "3"),
            "payer": ("1", "2"),
            "product_type": ("1", "2"),
        }
        codes: dict[str, str] = {}
        for name, values in allowed.items():
            value = need(name)
            if value and value not in values:
                errors.setdefault(name, []).append(f"Giá trị của trường {name} không hợp lệ.")
            codes[name] = value
        if codes["product_type"] == "1" and not text_of(body.get("product")):
            errors.setdefault("product", []).append("Trường product là bắt buộc khi product_type là 1.")
        if codes["product_type"] == "2":
            products = body.get("products")
            if not isinstance(products, list) or not products:
                errors.setdefault("products", []).append("Trường products là bắt buộc khi product_type là 2.")
            else:
                for index, item in enumerate(products):
                    if not isinstance(item, Mapping) or not text_of(item.get("name")):
                        errors.setdefault(f"products.{index}.name", []).append("Tên sản phẩm là bắt buộc.")
                    elif any(whole_number(item.get(k)) is None for k in ("price", "weight", "quantity")):
                        errors.setdefault(f"products.{index}", []).append(
                            "price, weight và quantity phải là số nguyên."
                        )
        barter = text_of(body.get("barter"))
        if barter and barter not in ("0", "1"):
            errors.setdefault("barter", []).append("Giá trị của trường barter không hợp lệ.")
        soc = text_of(body.get("soc"))
        pickup: dict[str, Any] = {}
        pickup_code = text_of(body.get("pickup_code"))
        if pickup_code:
            warehouse = self.store.get("warehouses", pickup_code)
            if warehouse is None or warehouse["status"] != "1":
                errors.setdefault("pickup_code", []).append(
                    "Mã kho hàng không tồn tại hoặc đã dừng hoạt động."
                )
            else:
                pickup = dict(warehouse["place"], address=warehouse["address"], phone=warehouse["phone"])
        else:
            sender = {k: need(f"pickup_{k}") for k in ("phone", "address", "province", "district", "commune")}
            if sender["phone"] and not valid_phone(sender["phone"]):
                errors.setdefault("pickup_phone", []).append("Số điện thoại không hợp lệ.")
            if sender["province"] and sender["district"] and sender["commune"]:
                place, place_errors = resolve_place(sender["province"], sender["district"], sender["commune"])
                for key, message in place_errors.items():
                    errors.setdefault(f"pickup_{key}", []).append(message)
                pickup = dict(place, address=sender["address"], phone=sender["phone"])
        if receiver["province"] and receiver["district"] and receiver["commune"]:
            place, place_errors = resolve_place(
                receiver["province"], receiver["district"], receiver["commune"]
            )
            for key, message in place_errors.items():
                errors.setdefault(key, []).append(message)
            receiver.update(place)
        if errors:
            return errors, {}
        receiver["formatted_address"] = ", ".join(
            (receiver["address"], receiver["commune"], receiver["district"], receiver["province"])
        )
        fee = shipping_fee(
            pickup["province_code"],
            receiver["province_code"],
            pickup["district_code"] == receiver["district_code"],
            numbers["weight"],
        )
        insurance = insurance_fee(numbers["value"])
        collection = numbers["amount"] + (fee + insurance if codes["payer"] == "2" else 0)
        order = {
            "soc": soc,
            "receiver": receiver,
            "pickup": pickup,
            "amount": numbers["amount"],
            "value": numbers["value"],
            "weight": numbers["weight"],
            "fee": fee,
            "insurance": insurance,
            "collection": collection,
            "barter": barter or "0",
            "note": text_of(body.get("note")),
            **codes,
        }
        return {}, order

    def status_of(self, order: Mapping[str, Any], now: float | None = None) -> str:
        """The order's status at ``now`` on the sandbox clock."""
        return status_at(order, self.clock.now() if now is None else now)

    def history(self, order: Mapping[str, Any], now: float | None = None) -> list[tuple[str, float]]:
        """``(status, entered at)`` of every status the order reached by ``now``."""
        return history_until(order, self.clock.now() if now is None else now)

    def collected(self, order: Mapping[str, Any]) -> int:
        """COD the courier has collected (sandbox extension of order info)."""
        reached = {s for s, _ in self.history(order)}
        if reached & {"12"}:
            return int(order["collection"])
        if reached & {"13"}:
            return int(round(order["collection"] / 2, -3))
        return 0

    def info(self, order: Mapping[str, Any]) -> dict[str, Any]:
        status = self.status_of(order)
        events = self.history(order)
        receiver, pickup = order["receiver"], order["pickup"]
        returned = any(s in ("20", "21") for s, _ in events)
        journeys = [
            {
                "time": iso_time(at),
                "status": STATUS_NAMES[s],
                "province": (receiver if s in AT_RECEIVER else pickup)["province"],
                "district": (receiver if s in AT_RECEIVER else pickup)["district"],
                "note": JOURNEY_NOTES.get(s, STATUS_NAMES[s]),
            }
            for s, at in events
        ]
        return {
            "code": order["code"],
            "soc": order["soc"],
            "shortcode": order["shortcode"],
            "sorting": order["sorting"],
            "status": status,
            "status_name": STATUS_NAMES[status],
            "receiver": {
                "name": receiver["name"],
                "phone": mask_phone(receiver["phone"]),
                "address": receiver["address"],
                "formatted_address": receiver["formatted_address"],
            },
            "fee": {
                "shipment": order["fee"],
                "insurance": order["insurance"],
                "return": order["fee"] // 2 if returned else 0,
                "barter": 0,
                "address": 0,
            },
            "payer": PAYER_NAMES[order["payer"]],
            "amount": order["amount"],
            "value": order["value"],
            "weight": order["weight"],
            "config": CONFIG_NAMES[order["config"]],
            "collection": order["collection"],
            "collected": self.collected(order),
            "journeys": journeys,
            "notes": [],
            "calllogs": [],
            "last_sman": None,
            "created_at": iso_time(order["created"]),
            "updated_at": iso_time(events[-1][1] if events else order["created"]),
        }

    @staticmethod
    def status_list() -> list[dict[str, str]]:
        """``GET /v1/partner/orders/status``: ``[{key, value}]`` in SuperShip's own order."""
        order = [str(n) for n in range(1, 23)] + ["0"] + [str(n) for n in range(23, 28)]
        return [{"key": key, "value": STATUS_NAMES[key]} for key in order]

    def find(self, code: str, kind: str) -> dict[str, Any] | None:
        if kind == "2":
            return self.order_by_soc(code)
        return self.store.get("orders", code)

    def cancel(self, code: str) -> tuple[int, dict[str, Any]]:
        if not code:
            return 422, error_answer("Trường code là bắt buộc.", {"code": ["Trường code là bắt buộc."]})
        with self.store.lock:
            order = self.store.get("orders", code)
            if order is None:
                return 404, error_answer(
                    "Không tìm thấy đơn hàng.", {"code": [f"Mã đơn hàng {code} không tồn tại."]}
                )
            status = self.status_of(order)
            if status == "0":
                # inferred: the answer to a second cancel is not documented
                return 422, error_answer(
                    "Đơn hàng đã được hủy trước đó.", {"code": ["Đơn hàng đã được hủy."]}
                )
            if status not in CANCELLABLE_STATUSES:
                return 422, error_answer(
                    f"Đơn hàng đang ở trạng thái {STATUS_NAMES[status]}, không thể hủy.",
                    {"code": ["Chỉ hủy được đơn hàng chưa lấy hàng."]},
                )
            order["cancelled_at"] = self.clock.now()
        results = {
            "code": order["code"],
            "soc": order["soc"],
            "address": order["receiver"]["formatted_address"],
            "status": "0",
            "status_name": "Hủy",
        }
        return 200, success_answer(results, "Hủy đơn hàng thành công.")
