"""
超8 (Chao8) sandbox: the open platform's token call and the traceability / catalogue calls.

What it enforces, as the vendor documents it: the MD5 ``secretKeySign`` (21184031 on a
mismatch, 21184033 for an unknown key, 21184032 for a disabled app, 21180031 / 21180041 for
empty fields), one token call per minute per application on the sandbox clock (21185002; the
window is :attr:`Chao8Backend.token_rate_window`), the token lifetime (``tokenTtl`` ``PT8H`` and
``tokenTtlSeconds``), HS256 JWTs from ``yesno.com.cn`` with ``exp``/``iat`` in milliseconds,
``20324012`` for an expired or invalid token, and the envelope
``{code, message, data, timestamp, traceId, exception, meta, ext}``.

The business paths and shapes are the inferred ones of ``api/chao8.md`` (the hook's endpoint
table). Logistics orders go 0 created -> 1 scanning -> 2 completed on the sandbox clock, with
scans appearing while they scan; an ``orderNo`` containing ``CANCEL`` goes 0 -> 3 cancelled.
Production orders go 0 pending -> 1 producing -> 2 completed (``CANCEL`` -> 3).

A reused ``orderNo`` is refused (the answer ``api/chao8.md`` gives) unless the duplicate-id mode
is ``accept``. This module is the backend (state and rules); :mod:`.routes` is the HTTP layer.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from airflow_provider.chao8 import constants as c
from airflow_provider.sandbox.chao8.seed import (
    LOGISTICS_CREATED_SECONDS,
    LOGISTICS_SCANNING_SECONDS,
    MAX_BATCH,
    PRODUCTION_PENDING_SECONDS,
    PRODUCTION_RUNNING_SECONDS,
    SANDBOX_ACCESS_KEY,
    SANDBOX_APP_ID,
    SANDBOX_DEALERS,
    SANDBOX_DISABLED_ACCESS_KEY,
    SANDBOX_PRODUCTS,
    SANDBOX_SECRET,
    SCAN_OPERATORS,
    TOKEN_ISSUER,
    TOKEN_RATE_WINDOW_SECONDS,
    TOKEN_TTL_SECONDS,
)
from airflow_provider.sandbox.chao8.wire import parse_wire_time, wire_time
from airflow_provider.sandbox.kit import (
    DuplicateIds,
    Faults,
    Lifecycle,
    SandboxBackend,
    SandboxClock,
    TokenIssuer,
)


def iso_duration(seconds: float) -> str:
    """``seconds`` the way Java's ``Duration.toString`` writes them (``PT8H``, ``PT1M30S``)."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    fraction = seconds - whole
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if secs or fraction or text == "PT":
        text += f"{secs + fraction:g}S"
    return text


def md5_hex(value: str) -> str:
    return hashlib.md5(value.encode("utf-8")).hexdigest()


@dataclass
class SandboxApp:
    """An application registered on the sandbox."""

    access_key: str
    secret: str
    app_id: str
    enabled: bool = True


