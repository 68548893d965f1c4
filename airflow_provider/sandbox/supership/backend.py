"""
SuperShip sandbox: the partner API ``/v1/partner`` simulated in memory (a FastAPI app).

It answers exactly as ``api/supership.md`` describes: ``Authorization: Bearer <token>``
(a personal access token constant or a password-grant token), the ``Success`` / ``Error``
envelope, place NAMES checked against realistic Vietnamese area data, every order endpoint
(plus the PHP SDK forms: POST for the price, ``GET /v1/partner/orders/label``,
``POST /v1/partner/warehouses/update``), and the 0-27 status lifecycle with journeys on the
sandbox clock. Shared faults (500, 429, dropped connections, lost answers, expired tokens) come
from the sandbox kit's control API.

Inferred behaviour (not documented by SuperShip), marked where it happens:

- a ``soc`` that already exists makes a second order (SuperShip documents no refusal); with the
  ``refuse`` duplicate-id mode: HTTP 422 Error, ``errors.soc = ["The soc has already been taken."]``;
- cancelling an order already cancelled, or past pickup: HTTP 422 Error;
- unknown order code / soc: HTTP 404 Error;
- the areas and status lists need no token (SuperShip's own examples send none); a token sent
  there is accepted and ignored;
- order info also carries ``collection`` (what the courier collects: COD plus fees when the
  receiver pays) and ``collected`` (collected so far: all of it once delivered, half of it on a
  partial delivery, nothing otherwise) for COD reconciliation.

Which path an order takes is deterministic: by keywords in its ``soc`` (``PICKUPFAIL``, ``FAIL``
or ``RETURN``, ``PARTIAL``, ``LOST``, ``DELAY``, ``DELIVER``/``SUCCESS``), else by a weighted
hash of the soc (or code) with :data:`DEFAULT_OUTCOME_WEIGHTS`.

This module is the backend (state and business rules); :mod:`.routes` is the HTTP layer and
:mod:`.seed` the account and ``data/*.json``. Run it alone with
``python -m airflow_provider.sandbox --platform supership``.
"""

from __future__ import annotations

import html
import math
import re
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

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
from airflow_provider.sandbox.supership import places
from airflow_provider.sandbox.supership.seed import (
    _CITY_CODE,
    _REGION,
    SANDBOX_AREAS,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_EMAIL,
    SANDBOX_PARTNER,
    SANDBOX_PASSWORD,
    SANDBOX_PERSONAL_TOKEN,
    SANDBOX_PROVINCE_NAMES,
    SANDBOX_WAREHOUSES,
    SHOP_ID,
    TOKEN_TTL,
)
from airflow_provider.supership.statuses import CANCELLABLE_STATUSES, STATUS_NAMES

if TYPE_CHECKING:
    import httpx

VN = tz_offset(7)

# ----------------------------------------------------------------------------- lifecycle
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

_JOURNEY_NOTES = {
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
_REASONS = {
    "14": ("304", "Không liên lạc được với Người Nhận"),
    "15": ("401", "Người Nhận từ chối nhận hàng"),
}
_AT_RECEIVER = frozenset({"10", "11", "12", "13", "14", "15", "16", "20"})
CONFIG_NAMES = {"1": "Cho Xem Hàng Nhưng Không Cho Thử Hàng", "2": "Cho Thử Hàng", "3": "Không Cho Xem Hàng"}
PAYER_NAMES = {"1": "Người Gửi", "2": "Người Nhận"}
LABEL_SIZES = ("A5", "K46", "T2", "K50", "K75", "K80", "S8", "S9", "S10", "S11", "S12", "S13", "S14")
_PHONE = re.compile(r"^(0\d{9}|\+84\d{9})$")


# ----------------------------------------------------------------------------- helpers
def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, VN).isoformat(timespec="seconds")


def _mask_phone(phone: str) -> str:
    digits = phone.replace("+84", "0")
    return f"{digits[:3]}****{digits[-3:]}" if len(digits) >= 7 else "****"


