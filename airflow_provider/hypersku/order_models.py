"""
HyperSKU's order schemas: the create body (``OrdersInfoDto``) and its validation, the address
update, and the order, status, goods-line, parcel and address answers.

Schemas whose fields no public source shows (``OrderItemInfo``, ``OrdersShipGoodsAliVo``,
``OrdersStatusDto``, ...) are modelled from the fields seen elsewhere in the API and keep
whatever else the platform sends.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from airflow_provider.common.models import ApiModel, InputError, RequestModel, validate_all
from airflow_provider.hypersku.constants import ORDER_STATUS_NAMES
from airflow_provider.hypersku.model_fields import CountryCode, IdStr, Money, Text, Time


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
    third_order_name: str | None = Field(default=None, alias="thirdOrderName")
    store_code: IdStr | None = Field(default=None, alias="storeCode")
    logistics_id: IdStr | None = Field(default=None, alias="logisticsId")
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
