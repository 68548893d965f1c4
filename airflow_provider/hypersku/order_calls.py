"""
HyperSKU's order calls: create (sent once; a taken ``thirdOrderId`` is a duplicate), statuses
in batches, the order list, the lookup by your ``thirdOrderId``, cancel and the address update.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.drift import unknown_status
from airflow_provider.common.errors import (
    BadRequestError,
    ConfigurationError,
    DuplicateError,
    ResponseError,
    TransportError,
)
from airflow_provider.common.models import Page
from airflow_provider.common.status import note_undocumented
from airflow_provider.hypersku.base_hook import HyperSkuBaseHook
from airflow_provider.hypersku.constants import ORDER_STATUS_NAMES
from airflow_provider.hypersku.envelope import int_or_none
from airflow_provider.hypersku.model_fields import format_time, iter_rows
from airflow_provider.hypersku.order_models import (
    OrderAddressInfo,
    OrderCreateResponse,
    OrderResult,
    OrdersInfoDto,
    OrderStatusInfo,
    ShippingAddressDto,
    UpdateOrderAddressReq,
)

#: a create rejected because its ``thirdOrderId`` is taken says so in its message
DUPLICATE_MESSAGE = re.compile(r"exist|duplicat|repeat|already|重复|已存在", re.IGNORECASE)
#: order ids per ``getOrdersStatus`` call
STATUS_BATCH = 200

#: the order paths (a connection's extra ``endpoints`` may override any)
ORDER_ENDPOINTS: dict[str, str] = {
    "create": "/api/customer/admin/orders/create",
    "getOrdersStatus": "/api/customer/admin/orders/status",
    "getOrderInfos": "/api/customer/admin/orders/getOrderInfos",
    "getOrdersByExternalOrderId": "/api/customer/admin/orders/getOrdersByExternalOrderId",
    "cancelOrder": "/api/customer/admin/orders/cancelOrder",
    "updateOrderAddress": "/api/customer/admin/orders/updateOrderAddress",
}


def order_filters(
    status: int | str | None, start_time: datetime | str | None, end_time: datetime | str | None
) -> dict[str, Any]:
    """The order list's filters: ``status`` and creation time, sent as +08:00 ``yyyy-MM-dd HH:mm:ss``."""
    return {
        "status": int_or_none(status) if status is not None else None,
        "startTime": format_time(start_time) if start_time is not None else None,
        "endTime": format_time(end_time) if end_time is not None else None,
    }


