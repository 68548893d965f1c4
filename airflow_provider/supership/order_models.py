"""
SuperShip's order schemas (``/v1/partner/orders/*``): the fee quote, the create body and its
answer, order info with its journeys, the status table, the cancel and the label print token.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from airflow_provider.common.models import RequestModel
from airflow_provider.supership.model_fields import (
    CodeStr,
    Money,
    NonEmpty,
    OptionalCode,
    Phone,
    SuperShipAnswer,
    VnDateTime,
    WholeNumber,
    as_code,
    as_code_or_none,
    as_whole_number,
    whole_vnd,
    without_none,
)

#: label sizes the print page accepts
LABEL_SIZES = ("A5", "K46", "T2", "K50", "K75", "K80", "S8", "S9", "S10", "S11", "S12", "S13", "S14")


# ----------------------------------------------------------------------------- fee quote
class FeeQuoteRequest(RequestModel):
    """Query of ``GET /v1/partner/orders/price``: place NAMES, weight in grams, value in VND."""

    sender_province: NonEmpty
    sender_district: NonEmpty
    receiver_province: NonEmpty
    receiver_district: NonEmpty
    weight: WholeNumber
    value: WholeNumber | None = None


class Estimate(SuperShipAnswer):
    """An estimated time, e.g. ``{"name": "Chiều nay - 03/07/2018"}``."""

    name: str | None = None


class FeeQuote(SuperShipAnswer):
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
            "fee": whole_vnd(self.fee),
            "insurance": whole_vnd(self.insurance),
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
    quantity: Annotated[int, BeforeValidator(as_whole_number), Field(ge=1)]


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
    config: Annotated[Literal["1", "2", "3"], BeforeValidator(as_code)]
    payer: Annotated[Literal["1", "2"], BeforeValidator(as_code)]
    product_type: Annotated[Literal["1", "2"], BeforeValidator(as_code)]
    product: Annotated[str | None, Field(validate_default=True)] = None
    products: Annotated[list[Product] | None, Field(validate_default=True)] = None
    barter: Annotated[Literal["0", "1"] | None, BeforeValidator(as_code_or_none)] = None

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


class CreatedOrder(SuperShipAnswer):
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
        return without_none(
            {
                "soc": self.soc,
                "status_name": self.status_name,
                "shortcode": self.shortcode,
                "amount": whole_vnd(self.amount),
                "collection": whole_vnd(self.collection),
                "value": whole_vnd(self.value),
                "fee": whole_vnd(self.fee),
                "insurance": whole_vnd(self.insurance),
            }
        )


class Receiver(SuperShipAnswer):
    """The receiver of an order (the phone comes back partly masked)."""

    name: str | None = None
    phone: str | None = None
    address: str | None = None
    formatted_address: str | None = None


class OrderFees(SuperShipAnswer):
    """``fee`` of an order info: shipment, insurance, return, barter and address-change fees."""

    shipment: Money = None
    insurance: Money = None
    return_fee: Money = Field(default=None, alias="return")
    barter: Money = None
    address: Money = None


class Journey(SuperShipAnswer):
    """One step of an order's journey; ``status`` is the status NAME (``Chờ Lấy Hàng``)."""

    time: VnDateTime = None
    status: str | None = None
    province: str | None = None
    district: str | None = None
    note: str | None = None


class OrderNote(SuperShipAnswer):
    """A note SuperShip attached to an order."""

    created_at: VnDateTime = None
    type: OptionalCode = None
    note: str | None = None


def _fees(value: Any) -> Any:
    if isinstance(value, int | float | str | Decimal) and not isinstance(value, bool):
        return {"shipment": value}
    return value


class OrderInfo(SuperShipAnswer):
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
        return without_none(
            {
                "soc": self.soc,
                "status_name": self.status_name,
                "amount": whole_vnd(self.amount),
                "collection": whole_vnd(self.collection),
                "collected": whole_vnd(self.collected),
                "value": whole_vnd(self.value),
                "fee": whole_vnd(fees.shipment),
                "insurance": whole_vnd(fees.insurance),
                "return_fee": whole_vnd(fees.return_fee),
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


class OrderStatus(SuperShipAnswer):
    """One of ``GET /v1/partner/orders/status``: ``key`` is the code, ``value`` its name."""

    key: CodeStr
    value: str


class CancelRequest(RequestModel):
    """Body of ``POST /v1/partner/orders/cancel``."""

    code: NonEmpty


class CancelResult(SuperShipAnswer):
    """``results`` of a cancel (``status`` ``"0"``)."""

    code: str
    soc: str | None = None
    address: str | None = None
    status: CodeStr
    status_name: str | None = None


class LabelTokenRequest(RequestModel):
    """Body of ``POST /v1/partner/orders/token``: SuperShip order codes."""

    code: Annotated[list[NonEmpty], Field(min_length=1)]


class LabelToken(SuperShipAnswer):
    """``results`` of the label token call: the print token (a credential for the print page)."""

    token: NonEmpty
