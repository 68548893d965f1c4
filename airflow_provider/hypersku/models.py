"""
HyperSKU request and response models, one per vendor schema of the API's navigation.

Field names are snake_case with HyperSKU's spelling as alias (``sku_id`` <-> ``skuId``). Money
is :class:`~decimal.Decimal`; times are timezone-aware (HyperSKU answers in +08:00: a naive
``"yyyy-MM-dd HH:mm:ss"`` is read as +08:00, epoch numbers in seconds or milliseconds are
recognised). Request models reject unknown fields; response models keep them.

Schemas whose fields no public source shows (``OrderItemInfo``, ``OrdersShipGoodsAliVo``,
``OrdersStatusDto``, ...) are modelled from the fields seen elsewhere in the API and keep
whatever else the platform sends.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AliasChoices, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from airflow_provider.common.models import (
    ApiModel,
    InputError,
    Page,
    RequestModel,
    to_decimal,
    validate_all,
)
from airflow_provider.hypersku.constants import ORDER_STATUS_NAMES
from airflow_provider.hypersku.countries import check_country_code

#: HyperSKU's time zone (China Standard Time)
CST = timezone(timedelta(hours=8), "+08:00")
#: how HyperSKU writes times
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

T = TypeVar("T")


# ----------------------------------------------------------------------------- field types
def _money(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    try:
        return to_decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError) as err:
        raise ValueError(f"{value!r} is not an amount") from err


def _time(value: Any) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(seconds, CST)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return _time(int(text))
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as err:
            raise ValueError(f"{value!r} is not a time HyperSKU writes") from err
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=CST)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=CST)
    raise ValueError(f"{value!r} is not a time")


def _id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Money = Annotated[Decimal | None, BeforeValidator(_money)]
Time = Annotated[datetime | None, BeforeValidator(_time)]
IdStr = Annotated[str, BeforeValidator(_id)]
Text = Annotated[str, BeforeValidator(_id), Field(min_length=1)]
CountryCode = Annotated[str, BeforeValidator(lambda v: check_country_code(v) if isinstance(v, str) else v)]


def format_time(value: datetime | str) -> str:
    """A time as HyperSKU writes it (``yyyy-MM-dd HH:mm:ss`` in +08:00); naive times are UTC."""
    if isinstance(value, str):
        return value
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(CST).strftime(TIME_FORMAT)


# ----------------------------------------------------------------------------- envelope
class ObjectRestResponse(ApiModel, Generic[T]):
    """``ObjectRestResponse<T>``: ``{status, message, data, rel}`` (AG-Admin framework)."""

    status: int | None = None
    message: str | None = None
    data: T | None = None
    rel: bool | None = None


class TableData(ApiModel, Generic[T]):
    """``TableData<T>``: one page of rows and the total count."""

    total: int | None = None
    rows: list[T] = Field(default_factory=list)

    def to_page(self, page: int, limit: int) -> Page[T]:
        return Page[T](items=self.rows, total=self.total, page=page, size=limit)


class TableResultResponse(ApiModel, Generic[T]):
    """``TableResultResponse<T>``: ``{status, message, data: TableData<T>}``."""

    status: int | None = None
    message: str | None = None
    data: TableData[T] | None = None


# ----------------------------------------------------------------------------- authentication
class LoginReqDto(RequestModel):
    """``LoginReqDto``: body of ``POST /api/auth/admin/token`` (sent exactly as given: no stripping)."""

    model_config = ConfigDict(str_strip_whitespace=False)

    username: str
    password: str


class LoginResDto(ApiModel):
    """``LoginResDto``: ``{message, status, token}``."""

    message: str | None = None
    status: int | None = None
    token: str | None = None


class OAuth2AccessTokenReq(RequestModel):
    """``OAuth2AccesTokenReq`` (vendor spelling): exchange of an authorisation ``code``."""

    client_id: str = Field(alias="clientId", min_length=1)
    client_secret: str = Field(alias="clientSecret", min_length=1)
    code: str = Field(min_length=1)


class OAuth2RefreshTokenReq(RequestModel):
    """``OAuth2RefreshTokenReq``: a new access token for a refresh token."""

    client_id: str = Field(alias="clientId", min_length=1)
    client_secret: str = Field(alias="clientSecret", min_length=1)
    refresh_token: str = Field(alias="refreshToken", min_length=1)


class OAuth2TokenVo(ApiModel):
    """``OAuth2TokenVo``: ``{accessToken, refreshToken, expiresIn}`` (seconds)."""

    access_token: str | None = Field(
        default=None,
        validation_alias=AliasChoices("accessToken", "access_token", "token"),
        serialization_alias="accessToken",
    )
    refresh_token: str | None = Field(
        default=None,
        validation_alias=AliasChoices("refreshToken", "refresh_token"),
        serialization_alias="refreshToken",
    )
    expires_in: int | None = Field(
        default=None,
        validation_alias=AliasChoices("expiresIn", "expires_in"),
        serialization_alias="expiresIn",
    )


#: the vendor's spelling of :class:`OAuth2AccessTokenReq`
OAuth2AccesTokenReq = OAuth2AccessTokenReq


# ----------------------------------------------------------------------------- addresses and orders
class SkuItemDto(RequestModel):
    """``SkuItemDto``: one SKU and how many."""

    sku_id: Text = Field(alias="skuId")
    num: int = Field(gt=0)


class ShippingAddressDto(RequestModel):
    """``ShippingAddressDto``: where an order goes; ``countryCode`` is ISO 3166-1 alpha-2."""

    first_name: Text = Field(alias="firstName")
    last_name: Text = Field(alias="lastName")
    country_code: CountryCode = Field(alias="countryCode")
    province: Text
    city: Text
    address1: Text
    address2: str | None = None
    zip_code: Text = Field(alias="zipCode")
    phone: Text
    email: str | None = None
    tax_no: str | None = Field(default=None, alias="taxNo")


class OrdersInfoDto(RequestModel):
    """
    ``OrdersInfoDto``: body of ``create``.

    ``thirdOrderId`` is your own order id: it makes creates idempotent (HyperSKU rejects a
    second order with the same one) and is the ``storeOrderId`` of later lookups and tracking.
    ``thirdOrderName`` defaults to ``thirdOrderId``. ``logisticsId`` may be left out when the
    operator chooses a channel (``logistics="cheapest"|"fastest"``).
    """

    logistics_id: IdStr | None = Field(default=None, alias="logisticsId")
    shipping_address: ShippingAddressDto = Field(alias="shippingAddress")
    sku_items: list[SkuItemDto] = Field(alias="skuItems")
    third_order_id: Text = Field(alias="thirdOrderId", max_length=64)
    third_order_name: str | None = Field(default=None, alias="thirdOrderName")

    @field_validator("sku_items")
    @classmethod
    def _some_items(cls, value: list[SkuItemDto]) -> list[SkuItemDto]:
        if not value:
            raise ValueError("at least one SKU item is required")
        return value

    @model_validator(mode="after")
    def _default_name(self) -> OrdersInfoDto:
        if not self.third_order_name:
            self.third_order_name = self.third_order_id
        return self

    def sku_counts(self) -> dict[str, int]:
        """``{skuId: total num}`` of the order."""
        counts: dict[str, int] = {}
        for item in self.sku_items:
            counts[item.sku_id] = counts.get(item.sku_id, 0) + item.num
        return counts


def validate_orders(items: list[Any], *, need_logistics: bool) -> list[OrdersInfoDto]:
    """
    Every order validated before anything is sent; one :class:`InputError` names each bad field.

    :param items: the orders as dicts (``items_from`` gives them) or models.
    :param need_logistics: whether every order must carry its own ``logisticsId`` (no channel
        is chosen for it).
    """
    problems: list[tuple[str, str, str]] = []
    if need_logistics:
        for index, item in enumerate(items):
            if isinstance(item, dict) and item.get("logisticsId") in (None, ""):
                label = str(item.get("thirdOrderId") or f"#{index}")
                problems.append((label, "logisticsId", "required unless logistics='cheapest' or 'fastest'"))
    try:
        orders = validate_all(OrdersInfoDto, items, id_field="thirdOrderId")
    except InputError as err:
        raise InputError(err.errors + problems) from None
    if problems:
        raise InputError(problems)
    return orders


class UpdateOrderAddressReq(RequestModel):
    """Body of ``updateOrderAddress``: ``{orderId, shippingAddress}`` (no schema name in the API doc)."""

    order_id: Text = Field(alias="orderId")
    shipping_address: ShippingAddressDto = Field(alias="shippingAddress")


class OrderBaseInfo(ApiModel):
    """``OrderBaseInfo``: the order HyperSKU created."""

    order_id: IdStr = Field(alias="orderId")
    store_order_id: IdStr | None = Field(default=None, alias="storeOrderId")
    status: int | None = None
    amount: Money = None
    currency_code: str | None = Field(default=None, alias="currencyCode")


class OrderCreateResponse(ApiModel):
    """``OrderCreateResponse``: ``{orderBaseInfo}``."""

    order_base_info: OrderBaseInfo = Field(alias="orderBaseInfo")


class OrderStatusInfo(ApiModel):
    """``OrderStatusInfo``: one order's status from ``getOrdersStatus``."""

    order_id: IdStr = Field(alias="orderId")
    status: int | None = None
    status_name: str | None = Field(default=None, alias="statusName")

    @property
    def name(self) -> str | None:
        """The status name HyperSKU sent, else ours."""
        return self.status_name or (ORDER_STATUS_NAMES.get(self.status) if self.status is not None else None)


