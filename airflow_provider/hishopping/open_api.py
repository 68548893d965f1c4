"""
HiShopping's open ("B-End") API for programs [doc + inferred paths]: orders, credit balance and
goods, every body a signed, AES-256-GCM encrypted envelope keyed with the app's keys (sealed and
opened by :class:`~airflow_provider.hishopping.base_hook.HiShoppingBaseHook`; no JWT).

Orders are created here (charged to the merchant credit) and read back by your own
``merchant_order``; the async forms are those the bulk create operator and its credit estimate use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.models import Page
from airflow_provider.hishopping.base_hook import HiShoppingBaseHook
from airflow_provider.hishopping.models import (
    CreditInfo,
    Goods,
    GoodsDetailRequest,
    GoodsId,
    GoodsListRequest,
    Order,
    OrderCreateRequest,
    OrderDetailRequest,
    OrderListRequest,
)
from airflow_provider.hishopping.parsing import TimeArg, time_filter

R = TypeVar("R")

#: the open API's paths [inferred] (a connection may override any)
OPEN_ENDPOINTS: dict[str, str] = {
    "open_order_create": "/api/v1/open/order/create",
    "open_order_detail": "/api/v1/open/order/detail",
    "open_order_list": "/api/v1/open/order/list",
    "open_credit_balance": "/api/v1/open/credit/balance",
    "open_goods_list": "/api/v1/open/goods/list",
    "open_goods_detail": "/api/v1/open/goods/detail",
}


class HiShoppingOpenApi(HiShoppingBaseHook):
    """The open API's order, credit and goods calls.

    :param hishopping_conn_id: the Airflow connection id (extras ``app_id``, ``secret_key``,
        ``sign_secret``).
    """

    # ------------------------------------------------------------------ orders
    def create_order(self, order: OrderCreateRequest | Mapping[str, Any]) -> Order:
        """Create one order (``POST /api/v1/open/order/create``), charged to the credit.

        Sent once (``idempotent=False``): a lost answer raises and the caller looks the order
        up by ``merchant_order`` (see the create operator). 2001 raises
        :class:`InsufficientCreditError`, 2002 :class:`DuplicateError`.
        """
        return self.call(self._create(order))

    async def acreate_order(self, order: OrderCreateRequest | Mapping[str, Any]) -> Order:
        return await self.acall(self._create(order))

    def open_get_order(self, order_no: str | None = None, *, merchant_order: str | None = None) -> Order:
        """One order by ``order_no`` or by your ``merchant_order`` (``POST /api/v1/open/order/detail``).

        :raises NotFoundError: no such order.
        """
        return self.call(self._open_order(order_no, merchant_order))

    async def aopen_get_order(
        self, order_no: str | None = None, *, merchant_order: str | None = None
    ) -> Order:
        return await self.acall(self._open_order(order_no, merchant_order))

    def open_list_orders(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
    ) -> Page[Order]:
        """One page of orders (``POST /api/v1/open/order/list``)."""
        return self.call(self._open_orders_page(page, page_size, status, start_time, end_time))

    def open_iter_orders(
        self,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
        page_size: int = 50,
    ) -> Iterator[Order]:
        """Every order matching the filters, page after page to the end (open API)."""
        return self._walk(lambda n: self._open_orders_page(n, page_size, status, start_time, end_time))

    # ------------------------------------------------------------------ credit
    def get_credit_balance(self) -> CreditInfo:
        """The credit balance (``POST /api/v1/open/credit/balance``)."""
        return self.call(self._balance())

    async def aget_credit_balance(self) -> CreditInfo:
        return await self.acall(self._balance())

    # ------------------------------------------------------------------ goods
    def open_list_goods(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        category_id: GoodsId | None = None,
        keyword: str | None = None,
    ) -> Page[Goods]:
        """One page of goods (``POST /api/v1/open/goods/list``)."""
        return self.call(self._open_goods_page(page, page_size, category_id, keyword))

    def open_iter_goods(
        self, *, category_id: GoodsId | None = None, keyword: str | None = None, page_size: int = 50
    ) -> Iterator[Goods]:
        """Every goods item, page after page to the end (open API)."""
        return self._walk(lambda n: self._open_goods_page(n, page_size, category_id, keyword))

    def open_get_goods(self, goods_id: GoodsId) -> Goods:
        """A goods item with its SKUs (``POST /api/v1/open/goods/detail``)."""
        return self.call(self._open_goods(goods_id))

    async def aopen_get_goods(self, goods_id: GoodsId) -> Goods:
        return await self.acall(self._open_goods(goods_id))

    # ------------------------------------------------------------------ the calls, described once
    def _post(
        self, name: str, body: Any, parse: Callable[[Any], R], *, idempotent: bool = True
    ) -> ApiCall[R]:
        """An open API call: ``POST`` of a payload that :meth:`prepare` seals (no JWT)."""
        return ApiCall("POST", self.endpoint(name), parse, json=body, idempotent=idempotent, auth=False)

    def _create(self, order: OrderCreateRequest | Mapping[str, Any]) -> ApiCall[Order]:
        body = OrderCreateRequest.model_validate(order).dump()
        what = f"created order {body['merchant_order']}"
        return self._post("open_order_create", body, self._one(Order, what), idempotent=False)

    def _open_order(self, order_no: str | None, merchant_order: str | None) -> ApiCall[Order]:
        if bool(order_no) == bool(merchant_order):
            raise ValueError("give exactly one of order_no or merchant_order")
        body = OrderDetailRequest(order_no=order_no, merchant_order=merchant_order).dump()
        return self._post("open_order_detail", body, self._one(Order, f"order {order_no or merchant_order}"))

    def _open_orders_page(
        self, page: int, page_size: int, status: str | None, start_time: TimeArg, end_time: TimeArg
    ) -> ApiCall[Page[Order]]:
        body = OrderListRequest(**time_filter(page, page_size, status, start_time, end_time)).dump()
        return self._post("open_order_list", body, self._rows(Order, page, page_size))

    def _balance(self) -> ApiCall[CreditInfo]:
        return self._post("open_credit_balance", {}, self._one(CreditInfo, "credit balance"))

    def _open_goods_page(
        self, page: int, page_size: int, category_id: GoodsId | None, keyword: str | None
    ) -> ApiCall[Page[Goods]]:
        body = GoodsListRequest(page=page, page_size=page_size, category_id=category_id, keyword=keyword)
        return self._post("open_goods_list", body.dump(), self._rows(Goods, page, page_size))

    def _open_goods(self, goods_id: GoodsId) -> ApiCall[Goods]:
        body = GoodsDetailRequest(goods_id=goods_id).dump()
        return self._post("open_goods_detail", body, self._one(Goods, f"goods {goods_id}"))
