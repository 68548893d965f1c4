"""Drive an order status event trigger one poll at a time, with an in-memory asset state store."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from airflow_provider.common.event_triggers import OrderStatusEventTrigger


class StateStore:
    """An asset state store: ``aget``/``aset`` of JSON values (stored as JSON text, as in the DB)."""

    def __init__(self) -> None:
        self.rows: dict[str, str] = {}

    async def aget(self, key: str, default: Any = None) -> Any:
        return json.loads(self.rows[key]) if key in self.rows else default

    async def aset(self, key: str, value: Any) -> None:
        if value is None:
            raise ValueError("Cannot set value as None")
        self.rows[key] = json.dumps(value)


class Watch:
    """Runs a trigger one poll at a time: ``await watch.poll()`` -> the events of that poll."""

    def __init__(self, trigger: OrderStatusEventTrigger) -> None:
        self.trigger = trigger
        self.events: list[dict[str, Any]] = []
        self._polled: asyncio.Queue[float] = asyncio.Queue()
        self._go: asyncio.Queue[None] = asyncio.Queue()
        trigger.sleep = self._sleep
        trigger.settle = self._settle
        #: the seconds of each pause before the cursor moved
        self.settled: list[float] = []
        self._task: asyncio.Task[None] | None = None
        self._started = False

    async def _sleep(self, seconds: float) -> None:
        await self._polled.put(seconds)
        await self._go.get()

    async def _settle(self, seconds: float) -> None:
        self.settled.append(seconds)
        await asyncio.sleep(0)

    async def _consume(self) -> None:
        async for event in self.trigger.run():
            self.events.append(event.payload)

    async def poll(self) -> list[dict[str, Any]]:
        """Run the next poll to its pause; the events it fired."""
        before = len(self.events)
        if not self._started:
            self._started = True
            self._task = asyncio.ensure_future(self._consume())
        else:
            await self._go.put(None)
        waiting = asyncio.ensure_future(self._polled.get())
        assert self._task is not None
        done, _ = await asyncio.wait({waiting, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            waiting.cancel()
            self._task.result()  # raises what the trigger raised
        return self.events[before:]

    async def stop(self) -> None:
        """The triggerer goes away: the trigger task is cancelled, then cleaned up."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.trigger.cleanup()


def run(coro: Any) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def make_order(platform: str, conn_id: str, key: str) -> str:
    """One order (your id ``key``) made through the platform's hook: the id its event trigger watches."""
    from airflow.sdk.module_loading import import_string

    from airflow_provider.platforms import get_platform

    hook = import_string(get_platform(platform).hook_class)(conn_id)
    try:
        if platform == "hypersku":
            from airflow_provider.sandbox.hypersku.seed import SANDBOX_EXAMPLE_ORDER

            made = hook.create_order({**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": key, "thirdOrderName": key})
            return str(made.order_base_info.order_id)
        if platform == "supership":
            from airflow_provider.sandbox.supership import sample_order

            return str(hook.create_order(sample_order(key)).code)
        if platform == "chao8":
            from airflow_provider.sandbox.chao8 import (
                SANDBOX_DEALER_CODES,
                SANDBOX_PRODUCT_CODES,
                SANDBOX_WAREHOUSE_CODE,
            )

            hook.create_logistics_order(
                {
                    "orderNo": key,
                    "orderType": 1,
                    "sourceOrgCode": SANDBOX_WAREHOUSE_CODE,
                    "targetOrgCode": SANDBOX_DEALER_CODES[0],
                    "products": [{"productCode": SANDBOX_PRODUCT_CODES[0], "quantity": 1}],
                }
            )
            return key
        from airflow_provider.sandbox import hishopping as sb

        made = hook.create_order(
            {
                "merchant_order": key,
                "goods_id": sb.GOODS_EARBUDS,
                "sku_id": sb.SKU_EARBUDS_WHITE,
                "quantity": 1,
                "receiver": dict(sb.SANDBOX_RECEIVER),
            }
        )
        return str(made.order_no)
    finally:
        hook.close()