class OrdersStatusDto(ApiModel):
    """``OrdersStatusDto``: an order id and status pair (fields as in :class:`OrderStatusInfo`)."""

    order_id: IdStr | None = Field(default=None, alias="orderId")
    status: int | None = None


class OrdersStatusResDto(OrderStatusInfo):
    """``OrdersStatusResDto``: status answer row (fields as in :class:`OrderStatusInfo`)."""


class OrdersGoodsDto(ApiModel):
    """``OrdersGoodsDto``: one line of an order (``goodsId`` is the SKU id)."""

    product_id: IdStr | None = Field(default=None, alias="productId")
    goods_id: IdStr | None = Field(default=None, alias="goodsId")
    sku_id: IdStr | None = Field(default=None, alias="skuId")
    goods_name: str | None = Field(default=None, alias="goodsName")
    attr_str: str | None = Field(default=None, alias="attrStr")
    num: int | None = None
    unit_price: Money = Field(default=None, alias="unitPrice")
    weight: Money = None
    is_inventory: bool | int | None = Field(default=None, alias="isInventory")

    @property
    def sku(self) -> str | None:
        return self.sku_id or self.goods_id


class OrderItemInfo(OrdersGoodsDto):
    """``OrderItemInfo``: an order line (fields as in :class:`OrdersGoodsDto`)."""


