"""
HyperSKU request and response models, one per vendor schema of the API's navigation: import
them from here.

Field names are snake_case with HyperSKU's spelling as alias (``sku_id`` <-> ``skuId``). Money
is :class:`~decimal.Decimal`; times are timezone-aware (HyperSKU answers in +08:00: a naive
``"yyyy-MM-dd HH:mm:ss"`` is read as +08:00, epoch numbers in seconds or milliseconds are
recognised). Request models reject unknown fields; response models keep them.

The schemas live in one module per resource:

- :mod:`~airflow_provider.hypersku.model_fields`: field types, times, list answers;
- :mod:`~airflow_provider.hypersku.envelope_models`: the AG-Admin envelopes;
- :mod:`~airflow_provider.hypersku.auth_models`: password and OAuth2 token calls;
- :mod:`~airflow_provider.hypersku.order_models`: create, address update, orders and statuses;
- :mod:`~airflow_provider.hypersku.logistics_models`: countries, channels, tracking;
- :mod:`~airflow_provider.hypersku.product_models`: products, stock rows, stock movements.
"""

from __future__ import annotations

from airflow_provider.hypersku.auth_models import (
    LoginReqDto,
    LoginResDto,
    OAuth2AccessTokenReq,
    OAuth2AccesTokenReq,
    OAuth2RefreshTokenReq,
    OAuth2TokenVo,
)
from airflow_provider.hypersku.envelope_models import (
    ObjectRestResponse,
    TableData,
    TableResultResponse,
)
from airflow_provider.hypersku.logistics_models import (
    LOGISTICS_STRATEGIES,
    CountryCodeReponseDto,
    InternationalLogisticsInfo,
    LogisticsDetailDto,
    LogisticsReponseDto,
    LogisticsRequestDto,
    LogisticsResult,
    OrdersLogisticsTrackInfoVo,
    OrdersLogisticsTrackVo,
    RegionCodeDto,
    select_option,
)
from airflow_provider.hypersku.model_fields import (
    CST,
    TIME_FORMAT,
    CountryCode,
    IdStr,
    Money,
    Text,
    Time,
    format_time,
    iter_rows,
)
from airflow_provider.hypersku.order_models import (
    OrderAddressInfo,
    OrderBaseInfo,
    OrderCreateResponse,
    OrderItemInfo,
    OrderResult,
    OrdersGoodsDto,
    OrdersInfoDto,
    OrdersLogisticsDto,
    OrdersShipGoodsAliVo,
    OrdersStatusDto,
    OrdersStatusResDto,
    OrderStatusInfo,
    ShippingAddressDto,
    SkuItemDto,
    UpdateOrderAddressReq,
    validate_orders,
)
from airflow_provider.hypersku.product_models import (
    CustomerInventoryDto,
    OrderInventoryHistoryDto,
    OrderInventoryResult,
    ProductInfoDto,
    SkuAttributesDto,
    SkuInfoDto,
)

__all__ = [
    "CST",
    "LOGISTICS_STRATEGIES",
    "TIME_FORMAT",
    "CountryCode",
    "CountryCodeReponseDto",
    "CustomerInventoryDto",
    "IdStr",
    "InternationalLogisticsInfo",
    "LoginReqDto",
    "LoginResDto",
    "LogisticsDetailDto",
    "LogisticsReponseDto",
    "LogisticsRequestDto",
    "LogisticsResult",
    "Money",
    "OAuth2AccesTokenReq",
    "OAuth2AccessTokenReq",
    "OAuth2RefreshTokenReq",
    "OAuth2TokenVo",
    "ObjectRestResponse",
    "OrderAddressInfo",
    "OrderBaseInfo",
    "OrderCreateResponse",
    "OrderInventoryHistoryDto",
    "OrderInventoryResult",
    "OrderItemInfo",
    "OrderResult",
    "OrderStatusInfo",
    "OrdersGoodsDto",
    "OrdersInfoDto",
    "OrdersLogisticsDto",
    "OrdersLogisticsTrackInfoVo",
    "OrdersLogisticsTrackVo",
    "OrdersShipGoodsAliVo",
    "OrdersStatusDto",
    "OrdersStatusResDto",
    "ProductInfoDto",
    "RegionCodeDto",
    "ShippingAddressDto",
    "SkuAttributesDto",
    "SkuInfoDto",
    "SkuItemDto",
    "TableData",
    "TableResultResponse",
    "Text",
    "Time",
    "UpdateOrderAddressReq",
    "format_time",
    "iter_rows",
    "select_option",
    "validate_orders",
]
