"""The hook's request path is short: few provider frames between a typed method and httpx.

A transport records the call stack when httpx hands it the request; the frames of the shared
core (``airflow_provider/common``) between the platform hook's typed method and that moment are
what a traceback or a profiler shows of the pipeline.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.hypersku.hooks import HyperSkuHook

COMMON = Path(inspect.getfile(RetryPolicy)).resolve().parent
HOOKS = COMMON / "hooks.py"
ORDER = {
    "thirdOrderId": "T-1",
    "logisticsId": "1002",
    "shippingAddress": {
        "firstName": "An",
        "lastName": "Nguyen",
        "countryCode": "VN",
        "province": "HN",
        "city": "Ha Noi",
        "address1": "1 Trang Tien",
        "zipCode": "100000",
        "phone": "0900000000",
    },
    "skuItems": [{"skuId": "SKU1", "num": 2}],
}
CREATED = {"status": 200, "data": {"orderBaseInfo": {"orderId": "9", "storeOrderId": "T-1", "status": 8}}}


def common_frames_below(typed_method: str) -> list[str]:
    """``file:function`` of every ``airflow_provider/common`` frame between the caller and ``typed_method``."""
    found: list[str] = []
    for frame in inspect.stack()[1:]:
        if frame.function == typed_method:
            return found
        path = Path(frame.filename).resolve()
        if path.is_relative_to(COMMON):
            found.append(f"{path.name}:{frame.function}")
    raise AssertionError(f"{typed_method} is not on the stack")


class StackRecorder(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers the token call and the create; records the common frames above each create."""

    def __init__(self, typed_method: str) -> None:
        self.typed_method = typed_method
        self.stacks: list[list[str]] = []

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/api/auth/admin/token"):
            return httpx.Response(200, json={"status": 200, "token": "tok"})
        self.stacks.append(common_frames_below(self.typed_method))
        return httpx.Response(200, json=CREATED)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.answer(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.answer(request)


def hyper_sku(make_conn: Callable[..., str], transport: Any) -> HyperSkuHook:
    make_conn("hs_path", "hypersku", host="https://hs.test", login="a", password="b")
    return HyperSkuHook(
        "hs_path",
        transport=transport,
        token_store=MemoryTokenStore(),
        retry_policy=RetryPolicy(max_attempts=2),
    )


def test_async_create_reaches_httpx_through_at_most_two_frames_of_the_core(
    make_conn: Callable[..., str],
) -> None:
    recorder = StackRecorder("acreate_order")
    hook = hyper_sku(make_conn, recorder)

    async def create() -> Any:
        try:
            return await hook.acreate_order(ORDER)
        finally:
            await hook.aclose()

    assert asyncio.run(create()).order_base_info.order_id == "9"
    (frames,) = recorder.stacks
    assert len(frames) <= 2, frames
    assert all(frame.startswith("hooks.py:") for frame in frames), frames


def test_sync_create_reaches_httpx_through_at_most_two_frames_of_the_core(
    make_conn: Callable[..., str],
) -> None:
    recorder = StackRecorder("create_order")
    hook = hyper_sku(make_conn, recorder)
    assert hook.create_order(ORDER).order_base_info.order_id == "9"
    (frames,) = recorder.stacks
    assert len(frames) <= 2, frames
    assert all(frame.startswith("hooks.py:") for frame in frames), frames