class OrdersShipGoodsAliVo(OrdersGoodsDto):
    """``OrdersShipGoodsAliVo``: a shipped line of a split shipment (fields as in :class:`OrdersGoodsDto`)."""


class OrdersLogisticsDto(ApiModel):
    """``OrdersLogisticsDto``: a parcel of an order."""

    tracking_number: IdStr | None = Field(default=None, alias="trackingNumber")
    express_delivery: str | None = Field(default=None, alias="expressDelivery")
    initial_tracking_number: IdStr | None = Field(default=None, alias="initialTrackingNumber")


class OrderAddressInfo(ApiModel):
    """``OrderAddressInfo``: the address on an order (``ordersAddress``; ``updateOrderAddress`` answer)."""

    order_id: IdStr | None = Field(default=None, alias="orderId")
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")
    address: str | None = None
    country_code: str | None = Field(default=None, alias="countryCode")
    country_name: str | None = Field(default=None, alias="countryName")
    second_region_name: str | None = Field(default=None, alias="secondRegionName")
    third_region_name: str | None = Field(default=None, alias="thirdRegionName")
    zip_code: IdStr | None = Field(default=None, alias="zipCode")
    phone: IdStr | None = None


class OrderResult(ApiModel):
    """``OrderResult``: an order's details (``getOrderInfos`` rows, lookups by ``thirdOrderId``)."""

    order_id: IdStr = Field(alias="orderId")
    store_order_id: IdStr | None = Field(default=None, alias="storeOrderId")
    third_order_id: IdStr | None = Field(default=None, alias="thirdOrderId")
    status: int | None = None
    status_name: str | None = Field(default=None, alias="statusName")
    actual_amount: Money = Field(default=None, alias="actualAmount")
    amount: Money = None
    freight: Money = None
    tax_amount: Money = Field(default=None, alias="taxAmount")
    currency_code: str | None = Field(default=None, alias="currencyCode")
    warehouse_name: str | None = Field(default=None, alias="warehouseName")
    payment_time: Time = Field(default=None, alias="paymentTime")
    crt_time: Time = Field(default=None, alias="crtTime")
    goods_list: list[OrdersGoodsDto] = Field(default_factory=list, alias="goodsList")
    logistics_list: list[OrdersLogisticsDto] = Field(default_factory=list, alias="logisticsList")
    orders_address: OrderAddressInfo | None = Field(default=None, alias="ordersAddress")

    @property
    def own_id(self) -> str | None:
        """The caller's id of the order (``storeOrderId`` = the ``thirdOrderId`` sent)."""
        return self.store_order_id or self.third_order_id

    def sku_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for line in self.goods_list:
            if line.sku is not None:
                counts[line.sku] = counts.get(line.sku, 0) + (line.num or 0)
        return counts