class HyperSkuOrderCalls(HyperSkuBaseHook):
    """The order calls of ``HyperSkuHook``."""

    @property
    def store_code(self) -> str:
        """The ``store_code`` extra (lookups by ``thirdOrderId`` need it)."""
        code = str(self.extra.get("store_code") or "").strip()
        if not code:
            raise ConfigurationError(
                self.platform,
                "the connection extra 'store_code' is needed to look orders up by thirdOrderId",
            )
        return code

    # ------------------------------------------------------------------ create
    def _create(self, order: OrdersInfoDto | Mapping[str, Any]) -> tuple[ApiCall[OrderCreateResponse], str]:
        model = OrdersInfoDto.model_validate(order)
        call = self._post("create", model.dump(), OrderCreateResponse.model_validate, idempotent=False)
        return call, model.third_order_id

    @contextmanager
    def _create_answer(self, third_order_id: str) -> Iterator[None]:
        """A taken ``thirdOrderId`` -> :class:`DuplicateError`; an unreadable answer -> lost."""
        try:
            yield
        except BadRequestError as err:
            if not DUPLICATE_MESSAGE.search(err.message):
                raise
            raise DuplicateError(
                self.platform,
                f"thirdOrderId {third_order_id} already used: {err.message}",
                http_status=err.http_status,
                code=err.code,
                trace_id=err.trace_id,
            ) from err
        except ResponseError as err:
            # HyperSKU accepted the create but its answer cannot be read: the order probably
            # exists, so report the answer as lost (the idempotent create looks it up).
            raise TransportError(
                self.platform, f"create answer unreadable: {err.message}", sent=True
            ) from err

    def create_order(self, order: OrdersInfoDto | Mapping[str, Any]) -> OrderCreateResponse:
        """
        ``create``: place one order. Sent once: a lost answer raises ``TransportError`` /
        ``TransientError`` (look the order up with :meth:`find_order` before sending again);
        a taken ``thirdOrderId`` raises :class:`DuplicateError`.
        """
        call, third_order_id = self._create(order)
        with self._create_answer(third_order_id):
            return self.call(call)

    async def acreate_order(self, order: OrdersInfoDto | Mapping[str, Any]) -> OrderCreateResponse:
        """Async twin of :meth:`create_order`."""
        call, third_order_id = self._create(order)
        with self._create_answer(third_order_id):
            return await self.acall(call)

    # ------------------------------------------------------------------ read
    def _orders_status(self, order_ids: Sequence[str]) -> ApiCall[list[OrderStatusInfo]]:
        body = [str(order_id) for order_id in order_ids]
        return self._post("getOrdersStatus", body, lambda d: _noted(list(iter_rows(OrderStatusInfo, d))))

    def get_orders_status(self, order_ids: Sequence[str]) -> list[OrderStatusInfo]:
        """``getOrdersStatus``: statuses of many orders in one call (body: JSON array of order ids)."""
        return self.call(self._orders_status(order_ids))

    def fetch_statuses(self, order_ids: Sequence[str]) -> dict[str, str]:
        """``{orderId: status}`` (strings) with one ``getOrdersStatus`` call per 200 ids."""
        statuses: dict[str, str] = {}
        for chunk in _chunks(order_ids, STATUS_BATCH):
            statuses.update(_status_map(self.get_orders_status(chunk)))
        return statuses

    async def afetch_statuses(self, order_ids: Sequence[str]) -> dict[str, str]:
        """Async twin of :meth:`fetch_statuses`."""
        statuses: dict[str, str] = {}
        for chunk in _chunks(order_ids, STATUS_BATCH):
            statuses.update(_status_map(await self.acall(self._orders_status(chunk))))
        return statuses

    def status_label(self, status: str) -> str:
        """A documented code as it is (``6``); an undocumented one reads ``unknown (99)``."""
        return status if int_or_none(status) in ORDER_STATUS_NAMES else unknown_status(status)

    def get_order_infos(
        self,
        page: int = 1,
        limit: int = 50,
        *,
        status: int | str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
    ) -> Page[OrderResult]:
        """``getOrderInfos``: one page of orders, optionally by status and creation time (+08:00)."""
        body = order_filters(status, start_time, end_time)
        return self.call(self._paged("getOrderInfos", OrderResult, body, page, limit))

    def iter_order_infos(
        self,
        *,
        status: int | str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        limit: int = 50,
    ) -> Iterator[OrderResult]:
        """Every order matching the filters, page after page to the end."""
        return self._walk("getOrderInfos", OrderResult, order_filters(status, start_time, end_time), limit)

    def list_order_infos(self, **filters: Any) -> list[OrderResult]:
        """:meth:`iter_order_infos` as a list."""
        return list(self.iter_order_infos(**filters))

    def _by_external(self, store_order_id: str, store_code: str | None) -> ApiCall[list[OrderResult]]:
        body = {"storeCode": store_code or self.store_code, "storeOrderId": str(store_order_id)}
        return self._post(
            "getOrdersByExternalOrderId", body, lambda d: list(iter_rows(OrderResult, d, strict=True))
        )

    def get_orders_by_external_order_id(
        self, store_order_id: str, store_code: str | None = None
    ) -> list[OrderResult]:
        """Orders whose ``storeOrderId`` (your ``thirdOrderId``) is ``store_order_id``.

        :param store_code: defaults to the connection extra ``store_code``.
        """
        return self.call(self._by_external(store_order_id, store_code))

    def find_order(self, third_order_id: str) -> OrderResult | None:
        """The order created with ``third_order_id``, ``None`` when there is none."""
        return _pick_order(self.get_orders_by_external_order_id(third_order_id), third_order_id)

    async def afind_order(self, third_order_id: str) -> OrderResult | None:
        """Async twin of :meth:`find_order`."""
        return _pick_order(await self.acall(self._by_external(third_order_id, None)), third_order_id)

    # ------------------------------------------------------------------ change
    def _cancel(self, order_id: str) -> ApiCall[Any]:
        return self._post("cancelOrder", {"orderId": str(order_id)}, lambda d: d)

    def cancel_order(self, order_id: str) -> Any:
        """``cancelOrder``: cancel an order not yet shipped; returns the answer's ``data``."""
        return self.call(self._cancel(order_id))

    async def acancel_order(self, order_id: str) -> Any:
        """Async twin of :meth:`cancel_order`."""
        return await self.acall(self._cancel(order_id))

    def _update_address(
        self, order_id: str, address: ShippingAddressDto | Mapping[str, Any]
    ) -> ApiCall[OrderAddressInfo]:
        body = UpdateOrderAddressReq(
            order_id=str(order_id), shipping_address=ShippingAddressDto.model_validate(address)
        ).dump()
        return self._post("updateOrderAddress", body, lambda d: OrderAddressInfo.model_validate(d or {}))

    def update_order_address(
        self, order_id: str, shipping_address: ShippingAddressDto | Mapping[str, Any]
    ) -> OrderAddressInfo:
        """``updateOrderAddress``: change where an order not yet shipped goes (safe to resend)."""
        return self.call(self._update_address(order_id, shipping_address))

    async def aupdate_order_address(
        self, order_id: str, shipping_address: ShippingAddressDto | Mapping[str, Any]
    ) -> OrderAddressInfo:
        """Async twin of :meth:`update_order_address`."""
        return await self.acall(self._update_address(order_id, shipping_address))


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    ids = [str(i) for i in items]
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _noted(rows: list[OrderStatusInfo]) -> list[OrderStatusInfo]:
    """The rows as they came; a status in no documented table is logged once as unknown."""
    statuses = {row.order_id: str(row.status) for row in rows if row.status is not None}
    note_undocumented("hypersku", "getOrdersStatus", statuses, ORDER_STATUS_NAMES)
    return rows


def _status_map(rows: list[OrderStatusInfo]) -> dict[str, str]:
    return {row.order_id: str(row.status) for row in rows if row.status is not None}


def _pick_order(orders: list[OrderResult], third_order_id: str) -> OrderResult | None:
    """The order carrying ``third_order_id``; an order naming no own id counts as a match."""
    for order in orders:
        if order.own_id == str(third_order_id):
            return order
    return next((order for order in orders if order.own_id is None), None)
