"""HyperSKU's product and stock schemas: products and their SKUs, stock rows, stock movements."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from airflow_provider.common.models import ApiModel
from airflow_provider.hypersku.model_fields import IdStr, Money, Time


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

    def compact(self) -> dict[str, Any]:
        """``{skuId, num, type, warehouseName, time}``: the XCom form of a movement."""
        return {
            "skuId": self.sku_id,
            "num": self.num,
            "type": self.type,
            "warehouseName": self.warehouse_name,
            "time": self.crt_time.isoformat() if self.crt_time else None,
        }