# ----------------------------------------------------------------------------- logistics
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


# ----------------------------------------------------------------------------- products and stock
class SkuAttributesDto(ApiModel):
    """``SkuAttributesDto``: one attribute of a SKU (``Color: Black``)."""

    name: str | None = None
    value: str | None = None


class SkuInfoDto(ApiModel):
    """``SkuInfoDto``: a SKU of a product."""

    sku_id: IdStr = Field(alias="skuId")
    price: Money = None
    weight: Money = None
    attributes: list[SkuAttributesDto] = Field(default_factory=list)

    def attribute_text(self) -> str:
        return ", ".join(f"{a.name}: {a.value}" for a in self.attributes if a.name)


class ProductInfoDto(ApiModel):
    """``ProductInfoDto``: a product and its SKUs."""

    product_id: IdStr = Field(alias="productId")
    title: str | None = None
    skus: list[SkuInfoDto] = Field(default_factory=list)

    @field_validator("skus", mode="before")
    @classmethod
    def _no_null(cls, value: Any) -> Any:
        return [] if value is None else value

    def compact(self) -> dict[str, Any]:
        """``{productId, title, skus: [{skuId, price, attributes}]}``: the XCom form."""
        return {
            "productId": self.product_id,
            "title": self.title,
            "skus": [
                {
                    "skuId": s.sku_id,
                    "price": None if s.price is None else str(s.price),
                    "attributes": s.attribute_text(),
                }
                for s in self.skus
            ],
        }


class CustomerInventoryDto(ApiModel):
    """``CustomerInventoryDto``: your stock of a SKU in a HyperSKU warehouse."""

    sku_id: IdStr = Field(alias="skuId")
    available: int | None = None
    locked: int | None = None
    warehouse_name: str | None = Field(default=None, alias="warehouseName")


class OrderInventoryResult(ApiModel):
    """``OrderInventoryResult``: a stock row of ``getInventoryInfo`` (fields inferred)."""

    sku_id: IdStr | None = Field(default=None, alias="skuId")
    product_id: IdStr | None = Field(default=None, alias="productId")
    goods_name: str | None = Field(default=None, alias="goodsName")
    available: int | None = None
    locked: int | None = None
    warehouse_name: str | None = Field(default=None, alias="warehouseName")


class OrderInventoryHistoryDto(ApiModel):
    """``OrderInventoryHistoryDto``: a stock movement caused by an order (fields inferred)."""

    order_id: IdStr | None = Field(default=None, alias="orderId")
    sku_id: IdStr | None = Field(default=None, alias="skuId")
    num: int | None = None
    type: str | None = None
    warehouse_name: str | None = Field(default=None, alias="warehouseName")
    crt_time: Time = Field(default=None, alias="crtTime")
    remark: str | None = None


def iter_rows(model: type[ApiModel], data: Any) -> Iterator[Any]:
    """Rows of a list answer (a list, ``TableData`` or a single object) validated as ``model``."""
    if data is None:
        return
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        data = data["rows"]
    if isinstance(data, dict):
        data = [data]
    for row in data:
        yield model.model_validate(row)
