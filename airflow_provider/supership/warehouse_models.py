"""SuperShip's warehouse and webhook schemas (``/v1/partner/warehouses*``, ``/v1/partner/webhooks*``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field

from airflow_provider.common.models import RequestModel
from airflow_provider.supership.model_fields import (
    CodeStr,
    Money,
    NonEmpty,
    OptionalCode,
    Phone,
    SuperShipAnswer,
    VnDateTime,
    as_code,
    without_none,
)


# ----------------------------------------------------------------------------- warehouses
class Warehouse(SuperShipAnswer):
    """A pickup warehouse: ``status`` 1 active / 2 stopped, ``primary`` 1 default / 2 normal."""

    code: str
    name: str | None = None
    address: str | None = None
    formatted_address: str | None = Field(
        default=None,
        validation_alias=AliasChoices("formatted_address", "formatted_adress"),
        serialization_alias="formatted_address",
    )
    status: OptionalCode = None
    status_name: str | None = None
    primary: OptionalCode = None
    primary_name: str | None = None
    created_at: VnDateTime = None
    updated_at: VnDateTime = None

    def compact(self) -> dict[str, Any]:
        """XCom data: code, name, address, status and primary flag."""
        return without_none(
            {
                "code": self.code,
                "name": self.name,
                "formatted_address": self.formatted_address or self.address,
                "status": self.status,
                "primary": self.primary,
            }
        )


class WarehouseCreateRequest(RequestModel):
    """Body of ``POST /v1/partner/warehouses/create`` (places are names)."""

    name: NonEmpty
    phone: Phone
    contact: NonEmpty
    address: NonEmpty
    province: NonEmpty
    district: NonEmpty
    commune: NonEmpty
    primary: Annotated[Literal["1", "2"], BeforeValidator(as_code)] = "2"


class WarehouseUpdateRequest(RequestModel):
    """Body of ``POST /v1/partner/warehouses/update`` (address changes need a new warehouse)."""

    code: NonEmpty
    name: NonEmpty
    phone: Phone
    contact: NonEmpty


class WarehouseUpdate(SuperShipAnswer):
    """``results`` of a warehouse update: ``diff`` holds the fields that changed."""

    code: str
    diff: dict[str, Any] = Field(default_factory=dict)
    updated_at: VnDateTime = None


# ----------------------------------------------------------------------------- webhooks
class WebhookCreateRequest(RequestModel):
    """Body of ``POST /v1/partner/webhooks/create``."""

    url: Annotated[str, Field(pattern=r"^https?://\S+$")]


class Webhook(SuperShipAnswer):
    """The registered webhook URL."""

    url: str
    created_at: VnDateTime = None
    updated_at: VnDateTime = None


class WebhookPayload(SuperShipAnswer):
    """
    What SuperShip POSTs to the webhook URL on each change (no signature; answer HTTP 200).

    ``type`` is ``update_status`` or ``update_weight``; ``partial`` and ``barter`` are ``"0"``/``"1"``.
    """

    type: str
    code: str
    shortcode: OptionalCode = None
    soc: str | None = None
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    payer: OptionalCode = None
    amount: Money = None
    weight: int | None = None
    fshipment: Money = None
    finsurance: Money = None
    status: CodeStr
    status_name: str | None = None
    partial: OptionalCode = None
    barter: OptionalCode = None
    reason_code: OptionalCode = None
    reason_text: str | None = None
    created_at: VnDateTime = None
    updated_at: VnDateTime = None
    pushed_at: VnDateTime = None
