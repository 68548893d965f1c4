"""
HiShopping's web API [seed]: e-mail + password -> a 24 h JWT sent as ``Authorization: Bearer``;
the merchant's Temu goods, orders, credit and credit ledger.

The account endpoints of the same API (logout, password, keys, merchant profile, app) are in
:mod:`~airflow_provider.hishopping.web_account`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.auth import Token, jwt_expiry
from airflow_provider.common.errors import ConfigurationError, ResponseError
from airflow_provider.common.models import Page
from airflow_provider.hishopping.base_hook import HiShoppingBaseHook
from airflow_provider.hishopping.models import (
    Category,
    CreditInfo,
    CreditTransaction,
    Goods,
    GoodsId,
    LoginRequest,
    LoginResult,
    Order,
)
from airflow_provider.hishopping.parsing import TimeArg, time_filter

#: the web API's paths [seed], JWT in ``Authorization: Bearer`` (a connection may override any)
WEB_ENDPOINTS: dict[str, str] = {
    "web_login": "/api/v1/web/login",
    "web_logout": "/api/v1/web/logout",
    "web_captcha": "/api/v1/web/captcha",
    "web_password": "/api/v1/web/password",
    "web_apikey": "/api/v1/web/apikey",
    "web_merchant": "/api/v1/web/merchant",
    "web_app": "/api/v1/web/app",
    "web_app_cert": "/api/v1/web/app/cert",
    "web_goods": "/api/v1/web/goods",
    "web_goods_categories": "/api/v1/web/goods/categories",
    "web_goods_detail": "/api/v1/web/goods/detail/{goods_id}",
    "web_orders": "/api/v1/web/orders",
    "web_order_detail": "/api/v1/web/orders/{order_no}",
    "web_credit": "/api/v1/web/credit",
    "web_credit_transactions": "/api/v1/web/credit/transactions",
}


class HiShoppingWebApi(HiShoppingBaseHook):
    """The web API's login (the hook's token) and its goods, orders and credit calls.

    :param hishopping_conn_id: the Airflow connection id (``login`` = e-mail, ``password``).
    """

    default_token_ttl: ClassVar[float] = 24 * 3600.0

    # ------------------------------------------------------------------ token
    def fetch_token(self) -> Token:
        """Log in to the web API; the JWT's ``exp`` (24 h) sets its refresh point."""
        conn = self.connection
        if not self.has_web_credentials:
            raise ConfigurationError(
                self.platform, "the web API needs the connection's login (e-mail) and password"
            )
        request = LoginRequest(email=str(conn.login), password=str(conn.password))
        token = self.call(self._login(request)).token
        expires = jwt_expiry(token)
        ttl = (expires - time.time()) if expires is not None else self.default_token_ttl
        return Token.with_ttl(token, ttl if ttl > 0 else None)

    def auth_headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def needs_token(self) -> bool:
        """A connection with open API keys only signs its calls: no web login to test."""
        return self.has_web_credentials

    # ------------------------------------------------------------------ goods
    def list_goods(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        category_id: GoodsId | None = None,
        keyword: str | None = None,
    ) -> Page[Goods]:
        """One page of Temu goods (``GET /api/v1/web/goods``; page/page_size [inferred])."""
        return self.call(self._goods_page(page, page_size, category_id, keyword))

    def iter_goods(
        self, *, category_id: GoodsId | None = None, keyword: str | None = None, page_size: int = 50
    ) -> Iterator[Goods]:
        """Every goods item, page after page to the end."""
        return self._walk(lambda n: self._goods_page(n, page_size, category_id, keyword))

    def list_goods_categories(self) -> list[Category]:
        """Temu goods categories (``GET /api/v1/web/goods/categories``)."""
        return self.call(self._categories())

    def get_goods(self, goods_id: GoodsId) -> Goods:
        """A goods item with its SKUs (``GET /api/v1/web/goods/detail/{goods_id}``)."""
        return self.call(self._goods(goods_id))

    # ------------------------------------------------------------------ orders
    def list_orders(
        self,
        page: int = 1,
        page_size: int = 50,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
    ) -> Page[Order]:
        """One page of orders (``GET /api/v1/web/orders``; filters [inferred], times in Unix seconds)."""
        return self.call(self._orders_page(page, page_size, status, start_time, end_time))

    def iter_orders(
        self,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
        page_size: int = 50,
    ) -> Iterator[Order]:
        """Every order matching the filters, page after page to the end (web API)."""
        return self._walk(lambda n: self._orders_page(n, page_size, status, start_time, end_time))

    def get_order(self, order_no: str) -> Order:
        """One order by HiShopping order number (``GET /api/v1/web/orders/{order_no}``)."""
        return self.call(self._order(order_no))

    # ------------------------------------------------------------------ credit
    def get_credit(self) -> CreditInfo:
        """Credit info (``GET /api/v1/web/credit``)."""
        return self.call(self._credit())

    def list_credit_transactions(
        self, page: int = 1, page_size: int = 50, *, start_time: TimeArg = None, end_time: TimeArg = None
    ) -> Page[CreditTransaction]:
        """One page of the credit ledger (``GET /api/v1/web/credit/transactions``)."""
        return self.call(self._transactions_page(page, page_size, start_time, end_time))

    def iter_credit_transactions(
        self, *, start_time: TimeArg = None, end_time: TimeArg = None, page_size: int = 100
    ) -> Iterator[CreditTransaction]:
        """Every ledger row, page after page to the end."""
        return self._walk(lambda n: self._transactions_page(n, page_size, start_time, end_time))

    # ------------------------------------------------------------------ the calls, described once
    def _login(self, request: LoginRequest) -> ApiCall[LoginResult]:
        path = self.endpoint("web_login")
        return ApiCall("POST", path, self._login_result, json=request.dump(), idempotent=True, auth=False)

    def _login_result(self, data: Any) -> LoginResult:
        if not isinstance(data, Mapping) or not data.get("token"):
            raise ResponseError(self.platform, "login answer carries no token")
        return LoginResult.model_validate(data)

    def _goods_page(
        self, page: int, page_size: int, category_id: GoodsId | None, keyword: str | None
    ) -> ApiCall[Page[Goods]]:
        params = {"page": page, "page_size": page_size, "category_id": category_id, "keyword": keyword}
        return ApiCall("GET", self.endpoint("web_goods"), self._rows(Goods, page, page_size), params=params)

    def _categories(self) -> ApiCall[list[Category]]:
        parse = self._rows(Category, 1, 0)
        return ApiCall("GET", self.endpoint("web_goods_categories"), lambda data: parse(data).items)

    def _goods(self, goods_id: GoodsId) -> ApiCall[Goods]:
        path = self.endpoint("web_goods_detail", goods_id=goods_id)
        return ApiCall("GET", path, self._one(Goods, f"goods {goods_id}"))

    def _orders_page(
        self, page: int, page_size: int, status: str | None, start_time: TimeArg, end_time: TimeArg
    ) -> ApiCall[Page[Order]]:
        params = time_filter(page, page_size, status, start_time, end_time)
        return ApiCall("GET", self.endpoint("web_orders"), self._rows(Order, page, page_size), params=params)

    def _order(self, order_no: str) -> ApiCall[Order]:
        path = self.endpoint("web_order_detail", order_no=order_no)
        return ApiCall("GET", path, self._one(Order, f"order {order_no}"))

    def _credit(self) -> ApiCall[CreditInfo]:
        return ApiCall("GET", self.endpoint("web_credit"), self._one(CreditInfo, "credit"))

    def _transactions_page(
        self, page: int, page_size: int, start_time: TimeArg, end_time: TimeArg
    ) -> ApiCall[Page[CreditTransaction]]:
        params = time_filter(page, page_size, None, start_time, end_time)
        path = self.endpoint("web_credit_transactions")
        return ApiCall("GET", path, self._rows(CreditTransaction, page, page_size), params=params)
