"""
SuperShip request and response schemas (partner API ``/v1/partner``): import them from here.

Field names are the vendor's (they are already snake_case). Money is ``Decimal`` in answers
(VND, whole numbers on the wire); requests send integers. Times are timezone-aware: SuperShip
answers in +07:00 and some answers (webhooks) carry no offset, which is then taken as +07:00.

The schemas live in one module per resource:

- :mod:`~airflow_provider.supership.model_fields`: the field types and the answer base;
- :mod:`~airflow_provider.supership.auth_models`: login and registration;
- :mod:`~airflow_provider.supership.area_models`: provinces, districts, communes;
- :mod:`~airflow_provider.supership.order_models`: fee quote, create, info, statuses, cancel,
  label token;
- :mod:`~airflow_provider.supership.warehouse_models`: warehouses and webhooks.
"""

from __future__ import annotations

from airflow_provider.supership.area_models import Commune, District, Province
from airflow_provider.supership.auth_models import (
    LoginRequest,
    LoginResult,
    RegisterRequest,
    RegisterResult,
)
from airflow_provider.supership.model_fields import (
    PHONE_PATTERN,
    VN_TZ,
    CodeStr,
    Money,
    NonEmpty,
    Phone,
    VnDateTime,
    WholeNumber,
)
from airflow_provider.supership.order_models import (
    LABEL_SIZES,
    CancelRequest,
    CancelResult,
    CreatedOrder,
    Estimate,
    FeeQuote,
    FeeQuoteRequest,
    Journey,
    LabelToken,
    LabelTokenRequest,
    OrderCreateRequest,
    OrderFees,
    OrderInfo,
    OrderNote,
    OrderStatus,
    Product,
    Receiver,
)
from airflow_provider.supership.warehouse_models import (
    Warehouse,
    WarehouseCreateRequest,
    WarehouseUpdate,
    WarehouseUpdateRequest,
    Webhook,
    WebhookCreateRequest,
    WebhookPayload,
)

__all__ = [
    "LABEL_SIZES",
    "PHONE_PATTERN",
    "VN_TZ",
    "CancelRequest",
    "CancelResult",
    "CodeStr",
    "Commune",
    "CreatedOrder",
    "District",
    "Estimate",
    "FeeQuote",
    "FeeQuoteRequest",
    "Journey",
    "LabelToken",
    "LabelTokenRequest",
    "LoginRequest",
    "LoginResult",
    "Money",
    "NonEmpty",
    "OrderCreateRequest",
    "OrderFees",
    "OrderInfo",
    "OrderNote",
    "OrderStatus",
    "Phone",
    "Product",
    "Province",
    "Receiver",
    "RegisterRequest",
    "RegisterResult",
    "VnDateTime",
    "Warehouse",
    "WarehouseCreateRequest",
    "WarehouseUpdate",
    "WarehouseUpdateRequest",
    "Webhook",
    "WebhookCreateRequest",
    "WebhookPayload",
    "WholeNumber",
]
