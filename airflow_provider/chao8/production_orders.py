"""
超8 production orders (溯源体系/生产订单): create, read, list, change, delete and the codes made.

Each call is described once (a ``_<operation key>`` method building its
:class:`~airflow_provider.common.hooks.ApiCall`) and sent by a thin sync method; an async twin
exists where an operator needs one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from airflow_provider.chao8.calls import as_model, awalk, created, page_of, walk
from airflow_provider.chao8.client import Chao8Client
from airflow_provider.chao8.models import (
    CodeRecord,
    ProductionOrder,
    ProductionOrderCreate,
    ProductionOrderCreated,
    ProductionOrderQuery,
    ProductionOrderUpdate,
)
from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.models import Page


class ProductionOrders(Chao8Client):
    """The production-order calls of ``Chao8Hook``."""

    # ----------------------------------------------------------------- create and read
    def _production_order_create(
        self, order: ProductionOrderCreate | Mapping[str, Any]
    ) -> ApiCall[ProductionOrderCreated]:
        body = as_model(ProductionOrderCreate, order)
        return ApiCall(
            "POST",
            self.endpoint("production_order_create"),
            lambda data: created(ProductionOrderCreated, data, body.order_no, "production"),
            json=body.dump(),
            idempotent=False,
        )

    def create_production_order(
        self, order: ProductionOrderCreate | Mapping[str, Any]
    ) -> ProductionOrderCreated:
        """创建生产订单: create a production order (never resent on a lost answer)."""
        return self.call(self._production_order_create(order))

    async def acreate_production_order(
        self, order: ProductionOrderCreate | Mapping[str, Any]
    ) -> ProductionOrderCreated:
        """Async :meth:`create_production_order`."""
        return await self.acall(self._production_order_create(order))

    def _production_order_detail(self, order_no: str) -> ApiCall[ProductionOrder]:
        return ApiCall(
            "GET",
            self.endpoint("production_order_detail", order_no=order_no),
            ProductionOrder.model_validate,
        )

    def get_production_order(self, order_no: str) -> ProductionOrder:
        """生产订单详情: one production order by ``orderNo`` (:class:`NotFoundError` when absent)."""
        return self.call(self._production_order_detail(order_no))

    async def aget_production_order(self, order_no: str) -> ProductionOrder:
        """Async :meth:`get_production_order`."""
        return await self.acall(self._production_order_detail(order_no))

    # ----------------------------------------------------------------- list
    def _production_order_page(
        self, page_num: int, page_size: int, filters: Mapping[str, Any]
    ) -> ApiCall[Page[ProductionOrder]]:
        query = ProductionOrderQuery.model_validate({**filters, "pageNum": page_num, "pageSize": page_size})
        return ApiCall(
            "POST",
            self.endpoint("production_order_page"),
            page_of(ProductionOrder, page_num, page_size),
            json=query.dump(),
            idempotent=True,
        )

    def get_production_orders_page(
        self, page_num: int = 1, page_size: int = 50, **filters: Any
    ) -> Page[ProductionOrder]:
        """获取订单列表分页: one page of production orders.

        :param filters: ``status``, ``product_code`` / ``productCode``, ``batch_no`` / ``batchNo``.
        """
        return self.call(self._production_order_page(page_num, page_size, filters))

    def iter_production_orders(self, page_size: int = 50, **filters: Any) -> Iterator[ProductionOrder]:
        """Every production order matching ``filters``, page after page to the end."""
        return walk(lambda n: self.get_production_orders_page(n, page_size, **filters))

    def list_production_orders(self, page_size: int = 50, **filters: Any) -> list[ProductionOrder]:
        """Every production order matching ``filters`` as a list."""
        return list(self.iter_production_orders(page_size, **filters))

    # ----------------------------------------------------------------- change and delete
    def _production_order_update(
        self, order_no: str, changes: ProductionOrderUpdate | Mapping[str, Any]
    ) -> ApiCall[ProductionOrder | None]:
        body = as_model(ProductionOrderUpdate, changes)
        return self._order_update("production_order_update", ProductionOrder, body, order_no)

    def update_production_order(
        self, order_no: str, changes: ProductionOrderUpdate | Mapping[str, Any]
    ) -> ProductionOrder | None:
        """更新生产订单: change a pending production order; the order when answered."""
        return self.call(self._production_order_update(order_no, changes))

    async def aupdate_production_order(
        self, order_no: str, changes: ProductionOrderUpdate | Mapping[str, Any]
    ) -> ProductionOrder | None:
        """Async :meth:`update_production_order`."""
        return await self.acall(self._production_order_update(order_no, changes))

    def delete_production_order(self, order_no: str) -> None:
        """删除生产订单: delete a production order."""
        self.call(self._order_delete("production_order_delete", order_no))

    async def adelete_production_order(self, order_no: str) -> None:
        """Async :meth:`delete_production_order`."""
        await self.acall(self._order_delete("production_order_delete", order_no))

    # ----------------------------------------------------------------- codes made (数码明细)
    def _production_order_codes(
        self, order_no: str, page_num: int, page_size: int
    ) -> ApiCall[Page[CodeRecord]]:
        return self._order_lines_page("production_order_codes", CodeRecord, order_no, page_num, page_size)

    def get_production_order_codes(
        self, order_no: str, page_num: int = 1, page_size: int = 100
    ) -> Page[CodeRecord]:
        """生产订单数码明细: one page of the codes made for a production order."""
        return self.call(self._production_order_codes(order_no, page_num, page_size))

    async def aget_production_order_codes(
        self, order_no: str, page_num: int = 1, page_size: int = 100
    ) -> Page[CodeRecord]:
        """Async :meth:`get_production_order_codes`."""
        return await self.acall(self._production_order_codes(order_no, page_num, page_size))

    def iter_production_order_codes(self, order_no: str, page_size: int = 100) -> Iterator[CodeRecord]:
        """Every code of a production order, page after page to the end."""
        return walk(lambda n: self.get_production_order_codes(order_no, n, page_size))

    def aiter_production_order_codes(self, order_no: str, page_size: int = 100) -> AsyncIterator[CodeRecord]:
        """Async :meth:`iter_production_order_codes`."""
        return awalk(lambda n: self.aget_production_order_codes(order_no, n, page_size))
