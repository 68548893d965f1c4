"""
超8 logistics orders (溯源体系/物流订单): create, read, scans, complete, reset, change, delete, the
outbound and return-inbound lists and the stock movement summary.

Each call is described once (a ``_<operation key>`` method building its
:class:`~airflow_provider.common.hooks.ApiCall`) and sent by a thin sync method; an async twin
exists where an operator or the sensor's trigger needs one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import date, datetime
from typing import Any, TypeAlias

from airflow_provider.chao8 import constants as c
from airflow_provider.chao8.calls import (
    as_model,
    awalk,
    created,
    list_of,
    page_of,
    time_param,
    walk,
    with_times,
)
from airflow_provider.chao8.client import Chao8Client
from airflow_provider.chao8.models import (
    LogisticsOrder,
    LogisticsOrderCreate,
    LogisticsOrderCreated,
    LogisticsOrderState,
    LogisticsOrderUpdate,
    OutboundQuery,
    ScanRecord,
    StockMovement,
    StockMovementQuery,
)
from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.models import Page

#: a query time: a datetime, a date (midnight) or text, sent in Beijing time
When: TypeAlias = datetime | date | str | None


def _state(data: Any, order_no: str, default_status: str) -> LogisticsOrderState:
    """A state-change answer; a gateway answering nothing means the state asked for."""
    if isinstance(data, dict):
        return LogisticsOrderState.model_validate({"orderNo": order_no, **data})
    return LogisticsOrderState(order_no=order_no, status=int(default_status))


class LogisticsOrders(Chao8Client):
    """The logistics-order calls of ``Chao8Hook``."""

    # ----------------------------------------------------------------- create and read
    def _logistics_order_create(
        self, order: LogisticsOrderCreate | Mapping[str, Any]
    ) -> ApiCall[LogisticsOrderCreated]:
        body = as_model(LogisticsOrderCreate, order)
        return ApiCall(
            "POST",
            self.endpoint("logistics_order_create"),
            lambda data: created(LogisticsOrderCreated, data, body.order_no, "logistics"),
            json=body.dump(),
            idempotent=False,
        )

    def create_logistics_order(
        self, order: LogisticsOrderCreate | Mapping[str, Any]
    ) -> LogisticsOrderCreated:
        """创建物流订单: create a logistics order (never resent on a lost answer: see the operator).

        :param order: a :class:`LogisticsOrderCreate` or its vendor-spelled dict.
        """
        return self.call(self._logistics_order_create(order))

    async def acreate_logistics_order(
        self, order: LogisticsOrderCreate | Mapping[str, Any]
    ) -> LogisticsOrderCreated:
        """Async :meth:`create_logistics_order`."""
        return await self.acall(self._logistics_order_create(order))

    def _logistics_order_detail(self, order_no: str) -> ApiCall[LogisticsOrder]:
        return ApiCall(
            "GET",
            self.endpoint("logistics_order_detail", order_no=order_no),
            LogisticsOrder.model_validate,
        )

    def get_logistics_order(self, order_no: str) -> LogisticsOrder:
        """物流订单详情: one logistics order by ``orderNo`` (:class:`NotFoundError` when absent)."""
        return self.call(self._logistics_order_detail(order_no))

    async def aget_logistics_order(self, order_no: str) -> LogisticsOrder:
        """Async :meth:`get_logistics_order`."""
        return await self.acall(self._logistics_order_detail(order_no))

    def _logistics_order_detail_by_id(self, order_id: str) -> ApiCall[LogisticsOrder]:
        return ApiCall(
            "GET",
            self.endpoint("logistics_order_detail_by_id", order_id=order_id),
            LogisticsOrder.model_validate,
        )

    def get_logistics_order_by_id(self, order_id: str) -> LogisticsOrder:
        """根据ID获取物流订单详情: one logistics order by 超8's own ``id``."""
        return self.call(self._logistics_order_detail_by_id(order_id))

    # ----------------------------------------------------------------- scans
    def _logistics_order_scans(
        self, order_no: str, page_num: int, page_size: int
    ) -> ApiCall[Page[ScanRecord]]:
        return self._order_lines_page("logistics_order_scans", ScanRecord, order_no, page_num, page_size)

    def get_logistics_order_scans(
        self, order_no: str, page_num: int = 1, page_size: int = 100
    ) -> Page[ScanRecord]:
        """物流订单扫描明细: one page of the codes scanned for an order."""
        return self.call(self._logistics_order_scans(order_no, page_num, page_size))

    async def aget_logistics_order_scans(
        self, order_no: str, page_num: int = 1, page_size: int = 100
    ) -> Page[ScanRecord]:
        """Async :meth:`get_logistics_order_scans`."""
        return await self.acall(self._logistics_order_scans(order_no, page_num, page_size))

    def iter_logistics_order_scans(self, order_no: str, page_size: int = 100) -> Iterator[ScanRecord]:
        """Every scan of an order, page after page to the end."""
        return walk(lambda n: self.get_logistics_order_scans(order_no, n, page_size))

    def aiter_logistics_order_scans(self, order_no: str, page_size: int = 100) -> AsyncIterator[ScanRecord]:
        """Async :meth:`iter_logistics_order_scans`."""
        return awalk(lambda n: self.aget_logistics_order_scans(order_no, n, page_size))

    def list_logistics_order_scans(self, order_no: str, page_size: int = 100) -> list[ScanRecord]:
        """Every scan of an order as a list."""
        return list(self.iter_logistics_order_scans(order_no, page_size))

    # ----------------------------------------------------------------- state changes
    def _logistics_order_complete(self, order_no: str) -> ApiCall[LogisticsOrderState]:
        return ApiCall(
            "POST",
            self.endpoint("logistics_order_complete", order_no=order_no),
            lambda data: _state(data, order_no, default_status=c.LOGISTICS_COMPLETED),
            idempotent=True,
        )

    def complete_logistics_order(self, order_no: str) -> LogisticsOrderState:
        """根据订单编号或Id完成订单: force an order to completed (status 2)."""
        return self.call(self._logistics_order_complete(order_no))

    async def acomplete_logistics_order(self, order_no: str) -> LogisticsOrderState:
        """Async :meth:`complete_logistics_order`."""
        return await self.acall(self._logistics_order_complete(order_no))

    def _logistics_order_reset(self, order_no: str) -> ApiCall[LogisticsOrderState]:
        return ApiCall(
            "POST",
            self.endpoint("logistics_order_reset", order_no=order_no),
            lambda data: _state(data, order_no, default_status=c.LOGISTICS_CREATED),
            idempotent=True,
        )

    def reset_logistics_order(self, order_no: str) -> LogisticsOrderState:
        """物流订单状态重置: put a logistics order back to created (status 0), its scans cleared."""
        return self.call(self._logistics_order_reset(order_no))

    async def areset_logistics_order(self, order_no: str) -> LogisticsOrderState:
        """Async :meth:`reset_logistics_order`."""
        return await self.acall(self._logistics_order_reset(order_no))

    # ----------------------------------------------------------------- change and delete
    def _logistics_order_update(
        self, order_no: str, changes: LogisticsOrderUpdate | Mapping[str, Any]
    ) -> ApiCall[LogisticsOrder | None]:
        body = as_model(LogisticsOrderUpdate, changes)
        return self._order_update("logistics_order_update", LogisticsOrder, body, order_no)

    def update_logistics_order(
        self, order_no: str, changes: LogisticsOrderUpdate | Mapping[str, Any]
    ) -> LogisticsOrder | None:
        """修改物流订单: change an order that has not started scanning; the order when answered."""
        return self.call(self._logistics_order_update(order_no, changes))

    async def aupdate_logistics_order(
        self, order_no: str, changes: LogisticsOrderUpdate | Mapping[str, Any]
    ) -> LogisticsOrder | None:
        """Async :meth:`update_logistics_order`."""
        return await self.acall(self._logistics_order_update(order_no, changes))

    def delete_logistics_order(self, order_no: str) -> None:
        """删除物流订单: delete a logistics order."""
        self.call(self._order_delete("logistics_order_delete", order_no))

    async def adelete_logistics_order(self, order_no: str) -> None:
        """Async :meth:`delete_logistics_order`."""
        await self.acall(self._order_delete("logistics_order_delete", order_no))

    # ----------------------------------------------------------------- outbound (出库单)
    def _logistics_outbound_page(
        self, page_num: int, page_size: int, start_time: When, end_time: When, status: int | str | None
    ) -> ApiCall[Page[LogisticsOrder]]:
        query = OutboundQuery(
            page_num=page_num,
            page_size=page_size,
            start_time=time_param(start_time),
            end_time=time_param(end_time),
            status=None if status is None else int(status),
        )
        return ApiCall(
            "POST",
            self.endpoint("logistics_outbound_page"),
            page_of(LogisticsOrder, page_num, page_size),
            json=query.dump(),
            idempotent=True,
        )

    def get_outbound_orders_page(
        self,
        page_num: int = 1,
        page_size: int = 50,
        *,
        start_time: When = None,
        end_time: When = None,
        status: int | str | None = None,
    ) -> Page[LogisticsOrder]:
        """出库单列表分页查询: one page of outbound orders (times converted to Beijing time)."""
        return self.call(self._logistics_outbound_page(page_num, page_size, start_time, end_time, status))

    def iter_outbound_orders(
        self,
        *,
        page_size: int = 50,
        start_time: When = None,
        end_time: When = None,
        status: int | str | None = None,
    ) -> Iterator[LogisticsOrder]:
        """Every outbound order matching the filters, page after page to the end."""
        return walk(
            lambda n: self.get_outbound_orders_page(
                n, page_size, start_time=start_time, end_time=end_time, status=status
            )
        )

    def list_outbound_orders(self, **filters: Any) -> list[LogisticsOrder]:
        """Every outbound order matching ``filters`` (see :meth:`iter_outbound_orders`) as a list."""
        return list(self.iter_outbound_orders(**filters))

    # ----------------------------------------------------------------- return inbound (退入单)
    def _logistics_return_inbound_page(
        self, page_num: int, page_size: int, filters: Mapping[str, Any]
    ) -> ApiCall[Page[LogisticsOrder]]:
        query = OutboundQuery.model_validate(
            {**with_times(filters), "pageNum": page_num, "pageSize": page_size}
        )
        return ApiCall(
            "POST",
            self.endpoint("logistics_return_inbound_page"),
            page_of(LogisticsOrder, page_num, page_size),
            json=query.dump(),
            idempotent=True,
        )

    def get_return_inbound_orders_page(
        self, page_num: int = 1, page_size: int = 50, **filters: Any
    ) -> Page[LogisticsOrder]:
        """退入单列表分页查询: one page of return-inbound orders.

        :param filters: ``start_time``, ``end_time`` (datetime, date or text; sent in Beijing time), ``status``.
        """
        return self.call(self._logistics_return_inbound_page(page_num, page_size, filters))

    async def aget_return_inbound_orders_page(
        self, page_num: int = 1, page_size: int = 50, **filters: Any
    ) -> Page[LogisticsOrder]:
        """Async :meth:`get_return_inbound_orders_page`."""
        return await self.acall(self._logistics_return_inbound_page(page_num, page_size, filters))

    def iter_return_inbound_orders(self, page_size: int = 50, **filters: Any) -> Iterator[LogisticsOrder]:
        """Every return-inbound order matching ``filters``, page after page to the end."""
        return walk(lambda n: self.get_return_inbound_orders_page(n, page_size, **filters))

    def aiter_return_inbound_orders(
        self, page_size: int = 50, **filters: Any
    ) -> AsyncIterator[LogisticsOrder]:
        """Async :meth:`iter_return_inbound_orders`."""
        return awalk(lambda n: self.aget_return_inbound_orders_page(n, page_size, **filters))

    # ----------------------------------------------------------------- stock movement (库存动态汇总)
    def _stock_movement_summary(self, filters: Mapping[str, Any]) -> ApiCall[list[StockMovement]]:
        query = StockMovementQuery.model_validate(with_times(filters))
        return ApiCall(
            "POST",
            self.endpoint("stock_movement_summary"),
            list_of(StockMovement),
            json=query.dump(),
            idempotent=True,
        )

    def get_stock_movement_summary(self, **filters: Any) -> list[StockMovement]:
        """库存动态汇总: scanned quantities in and out per organisation and product.

        :param filters: ``start_time``, ``end_time``, ``org_code``, ``product_code``.
        """
        return self.call(self._stock_movement_summary(filters))

    async def aget_stock_movement_summary(self, **filters: Any) -> list[StockMovement]:
        """Async :meth:`get_stock_movement_summary`."""
        return await self.acall(self._stock_movement_summary(filters))
