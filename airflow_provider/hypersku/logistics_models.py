"""
HyperSKU's logistics schemas: destination countries, shipping channels and their prices (and
how one is chosen for an order), and the tracking of an order's parcels.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import AliasChoices, Field, field_validator, model_validator

from airflow_provider.common.models import ApiModel, RequestModel
from airflow_provider.hypersku.model_fields import CST, CountryCode, IdStr, Money, Time
from airflow_provider.hypersku.order_models import SkuItemDto


class RegionCodeDto(ApiModel):
    """``RegionCodeDto``: a region (state, province) of a country."""

    region_code: str | None = Field(
        default=None, validation_alias=AliasChoices("regionCode", "code"), serialization_alias="regionCode"
    )
    region_name: str | None = Field(
        default=None, validation_alias=AliasChoices("regionName", "name"), serialization_alias="regionName"
    )


class CountryCodeReponseDto(ApiModel):
    """``CountryCodeReponseDto`` (vendor spelling): a destination country."""

    country_code: str = Field(alias="countryCode")
    country_name: str | None = Field(default=None, alias="countryName")
    regions: list[RegionCodeDto] | None = None


class LogisticsRequestDto(RequestModel):
    """``LogisticsRequestDto``: which channels can carry these SKUs to ``countryCode``."""

    country_code: CountryCode = Field(alias="countryCode")
    sku_items: list[SkuItemDto] = Field(alias="skuItems", min_length=1)


_DAYS = re.compile(r"\d+")


class LogisticsReponseDto(ApiModel):
    """``LogisticsReponseDto`` (vendor spelling): one shipping channel and its price."""

    logistics_id: IdStr | None = Field(default=None, alias="logisticsId")
    logistics_name: str | None = Field(default=None, alias="logisticsName")
    freight: Money = None
    currency: str | None = None
    delivery_days: int | str | None = Field(default=None, alias="deliveryDays")

    def max_days(self) -> int | None:
        """The slowest delivery time in days (``"7-15"`` -> 15), ``None`` when not given."""
        if isinstance(self.delivery_days, int):
            return self.delivery_days
        numbers = [int(n) for n in _DAYS.findall(self.delivery_days or "")]
        return max(numbers) if numbers else None


#: how a channel is chosen for orders that name none
LOGISTICS_STRATEGIES = ("cheapest", "fastest")


def select_option(options: list[LogisticsReponseDto], strategy: str) -> LogisticsReponseDto | None:
    """The cheapest (then fastest) or the fastest (then cheapest) channel, ``None`` when none fits."""
    usable = [o for o in options if o.logistics_id]
    far, dear = 10**6, Decimal(10**12)

    def cost(option: LogisticsReponseDto) -> Decimal:
        return option.freight if option.freight is not None else dear

    def days(option: LogisticsReponseDto) -> int:
        found = option.max_days()
        return far if found is None else found

    if strategy == "fastest":
        return min(usable, key=lambda o: (days(o), cost(o)), default=None)
    return min(usable, key=lambda o: (cost(o), days(o)), default=None)


class LogisticsDetailDto(LogisticsReponseDto):
    """``LogisticsDetailDto``: a channel's details (fields as in :class:`LogisticsReponseDto`)."""


class LogisticsResult(ApiModel):
    """
    ``LogisticsResult``: the channels for one destination and SKU set.

    The name of the list field is not documented: ``options`` is read, and a bare list or the
    first list of channel objects under another name is accepted too.
    """

    country_code: str | None = Field(default=None, alias="countryCode")
    options: list[LogisticsReponseDto] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _find_options(cls, value: Any) -> Any:
        if isinstance(value, list):
            return {"options": value}
        if isinstance(value, dict) and "options" not in value:
            for key, item in value.items():
                if isinstance(item, list) and all(isinstance(row, dict) for row in item):
                    return {**{k: v for k, v in value.items() if k != key}, "options": item}
        return value


class OrdersLogisticsTrackVo(ApiModel):
    """``OrdersLogisticsTrackVo``: one tracking event."""

    event_time: Time = Field(default=None, alias="eventTime")
    event_thing: str | None = Field(default=None, alias="eventThing")
    event_city: str | None = Field(default=None, alias="eventCity")
    event_country: str | None = Field(default=None, alias="eventCountry")

    def compact(self) -> dict[str, Any]:
        """``{time, event, where}``: the XCom form of an event."""
        where = ", ".join(part for part in (self.event_city, self.event_country) if part)
        return {
            "time": self.event_time.isoformat() if self.event_time else None,
            "event": self.event_thing,
            "where": where or None,
        }


class OrdersLogisticsTrackInfoVo(ApiModel):
    """``OrdersLogisticsTrackInfoVo``: one parcel's tracking number and its events."""

    tracking_number: IdStr | None = Field(default=None, alias="trackingNumber")
    tracks: list[OrdersLogisticsTrackVo] = Field(default_factory=list)


class InternationalLogisticsInfo(ApiModel):
    """``InternationalLogisticsInfo``: tracking of an order (empty until it ships)."""

    tracking_number: IdStr | None = Field(default=None, alias="trackingNumber")
    express_delivery: str | None = Field(default=None, alias="expressDelivery")
    tracks: list[OrdersLogisticsTrackVo] = Field(default_factory=list)

    @field_validator("tracks", mode="before")
    @classmethod
    def _no_null(cls, value: Any) -> Any:
        return [] if value is None else value

    def sorted_tracks(self) -> list[OrdersLogisticsTrackVo]:
        """Events oldest first (events without a time keep their place at the start)."""
        epoch = datetime.min.replace(tzinfo=CST)
        return sorted(self.tracks, key=lambda event: event.event_time or epoch)
