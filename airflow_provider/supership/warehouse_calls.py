"""SuperShip's pickup warehouses (list, create, update) and its status webhook (read, register)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from airflow_provider.common.api_call import ApiCall
from airflow_provider.supership.base_hook import SuperShipBaseHook, as_model, list_of
from airflow_provider.supership.warehouse_models import (
    Warehouse,
    WarehouseCreateRequest,
    WarehouseUpdate,
    WarehouseUpdateRequest,
    Webhook,
    WebhookCreateRequest,
)

#: the warehouse and webhook paths (a connection's extra ``endpoints`` may override any)
WAREHOUSE_ENDPOINTS: dict[str, str] = {
    "warehouses": "/v1/partner/warehouses",
    "create_warehouse": "/v1/partner/warehouses/create",
    "update_warehouse": "/v1/partner/warehouses/update",
    "webhooks": "/v1/partner/webhooks",
    "create_webhook": "/v1/partner/webhooks/create",
}


class SuperShipWarehouseCalls(SuperShipBaseHook):
    """The warehouse and webhook calls of ``SuperShipHook``."""

    # ----------------------------------------------------------------- warehouses
    def warehouses_call(self) -> ApiCall[list[Warehouse]]:
        """``GET /v1/partner/warehouses``."""
        return ApiCall("GET", self.endpoint("warehouses"), partial(list_of, Warehouse))

    def get_warehouses(self) -> list[Warehouse]:
        """Pickup warehouses of the account (``GET /v1/partner/warehouses``)."""
        return self.call(self.warehouses_call())

    async def aget_warehouses(self) -> list[Warehouse]:
        """Async twin of :meth:`get_warehouses`."""
        return await self.acall(self.warehouses_call())

    def create_warehouse_call(
        self, warehouse: WarehouseCreateRequest | Mapping[str, Any]
    ) -> ApiCall[Warehouse]:
        """``POST /v1/partner/warehouses/create`` (places are names); sent once."""
        body = as_model(WarehouseCreateRequest, warehouse).dump()
        return ApiCall(
            "POST", self.endpoint("create_warehouse"), Warehouse.model_validate, json=body, idempotent=False
        )

    def create_warehouse(self, warehouse: WarehouseCreateRequest | Mapping[str, Any]) -> Warehouse:
        """Create a pickup warehouse (``POST /v1/partner/warehouses/create``); places are names."""
        return self.call(self.create_warehouse_call(warehouse))

    async def acreate_warehouse(self, warehouse: WarehouseCreateRequest | Mapping[str, Any]) -> Warehouse:
        """Async twin of :meth:`create_warehouse`."""
        return await self.acall(self.create_warehouse_call(warehouse))

    def update_warehouse_call(
        self, update: WarehouseUpdateRequest | Mapping[str, Any]
    ) -> ApiCall[WarehouseUpdate]:
        """``POST /v1/partner/warehouses/update`` ``{code, name, phone, contact}`` (PHP SDK)."""
        body = as_model(WarehouseUpdateRequest, update).dump()
        return ApiCall(
            "POST",
            self.endpoint("update_warehouse"),
            WarehouseUpdate.model_validate,
            json=body,
            idempotent=True,
        )

    def update_warehouse(self, update: WarehouseUpdateRequest | Mapping[str, Any]) -> WarehouseUpdate:
        """Rename a warehouse or change its contact (``POST /v1/partner/warehouses/update``)."""
        return self.call(self.update_warehouse_call(update))

    async def aupdate_warehouse(self, update: WarehouseUpdateRequest | Mapping[str, Any]) -> WarehouseUpdate:
        """Async twin of :meth:`update_warehouse`."""
        return await self.acall(self.update_warehouse_call(update))

    # ----------------------------------------------------------------- webhooks
    def webhook_call(self) -> ApiCall[Webhook | None]:
        """``GET /v1/partner/webhooks``: the registered webhook or ``None``."""
        return ApiCall("GET", self.endpoint("webhooks"), _webhook)

    def get_webhook(self) -> Webhook | None:
        """The registered webhook (``GET /v1/partner/webhooks``), ``None`` when there is none."""
        return self.call(self.webhook_call())

    def register_webhook_call(self, url: str) -> ApiCall[Webhook]:
        """``POST /v1/partner/webhooks/create`` ``{url}`` (replaces the URL: safe to resend)."""
        body = WebhookCreateRequest(url=url).dump()
        return ApiCall(
            "POST",
            self.endpoint("create_webhook"),
            lambda data: _webhook(data) or Webhook(url=url),
            json=body,
            idempotent=True,
        )

    def register_webhook(self, url: str) -> Webhook:
        """Register (or replace) the webhook URL (``POST /v1/partner/webhooks/create``)."""
        return self.call(self.register_webhook_call(url))


def _webhook(data: Any) -> Webhook | None:
    if isinstance(data, list):
        data = data[0] if data else None
    if not isinstance(data, Mapping) or not data.get("url"):
        return None
    return Webhook.model_validate(data)