class Chao8Error(Exception):
    """A business answer with a non-200 code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_LOGISTICS_NORMAL = Lifecycle(((0, LOGISTICS_CREATED_SECONDS), (1, LOGISTICS_SCANNING_SECONDS), (2, 0.0)))
_LOGISTICS_CANCELLED = Lifecycle(((0, LOGISTICS_CREATED_SECONDS), (3, 0.0)))
_PRODUCTION_NORMAL = Lifecycle(((0, PRODUCTION_PENDING_SECONDS), (1, PRODUCTION_RUNNING_SECONDS), (2, 0.0)))
_PRODUCTION_CANCELLED = Lifecycle(((0, PRODUCTION_PENDING_SECONDS), (3, 0.0)))


class Chao8Backend(SandboxBackend):
    """
    The state of one 超8 sandbox: applications, tokens, orders, products and dealers.

    :param clock: the sandbox clock (speed it up to run lifecycles in seconds).
    :param faults: injected faults (token calls are spared unless ``include_auth``).
    :param speed: clock speed when no ``clock`` is given (simulated seconds per real second).
    :param token_ttl: lifetime of issued tokens, sandbox seconds (8 hours by default).
    :param token_rate_window: one successful token call per application per this many sandbox
        seconds (60 by default; tests shorten it).
    :param auth_error_style: ``"code"`` answers a bad token with code 20324012; ``"meta"`` with
        ``meta.status == 401`` (as some gateways do).
    :param seed: load the seed products and dealers.
    """

    platform = "chao8"
    #: a reused ``orderNo`` is answered ORDER_EXISTS (``api/chao8.md``)
    default_duplicate_ids: ClassVar[DuplicateIds] = "refuse"
    auth_paths = (c.TOKEN_PATH,)

    def __init__(
        self,
        *,
        clock: SandboxClock | None = None,
        faults: Faults | None = None,
        duplicate_ids: DuplicateIds | None = None,
        speed: float | None = None,
        token_ttl: float = TOKEN_TTL_SECONDS,
        token_rate_window: float = TOKEN_RATE_WINDOW_SECONDS,
        auth_error_style: str = "code",
        seed: bool = True,
    ) -> None:
        super().__init__(
            clock=clock or SandboxClock(speed=speed or 1.0), faults=faults, duplicate_ids=duplicate_ids
        )
        self.issuer = TokenIssuer(self.clock, token_ttl, issuer=TOKEN_ISSUER, exp_in_ms=True)
        self.token_rate_window = token_rate_window
        self.auth_error_style = auth_error_style
        self.apps: dict[str, SandboxApp] = {}
        self.last_token_at: dict[str, float] = {}
        #: non-200 answers of the token call by code (21185002 included)
        self.token_errors: Counter[int] = Counter()
        self._ids = itertools.count(1580000000000000001)
        self.add_app(SANDBOX_ACCESS_KEY, SANDBOX_SECRET, app_id=SANDBOX_APP_ID)
        self.add_app(SANDBOX_DISABLED_ACCESS_KEY, SANDBOX_SECRET, enabled=False)
        if seed:
            for product in SANDBOX_PRODUCTS:
                self.store.insert("products", product["productCode"], dict(product))
            for dealer in SANDBOX_DEALERS:
                self.store.insert("dealers", dealer["code"], dict(dealer))

    # ------------------------------------------------------------------ settings
    def _insert_order(self, table: str, order_no: str, row: dict[str, Any]) -> None:
        """Store a new order; a reused ``orderNo`` is refused, or (mode ``accept``) kept as a second order."""
        with self.store.lock:
            if self.store.insert(table, order_no, row):
                return
            if self.refuses_duplicates:
                raise Chao8Error(c.ORDER_EXISTS, f"订单编号已存在(order already exists): {order_no}")
            copies = sum(1 for key in self.store.table(table) if key.split("#", 1)[0] == order_no)
            self.store.insert(table, f"{order_no}#{copies + 1}", row)

    def orders_by_no(self, order_no: str) -> list[dict[str, Any]]:
        """Every logistics order created with ``orderNo`` (several only when duplicates are accepted)."""
        rows = self.store.table("logistics_orders")
        return [row for key, row in rows.items() if key.split("#", 1)[0] == order_no]

    @property
    def token_ttl(self) -> float:
        return self.issuer.ttl

    @token_ttl.setter
    def token_ttl(self, seconds: float) -> None:
        self.issuer.ttl = seconds

    def add_app(
        self, access_key: str, secret: str, *, app_id: str | None = None, enabled: bool = True
    ) -> None:
        """Register an application (``access_key`` / ``secret``) on the sandbox."""
        self.apps[access_key] = SandboxApp(access_key, secret, app_id or str(next(self._ids)), enabled)

    def stats(self) -> dict[str, Any]:
        return {**super().stats(), "token_errors": {str(k): v for k, v in self.token_errors.items()}}

    def new_id(self) -> str:
        return str(next(self._ids))

    def now_text(self, at: float | None = None) -> str:
        return wire_time(self.clock.now() if at is None else at)

    # ------------------------------------------------------------------ token call
    def issue_token(self, body: Any) -> dict[str, Any]:
        """The token call's ``data``, or raises :class:`Chao8Error` (with a retry hint for 21185002)."""
        if not isinstance(body, dict):
            body = {}
        access_key = str(body.get("accessKey") or "").strip()
        sign = str(body.get("secretKeySign") or "").strip()
        with self.lock:
            try:
                if not access_key:
                    raise Chao8Error(c.ACCESS_KEY_EMPTY, c.TOKEN_ERROR_MESSAGES[c.ACCESS_KEY_EMPTY])
                if not sign:
                    raise Chao8Error(c.SECRET_EMPTY, c.TOKEN_ERROR_MESSAGES[c.SECRET_EMPTY])
                app = self.apps.get(access_key)
                if app is None:
                    raise Chao8Error(c.APP_NOT_FOUND, c.TOKEN_ERROR_MESSAGES[c.APP_NOT_FOUND])
                if not app.enabled:
                    raise Chao8Error(c.APP_DISABLED, c.TOKEN_ERROR_MESSAGES[c.APP_DISABLED])
                if sign != md5_hex(app.secret):  # lowercase 32-char MD5 hex, nothing else
                    raise Chao8Error(c.WRONG_KEY_OR_SECRET, c.TOKEN_ERROR_MESSAGES[c.WRONG_KEY_OR_SECRET])
                now = self.clock.now()
                last = self.last_token_at.get(access_key)
                if last is not None and now - last < self.token_rate_window:
                    raise _RateLimited((self.token_rate_window - (now - last)) / max(self.clock.speed, 1e-9))
            except Chao8Error as err:
                self.token_errors[err.code] += 1
                raise
            self.last_token_at[access_key] = now
            token = self.issuer.issue(app.app_id)
            self.token_calls += 1
        ttl = self.issuer.ttl
        return {"accessToken": token, "tokenTtl": iso_duration(ttl), "tokenTtlSeconds": int(ttl)}

    def authenticate(self, header: str | None) -> bool:
        """Whether ``Authorization`` carries a valid token (raw, no ``Bearer``)."""
        return self.issuer.check((header or "").strip()) is not None

    # ------------------------------------------------------------------ logistics orders
    def create_logistics_order(self, body: Any) -> dict[str, Any]:
        order = _require_dict(body)
        order_no = _text(order, "orderNo")
        order_type = _int_like(order.get("orderType"))
        if order_type not in (1, 2, 3):
            raise Chao8Error(c.INVALID_PARAMS, "orderType必须为1(出库)、2(退货入库)或3(调拨)")
        source, target = _text(order, "sourceOrgCode"), _text(order, "targetOrgCode")
        lines = _product_lines(order.get("products"))
        now = self.clock.now()
        row = {
            "id": self.new_id(),
            "orderNo": order_no,
            "orderType": order_type,
            "businessType": order.get("businessType"),
            "sourceOrgCode": source,
            "targetOrgCode": target,
            "products": lines,
            "remark": order.get("remark"),
            "created": now,
            "completed": None,
        }
        self._insert_order("logistics_orders", order_no, row)
        return {"id": row["id"], "orderNo": order_no, "status": self._logistics_status(row, now)}

    def _logistics_row(self, order_no: str) -> dict[str, Any]:
        row = self.store.get("logistics_orders", order_no)
        if row is None:
            raise Chao8Error(c.ORDER_NOT_FOUND, f"物流订单不存在(order not found): {order_no}")
        return dict(row)

    def _logistics_status(self, row: dict[str, Any], now: float) -> int:
        if row["completed"] is not None and now >= row["completed"]:
            return 2
        path = _LOGISTICS_CANCELLED if "CANCEL" in row["orderNo"].upper() else _LOGISTICS_NORMAL
        return int(path.status_at(row["created"], now))

    def _scanned_count(self, row: dict[str, Any], now: float) -> int:
        if "CANCEL" in row["orderNo"].upper():
            return 0
        total = sum(line["quantity"] for line in row["products"])
        if row["completed"] is not None:
            now = min(now, row["completed"])
        elapsed = now - row["created"] - LOGISTICS_CREATED_SECONDS
        if elapsed <= 0:
            return 0
        return min(total, math.floor(elapsed / LOGISTICS_SCANNING_SECONDS * total))

    def logistics_view(self, row: dict[str, Any], now: float | None = None) -> dict[str, Any]:
        now = self.clock.now() if now is None else now
        status = self._logistics_status(row, now)
        completed_at = None
        if status == 2:
            natural = row["created"] + LOGISTICS_CREATED_SECONDS + LOGISTICS_SCANNING_SECONDS
            completed_at = wire_time(row["completed"] if row["completed"] is not None else natural)
        return {
            "id": row["id"],
            "orderNo": row["orderNo"],
            "orderType": row["orderType"],
            "businessType": row["businessType"],
            "status": status,
            "sourceOrgCode": row["sourceOrgCode"],
            "targetOrgCode": row["targetOrgCode"],
            "products": [dict(line) for line in row["products"]],
            "scannedCount": self._scanned_count(row, now),
            "remark": row["remark"],
            "createdAt": wire_time(row["created"]),
            "completedAt": completed_at,
        }

    def logistics_order(self, order_no: str) -> dict[str, Any]:
        return self.logistics_view(self._logistics_row(order_no))

    def logistics_scans(self, order_no: str, page_num: int, page_size: int) -> dict[str, Any]:
        row = self._logistics_row(order_no)
        _check_page(page_num, page_size)
        now = self.clock.now()
        count = self._scanned_count(row, now)
        lines = row["products"]
        bounds = list(itertools.accumulate(line["quantity"] for line in lines))
        total = bounds[-1] if bounds else 0
        start = row["created"] + LOGISTICS_CREATED_SECONDS
        records = []
        for index in range((page_num - 1) * page_size, min(count, page_num * page_size)):
            which = bisect.bisect_right(bounds, index)
            line = lines[which]
            within = index - (bounds[which - 1] if which else 0)
            codes = line.get("codes") or []
            code = codes[within] if within < len(codes) else _scan_code(order_no, index)
            records.append(
                {
                    "code": code,
                    "productCode": line["productCode"],
                    "scannedAt": wire_time(start + (index + 1) * LOGISTICS_SCANNING_SECONDS / total),
                    "operator": SCAN_OPERATORS[index % len(SCAN_OPERATORS)],
                }
            )
        return {"total": count, "pageNum": page_num, "pageSize": page_size, "list": records}

    def complete_logistics_order(self, order_no: str) -> dict[str, Any]:
        with self.store.lock:
            row = self._logistics_row(order_no)
            now = self.clock.now()
            status = self._logistics_status(row, now)
            if status == 3:
                raise Chao8Error(
                    c.ORDER_STATE_CONFLICT, f"订单已取消，不能完成(order is cancelled): {order_no}"
                )
            if status == 2:
                raise Chao8Error(
                    c.ORDER_STATE_CONFLICT, f"订单已完成，请勿重复操作(order already completed): {order_no}"
                )
            self.store.table("logistics_orders")[order_no]["completed"] = now
        return {"orderNo": order_no, "status": 2}

    def update_logistics_order(self, order_no: str, body: Any) -> dict[str, Any]:
        changes = _require_dict(body)
        with self.store.lock:
            row = self._logistics_row(order_no)
            if self._logistics_status(row, self.clock.now()) != 0:
                raise Chao8Error(
                    c.ORDER_STATE_CONFLICT, f"订单已开始作业，不能修改(order already in progress): {order_no}"
                )
            update: dict[str, Any] = {}
            if "orderType" in changes:
                order_type = _int_like(changes["orderType"])
                if order_type not in (1, 2, 3):
                    raise Chao8Error(c.INVALID_PARAMS, "orderType必须为1(出库)、2(退货入库)或3(调拨)")
                update["orderType"] = order_type
            for name in ("sourceOrgCode", "targetOrgCode"):
                if name in changes:
                    update[name] = _text(changes, name)
            if "products" in changes:
                update["products"] = _product_lines(changes["products"])
            for name in ("businessType", "remark"):
                if name in changes:
                    update[name] = changes[name]
            self.store.table("logistics_orders")[order_no].update(update)
        return self.logistics_order(order_no)

    def delete_logistics_order(self, order_no: str) -> None:
        with self.store.lock:
            row = self._logistics_row(order_no)
            if self._logistics_status(row, self.clock.now()) == 2:
                raise Chao8Error(
                    c.ORDER_STATE_CONFLICT, f"已完成的订单不能删除(order is completed): {order_no}"
                )
            self.store.delete("logistics_orders", order_no)

    def outbound_page(self, body: Any) -> dict[str, Any]:
        query = _require_dict(body)
        page_num, page_size = _page_args(query)
        start = _parse_wire_time(query.get("startTime"), "startTime")
        end = _parse_wire_time(query.get("endTime"), "endTime")
        status = query.get("status")
        now = self.clock.now()
        rows = sorted(self.store.values("logistics_orders"), key=lambda r: (r["created"], r["orderNo"]))
        views = [
            self.logistics_view(row, now)
            for row in rows
            if row["orderType"] == 1
            and (start is None or row["created"] >= start)
            and (end is None or row["created"] <= end)
        ]
        if status not in (None, ""):
            views = [view for view in views if str(view["status"]) == str(status)]
        return _page(views, page_num, page_size)

    # ------------------------------------------------------------------ production orders
    def create_production_order(self, body: Any) -> dict[str, Any]:
        order = _require_dict(body)
        order_no = _text(order, "orderNo")
        product_code = _text(order, "productCode")
        quantity = order.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise Chao8Error(c.INVALID_PARAMS, "quantity必须为正整数")
        batch_no = _text(order, "batchNo")
        production_date = _text(order, "productionDate")
        try:
            datetime.strptime(production_date[:10], "%Y-%m-%d")
        except ValueError as err:
            raise Chao8Error(c.INVALID_PARAMS, "productionDate格式应为yyyy-MM-dd") from err
        now = self.clock.now()
        row = {
            "id": self.new_id(),
            "orderNo": order_no,
            "productCode": product_code,
            "quantity": quantity,
            "batchNo": batch_no,
            "productionDate": production_date[:10],
            "created": now,
        }
        self._insert_order("production_orders", order_no, row)
        return {"id": row["id"], "orderNo": order_no, "status": 0}

    def production_view(self, row: dict[str, Any], now: float | None = None) -> dict[str, Any]:
        now = self.clock.now() if now is None else now
        cancelled = "CANCEL" in row["orderNo"].upper()
        path = _PRODUCTION_CANCELLED if cancelled else _PRODUCTION_NORMAL
        status = int(path.status_at(row["created"], now))
        elapsed = now - row["created"] - PRODUCTION_PENDING_SECONDS
        produced = (
            0
            if cancelled or elapsed <= 0
            else min(row["quantity"], math.floor(elapsed / PRODUCTION_RUNNING_SECONDS * row["quantity"]))
        )
        done_at = row["created"] + PRODUCTION_PENDING_SECONDS + PRODUCTION_RUNNING_SECONDS
        return {
            "id": row["id"],
            "orderNo": row["orderNo"],
            "productCode": row["productCode"],
            "quantity": row["quantity"],
            "batchNo": row["batchNo"],
            "productionDate": row["productionDate"],
            "status": status,
            "producedCount": produced,
            "createdAt": wire_time(row["created"]),
            "completedAt": wire_time(done_at) if status == 2 else None,
        }

    def production_order(self, order_no: str) -> dict[str, Any]:
        row = self.store.get("production_orders", order_no)
        if row is None:
            raise Chao8Error(c.ORDER_NOT_FOUND, f"生产订单不存在(order not found): {order_no}")
        return self.production_view(row)

    def production_page(self, body: Any) -> dict[str, Any]:
        query = _require_dict(body)
        page_num, page_size = _page_args(query)
        now = self.clock.now()
        rows = sorted(self.store.values("production_orders"), key=lambda r: (r["created"], r["orderNo"]))
        views = [self.production_view(row, now) for row in rows]
        for name in ("status", "productCode", "batchNo"):
            if query.get(name) not in (None, ""):
                views = [view for view in views if str(view[name]) == str(query[name])]
        return _page(views, page_num, page_size)

    # ------------------------------------------------------------------ products
    def products_page(self, body: Any) -> dict[str, Any]:
        query = _require_dict(body)
        page_num, page_size = _page_args(query)
        keyword = str(query.get("keyword") or "").strip().lower()
        rows = sorted(self.store.values("products"), key=lambda p: p["productCode"])
        if keyword:
            rows = [
                p
                for p in rows
                if keyword in p["productCode"].lower() or keyword in str(p["productName"]).lower()
            ]
        return _page([dict(p) for p in rows], page_num, page_size)

    def upsert_products(self, body: Any) -> dict[str, Any]:
        items = _require_batch(body)
        failures: list[dict[str, Any]] = []
        with self.store.lock:
            table = self.store.table("products")
            for item in items:
                code = str(item.get("productCode") or "").strip() if isinstance(item, dict) else ""
                name = str(item.get("productName") or "").strip() if isinstance(item, dict) else ""
                if not code or not name:
                    failures.append({"productCode": code or None, "reason": "商品编号和商品名称不能为空"})
                    continue
                row = table.setdefault(code, {"productCode": code, "status": 1})
                row["productName"] = name
                for field in ("spec", "barcode"):
                    if item.get(field) is not None:
                        row[field] = item[field]
        return _batch_result(len(items), failures)

    def query_products(self, body: Any) -> list[dict[str, Any]]:
        codes = _codes(body, "productCodes")
        rows = [self.store.get("products", code) for code in codes]
        return [dict(row) for row in rows if row is not None]

    # ------------------------------------------------------------------ dealers
    def query_dealers(self, body: Any) -> list[dict[str, Any]]:
        codes = _codes(body, "codes")
        rows = [self.store.get("dealers", code) for code in codes]
        return [dict(row) for row in rows if row is not None]

    def sync_dealers(self, body: Any) -> dict[str, Any]:
        items = _require_batch(body)
        failures: list[dict[str, Any]] = []
        with self.store.lock:
            table = self.store.table("dealers")
            for item in items:
                values = {
                    name: str(item.get(name) or "").strip() if isinstance(item, dict) else ""
                    for name in ("code", "name", "region")
                }
                missing = [name for name, value in values.items() if not value]
                if missing:
                    failures.append(
                        {"code": values["code"] or None, "reason": f"{'、'.join(missing)}不能为空"}
                    )
                    continue
                row = table.setdefault(values["code"], {"code": values["code"], "status": 1})
                row.update(name=values["name"], region=values["region"])
                if isinstance(item, dict) and item.get("contact") is not None:
                    row["contact"] = item["contact"]
        return _batch_result(len(items), failures)