def _whole(value: Any) -> int | None:
    """An int from an int or a digit string; ``None`` when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def shipping_fee(sender_province: str, receiver_province: str, same_district: bool, weight: int) -> int:
    """Sandbox price of a parcel (VND): by distance, plus 2 500 per started 500 g above 500 g."""
    if sender_province == receiver_province:
        base = 15000 if same_district else 22000
    elif _REGION.get(sender_province) == _REGION.get(receiver_province):
        base = 25000
    else:
        base = 30000
    extra_steps = max(0, math.ceil((weight - 500) / 500))
    return base + 2500 * extra_steps


def insurance_fee(value: int) -> int:
    """Sandbox insurance (VND): free under 1 000 000, 0.5 % up to 3 000 000, 1 % above."""
    if value < 1_000_000:
        return 0
    rate = 0.005 if value <= 3_000_000 else 0.01
    return int(round(value * rate, -2))


class SuperShipBackend(SandboxBackend):
    """
    State of the SuperShip simulator: areas, warehouses, orders, tokens, webhook, clock, faults.

    :param clock: the sandbox clock (speed it up or ``advance`` it to move orders along).
    :param faults: shared fault injection.
    :param token_ttl: lifetime of password-grant tokens in seconds.
    :param outcome_weights: share of each path for orders whose soc carries no keyword.
    """

    platform = "supership"
    #: SuperShip documents no refusal of a reused ``soc``: a second create makes a second order
    default_duplicate_ids: ClassVar[DuplicateIds] = "accept"
    auth_paths = ("/v1/partner/auth/login",)

    def __init__(
        self,
        *,
        clock: SandboxClock | None = None,
        faults: Faults | None = None,
        duplicate_ids: DuplicateIds | None = None,
        token_ttl: float = TOKEN_TTL,
        outcome_weights: Mapping[str, float] | None = None,
    ) -> None:
        super().__init__(clock=clock, faults=faults, duplicate_ids=duplicate_ids)
        self.tokens = TokenIssuer(self.clock, ttl=token_ttl, issuer="supership-sandbox")
        self.outcome_weights = dict(outcome_weights or DEFAULT_OUTCOME_WEIGHTS)
        unknown = set(self.outcome_weights) - set(PATHS)
        if unknown:
            raise ValueError(f"unknown outcomes {sorted(unknown)}; known: {sorted(PATHS)}")
        self.personal_token_revoked = False
        self.refresh_tokens: set[str] = set()
        self.last_headers: dict[str, dict[str, str]] = {}
        self._sequence = 810000000
        self._webhook_pushed: dict[str, int] = {}
        for warehouse in SANDBOX_WAREHOUSES:
            self._add_warehouse(dict(warehouse), created=self.clock.now() - 86400 * 30)

    # ------------------------------------------------------------- controls
    def revoke_personal_token(self) -> None:
        """Refuse :data:`SANDBOX_PERSONAL_TOKEN` from now on (the user replaced it in the dashboard)."""
        self.personal_token_revoked = True

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

    # ------------------------------------------------------------- auth
    def authorized(self, header: str | None) -> bool:
        scheme, _, token = (header or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        if token == SANDBOX_PERSONAL_TOKEN:
            return not self.personal_token_revoked
        return self.tokens.check(token) is not None

    def login(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        fields = ("client_id", "client_secret", "username", "password", "partner")
        errors = {f: [f"Trường {f} là bắt buộc."] for f in fields if not _text(body.get(f))}
        if errors:
            return 422, _error(next(iter(errors.values()))[0], errors)
        expected = (
            SANDBOX_CLIENT_ID,
            SANDBOX_CLIENT_SECRET,
            SANDBOX_EMAIL,
            SANDBOX_PASSWORD,
            SANDBOX_PARTNER,
        )
        given = tuple(_text(body.get(f)) for f in fields)
        if given[2].lower() != expected[2] or given[:2] + given[3:] != expected[:2] + expected[3:]:
            return 401, _error("Thông tin đăng nhập không chính xác.", "invalid_credentials")
        access = self.tokens.issue(SANDBOX_EMAIL)
        refresh = secrets.token_urlsafe(30)
        with self.lock:
            self.token_calls += 1
            self.refresh_tokens.add(refresh)
        results = {
            "token_type": "Bearer",
            "expires_in": int(self.tokens.ttl),
            "access_token": access,
            "refresh_token": refresh,
        }
        return 200, _success(results, "Đăng nhập thành công.")

    # ------------------------------------------------------------- areas
    def provinces(self) -> list[dict[str, str]]:
        return [{"code": code, "name": data["name"]} for code, data in SANDBOX_AREAS.items()]

    def districts(self, province_code: str) -> list[dict[str, str]]:
        province = SANDBOX_AREAS.get(province_code.strip())
        if province is None:
            return []
        return [
            {"code": code, "name": d["name"], "province": province["name"]}
            for code, d in province["districts"].items()
        ]

    def communes(self, district_code: str) -> list[dict[str, str]]:
        for province in SANDBOX_AREAS.values():
            district = province["districts"].get(district_code.strip())
            if district is not None:
                return [
                    {"code": code, "name": name, "district": district["name"], "province": province["name"]}
                    for code, name in district["communes"].items()
                ]
        return []

    def resolve_place(
        self, province: Any, district: Any, commune: Any = None, *, with_commune: bool = True
    ) -> tuple[dict[str, str], dict[str, str]]:
        """``(codes and canonical names, errors)`` for place names (full or without prefix)."""
        found: dict[str, str] = {}
        errors: dict[str, str] = {}
        p_name = _text(province)
        p_hit = places.match(p_name, SANDBOX_PROVINCE_NAMES.values()) if p_name else None
        if p_hit is None:
            errors["province"] = f"Tên Tỉnh/Thành Phố không hợp lệ: {p_name or '(trống)'}."
            return found, errors
        p_key = next(code for code, name in SANDBOX_PROVINCE_NAMES.items() if name == p_hit)
        found.update(province_code=p_key, province=p_hit)
        districts = SANDBOX_AREAS[p_key]["districts"]
        d_name = _text(district)
        d_hit = places.match(d_name, [d["name"] for d in districts.values()]) if d_name else None
        if d_hit is None:
            errors["district"] = f"Tên Quận/Huyện không hợp lệ: {d_name or '(trống)'}."
            return found, errors
        d_key = next(code for code, d in districts.items() if d["name"] == d_hit)
        found.update(district_code=d_key, district=d_hit)
        if not with_commune:
            return found, errors
        c_name = _text(commune)
        communes = districts[d_key]["communes"]
        c_hit = places.match(c_name, communes.values()) if c_name else None
        if c_hit is None:
            errors["commune"] = f"Tên Phường/Xã không hợp lệ: {c_name or '(trống)'}."
            return found, errors
        found.update(
            commune_code=next(code for code, name in communes.items() if name == c_hit), commune=c_hit
        )
        return found, errors

    # ------------------------------------------------------------- fee quote
    def price(self, params: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        errors: dict[str, list[str]] = {}
        for name in (
            "sender_province",
            "sender_district",
            "receiver_province",
            "receiver_district",
            "weight",
        ):
            if not _text(params.get(name)):
                errors[name] = [f"Trường {name} là bắt buộc."]
        weight = _whole(params.get("weight"))
        if "weight" not in errors and (weight is None or weight < 0):
            errors["weight"] = ["Trường weight phải là một số nguyên không âm."]
        value = _whole(params.get("value")) if _text(params.get("value")) else 0
        if value is None or value < 0:
            errors["value"] = ["Trường value phải là một số nguyên không âm."]
        if errors:
            return 422, _error(_first(errors), errors)
        sender, s_errors = self.resolve_place(
            params["sender_province"], params["sender_district"], with_commune=False
        )
        receiver, r_errors = self.resolve_place(
            params["receiver_province"], params["receiver_district"], with_commune=False
        )
        place_errors = {f"sender_{k}": [v] for k, v in s_errors.items()}
        place_errors |= {f"receiver_{k}": [v] for k, v in r_errors.items()}
        if place_errors:
            return 422, _error(_first(place_errors), place_errors)
        fee = shipping_fee(
            sender["province_code"],
            receiver["province_code"],
            sender["district_code"] == receiver["district_code"],
            int(weight or 0),
        )
        now = self.clock.datetime(VN)
        pickup_day = now if now.hour < 16 else now + timedelta(days=1)
        days = 1 if sender["province_code"] == receiver["province_code"] else 2
        if _REGION.get(sender["province_code"]) != _REGION.get(receiver["province_code"]):
            days = 3
        delivery_day = pickup_day + timedelta(days=days)
        pickup_word = "Chiều nay" if now.hour < 16 else "Sáng mai"
        delivery_word = {1: "Ngày mai", 2: "Ngày mốt"}.get(days, f"{days} ngày nữa")
        quote = {
            "service": "Tốc Hành",
            "fee": fee,
            "insurance": insurance_fee(int(value or 0)),
            "pickup": {"name": f"{pickup_word} - {pickup_day:%d/%m/%Y}"},
            "delivery": {"name": f"{delivery_word} - {delivery_day:%d/%m/%Y}"},
        }
        return 200, _success([quote], "Tính cước phí thành công.")

    # ------------------------------------------------------------- orders
    def create_order(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        errors, order = self._validate_order(body)
        if errors:
            return 422, _error(_first(errors, more=True), errors)
        soc = order["soc"]
        with self.store.lock:
            if soc and self.id_refused("socs", soc):
                # inferred: SuperShip does not document its answer to a reused soc (the
                # "refuse" duplicate-id mode answers this)
                return 422, _error(
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
        return 200, _success(results, "Tạo đơn hàng thành công.")

    def _path_for(self, key: str) -> str:
        upper = key.upper()
        for keyword, path in SOC_KEYWORDS:
            if keyword in upper:
                return path
        return pick(key, self.outcome_weights)

    def _validate_order(self, body: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, Any]]:
        errors: dict[str, list[str]] = {}

        def need(name: str) -> str:
            value = _text(body.get(name))
            if not value:
                errors.setdefault(name, []).append(f"Trường {name} là bắt buộc.")
            return value

        receiver = {k: need(k) for k in ("name", "phone", "address", "province", "district", "commune")}
        if receiver["phone"] and not _PHONE.fullmatch(re.sub(r"[\s.\-()]", "", receiver["phone"])):
            errors.setdefault("phone", []).append("Số điện thoại không hợp lệ.")
        numbers: dict[str, int] = {}
        for name in ("amount", "value", "weight"):
            raw = body.get(name)
            if raw is None or _text(raw) == "":
                errors.setdefault(name, []).append(f"Trường {name} là bắt buộc.")
                continue
            number = _whole(raw)
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
        if codes["product_type"] == "1" and not _text(body.get("product")):
            errors.setdefault("product", []).append("Trường product là bắt buộc khi product_type là 1.")
        if codes["product_type"] == "2":
            products = body.get("products")
            if not isinstance(products, list) or not products:
                errors.setdefault("products", []).append("Trường products là bắt buộc khi product_type là 2.")
            else:
                for index, item in enumerate(products):
                    if not isinstance(item, Mapping) or not _text(item.get("name")):
                        errors.setdefault(f"products.{index}.name", []).append("Tên sản phẩm là bắt buộc.")
                    elif any(_whole(item.get(k)) is None for k in ("price", "weight", "quantity")):
                        errors.setdefault(f"products.{index}", []).append(
                            "price, weight và quantity phải là số nguyên."
                        )
        barter = _text(body.get("barter"))
        if barter and barter not in ("0", "1"):
            errors.setdefault("barter", []).append("Giá trị của trường barter không hợp lệ.")
        soc = _text(body.get("soc"))
        pickup: dict[str, Any] = {}
        pickup_code = _text(body.get("pickup_code"))
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
            if sender["phone"] and not _PHONE.fullmatch(re.sub(r"[\s.\-()]", "", sender["phone"])):
                errors.setdefault("pickup_phone", []).append("Số điện thoại không hợp lệ.")
            if sender["province"] and sender["district"] and sender["commune"]:
                place, place_errors = self.resolve_place(
                    sender["province"], sender["district"], sender["commune"]
                )
                for key, message in place_errors.items():
                    errors.setdefault(f"pickup_{key}", []).append(message)
                pickup = dict(place, address=sender["address"], phone=sender["phone"])
        if receiver["province"] and receiver["district"] and receiver["commune"]:
            place, place_errors = self.resolve_place(
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
            "note": _text(body.get("note")),
            **codes,
        }
        return {}, order

    def status_of(self, order: Mapping[str, Any], now: float | None = None) -> str:
        """The order's status at ``now`` on the sandbox clock."""
        now = self.clock.now() if now is None else now
        cancelled = order.get("cancelled_at")
        if cancelled is not None and now >= cancelled:
            return "0"
        return str(LIFECYCLES[order["path"]].status_at(order["created"], now))

    def history(self, order: Mapping[str, Any], now: float | None = None) -> list[tuple[str, float]]:
        """``(status, entered at)`` of every status the order reached by ``now``."""
        now = self.clock.now() if now is None else now
        cancelled = order.get("cancelled_at")
        until = min(now, cancelled) if cancelled is not None else now
        events = [(str(s), t) for s, t in LIFECYCLES[order["path"]].history(order["created"], until)]
        if cancelled is not None and cancelled <= now:
            events = [(s, t) for s, t in events if t < cancelled] + [("0", cancelled)]
        return events

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
                "time": _iso(at),
                "status": STATUS_NAMES[s],
                "province": (receiver if s in _AT_RECEIVER else pickup)["province"],
                "district": (receiver if s in _AT_RECEIVER else pickup)["district"],
                "note": _JOURNEY_NOTES.get(s, STATUS_NAMES[s]),
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
                "phone": _mask_phone(receiver["phone"]),
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
            "created_at": _iso(order["created"]),
            "updated_at": _iso(events[-1][1] if events else order["created"]),
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
            return 422, _error("Trường code là bắt buộc.", {"code": ["Trường code là bắt buộc."]})
        with self.store.lock:
            order = self.store.get("orders", code)
            if order is None:
                return 404, _error(
                    "Không tìm thấy đơn hàng.", {"code": [f"Mã đơn hàng {code} không tồn tại."]}
                )
            status = self.status_of(order)
            if status == "0":
                # inferred: the answer to a second cancel is not documented
                return 422, _error("Đơn hàng đã được hủy trước đó.", {"code": ["Đơn hàng đã được hủy."]})
            if status not in CANCELLABLE_STATUSES:
                return 422, _error(
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
        return 200, _success(results, "Hủy đơn hàng thành công.")

    def label_token(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        codes = body.get("code")
        if isinstance(codes, str):
            codes = [codes]
        if not isinstance(codes, list) or not codes:
            return 422, _error(
                "Trường code là bắt buộc.", {"code": ["Trường code phải là một mảng mã đơn hàng."]}
            )
        unknown = [c for c in codes if self.store.get("orders", str(c)) is None]
        if unknown:
            return 422, _error(
                "Mã đơn hàng không hợp lệ.", {"code": [f"Không tìm thấy: {', '.join(map(str, unknown))}"]}
            )
        token = str(uuid.uuid1())
        self.store.insert(
            "label_tokens", token, {"codes": [str(c) for c in codes], "created": self.clock.now()}
        )
        return 200, _success({"token": token}, "Tạo token in thành công.")

    def label_page(self, token: str, size: str) -> tuple[int, str]:
        entry = self.store.get("label_tokens", token)
        if entry is None:
            return 404, "<!doctype html><title>SuperShip</title><p>Token in không hợp lệ.</p>"
        size = size.upper() or "A5"
        if size not in LABEL_SIZES:
            return (
                422,
                f"<!doctype html><title>SuperShip</title><p>Khổ giấy {html.escape(size)} không hợp lệ.</p>",
            )
        parts = [
            f"<!doctype html><html><head><meta charset='utf-8'><title>SuperShip {size}</title></head><body>"
        ]
        for code in entry["codes"]:
            order = self.store.get("orders", code)
            receiver = order["receiver"]
            parts.append(
                f"<section class='label label-{size}' data-code='{html.escape(code)}'>"
                f"<h1>{html.escape(order['shortcode'])}</h1><p>{html.escape(code)} · {html.escape(order['sorting'])}</p>"
                f"<p>{html.escape(receiver['name'])} – {html.escape(_mask_phone(receiver['phone']))}</p>"
                f"<p>{html.escape(receiver['formatted_address'])}</p>"
                f"<p>Thu hộ: {order['collection']:,} đ</p></section>"
            )
        parts.append("</body></html>")
        return 200, "".join(parts)

    # ------------------------------------------------------------- warehouses
    def _add_warehouse(self, data: dict[str, Any], created: float | None = None) -> dict[str, Any]:
        place, _errors = self.resolve_place(data["province"], data["district"], data["commune"])
        now = self.clock.now() if created is None else created
        warehouse = {
            "code": data["code"],
            "name": data["name"],
            "phone": data["phone"],
            "contact": data["contact"],
            "address": data["address"],
            "place": place,
            "status": "1",
            "primary": data.get("primary", "2"),
            "created": now,
            "updated": now,
        }
        with self.store.lock:
            if warehouse["primary"] == "1":
                for other in self.store.values("warehouses"):
                    other["primary"] = "2"
            self.store.insert("warehouses", warehouse["code"], warehouse)
        return warehouse

    @staticmethod
    def warehouse_json(w: Mapping[str, Any]) -> dict[str, Any]:
        place = w["place"]
        return {
            "code": w["code"],
            "name": w["name"],
            "address": w["address"],
            "formatted_address": ", ".join(
                (w["address"], place["commune"], place["district"], place["province"])
            ),
            "status": w["status"],
            "status_name": "Hoạt Động" if w["status"] == "1" else "Dừng Hoạt Động",
            "primary": w["primary"],
            "primary_name": "Kho Mặc Định" if w["primary"] == "1" else "Kho Thường",
            "created_at": _iso(w["created"]),
            "updated_at": _iso(w["updated"]),
        }

    def create_warehouse(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        errors: dict[str, list[str]] = {}
        fields = ("name", "phone", "contact", "address", "province", "district", "commune", "primary")
        values = {f: _text(body.get(f)) for f in fields}
        for name, value in values.items():
            if not value:
                errors.setdefault(name, []).append(f"Trường {name} là bắt buộc.")
        if values["phone"] and not _PHONE.fullmatch(re.sub(r"[\s.\-()]", "", values["phone"])):
            errors.setdefault("phone", []).append("Số điện thoại không hợp lệ.")
        if values["primary"] and values["primary"] not in ("1", "2"):
            errors.setdefault("primary", []).append("Giá trị của trường primary không hợp lệ.")
        if not errors:
            _place, place_errors = self.resolve_place(
                values["province"], values["district"], values["commune"]
            )
            for key, message in place_errors.items():
                errors.setdefault(key, []).append(message)
        if errors:
            return 422, _error(_first(errors, more=True), errors)
        code = "W" + secrets.token_hex(5).upper()[:9]
        warehouse = self._add_warehouse({**values, "code": code})
        return 200, _success(self.warehouse_json(warehouse), "Tạo kho hàng thành công.")

    def update_warehouse(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        values = {f: _text(body.get(f)) for f in ("code", "name", "phone", "contact")}
        errors = {f: [f"Trường {f} là bắt buộc."] for f, v in values.items() if not v}
        if values["phone"] and not _PHONE.fullmatch(re.sub(r"[\s.\-()]", "", values["phone"])):
            errors.setdefault("phone", []).append("Số điện thoại không hợp lệ.")
        if errors:
            return 422, _error(_first(errors, more=True), errors)
        with self.store.lock:
            warehouse = self.store.get("warehouses", values["code"])
            if warehouse is None:
                return 404, _error("Không tìm thấy kho hàng.", {"code": ["Mã kho hàng không tồn tại."]})
            diff = {f: values[f] for f in ("name", "phone", "contact") if warehouse[f] != values[f]}
            warehouse.update(diff)
            warehouse["updated"] = self.clock.now()
        return 200, _success(
            {"code": values["code"], "diff": diff, "updated_at": _iso(warehouse["updated"])},
            "Cập nhật kho hàng thành công.",
        )

    # ------------------------------------------------------------- webhooks
    def webhook(self) -> dict[str, Any] | None:
        hook = self.store.get("webhooks", "current")
        if hook is None:
            return None
        return {"url": hook["url"], "created_at": _iso(hook["created"]), "updated_at": _iso(hook["updated"])}

    def register_webhook(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        url = _text(body.get("url"))
        if not re.fullmatch(r"https?://\S+", url):
            return 422, _error("Trường url không hợp lệ.", {"url": ["Trường url phải là một URL hợp lệ."]})
        now = self.clock.now()
        with self.store.lock:
            current = self.store.get("webhooks", "current")
            created = current["created"] if current else now
            self.store.table("webhooks")["current"] = {"url": url, "created": created, "updated": now}
        return 200, _success(self.webhook(), "Tạo webhook thành công.")

    def webhook_payloads(self) -> list[tuple[str, dict[str, Any]]]:
        """``(order code, payload)`` for every status change not pushed yet, oldest first."""
        pending: list[tuple[float, str, int, dict[str, Any]]] = []
        for order in self.orders():
            events = self.history(order)
            done = self._webhook_pushed.get(order["code"], 0)
            for index, (status, at) in enumerate(events[done:], start=done):
                reason = _REASONS.get(status, ("", ""))
                payload = {
                    "type": "update_status",
                    "code": order["code"],
                    "shortcode": order["shortcode"],
                    "soc": order["soc"],
                    "name": order["receiver"]["name"],
                    "phone": order["receiver"]["phone"],
                    "address": order["receiver"]["formatted_address"],
                    "payer": order["payer"],
                    "amount": order["amount"],
                    "weight": order["weight"],
                    "fshipment": order["fee"],
                    "finsurance": order["insurance"],
                    "status": status,
                    "status_name": STATUS_NAMES[status],
                    "partial": "1" if status == "13" else "0",
                    "barter": order["barter"],
                    "reason_code": reason[0],
                    "reason_text": reason[1],
                    "created_at": _iso(order["created"]),
                    "updated_at": _iso(at),
                    "pushed_at": _iso(self.clock.now()),
                }
                pending.append((at, order["code"], index + 1, payload))
        pending.sort(key=lambda item: item[0])
        return [(code, payload) for _at, code, _n, payload in pending]

    def deliver_webhooks(self, client: httpx.Client | None = None) -> int:
        """
        POST every pending status change to the registered URL (HTTP 200 = delivered).

        SuperShip pushes on its own; the sandbox pushes when this is called. Returns how many
        payloads were delivered; the others are tried again next time.
        """
        hook = self.store.get("webhooks", "current")
        if hook is None:
            return 0
        import httpx

        own = client is None
        http = client or httpx.Client(timeout=10)
        delivered = 0
        try:
            for code, payload in self.webhook_payloads():
                if self._webhook_pushed.get(code, 0) >= len(self.history(self.store.get("orders", code))):
                    continue
                try:
                    response = http.post(
                        hook["url"], json=payload, headers={"Content-Type": "application/json"}
                    )
                except httpx.HTTPError:
                    break
                if response.status_code != 200:
                    break
                self._webhook_pushed[code] = self._webhook_pushed.get(code, 0) + 1
                delivered += 1
        finally:
            if own:
                http.close()
        return delivered


def _success(results: Any, message: str = "") -> dict[str, Any]:
    return {"status": "Success", "message": message, "results": results}


def _error(message: str, errors: Any = None) -> dict[str, Any]:
    return {"status": "Error", "message": message, "errors": errors if errors is not None else message}


def _first(errors: Mapping[str, list[str]], *, more: bool = False) -> str:
    first = next(iter(errors.values()))[0]
    others = sum(len(v) for v in errors.values()) - 1
    return f"{first} (và {others} lỗi khác)" if more and others else first
