"""
HyperSKU's product and stock calls: the product catalogue (public and private), stock
(inventory purchase) orders, stock rows per SKU and warehouse, and the stock an order moved.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.models import Page
from airflow_provider.hypersku.base_hook import HyperSkuBaseHook
from airflow_provider.hypersku.model_fields import iter_rows
from airflow_provider.hypersku.order_calls import order_filters
from airflow_provider.hypersku.order_models import OrderResult
from airflow_provider.hypersku.product_models import (
    CustomerInventoryDto,
    OrderInventoryHistoryDto,
    OrderInventoryResult,
    ProductInfoDto,
)

#: the stock and product paths (a connection's extra ``endpoints`` may override any)
PRODUCT_ENDPOINTS: dict[str, str] = {
    "getStockOrderInfo": "/api/customer/admin/orders/getStockOrderInfo",
    "getInventoryInfo": "/api/customer/admin/orders/getInventoryInfo",
    "getCustomerInventoryInfo": "/api/customer/admin/orders/getCustomerInventoryInfo",
    "getInventoryHistoryByOrderId": "/api/customer/admin/orders/getInventoryHistoryByOrderId",
    "getProductInfo": "/api/customer/admin/product/getProductInfo",
    "getPrivateProduct": "/api/customer/admin/product/getPrivateProduct",
}


class HyperSkuProductCalls(HyperSkuBaseHook):
    """The product and stock calls of ``HyperSkuHook``."""

    # ------------------------------------------------------------------ stock
    def _stock_body(
        self,
        status: int | str | None,
        start_time: datetime | str | None,
        end_time: datetime | str | None,
        filters: Mapping[str, Any],
    ) -> dict[str, Any]:
        named = order_filters(status, start_time, end_time)
        return {**filters, **{key: value for key, value in named.items() if value is not None}}

    def get_stock_order_info(
        self,
        page: int = 1,
        limit: int = 50,
        *,
        status: int | str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        **filters: Any,
    ) -> Page[OrderResult]:
        """``getStockOrderInfo``: one page of stock (inventory purchase) orders.

        The filters are inferred (as for ``getOrderInfos``): ``status``, creation time from
        ``start_time`` to before ``end_time`` (sent as +08:00 ``yyyy-MM-dd HH:mm:ss``).

        :param filters: extra body fields in HyperSKU's spelling (``orderId``, ...).
        """
        body = self._stock_body(status, start_time, end_time, filters)
        return self.call(self._paged("getStockOrderInfo", OrderResult, body, page, limit))

    def iter_stock_orders(
        self,
        *,
        status: int | str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        limit: int = 50,
        **filters: Any,
    ) -> Iterator[OrderResult]:
        """Every stock order matching the filters, page after page to the end."""
        body = self._stock_body(status, start_time, end_time, filters)
        return self._walk("getStockOrderInfo", OrderResult, body, limit)

    def get_inventory_info(
        self, page: int = 1, limit: int = 50, *, sku_id: str | None = None
    ) -> Page[OrderInventoryResult]:
        """``getInventoryInfo``: one page of stock rows, optionally for one SKU."""
        return self.call(
            self._paged("getInventoryInfo", OrderInventoryResult, {"skuId": sku_id}, page, limit)
        )

    def iter_inventory(self, *, sku_id: str | None = None, limit: int = 50) -> Iterator[OrderInventoryResult]:
        """Every stock row (of one SKU when given), page after page."""
        return self._walk("getInventoryInfo", OrderInventoryResult, {"skuId": sku_id}, limit)

    async def alist_inventory(
        self, *, sku_id: str | None = None, limit: int = 50
    ) -> list[OrderInventoryResult]:
        """Every stock row (of one SKU when given), page after page: :meth:`iter_inventory` awaited, as a list."""
        walk = self._awalk("getInventoryInfo", OrderInventoryResult, {"skuId": sku_id}, limit)
        return [row async for row in walk]

    def _customer_inventory(self, sku_id: str | None) -> ApiCall[list[CustomerInventoryDto]]:
        body = {"skuId": sku_id} if sku_id else {}
        return self._post(
            "getCustomerInventoryInfo", body, lambda d: list(iter_rows(CustomerInventoryDto, d))
        )

    def get_customer_inventory_info(self, sku_id: str | None = None) -> list[CustomerInventoryDto]:
        """``getCustomerInventoryInfo``: your stock per SKU and warehouse (available, locked)."""
        return self.call(self._customer_inventory(sku_id))

    async def aget_customer_inventory_info(self, sku_id: str | None = None) -> list[CustomerInventoryDto]:
        """Async twin of :meth:`get_customer_inventory_info`."""
        return await self.acall(self._customer_inventory(sku_id))

    def _inventory_history(self, order_id: str) -> ApiCall[list[OrderInventoryHistoryDto]]:
        return self._post(
            "getInventoryHistoryByOrderId",
            {"orderId": str(order_id)},
            lambda d: list(iter_rows(OrderInventoryHistoryDto, d)),
        )

    def get_inventory_history_by_order_id(self, order_id: str) -> list[OrderInventoryHistoryDto]:
        """``getInventoryHistoryByOrderId``: stock movements an order caused."""
        return self.call(self._inventory_history(order_id))

    async def aget_inventory_history_by_order_id(self, order_id: str) -> list[OrderInventoryHistoryDto]:
        """Async twin of :meth:`get_inventory_history_by_order_id`."""
        return await self.acall(self._inventory_history(order_id))

    # ------------------------------------------------------------------ products
    def _products(
        self, private: bool, page: int, limit: int, keyword: str | None
    ) -> ApiCall[Page[ProductInfoDto]]:
        name = "getPrivateProduct" if private else "getProductInfo"
        return self._paged(name, ProductInfoDto, {"keyword": keyword}, page, limit)

    def get_product_info(
        self, page: int = 1, limit: int = 50, *, keyword: str | None = None
    ) -> Page[ProductInfoDto]:
        """``getProductInfo``: one page of the product catalogue, optionally by keyword."""
        return self.call(self._products(False, page, limit, keyword))

    def get_private_product(
        self, page: int = 1, limit: int = 50, *, keyword: str | None = None
    ) -> Page[ProductInfoDto]:
        """``getPrivateProduct``: one page of your private (sourced) products."""
        return self.call(self._products(True, page, limit, keyword))

    def iter_products(
        self, *, keyword: str | None = None, private: bool = False, limit: int = 50
    ) -> Iterator[ProductInfoDto]:
        """Every product (private ones with ``private=True``), page after page."""
        name = "getPrivateProduct" if private else "getProductInfo"
        return self._walk(name, ProductInfoDto, {"keyword": keyword}, limit)

    def list_products(
        self, *, keyword: str | None = None, private: bool = False, limit: int = 50
    ) -> list[ProductInfoDto]:
        """:meth:`iter_products` as a list."""
        return list(self.iter_products(keyword=keyword, private=private, limit=limit))

    async def alist_products(
        self, *, keyword: str | None = None, private: bool = False, limit: int = 50
    ) -> list[ProductInfoDto]:
        """Async twin of :meth:`list_products`."""
        name = "getPrivateProduct" if private else "getProductInfo"
        return [p async for p in self._awalk(name, ProductInfoDto, {"keyword": keyword}, limit)]
