"""A platform that quotes the customer back in its error: the error the caller sees does not."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from demo_platform import PASSWORD, USERNAME, DemoHook
from test_common_hooks import FAST, FakeServer

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.errors import BadRequestError
from airflow_provider.common.personal import REDACTED, personal_values, redact

ORDER = {
    "soc": "FF-1002",
    "name": "Nguyễn Thu Hà",
    "phone": "0912345678",
    "address": "12 Phố Huế",
    "amount": 220000,
    "products": [{"sku": "P899789", "quantity": 1}],
    "receiver": {"email": "ha@example.com", "zip": "10000"},
}
QUOTED = "phone 0912345678 of Nguyễn Thu Hà is not reachable at 12 Phố Huế (ha@example.com); order FF-1002"


@pytest.fixture
def hook(make_conn, server: FakeServer) -> DemoHook:
    make_conn("demo_default", "demo", host="https://api.example.test", login=USERNAME, password=PASSWORD)
    return DemoHook(transport=httpx.MockTransport(server), token_store=MemoryTokenStore(), retry_policy=FAST)


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


def test_personal_values_are_those_under_personal_keys() -> None:
    assert personal_values(ORDER) == {"Nguyễn Thu Hà", "0912345678", "12 Phố Huế", "ha@example.com", "10000"}
    assert redact({"m": [QUOTED]}, personal_values(ORDER)) == {
        "m": [f"phone {REDACTED} of {REDACTED} is not reachable at {REDACTED} ({REDACTED}); order FF-1002"]
    }


def test_a_business_error_quoting_the_customer_is_redacted(
    hook: DemoHook, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    details = {"phone": [f"{ORDER['phone']} is invalid"]}
    server.script["/orders"] = [
        httpx.Response(200, json={"code": 422, "message": QUOTED, "errors": details}),
    ]
    with caplog.at_level(logging.DEBUG), pytest.raises(BadRequestError) as refused:
        hook.request("POST", "/orders", json=ORDER, idempotent=False)
    for text in (str(refused.value), refused.value.message, repr(refused.value.to_dict()), caplog.text):
        for value in personal_values(ORDER):
            assert value not in text
    assert "order FF-1002" in str(refused.value)  # the caller's reference stays


def test_the_async_pipeline_redacts_the_same(hook: DemoHook, server: FakeServer) -> None:
    server.script["/orders"] = [httpx.Response(200, json={"code": 422, "message": QUOTED})]

    async def call() -> None:
        try:
            await hook.arequest("POST", "/orders", json=ORDER, idempotent=False)
        finally:
            await hook.aclose()

    with pytest.raises(BadRequestError) as refused:
        asyncio.run(call())
    assert str(refused.value).count(REDACTED) == 4
    for value in personal_values(ORDER):
        assert value not in str(refused.value)
