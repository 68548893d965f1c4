"""
HyperSKU sandbox: the customer API simulated in memory, wire format as ``api/hypersku.md``.

- AG-Admin envelopes (``{"status": 200, "message", "data", "rel"}``, tables as
  ``{"data": {"total", "rows"}}``), errors as HTTP 200 with a non-200 ``status``.
- Password tokens (``POST /api/auth/admin/token``) and OAuth2 (authorise page at
  ``/application/auth``, code exchange, refresh with rotation): JWTs with ``exp`` on the sandbox
  clock, sent raw in ``Authorization`` (``Bearer `` accepted too); ``40101`` for a missing, bad
  or expired token, ``40102`` for a wrong username or password, ``40131`` for a wrong client.
- Orders advance 8 -> 1 -> 9 -> 2 -> 3 -> 4 -> 5 on the sandbox clock; some end in 6 (closed),
  11 (returned), 7 (refunding) or 10 (overdue), chosen by ``thirdOrderId`` (see
  :func:`sandbox_outcome`). Tracking events appear from status 4.
- A second create with the same ``thirdOrderId`` makes a second order by default (HyperSKU does
  not document a refusal); with ``duplicate_ids="refuse"`` it is refused (``status`` 500,
  "... already exists"), the answer ``api/hypersku.md`` infers.
- Seeded countries, products/SKUs, logistics channels and stock: :mod:`.seed` (``data/*.json``).

This module is the backend (state and business rules); :mod:`.routes` is the HTTP layer.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from airflow_provider.hypersku.constants import (
    CLOSED,
    DELIVERED,
    EDITABLE_STATUSES,
    ORDER_STATUS_NAMES,
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
from airflow_provider.sandbox.hypersku.seed import (
    SANDBOX_API_KEY,
    SANDBOX_AUTH_CODE_TTL,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_COUNTRIES,
    SANDBOX_CURRENCY,
    SANDBOX_INVENTORY,
    SANDBOX_LOGISTICS,
    SANDBOX_PASSWORD,
    SANDBOX_PRIVATE_PRODUCTS,
    SANDBOX_PRODUCTS,
    SANDBOX_REDIRECT_URI,
    SANDBOX_REFRESH_TOKEN,
    SANDBOX_REFRESH_TOKEN_TTL,
    SANDBOX_REGIONS,
    SANDBOX_STOCK_ORDERS,
    SANDBOX_STORE_CODE,
    SANDBOX_TOKEN_TTL,
    SANDBOX_USERNAME,
)
from airflow_provider.sandbox.kit import (
    DuplicateIds,
    Faults,
    Lifecycle,
    SandboxBackend,
    SandboxClock,
    TokenIssuer,
    pick,
    tz_offset,
)

# ----------------------------------------------------------------------------- order lifecycle (sandbox seconds)
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


CST = tz_offset(8)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
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
_CENT = Decimal("0.01")

Envelope = dict[str, Any]


def ok(data: Any = None, message: str = "success") -> Envelope:
    """``ObjectRestResponse``."""
    return {"status": 200, "message": message, "data": data, "rel": True}


def table(rows: list[Any], total: int) -> Envelope:
    """``TableResultResponse``."""
    return {"status": 200, "message": "success", "data": {"total": total, "rows": rows}}


def fail(status: int, message: str) -> Envelope:
    """An error envelope (sent with HTTP 200)."""
    return {"status": status, "message": message, "rel": False}


class SandboxInputError(Exception):
    """A request the sandbox refuses with ``status`` 500 and this message."""


def _money(value: Decimal) -> float:
    return float(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def _text(body: Mapping[str, Any], key: str, what: str) -> str:
    value = body.get(key)
    if value is None or not str(value).strip():
        raise SandboxInputError(f"{what}{key} is required")
    return str(value).strip()


class HyperSkuBackend(SandboxBackend):
    """
    In-memory HyperSKU: accounts, OAuth2 clients, tokens, orders, stock.

    :param clock: the sandbox clock (or give ``speed``).
    :param faults: shared fault injection.
    :param speed: simulated seconds per real second when no clock is given.
    :param token_ttl: access token lifetime (sandbox seconds).
    :param users: ``{username: password}`` (default: the sandbox account).
    :param clients: ``{clientId: clientSecret}`` (default: the sandbox app).
    :param store_code: the account's store code.
    :param require_api_key: refuse token calls whose ``Authorization`` is not ``api_key``.
    :param rotate_refresh_tokens: a refresh answers a new refresh token and revokes the old one.
    :param failure_share: share of unmarked orders ending closed or returned.
    """

    platform = "hypersku"
    default_duplicate_ids: ClassVar[DuplicateIds] = "accept"
    auth_paths = (
        "/api/auth/admin/token",
        "/api/auth/admin/token/access_token",
        "/api/auth/admin/token/refresh_token",
        "/application/auth",
    )

    def __init__(
        self,
        *,
        clock: SandboxClock | None = None,
        faults: Faults | None = None,
        duplicate_ids: DuplicateIds | None = None,
        speed: float | None = None,
        token_ttl: float = SANDBOX_TOKEN_TTL,
        users: Mapping[str, str] | None = None,
        clients: Mapping[str, str] | None = None,
        store_code: str = SANDBOX_STORE_CODE,
        require_api_key: bool = False,
        api_key: str = SANDBOX_API_KEY,
        rotate_refresh_tokens: bool = True,
        failure_share: float = SANDBOX_FAILURE_SHARE,
    ) -> None:
        if clock is None and speed is not None:
            clock = SandboxClock(speed=speed)
        super().__init__(clock=clock, faults=faults, duplicate_ids=duplicate_ids)
        self.tokens = TokenIssuer(self.clock, token_ttl, issuer="hypersku-sandbox")
        self.users = dict(users or {SANDBOX_USERNAME: SANDBOX_PASSWORD})
        self.clients = dict(clients or {SANDBOX_CLIENT_ID: SANDBOX_CLIENT_SECRET})
        self.forbidden_clients: set[str] = set()
        self.store_code = store_code
        self.require_api_key = require_api_key
        self.api_key = api_key
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.failure_share = failure_share
        self.api_keys_seen: list[str | None] = []
        self._seq = 0
        self._seq_lock = threading.Lock()
        self.inventory: dict[str, dict[str, Any]] = {
            sku: {"warehouseName": wh, "available": n, "locked": 0}
            for sku, (wh, n) in SANDBOX_INVENTORY.items()
        }
        self._skus = {
            sku["skuId"]: {**sku, "productId": p["productId"], "title": p["title"]}
            for p in (*SANDBOX_PRODUCTS, *SANDBOX_PRIVATE_PRODUCTS)
            for sku in p["skus"]
        }
        self.store.insert(
            "refresh_tokens",
            SANDBOX_REFRESH_TOKEN,
            {
                "client": SANDBOX_CLIENT_ID,
                "subject": SANDBOX_USERNAME,
                "expires": self.clock.now() + SANDBOX_REFRESH_TOKEN_TTL,
            },
        )

    # ------------------------------------------------------------------ helpers
    def now(self) -> float:
        return self.clock.now()

    def fmt(self, ts: float) -> str:
        return datetime.fromtimestamp(ts, CST).strftime(TIME_FORMAT)

    def _issued(self) -> None:
        with self.lock:
            self.token_calls += 1

    def authorized(self, header: str | None) -> dict[str, Any] | None:
        """The claims of the token in an ``Authorization`` header (raw or ``Bearer``)."""
        value = (header or "").strip()
        if value.lower().startswith("bearer "):
            value = value[7:].strip()
        return self.tokens.check(value)

    def stats(self) -> dict[str, Any]:
        return {**super().stats(), "orders": len(self.store.table("orders"))}

    # ------------------------------------------------------------------ authentication
    def login(self, body: Any, api_key: str | None) -> Envelope:
        """``POST /api/auth/admin/token``: ``LoginResDto``."""
        self.api_keys_seen.append(api_key)
        if self.require_api_key and api_key != self.api_key:
            return fail(40331, "API key not accepted")
        if not isinstance(body, dict):
            return fail(40102, "User invalid: username and password are required")
        username, password = str(body.get("username") or ""), str(body.get("password") or "")
        if not username or self.users.get(username) != password:
            return fail(40102, "User invalid: wrong username or password")
        token = self.tokens.issue(username)
        self._issued()
        return {"message": "success", "status": 200, "token": token}

    def authorize(
        self,
        client_id: str = SANDBOX_CLIENT_ID,
        redirect_uri: str = SANDBOX_REDIRECT_URI,
        subject: str = SANDBOX_USERNAME,
    ) -> str:
        """A one-time authorisation code, as if ``subject`` had approved the app."""
        if client_id not in self.clients:
            raise SandboxInputError(f"unknown clientId {client_id}")
        code = "code_" + secrets.token_urlsafe(12)
        self.store.insert(
            "auth_codes",
            code,
            {
                "client": client_id,
                "subject": subject,
                "redirect": redirect_uri,
                "expires": self.now() + SANDBOX_AUTH_CODE_TTL,
            },
        )
        return code

    def _client_error(self, body: Any) -> Envelope | None:
        if not isinstance(body, dict):
            return fail(40131, "Client invalid: clientId and clientSecret are required")
        client_id = str(body.get("clientId") or "")
        if client_id not in self.clients or self.clients[client_id] != body.get("clientSecret"):
            return fail(40131, "Client invalid")
        if client_id in self.forbidden_clients:
            return fail(40331, "Client forbidden")
        return None

    def _oauth_tokens(self, client_id: str, subject: str) -> Envelope:
        access = self.tokens.issue(f"oauth:{client_id}:{subject}")
        refresh = "rt_" + secrets.token_urlsafe(24)
        self.store.insert(
            "refresh_tokens",
            refresh,
            {"client": client_id, "subject": subject, "expires": self.now() + SANDBOX_REFRESH_TOKEN_TTL},
        )
        self._issued()
        return ok(
            {
                "accessToken": access,
                "refreshToken": refresh,
                "expiresIn": int(self.tokens.ttl),
                "scope": "oms",
            }
        )

    def oauth_access_token(self, body: Any) -> Envelope:
        """``POST /api/auth/admin/token/access_token``: ``{clientId, clientSecret, code}`` -> ``OAuth2TokenVo``."""
        error = self._client_error(body)
        if error is not None:
            return error
        grant = self.store.delete("auth_codes", str(body.get("code") or ""))
        if grant is None or grant["client"] != body["clientId"] or grant["expires"] <= self.now():
            return fail(500, "authorization code invalid or expired")
        return self._oauth_tokens(grant["client"], grant["subject"])

    def oauth_refresh(self, body: Any) -> Envelope:
        """``POST /api/auth/admin/token/refresh_token``: ``{clientId, clientSecret, refreshToken}``."""
        error = self._client_error(body)
        if error is not None:
            return error
        token = str(body.get("refreshToken") or "")
        with self.store.lock:
            grant = self.store.get("refresh_tokens", token)
            if grant is None or grant["client"] != body["clientId"] or grant["expires"] <= self.now():
                return fail(40101, "refresh token invalid or expired")
            if not self.rotate_refresh_tokens:
                access = self.tokens.issue(f"oauth:{grant['client']}:{grant['subject']}")
                self._issued()
                return ok(
                    {
                        "accessToken": access,
                        "refreshToken": token,
                        "expiresIn": int(self.tokens.ttl),
                        "scope": "oms",
                    }
                )
            self.store.delete("refresh_tokens", token)
            return self._oauth_tokens(grant["client"], grant["subject"])

    # ------------------------------------------------------------------ orders: state
    def outcome(self, third_order_id: str) -> str:
        return sandbox_outcome(third_order_id, self.failure_share)

    def status_of(self, order: Mapping[str, Any], now: float | None = None) -> int:
        now = self.now() if now is None else now
        if order.get("cancelledAt") is not None and now >= order["cancelledAt"]:
            return CLOSED
        status: int = LIFECYCLES[order["path"]].status_at(order["created"], now)
        return status

    def _reached(self, order: Mapping[str, Any], status: int, now: float) -> float | None:
        """When ``order`` entered ``status``, ``None`` when it has not (yet)."""
        if order.get("cancelledAt") is not None and order["cancelledAt"] <= now and status != CLOSED:
            now = order["cancelledAt"]
        for step, at in LIFECYCLES[order["path"]].history(order["created"], now):
            if step == status:
                return at
        if status == CLOSED and order.get("cancelledAt") is not None and order["cancelledAt"] <= now:
            return float(order["cancelledAt"])
        return None

    def tracking_number(self, order: Mapping[str, Any]) -> str:
        return f"HSK{order['orderId']}{order['address']['countryCode']}"

    def view(self, order: Mapping[str, Any]) -> dict[str, Any]:
        """The order as ``OrderResult``."""
        now = self.now()
        status = self.status_of(order, now)
        paid = self._reached(order, PROCESSING, now)
        address = order["address"]
        shipped = self._reached(order, SHIPPING, now) is not None
        channel = order["channel"]
        return {
            "orderId": order["orderId"],
            "storeOrderId": order["thirdOrderId"],
            "thirdOrderId": order["thirdOrderId"],
            "thirdOrderName": order["thirdOrderName"],
            "storeCode": self.store_code,
            "status": status,
            "statusName": ORDER_STATUS_NAMES[status],
            "amount": _money(order["amount"]),
            "actualAmount": _money(order["amount"]) if paid is not None else 0.0,
            "freight": _money(order["freight"]),
            "taxAmount": 0.0,
            "currencyCode": SANDBOX_CURRENCY,
            "warehouseName": order["warehouseName"],
            "logisticsId": channel["logisticsId"],
            "paymentTime": self.fmt(paid) if paid is not None else None,
            "crtTime": self.fmt(order["created"]),
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
                        "trackingNumber": self.tracking_number(order),
                        "expressDelivery": channel["carrier"],
                        "initialTrackingNumber": self.tracking_number(order),
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
    def _address(self, value: Any, what: str = "shippingAddress.") -> dict[str, Any]:
        if not isinstance(value, dict):
            raise SandboxInputError("shippingAddress is required")
        address = {key: _text(value, key, what) for key in _REQUIRED_ADDRESS}
        address["countryCode"] = address["countryCode"].upper()
        if address["countryCode"] not in SANDBOX_COUNTRIES:
            raise SandboxInputError(f"country {address['countryCode']} is not supported")
        for key in ("address2", "email", "taxNo"):
            if value.get(key):
                address[key] = str(value[key])
        return address

    def _lines(self, items: Any) -> list[dict[str, Any]]:
        if not isinstance(items, list) or not items:
            raise SandboxInputError("skuItems must list at least one SKU")
        lines = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise SandboxInputError(f"skuItems[{index}] must be an object")
            sku_id = str(item.get("skuId") or "")
            if sku_id not in self._skus:
                raise SandboxInputError(f"skuItems[{index}].skuId {sku_id or '(missing)'} not found")
            num = item.get("num")
            if not isinstance(num, int) or isinstance(num, bool) or num <= 0:
                raise SandboxInputError(f"skuItems[{index}].num must be a positive integer")
            sku = self._skus[sku_id]
            lines.append({**sku, "num": num, "fromInventory": False})
        return lines

    def quote(self, country: str, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``LogisticsReponseDto`` options for SKU lines to ``country``."""
        _name, factor, offset = SANDBOX_COUNTRIES[country]
        kg = max(Decimal("0.1"), sum((Decimal(line["weight"]) * line["num"] for line in lines), Decimal(0)))
        options = []
        for channel in SANDBOX_LOGISTICS:
            freight = (Decimal(channel["base"]) + Decimal(channel["perKg"]) * kg) * Decimal(str(factor))
            options.append(
                {
                    "logisticsId": channel["logisticsId"],
                    "logisticsName": channel["logisticsName"],
                    "freight": _money(freight),
                    "currency": SANDBOX_CURRENCY,
                    "deliveryDays": max(2, channel["days"] + offset),
                }
            )
        return options

    def _next_order_id(self) -> tuple[str, int]:
        with self._seq_lock:
            self._seq += 1
            return str(ORDER_ID_BASE + self._seq), self._seq

    # ------------------------------------------------------------------ endpoints
    def country_codes(self, body: Any = None) -> Envelope:
        rows = []
        for code, (name, _factor, _offset) in SANDBOX_COUNTRIES.items():
            row: dict[str, Any] = {"countryCode": code, "countryName": name}
            if code in SANDBOX_REGIONS:
                row["regions"] = [{"regionCode": c, "regionName": n} for c, n in SANDBOX_REGIONS[code]]
            rows.append(row)
        return ok(rows)

    def logistics_sku(self, body: Any) -> Envelope:
        if not isinstance(body, dict):
            raise SandboxInputError("body must be a LogisticsRequestDto object")
        country = _text(body, "countryCode", "").upper()
        if country not in SANDBOX_COUNTRIES:
            raise SandboxInputError(f"country {country} is not supported")
        lines = self._lines(body.get("skuItems"))
        return ok({"countryCode": country, "options": self.quote(country, lines)})

    def create(self, body: Any) -> Envelope:
        if not isinstance(body, dict):
            raise SandboxInputError("body must be an OrdersInfoDto object")
        third = _text(body, "thirdOrderId", "")
        address = self._address(body.get("shippingAddress"))
        lines = self._lines(body.get("skuItems"))
        logistics_id = _text(body, "logisticsId", "")
        channel = next((c for c in SANDBOX_LOGISTICS if c["logisticsId"] == logistics_id), None)
        if channel is None:
            raise SandboxInputError(f"logisticsId {logistics_id} not found")
        quote = next(o for o in self.quote(address["countryCode"], lines) if o["logisticsId"] == logistics_id)
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
                    self._history(order_id, line["skuId"], line["num"], "LOCK", stock["warehouseName"])
            freight = Decimal(str(quote["freight"]))
            amount = sum((Decimal(line["price"]) * line["num"] for line in lines), Decimal(0)) + freight
            order = {
                "orderId": order_id,
                "seq": seq,
                "thirdOrderId": third,
                "thirdOrderName": str(body.get("thirdOrderName") or third),
                "created": self.now(),
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
                    "amount": _money(amount),
                    "currencyCode": SANDBOX_CURRENCY,
                }
            }
        )

    def _history(self, order_id: str, sku_id: str, num: int, kind: str, warehouse: str) -> None:
        with self.store.lock:
            rows = self.store.table("inventory_history").setdefault(order_id, [])
            rows.append(
                {
                    "orderId": order_id,
                    "skuId": sku_id,
                    "num": num if kind == "RELEASE" else -num,
                    "type": kind,
                    "warehouseName": warehouse,
                    "crtTime": self.fmt(self.now()),
                    "remark": "locked for order" if kind == "LOCK" else "released: order closed",
                }
            )

    def orders_status(self, body: Any) -> Envelope:
        if not isinstance(body, list):
            raise SandboxInputError("body must be a JSON array of order ids")
        now = self.now()
        rows = []
        for order_id in body:
            order = self.store.get("orders", str(order_id))
            if order is not None:
                status = self.status_of(order, now)
                rows.append(
                    {"orderId": order["orderId"], "status": status, "statusName": ORDER_STATUS_NAMES[status]}
                )
        return ok(rows)

    @staticmethod
    def _paging(body: Any) -> tuple[int, int]:
        body = body if isinstance(body, dict) else {}
        try:
            page, limit = int(body.get("page") or 1), int(body.get("limit") or 10)
        except (TypeError, ValueError) as err:
            raise SandboxInputError("page and limit must be integers") from err
        if page < 1 or limit < 1:
            raise SandboxInputError("page and limit must be positive")
        return page, min(limit, 500)

    @staticmethod
    def _slice(rows: list[Any], page: int, limit: int) -> Envelope:
        return table(rows[(page - 1) * limit : page * limit], len(rows))

    def _time(self, value: Any, key: str) -> float | None:
        if value in (None, ""):
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value / 1000 if value > 1e11 else float(value)
        try:
            return datetime.strptime(str(value), TIME_FORMAT).replace(tzinfo=CST).timestamp()
        except ValueError as err:
            raise SandboxInputError(f"{key} must be yyyy-MM-dd HH:mm:ss") from err

    def order_infos(self, body: Any) -> Envelope:
        page, limit = self._paging(body)
        body = body if isinstance(body, dict) else {}
        start, end = (
            self._time(body.get("startTime"), "startTime"),
            self._time(body.get("endTime"), "endTime"),
        )
        status = body.get("status")
        now = self.now()
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
        store_code = _text(body, "storeCode", "")
        if store_code != self.store_code:
            raise SandboxInputError(f"store {store_code} not found")
        return ok([self.view(order) for order in self.orders_by_third(_text(body, "storeOrderId", ""))])

    def _order(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise SandboxInputError("body must be {orderId}")
        order_id = _text(body, "orderId", "")
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
            order["cancelledAt"] = self.now()
            for line in order["lines"]:
                stock = self.inventory.get(line["skuId"])
                if line["fromInventory"] and stock is not None:
                    stock["available"] += line["num"]
                    stock["locked"] -= line["num"]
                    self._history(
                        order["orderId"], line["skuId"], line["num"], "RELEASE", stock["warehouseName"]
                    )
        return ok({"orderId": order["orderId"], "status": CLOSED, "statusName": ORDER_STATUS_NAMES[CLOSED]})

    def update_address(self, body: Any) -> Envelope:
        order = self._order(body)
        address = self._address(body.get("shippingAddress"))
        with self.store.lock:
            status = self.status_of(order)
            if status not in EDITABLE_STATUSES:
                return fail(
                    500,
                    f"the address of order {order['orderId']} cannot change in status {status} ({ORDER_STATUS_NAMES[status]})",
                )
            order["address"] = address
        return ok({"orderId": order["orderId"], **self.view(order)["ordersAddress"]})

    def stock_order_info(self, body: Any) -> Envelope:
        page, limit = self._paging(body)
        wanted = body.get("orderId") if isinstance(body, dict) else None
        rows = [dict(o) for o in SANDBOX_STOCK_ORDERS if wanted in (None, "", o["orderId"])]
        return self._slice(rows, page, limit)

    def _inventory_rows(self, sku_id: str | None = None) -> list[dict[str, Any]]:
        rows = []
        for sku, stock in self.inventory.items():
            if sku_id and sku != sku_id:
                continue
            rows.append(
                {
                    "skuId": sku,
                    "productId": self._skus[sku]["productId"],
                    "goodsName": self._skus[sku]["title"],
                    "available": stock["available"],
                    "locked": stock["locked"],
                    "warehouseName": stock["warehouseName"],
                }
            )
        return rows

    def inventory_info(self, body: Any) -> Envelope:
        page, limit = self._paging(body)
        sku_id = body.get("skuId") if isinstance(body, dict) else None
        return self._slice(self._inventory_rows(sku_id), page, limit)

    def customer_inventory(self, body: Any) -> Envelope:
        sku_id = body.get("skuId") if isinstance(body, dict) else None
        return ok(
            [
                {k: row[k] for k in ("skuId", "available", "locked", "warehouseName")}
                for row in self._inventory_rows(sku_id)
            ]
        )

    def inventory_history(self, body: Any) -> Envelope:
        order = self._order(body)
        return ok(list(self.store.table("inventory_history").get(order["orderId"], [])))

    def _products(self, products: tuple[dict[str, Any], ...], body: Any) -> Envelope:
        page, limit = self._paging(body)
        keyword = str((body or {}).get("keyword") or "").strip().lower() if isinstance(body, dict) else ""
        rows = [
            p
            for p in products
            if not keyword
            or keyword in p["title"].lower()
            or any(keyword in s["skuId"].lower() for s in p["skus"])
        ]
        return self._slice([json.loads(json.dumps(p)) for p in rows], page, limit)

    def product_info(self, body: Any) -> Envelope:
        return self._products(SANDBOX_PRODUCTS, body)

    def private_product(self, body: Any) -> Envelope:
        return self._products(SANDBOX_PRIVATE_PRODUCTS, body)

    def international_logistics(self, storeOrderId: str) -> Envelope:
        """``GET .../internationalLogisticsInfo/{storeOrderId}``: tracking of an order (your ``thirdOrderId``)."""
        store_order_id = storeOrderId
        order = self.order_by_third(store_order_id) or self.store.get("orders", store_order_id)
        if order is None:
            raise SandboxInputError(f"order {store_order_id} not found")
        now = self.now()
        shipped_at = self._reached(order, SHIPPING, now)
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
        end = self._reached(order, DELIVERED, now)
        if end is not None:
            plan.append((1.0, "Delivered", city, country))
        returned = self._reached(order, RETURNED, now)
        if returned is not None:
            plan.append((0.95, "Delivery failed: addressee unknown", city, country))
            plan.append((1.0, "Returned to sender", "Shenzhen", "CN"))
        events = []
        for fraction, thing, event_city, event_country in plan:
            at = shipped_at + fraction * SHIPPING_SECONDS
            if at <= now:
                events.append(
                    {
                        "eventTime": self.fmt(at),
                        "eventThing": thing,
                        "eventCity": event_city,
                        "eventCountry": event_country,
                    }
                )
        events.reverse()  # newest first, as tracking pages list them
        return ok(
            {
                "trackingNumber": self.tracking_number(order),
                "expressDelivery": order["channel"]["carrier"],
                "tracks": events,
            }
        )
