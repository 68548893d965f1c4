"""
SuperShip request and response schemas (partner API ``/v1/partner``).

Field names are the vendor's (they are already snake_case). Money is ``Decimal`` in answers
(VND, whole numbers on the wire); requests send integers. Times are timezone-aware: SuperShip
answers in +07:00 and some answers (webhooks) carry no offset, which is then taken as +07:00.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
)

from airflow_provider.common.models import ApiModel, RequestModel, to_decimal

#: SuperShip's time zone (Indochina Time)
VN_TZ = timezone(timedelta(hours=7))
#: label sizes the print page accepts
LABEL_SIZES = ("A5", "K46", "T2", "K50", "K75", "K80", "S8", "S9", "S10", "S11", "S12", "S13", "S14")
#: 10 digits starting with 0, or +84 and 9 digits (separators removed first)
PHONE_PATTERN = re.compile(r"^(0\d{9}|\+84\d{9})$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


# ----------------------------------------------------------------------------- field types
def _whole_number(value: Any) -> Any:
    """Integers as ints or digit strings ("220000", as SuperShip's own example sends them)."""
    if value is None:
        return value
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError("must be a whole number (VND or grams have no fractions)")
        return int(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number (VND or grams have no fractions)")
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        raise ValueError("must be a whole number (digits only)")
    return value


def _code(value: Any) -> Any:
    """Codes documented as strings ("1") given as ints are accepted and sent as strings."""
    if isinstance(value, bool):
        raise ValueError("must be a code such as '1', not true/false")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _phone(value: Any) -> Any:
    if value is None:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"0{value}"  # a number loses its leading zero
    if not isinstance(value, str):
        raise ValueError("must be a phone number string")
    text = _PHONE_SEPARATORS.sub("", value)
    if not PHONE_PATTERN.fullmatch(text):
        digits = sum(ch.isdigit() for ch in text)
        raise ValueError(
            f"not a Vietnamese phone number ({digits} digits): 10 digits starting with 0, or +84 and 9 digits"
        )
    return text


def _money(value: Any) -> Any:
    if value is None or value == "":
        return None
    return to_decimal(value)


def _blank_none(value: Any) -> Any:
    return None if value == "" else value


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=VN_TZ)
    return value


def _code_or_none(value: Any) -> Any:
    return None if value is None else _code(value)


#: a non-negative whole number (VND or grams); digit strings are accepted, ints are sent
WholeNumber = Annotated[int, BeforeValidator(_whole_number), Field(ge=0)]
#: a code documented as a string ("1"); ints are accepted
CodeStr = Annotated[str, BeforeValidator(_code)]
#: a Vietnamese phone number, separators removed
Phone = Annotated[str, BeforeValidator(_phone)]
#: money in an answer (VND)
Money = Annotated[Decimal | None, BeforeValidator(_money)]
#: a time in an answer; +07:00 when the answer gives no offset
VnDateTime = Annotated[datetime | None, BeforeValidator(_blank_none)]
NonEmpty = Annotated[str, Field(min_length=1)]


class _Answer(ApiModel):
    """Answer models: naive times are SuperShip local time (+07:00)."""

    @field_validator("*", mode="after")
    @classmethod
    def _localize(cls, value: Any) -> Any:
        return _aware(value) if isinstance(value, datetime) else value


# ----------------------------------------------------------------------------- auth
class LoginRequest(RequestModel):
    """Password grant body of ``POST /v1/partner/auth/login``."""

    client_id: NonEmpty
    client_secret: NonEmpty
    username: NonEmpty
    password: NonEmpty
    partner: NonEmpty


class LoginResult(_Answer):
    """``results`` of the login: ``expires_in`` in seconds; ``refresh_token`` is kept, not used."""

    token_type: str = "Bearer"
    expires_in: int | None = None
    access_token: NonEmpty
    refresh_token: str | None = None


# ----------------------------------------------------------------------------- areas
class Province(_Answer):
    """One of ``GET /v1/partner/areas/province`` (``79`` = Thành phố Hồ Chí Minh)."""

    code: CodeStr
    name: str


class District(_Answer):
    """One of ``GET /v1/partner/areas/district?province=..``; ``province`` is its province's name."""

    code: CodeStr
    name: str
    province: str | None = None


class Commune(_Answer):
    """One of ``GET /v1/partner/areas/commune?district=..``."""

    code: CodeStr
    name: str
    district: str | None = None
    province: str | None = None


# ----------------------------------------------------------------------------- fee quote
class FeeQuoteRequest(RequestModel):
    """Query of ``GET /v1/partner/orders/price``: place NAMES, weight in grams, value in VND."""

    sender_province: NonEmpty
    sender_district: NonEmpty
    receiver_province: NonEmpty
    receiver_district: NonEmpty
    weight: WholeNumber
    value: WholeNumber | None = None


class Estimate(_Answer):
    """An estimated time, e.g. ``{"name": "Chiều nay - 03/07/2018"}``."""

    name: str | None = None


class FeeQuote(_Answer):
    """One service's price: ``service`` is its name (``Tốc Hành``)."""

    service: str | None = None
    fee: Money = None
    insurance: Money = None
    pickup: Estimate | None = None
    delivery: Estimate | None = None

    def compact(self) -> dict[str, Any]:
        """XCom row: service, fee and insurance (VND ints), pickup and delivery estimates."""
        return {
            "service": self.service,
            "fee": _whole(self.fee),
            "insurance": _whole(self.insurance),
            "pickup": self.pickup.name if self.pickup else None,
            "delivery": self.delivery.name if self.delivery else None,
        }


# ----------------------------------------------------------------------------- orders
class Product(RequestModel):
    """One line of ``products`` (``product_type`` ``"2"``)."""

    sku: NonEmpty
    name: NonEmpty
    price: WholeNumber
    weight: WholeNumber
    quantity: Annotated[int, BeforeValidator(_whole_number), Field(ge=1)]


class OrderCreateRequest(RequestModel):
    """
    Body of ``POST /v1/partner/orders/add``.

    Places are NAMES (``Thành phố Hồ Chí Minh``, ``Quận 3``, ``Phường 6``), not codes. The
    ``pickup_*`` sender fields are required unless ``pickup_code`` names a warehouse. ``amount``
    (COD), ``value`` (declared value, required since API 1.0.14) and ``weight`` (grams) accept
    digit strings and are sent as integers. ``soc`` is your own order code: the idempotency handle.
    """

    pickup_code: str | None = None
    pickup_phone: Annotated[Phone | None, Field(validate_default=True)] = None
    pickup_address: Annotated[str | None, Field(validate_default=True)] = None
    pickup_province: Annotated[str | None, Field(validate_default=True)] = None
    pickup_district: Annotated[str | None, Field(validate_default=True)] = None
    pickup_commune: Annotated[str | None, Field(validate_default=True)] = None
    pickup_name: str | None = None
    pickup_contact: str | None = None
    name: NonEmpty
    phone: Phone
    email: str | None = None
    address: NonEmpty
    province: NonEmpty
    district: NonEmpty
    commune: NonEmpty
    amount: WholeNumber
    value: WholeNumber
    weight: WholeNumber
    soc: Annotated[str | None, Field(min_length=1, max_length=64)] = None
    note: str | None = None
    service: CodeStr
    config: Annotated[Literal["1", "2", "3"], BeforeValidator(_code)]
    payer: Annotated[Literal["1", "2"], BeforeValidator(_code)]
    product_type: Annotated[Literal["1", "2"], BeforeValidator(_code)]
    product: Annotated[str | None, Field(validate_default=True)] = None
    products: Annotated[list[Product] | None, Field(validate_default=True)] = None
    barter: Annotated[Literal["0", "1"] | None, BeforeValidator(_code_or_none)] = None

    @field_validator("pickup_code", mode="before")
    @classmethod
    def _blank_pickup_code(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator(
        "pickup_phone", "pickup_address", "pickup_province", "pickup_district", "pickup_commune", mode="after"
    )
    @classmethod
    def _sender_unless_warehouse(cls, value: str | None, info: ValidationInfo) -> str | None:
        if (value is None or not str(value).strip()) and not info.data.get("pickup_code"):
            raise ValueError("required when pickup_code is empty")
        return value

    @field_validator("value", mode="before")
    @classmethod
    def _value_required(cls, value: Any) -> Any:
        if value is None or value == "":
            raise ValueError("required since API 1.0.14: the declared value in VND (0 for none)")
        return value

    @field_validator("service", mode="after")
    @classmethod
    def _service_code(cls, value: str) -> str:
        if not value.isdigit():
            raise ValueError("must be a service code such as '1' (Tốc Hành)")
        return value

    @field_validator("product", mode="after")
    @classmethod
    def _product_text(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("product_type") == "1" and not (value or "").strip():
            raise ValueError("required when product_type is '1' (free text)")
        return value

    @field_validator("products", mode="after")
    @classmethod
    def _product_list(cls, value: list[Product] | None, info: ValidationInfo) -> list[Product] | None:
        if info.data.get("product_type") == "2" and not value:
            raise ValueError("required (a non-empty list) when product_type is '2'")
        return value

    def matches(self, existing: CreatedOrder | OrderInfo) -> bool:
        """Whether the order found under this ``soc`` is this one (COD, value, receiver phone)."""
        if existing.amount is not None and int(existing.amount) != self.amount:
            return False
        if existing.value is not None and int(existing.value) != self.value:
            return False
        masked = existing.receiver.phone if isinstance(existing, OrderInfo) and existing.receiver else None
        return _phone_matches(masked, self.phone)


def _phone_matches(masked: str | None, phone: str) -> bool:
    """Order info masks the phone (``094****350``): compare what is visible."""
    if not masked:
        return True
    wanted = phone.replace("+84", "0", 1) if phone.startswith("+84") else phone
    shown = masked.replace("+84", "0", 1) if masked.startswith("+84") else masked
    if "*" not in shown:
        return shown == wanted
    head, tail = shown.split("*", 1)[0], shown.rsplit("*", 1)[-1]
    return wanted.startswith(head) and wanted.endswith(tail)


def _whole(value: Decimal | None) -> int | None:
    """VND amounts are whole numbers: ints in XCom."""
    return None if value is None else int(value)


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


class CreatedOrder(_Answer):
    """``results`` of a create: ``code`` is SuperShip's order code, ``shortcode`` the barcode one."""

    code: str
    sorting: str | None = None
    shortcode: CodeStr | None = None
    soc: str | None = None
    phone: str | None = None
    address: str | None = None
    amount: Money = None
    collection: Money = None
    value: Money = None
    weight: int | None = None
    fee: Money = None
    insurance: Money = None
    status: CodeStr
    status_name: str | None = None

    def compact(self) -> dict[str, Any]:
        """XCom data: ids, status name, COD amount and fees (no personal data)."""
        return _compact(
            {
                "soc": self.soc,
                "status_name": self.status_name,
                "shortcode": self.shortcode,
                "amount": _whole(self.amount),
                "collection": _whole(self.collection),
                "value": _whole(self.value),
                "fee": _whole(self.fee),
                "insurance": _whole(self.insurance),
            }
        )


class Receiver(_Answer):
    """The receiver of an order (the phone comes back partly masked)."""

    name: str | None = None
    phone: str | None = None
    address: str | None = None
    formatted_address: str | None = None


class OrderFees(_Answer):
    """``fee`` of an order info: shipment, insurance, return, barter and address-change fees."""

    shipment: Money = None
    insurance: Money = None
    return_fee: Money = Field(default=None, alias="return")
    barter: Money = None
    address: Money = None


class Journey(_Answer):
    """One step of an order's journey; ``status`` is the status NAME (``Chờ Lấy Hàng``)."""

    time: VnDateTime = None
    status: str | None = None
    province: str | None = None
    district: str | None = None
    note: str | None = None


class OrderNote(_Answer):
    """A note SuperShip attached to an order."""

    created_at: VnDateTime = None
    type: Annotated[str | None, BeforeValidator(_code_or_none)] = None
    note: str | None = None


def _fees(value: Any) -> Any:
    if isinstance(value, int | float | str | Decimal) and not isinstance(value, bool):
        return {"shipment": value}
    return value


class OrderInfo(_Answer):
    """
    ``results`` of ``GET /v1/partner/orders/info``.

    ``payer`` and ``config`` come back as names (``Người Gửi``). ``amount`` is the COD to
    collect. ``collection`` / ``collected`` are kept when the answer carries them (the sandbox
    does: what the courier collects / has collected).
    """

    code: str
    soc: str | None = None
    status: CodeStr
    status_name: str | None = None
    receiver: Receiver | None = None
    amount: Money = None
    value: Money = None
    weight: int | None = None
    fee: Annotated[OrderFees | None, BeforeValidator(_fees)] = None
    payer: str | None = None
    config: str | None = None
    journeys: list[Journey] = Field(default_factory=list)
    notes: list[OrderNote] = Field(default_factory=list)
    collection: Money = None
    collected: Money = None
    created_at: VnDateTime = None
    updated_at: VnDateTime = None

    def compact(self) -> dict[str, Any]:
        """XCom data: ids, status name, COD expected and collected, fees (no personal data)."""
        fees = self.fee or OrderFees()
        return _compact(
            {
                "soc": self.soc,
                "status_name": self.status_name,
                "amount": _whole(self.amount),
                "collection": _whole(self.collection),
                "collected": _whole(self.collected),
                "value": _whole(self.value),
                "fee": _whole(fees.shipment),
                "insurance": _whole(fees.insurance),
                "return_fee": _whole(fees.return_fee),
            }
        )

    def tracking(self) -> dict[str, Any]:
        """:meth:`compact` plus the journey's length, its last event and the update time."""
        data = self.compact()
        data["journeys"] = len(self.journeys)
        if self.journeys:
            last = self.journeys[-1]
            data["last_event"] = {
                "time": last.time.isoformat() if last.time else None,
                "status": last.status,
                "note": last.note,
            }
        if self.updated_at:
            data["updated_at"] = self.updated_at.isoformat()
        return data


class OrderStatus(_Answer):
    """One of ``GET /v1/partner/orders/status``: ``key`` is the code, ``value`` its name."""

    key: CodeStr
    value: str


class CancelRequest(RequestModel):
    """Body of ``POST /v1/partner/orders/cancel``."""

    code: NonEmpty


class CancelResult(_Answer):
    """``results`` of a cancel (``status`` ``"0"``)."""

    code: str
    soc: str | None = None
    address: str | None = None
    status: CodeStr
    status_name: str | None = None


class LabelTokenRequest(RequestModel):
    """Body of ``POST /v1/partner/orders/token``: SuperShip order codes."""

    code: Annotated[list[NonEmpty], Field(min_length=1)]


class LabelToken(_Answer):
    """``results`` of the label token call: the print token (a credential for the print page)."""

    token: NonEmpty


# ----------------------------------------------------------------------------- warehouses
class Warehouse(_Answer):
    """A pickup warehouse: ``status`` 1 active / 2 stopped, ``primary`` 1 default / 2 normal."""

    code: str
    name: str | None = None
    address: str | None = None
    formatted_address: str | None = Field(
        default=None,
        validation_alias=AliasChoices("formatted_address", "formatted_adress"),
        serialization_alias="formatted_address",
    )
    status: Annotated[str | None, BeforeValidator(_code_or_none)] = None
    status_name: str | None = None
    primary: Annotated[str | None, BeforeValidator(_code_or_none)] = None
    primary_name: str | None = None
    created_at: VnDateTime = None
    updated_at: VnDateTime = None


class WarehouseCreateRequest(RequestModel):
    """Body of ``POST /v1/partner/warehouses/create`` (places are names)."""

    name: NonEmpty
    phone: Phone
    contact: NonEmpty
    address: NonEmpty
    province: NonEmpty
    district: NonEmpty
    commune: NonEmpty
    primary: Annotated[Literal["1", "2"], BeforeValidator(_code)] = "2"


class WarehouseUpdateRequest(RequestModel):
    """Body of ``POST /v1/partner/warehouses/update`` (address changes need a new warehouse)."""

    code: NonEmpty
    name: NonEmpty
    phone: Phone
    contact: NonEmpty


class WarehouseUpdate(_Answer):
    """``results`` of a warehouse update: ``diff`` holds the fields that changed."""

    code: str
    diff: dict[str, Any] = Field(default_factory=dict)
    updated_at: VnDateTime = None


# ----------------------------------------------------------------------------- webhooks
class WebhookCreateRequest(RequestModel):
    """Body of ``POST /v1/partner/webhooks/create``."""

    url: Annotated[str, Field(pattern=r"^https?://\S+$")]


class Webhook(_Answer):
    """The registered webhook URL."""

    url: str
    created_at: VnDateTime = None
    updated_at: VnDateTime = None


class WebhookPayload(_Answer):
    """
    What SuperShip POSTs to the webhook URL on each change (no signature; answer HTTP 200).

    ``type`` is ``update_status`` or ``update_weight``; ``partial`` and ``barter`` are ``"0"``/``"1"``.
    """

    type: str
    code: str
    shortcode: Annotated[str | None, BeforeValidator(_code_or_none)] = None
    soc: str | None = None
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    payer: Annotated[str | None, BeforeValidator(_code_or_none)] = None
    amount: Money = None
    weight: int | None = None
    fshipment: Money = None
    finsurance: Money = None
    status: CodeStr
    status_name: str | None = None
    partial: Annotated[str | None, BeforeValidator(_code_or_none)] = None
    barter: Annotated[str | None, BeforeValidator(_code_or_none)] = None
    reason_code: Annotated[str | None, BeforeValidator(_code_or_none)] = None
    reason_text: str | None = None
    created_at: VnDateTime = None
    updated_at: VnDateTime = None
    pushed_at: VnDateTime = None
