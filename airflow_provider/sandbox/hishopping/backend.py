"""
HiShopping simulator: the web API (JWT) and the signed, encrypted open API, with a credit ledger.

- Web API ``/api/v1/web``: ``POST /login`` (3001 unknown e-mail, 3002 wrong password, 3003
  disabled user; a 24 h JWT on the sandbox clock), then ``Authorization: Bearer`` on every call
  (1004 when missing, 4001 when invalid or expired). Every answer is HTTP 200 with
  ``{code, message, data}``.
- Open API ``/api/v1/open``: every body an envelope; the signature is verified (1001), then the
  timestamp (+-5 min of real time, 1001) and the nonce (reused: 1001); unknown App ID 1002,
  disabled app 1003, data that does not decrypt 1005. Answers are sealed the same way with the
  app's keys; errors come plain as ``{code, message}``.
- Credit: every create is charged ``goods amount + fee`` (2001 when the balance is short);
  cancelled and failed orders are refunded; every movement is a ledger transaction.
- A second create with the same ``merchant_order`` answers 2002 (the documented answer), unless
  the duplicate-id mode is ``accept``: then it makes a second order.
- Orders move pending -> processing -> shipped (tracking number) -> completed on the sandbox
  clock. A ``merchant_order`` containing ``CANCEL`` is cancelled, one containing ``FAIL`` fails;
  a small deterministic share of the others does too (``cancel_rate``, ``fail_rate``).
- Not in the vendor's code table, sandbox choices: a malformed request is HTTP 400 with code
  400, an unknown order or goods item HTTP 404 with code 404.

This module is the backend (state and rules, no HTTP); :mod:`.routes` is the HTTP layer,
:mod:`.crypto` the envelope code, :mod:`.seed` the accounts and catalogue.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from airflow_provider.sandbox.hishopping import crypto
from airflow_provider.sandbox.hishopping.seed import (
    CURRENCY,
    FEE_RATE,
    JWT_TTL,
    PENDING_SECONDS,
    PROCESSING_SECONDS,
    SANDBOX_APP_ID,
    SANDBOX_APP_ID_2,
    SANDBOX_DISABLED_EMAIL,
    SANDBOX_EMAIL,
    SANDBOX_GOODS,
    SANDBOX_PASSWORD,
    SANDBOX_SECRET_KEY,
    SANDBOX_SECRET_KEY_2,
    SANDBOX_SIGN_KEY,
    SANDBOX_SIGN_KEY_2,
    SHIPPED_SECONDS,
    STARTING_CREDIT,
    TIMESTAMP_WINDOW,
)
from airflow_provider.sandbox.kit import (
    DuplicateIds,
    Faults,
    Lifecycle,
    SandboxBackend,
    SandboxClock,
    TokenIssuer,
    pick,
)

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
CENT = Decimal("0.01")


class SandboxAnswer(Exception):
    """An error answer: ``{code, message}`` with HTTP ``http_status``."""

    def __init__(self, code: int, message: str, http_status: int = 200) -> None:
        self.code = code
        self.message = message
        self.http_status = http_status
        super().__init__(message)


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _epoch(value: Any, name: str) -> float | None:
    """A time filter: Unix seconds (or milliseconds) or ISO-8601."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, int | float) or str(value).strip().lstrip("-").isdigit():
            seconds = float(value)
            return seconds / 1000 if seconds > 1e11 else seconds
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise SandboxAnswer(400, f"{name}: not a time", 400) from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _int(value: Any, name: str, default: int, low: int = 1, high: int = 1000) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SandboxAnswer(400, f"{name}: not an integer", 400) from None
    if not low <= number <= high:
        raise SandboxAnswer(400, f"{name}: must be between {low} and {high}", 400)
    return number