class _RateLimited(Chao8Error):
    def __init__(self, retry_after: float) -> None:
        super().__init__(c.TOKEN_RATE_LIMITED, c.TOKEN_ERROR_MESSAGES[c.TOKEN_RATE_LIMITED])
        self.retry_after = retry_after


# ---------------------------------------------------------------------- helpers
def _parse_wire_time(value: Any, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return parse_wire_time(value)
    except ValueError as err:
        raise Chao8Error(c.INVALID_PARAMS, f"{name}格式应为yyyy-MM-dd HH:mm:ss") from err


def _int_like(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _scan_code(order_no: str, index: int) -> str:
    digest = int(hashlib.sha256(f"{order_no}:{index}".encode()).hexdigest()[:15], 16)
    return f"8{digest % 10**19:019d}"


def _require_dict(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Chao8Error(c.INVALID_PARAMS, "请求体必须为JSON对象")
    return body


def _require_batch(body: Any) -> list[Any]:
    if not isinstance(body, list) or not body:
        raise Chao8Error(c.INVALID_PARAMS, "请求体必须为非空JSON数组")
    if len(body) > MAX_BATCH:
        raise Chao8Error(c.INVALID_PARAMS, f"单次最多{MAX_BATCH}条(at most {MAX_BATCH} items per call)")
    return body


def _codes(body: Any, name: str) -> list[str]:
    if isinstance(body, list):
        values: Any = body
    elif isinstance(body, dict):
        values = body.get(name, body.get("codes"))
    else:
        values = None
    if not isinstance(values, list) or not values:
        raise Chao8Error(c.INVALID_PARAMS, f"{name}不能为空")
    if len(values) > MAX_BATCH:
        raise Chao8Error(c.INVALID_PARAMS, f"单次最多{MAX_BATCH}条(at most {MAX_BATCH} codes per call)")
    return [str(value) for value in values]


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None or not str(value).strip():
        raise Chao8Error(c.INVALID_PARAMS, f"{name}不能为空")
    return str(value).strip()


def _product_lines(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise Chao8Error(c.INVALID_PARAMS, "products不能为空")
    lines = []
    for line in value:
        if not isinstance(line, dict):
            raise Chao8Error(c.INVALID_PARAMS, "products必须为对象数组")
        quantity = line.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise Chao8Error(c.INVALID_PARAMS, "quantity必须为正整数")
        entry: dict[str, Any] = {"productCode": _text(line, "productCode"), "quantity": quantity}
        if line.get("codes"):
            entry["codes"] = [str(code) for code in line["codes"]]
        lines.append(entry)
    return lines


def _page_args(query: dict[str, Any]) -> tuple[int, int]:
    try:
        page_num = int(query.get("pageNum") or 1)
        page_size = int(query.get("pageSize") or 20)
    except (TypeError, ValueError) as err:
        raise Chao8Error(c.INVALID_PARAMS, "pageNum/pageSize必须为整数") from err
    _check_page(page_num, page_size)
    return page_num, page_size


def _check_page(page_num: int, page_size: int) -> None:
    if page_num < 1 or not 1 <= page_size <= 500:
        raise Chao8Error(c.INVALID_PARAMS, "pageNum从1开始，pageSize为1到500")


def _page(rows: list[dict[str, Any]], page_num: int, page_size: int) -> dict[str, Any]:
    start = (page_num - 1) * page_size
    return {
        "total": len(rows),
        "pageNum": page_num,
        "pageSize": page_size,
        "list": rows[start : start + page_size],
    }


def _batch_result(count: int, failures: list[dict[str, Any]]) -> dict[str, Any]:
    return {"successCount": count - len(failures), "failCount": len(failures), "failList": failures}


# ---------------------------------------------------------------------- the app
