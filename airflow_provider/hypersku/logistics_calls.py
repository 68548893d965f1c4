"""
HyperSKU's logistics calls: destination countries, shipping channels with freight and delivery
days (and the choice of one for orders that name none), and the tracking of an order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.errors import ConfigurationError
from airflow_provider.hypersku.base_hook import HyperSkuBaseHook
from airflow_provider.hypersku.logistics_models import (
    LOGISTICS_STRATEGIES,
    CountryCodeReponseDto,
    InternationalLogisticsInfo,
    LogisticsReponseDto,
    LogisticsRequestDto,
    LogisticsResult,
    select_option,
)
from airflow_provider.hypersku.model_fields import iter_rows
from airflow_provider.hypersku.order_models import OrdersInfoDto

#: the logistics paths (a connection's extra ``endpoints`` may override any)
LOGISTICS_ENDPOINTS: dict[str, str] = {
    "getCountryCode": "/api/customer/admin/logistics/getCountryCode",
    "getLogisticsSku": "/api/customer/admin/logistics/getLogisticsInfo-Sku",
    "internationalLogisticsInfo": "/api/customer/admin/logistics/internationalLogisticsInfo/{storeOrderId}",
}


class HyperSkuLogisticsCalls(HyperSkuBaseHook):
    """The logistics calls of ``HyperSkuHook``."""

    def _country_codes(self) -> ApiCall[list[CountryCodeReponseDto]]:
        return ApiCall(
            "GET", self.endpoint("getCountryCode"), lambda d: list(iter_rows(CountryCodeReponseDto, d))
        )

    def get_country_codes(self) -> list[CountryCodeReponseDto]:
        """``getCountryCode``: the destination countries HyperSKU ships to."""
        return self.call(self._country_codes())

    async def aget_country_codes(self) -> list[CountryCodeReponseDto]:
        """Async twin of :meth:`get_country_codes`."""
        return await self.acall(self._country_codes())

    def _logistics_sku(self, request: LogisticsRequestDto | Mapping[str, Any]) -> ApiCall[LogisticsResult]:
        body = LogisticsRequestDto.model_validate(request).dump()
        return self._post("getLogisticsSku", body, lambda d: LogisticsResult.model_validate(d or {}))

    def get_logistics_sku(self, request: LogisticsRequestDto | Mapping[str, Any]) -> LogisticsResult:
        """``getLogisticsSku``: shipping channels, freight and delivery days for SKUs to a country.

        :param request: ``LogisticsRequestDto`` or ``{"countryCode": "US", "skuItems": [{skuId, num}]}``.
        """
        return self.call(self._logistics_sku(request))

    async def aget_logistics_sku(self, request: LogisticsRequestDto | Mapping[str, Any]) -> LogisticsResult:
        """Async twin of :meth:`get_logistics_sku`."""
        return await self.acall(self._logistics_sku(request))

    def _intl_logistics(self, store_order_id: str) -> ApiCall[InternationalLogisticsInfo]:
        path = self.endpoint("internationalLogisticsInfo", storeOrderId=store_order_id)
        return ApiCall("GET", path, lambda d: InternationalLogisticsInfo.model_validate(d or {}))

    def get_international_logistics(self, store_order_id: str) -> InternationalLogisticsInfo:
        """``internationalLogisticsInfo``: tracking of an order, by ``storeOrderId`` (your ``thirdOrderId``)."""
        return self.call(self._intl_logistics(store_order_id))

    async def aget_international_logistics(self, store_order_id: str) -> InternationalLogisticsInfo:
        """Async twin of :meth:`get_international_logistics`."""
        return await self.acall(self._intl_logistics(store_order_id))

    async def achoose_logistics(
        self, orders: Sequence[OrdersInfoDto], strategy: str, *, limit: int | None = None
    ) -> list[LogisticsReponseDto | None]:
        """
        The ``"cheapest"`` or ``"fastest"`` channel for every order without ``logisticsId``
        (``None`` for orders that have one, or where no channel fits), asking ``getLogisticsSku``
        once per destination country and SKU set, ``limit`` calls at a time.
        """
        if strategy not in LOGISTICS_STRATEGIES:
            raise ConfigurationError(
                self.platform, f"logistics must be one of {LOGISTICS_STRATEGIES}, not {strategy!r}"
            )

        def route(order: OrdersInfoDto) -> tuple[str, tuple[tuple[str, int], ...]]:
            return order.shipping_address.country_code, tuple(sorted(order.sku_counts().items()))

        routes = {route(order): order for order in orders if order.logistics_id is None}

        async def ask(order: OrdersInfoDto) -> LogisticsReponseDto | None:
            country = order.shipping_address.country_code
            result = await self.aget_logistics_sku(
                {"countryCode": country, "skuItems": [item.dump() for item in order.sku_items]}
            )
            return select_option(result.options, strategy)

        answers = dict(
            zip(routes, await self.gather_limited(list(routes.values()), ask, limit=limit), strict=True)
        )
        return [None if order.logistics_id is not None else answers[route(order)] for order in orders]