class HiShoppingBackend(SandboxBackend):
    """
    State of the HiShopping simulator: accounts, apps, the goods catalogue, orders, the ledger.

    :param clock: the lifecycle and JWT clock (a new one at ``speed`` when omitted).
    :param faults: shared fault injection.
    :param speed: simulated seconds per real second when no clock is given.
    :param starting_credit: the merchant's credit at start.
    :param cancel_rate: share of orders (by ``merchant_order``) that end cancelled.
    :param fail_rate: share of orders that end failed.
    :param wall_clock: real time for envelope timestamps (not the sandbox clock).
    """

    #: the documented answer to a reused ``merchant_order`` is 2002
    default_duplicate_ids: ClassVar[DuplicateIds] = "refuse"

    platform = "hishopping"
    auth_paths = ("/api/v1/web/login",)

    def __init__(
        self,
        *,
        clock: SandboxClock | None = None,
        faults: Faults | None = None,
        duplicate_ids: DuplicateIds | None = None,
        speed: float = 1.0,
        starting_credit: Decimal | str | int = STARTING_CREDIT,
        cancel_rate: float = 0.02,
        fail_rate: float = 0.02,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(clock=clock or SandboxClock(speed), faults=faults, duplicate_ids=duplicate_ids)
        self.tokens = TokenIssuer(self.clock, JWT_TTL, issuer="hishopping-sandbox")
        self.wall_clock = wall_clock
        self.weights = {
            "ok": max(0.0, 1 - cancel_rate - fail_rate),
            "cancelled": cancel_rate,
            "failed": fail_rate,
        }
        self.users: dict[str, dict[str, Any]] = {}
        self.apps: dict[str, dict[str, Any]] = {}
        self.add_user(SANDBOX_EMAIL, SANDBOX_PASSWORD)
        self.add_user(SANDBOX_DISABLED_EMAIL, SANDBOX_PASSWORD, enabled=False)
        self.add_app(SANDBOX_APP_ID, SANDBOX_SECRET_KEY, SANDBOX_SIGN_KEY)
        self.add_app(SANDBOX_APP_ID_2, SANDBOX_SECRET_KEY_2, SANDBOX_SIGN_KEY_2)
        self.goods = {str(item["goods_id"]): item for item in SANDBOX_GOODS}
        self.balance = Decimal("0.00")
        self.transactions: list[dict[str, Any]] = []
        self._nonces: dict[tuple[str, str], float] = {}
        self._codes: deque[tuple[int, str | None]] = deque()
        self._sequence = 0
        self._txn_sequence = 0
        self._ledger_lock = threading.RLock()
        self.top_up(starting_credit, remark="opening credit")

    # ------------------------------------------------------------------ set-up helpers
    def add_user(self, email: str, password: str, *, enabled: bool = True) -> None:
        self.users[email.lower()] = {"password": password, "enabled": enabled}

    def add_app(self, app_id: str, secret_key: str, sign_key: str, *, enabled: bool = True) -> None:
        self.apps[app_id] = {"secret_key": secret_key, "sign_key": sign_key, "enabled": enabled}

    def script_code(self, code: int, count: int = 1, path_contains: str | None = None) -> None:
        """Answer vendor ``code`` (e.g. 5001 internal error) to the next ``count`` matching calls."""
        for _ in range(count):
            self._codes.append((int(code), path_contains))

    def top_up(self, amount: Decimal | str | int, *, remark: str = "top-up") -> dict[str, Any]:
        """Add credit (a ``recharge`` transaction)."""
        value = Decimal(str(amount))
        if value <= 0:
            raise ValueError("a top-up must be positive")
        with self._ledger_lock:
            self.settle()
            return self._book("recharge", value, self.clock.now(), remark=remark)

    # ------------------------------------------------------------------ ledger and orders
    def _next(self) -> int:
        with self.lock:
            self._sequence += 1
            return self._sequence

    def _next_txn(self) -> int:
        with self.lock:
            self._txn_sequence += 1
            return self._txn_sequence

    def _book(
        self, kind: str, amount: Decimal, at: float, *, order_no: str | None = None, remark: str = ""
    ) -> dict[str, Any]:
        before = self.balance
        self.balance = before + amount
        row = {
            "reference_no": f"TXN{self._next_txn():010d}",
            "type": kind,
            "amount": _money(amount),
            "balance_before": _money(before),
            "balance_after": _money(self.balance),
            "created_at": _iso(at),
            "order_no": order_no,
            "remark": remark,
            "_at": at,
        }
        self.transactions.append(row)
        return row

    def path_of(self, merchant_order: str) -> str:
        """Which path an order takes: ``ok``, ``cancelled`` or ``failed`` (deterministic)."""
        upper = merchant_order.upper()
        if "CANCEL" in upper:
            return "cancelled"
        if "FAIL" in upper:
            return "failed"
        return pick(merchant_order, self.weights)

    def settle(self) -> None:
        """Refund orders that reached cancelled/failed by now, in the order they got there."""
        now = self.clock.now()
        with self._ledger_lock:
            due: list[tuple[float, dict[str, Any], str]] = []
            for order in self.store.values("orders"):
                if order["refunded"]:
                    continue
                lifecycle = PATHS[order["path"]]
                status = lifecycle.status_at(order["created"], now)
                if status in REFUNDED_STATUSES:
                    entered = lifecycle.history(order["created"], now)[-1][1]
                    due.append((entered, order, status))
            for entered, order, status in sorted(due, key=lambda item: (item[0], item[1]["order_no"])):
                order["refunded"] = True
                self._book(
                    "refund",
                    order["total_charge"],
                    entered,
                    order_no=order["order_no"],
                    remark=f"order {status}",
                )

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
            "unit_price": _money(order["unit_price"]),
            "goods_amount": _money(order["goods_amount"]),
            "fee": _money(order["fee"]),
            "total_charge": _money(order["total_charge"]),
            "currency": CURRENCY,
            "status": status,
            "tracking_no": order["tracking_no"] if status in ("shipped", "completed") else None,
            "created_at": _iso(order["created"]),
            "updated_at": _iso(history[-1][1]),
        }
        if full:
            row["receiver"] = order["receiver"]
            row["remark"] = order["remark"]
            row["status_history"] = [{"status": s, "at": _iso(at)} for s, at in history]
        return row

    def find_order(self, *, order_no: str | None = None, merchant_order: str | None = None) -> dict[str, Any]:
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

    def create_order(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Validate, refuse duplicates (2002) and short credit (2001), charge, store."""
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
        for name in ("name", "phone", "country", "province", "city", "address", "zip"):
            if not str(receiver.get(name) or "").strip():
                raise SandboxAnswer(400, f"receiver.{name}: required", 400)
        unit = Decimal(sku["price"])
        goods_amount = (unit * quantity).quantize(CENT, rounding=ROUND_HALF_UP)
        fee = (goods_amount * FEE_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
        total = goods_amount + fee
        with self._ledger_lock:
            self.settle()
            if self.id_refused("merchant_orders", merchant_order):
                raise SandboxAnswer(2002, "duplicate order")
            if self.balance < total:
                raise SandboxAnswer(
                    2001, f"insufficient credit: balance {_money(self.balance)}, need {_money(total)}"
                )
            now = self.clock.now()
            sequence = self._next()
            order_no = f"HS{datetime.fromtimestamp(now, UTC):%Y%m%d}{sequence:08d}"
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
            self._book("charge", -total, now, order_no=order_no, remark=f"order {merchant_order}")
        row = self.view(order, full=False)
        return {
            key: row[key]
            for key in ("order_no", "merchant_order", "goods_amount", "fee", "total_charge", "status")
        }

    def list_orders(self, query: dict[str, Any]) -> dict[str, Any]:
        self.settle()
        page = _int(query.get("page"), "page", 1, 1, 1_000_000)
        size = _int(query.get("page_size"), "page_size", 20, 1, 500)
        status = query.get("status") or None
        start = _epoch(query.get("start_time"), "start_time")
        end = _epoch(query.get("end_time"), "end_time")
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
        return _paged(views, page, size)

    def list_transactions(self, query: dict[str, Any]) -> dict[str, Any]:
        self.settle()
        page = _int(query.get("page"), "page", 1, 1, 1_000_000)
        size = _int(query.get("page_size"), "page_size", 20, 1, 500)
        start = _epoch(query.get("start_time"), "start_time")
        end = _epoch(query.get("end_time"), "end_time")
        with self._ledger_lock:
            rows = [
                {key: value for key, value in row.items() if not key.startswith("_")}
                for row in reversed(self.transactions)
                if (start is None or int(row["_at"]) >= start) and (end is None or int(row["_at"]) < end)
            ]
        return _paged(rows, page, size)

    def credit(self) -> dict[str, Any]:
        self.settle()
        with self._ledger_lock:
            recharged = sum(
                (Decimal(r["amount"]) for r in self.transactions if r["type"] == "recharge"), Decimal(0)
            )
            charged = sum(
                (Decimal(r["amount"]) for r in self.transactions if r["type"] == "charge"), Decimal(0)
            )
            refunded = sum(
                (Decimal(r["amount"]) for r in self.transactions if r["type"] == "refund"), Decimal(0)
            )
            return {
                "balance": _money(self.balance),
                "currency": CURRENCY,
                "frozen": "0.00",
                "total_recharge": _money(recharged),
                "total_spent": _money(-(charged + refunded)),
            }

    def list_goods(self, query: dict[str, Any]) -> dict[str, Any]:
        page = _int(query.get("page"), "page", 1, 1, 1_000_000)
        size = _int(query.get("page_size"), "page_size", 20, 1, 500)
        category = query.get("category_id")
        keyword = str(query.get("keyword") or "").lower()
        rows = [
            {key: value for key, value in item.items() if key != "skus"} | {"currency": CURRENCY}
            for item in SANDBOX_GOODS
            if (category in (None, "") or str(item["category_id"]) == str(category))
            and keyword in item["goods_name"].lower()
        ]
        return _paged(rows, page, size)

    def goods_detail(self, goods_id: Any) -> dict[str, Any]:
        item = self.goods.get(str(goods_id))
        if item is None:
            raise SandboxAnswer(404, f"goods {goods_id!r} not found", 404)
        return {**item, "currency": CURRENCY, "skus": [dict(sku) for sku in item["skus"]]}

    # ------------------------------------------------------------------ auth checks
    def scripted_code(self, path: str) -> None:
        """Raise a vendor code scripted with :meth:`script_code` for this path, if any."""
        with self.lock:
            for index, (code, needle) in enumerate(self._codes):
                if needle is None or needle in path:
                    del self._codes[index]
                    raise SandboxAnswer(code, "internal error" if code == 5001 else "scripted error")

    def login(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not body.get("email") or not body.get("password"):
            raise SandboxAnswer(400, "email and password are required", 400)
        user = self.users.get(str(body["email"]).lower())
        if user is None:
            raise SandboxAnswer(3001, "user not found")
        if user["password"] != body["password"]:
            raise SandboxAnswer(3002, "invalid credentials")
        if not user["enabled"]:
            raise SandboxAnswer(3003, "user disabled")
        token = self.tokens.issue(str(body["email"]).lower())
        with self.lock:
            self.token_calls += 1
        return {"token": token}

    def check_bearer(self, header: str | None) -> None:
        if not header:
            raise SandboxAnswer(1004, "missing auth header")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or self.tokens.check(token.strip()) is None:
            raise SandboxAnswer(4001, "unauthorized")

    def open_request(self, body: Any) -> tuple[dict[str, Any], Any]:
        """Check an open API envelope; returns the app and the decrypted payload."""
        if not isinstance(body, dict):
            raise SandboxAnswer(1001, "invalid signature: body is not an envelope")
        app_id = body.get("app_id")
        app = self.apps.get(app_id) if isinstance(app_id, str) else None
        if app is None:
            raise SandboxAnswer(1002, "app not found")
        if not app["enabled"]:
            raise SandboxAnswer(1003, "app disabled")
        if not crypto.signature_ok(body, app["sign_key"]):
            raise SandboxAnswer(1001, "invalid signature")
        now = self.wall_clock()
        if abs(now - int(body["timestamp"])) > TIMESTAMP_WINDOW:
            raise SandboxAnswer(1001, "invalid signature: timestamp outside the 5 minute window")
        nonce = body["nonce"]
        if not 8 <= len(nonce) <= 64:
            raise SandboxAnswer(1001, "invalid signature: nonce must be 16-32 hex characters")
        with self.lock:
            for key, seen in list(self._nonces.items()):
                if seen < now - 2 * TIMESTAMP_WINDOW:
                    del self._nonces[key]
            key = (str(app_id), str(nonce))
            if key in self._nonces:
                raise SandboxAnswer(1001, "invalid signature: nonce already used")
            self._nonces[key] = now
        try:
            payload = crypto.open_data(body["data"], app["secret_key"])
        except crypto.SealError:
            raise SandboxAnswer(1005, "invalid API key: data does not decrypt") from None
        if not isinstance(payload, dict):
            raise SandboxAnswer(400, "the payload must be a JSON object", 400)
        return {"app_id": app_id, **app}, payload

    def seal(self, app: dict[str, Any], data: Any) -> dict[str, Any]:
        """A success answer of the open API: the payload sealed with the app's keys."""
        sealed = crypto.seal(
            data,
            app_id=app["app_id"],
            secret_key=app["secret_key"],
            sign_key=app["sign_key"],
            nonce=secrets.token_hex(16),
            timestamp=int(self.wall_clock()),
        )
        return {"code": 0, "message": "success", **sealed}


def _paged(rows: list[dict[str, Any]], page: int, size: int) -> dict[str, Any]:
    start = (page - 1) * size
    return {"list": rows[start : start + size], "total": len(rows), "page": page, "page_size": size}
