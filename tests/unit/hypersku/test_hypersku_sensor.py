"""HyperSkuOrderStatusSensor in poke and deferrable mode against the sandbox app (no sockets)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException, TaskDeferred
from test_hypersku_support import AppTransport, sandbox_hook

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.triggers import StatusTrigger
from airflow_provider.hypersku.hooks import HyperSkuHook
from airflow_provider.hypersku.sensors import HyperSkuOrderStatusSensor
from airflow_provider.sandbox.hypersku import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_EXAMPLE_ORDER,
    SANDBOX_REFRESH_TOKEN,
    SHIPPED_AFTER,
    HyperSkuBackend,
    create_app,
)

STATUS = "/api/customer/admin/orders/status"


@pytest.fixture
def backend() -> HyperSkuBackend:
    return HyperSkuBackend(failure_share=0)


@pytest.fixture
def transport(backend: HyperSkuBackend) -> Iterator[AppTransport]:
    app_transport = AppTransport(create_app(backend))
    yield app_transport
    app_transport.shutdown()


@pytest.fixture(params=["password", "oauth2"])
def extra(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "password":
        return {}
    return {
        "auth_mode": "oauth2",
        "client_id": SANDBOX_CLIENT_ID,
        "client_secret": SANDBOX_CLIENT_SECRET,
        "refresh_token": SANDBOX_REFRESH_TOKEN,
    }


@pytest.fixture
def hook(make_conn: Callable[..., str], transport: AppTransport, extra: dict[str, Any]) -> HyperSkuHook:
    return sandbox_hook(make_conn, transport, extra=extra)


def place(hook: HyperSkuHook, *thirds: str) -> list[str]:
    return [
        hook.create_order({**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": third}).order_base_info.order_id
        for third in thirds
    ]


def sensor(order_ids: Any, hook: HyperSkuHook, **kwargs: Any) -> HyperSkuOrderStatusSensor:
    task = HyperSkuOrderStatusSensor(
        task_id="wait", order_ids=order_ids, poke_interval=0.01, timeout=10, **kwargs
    )
    task.__dict__["hook"] = hook
    return task


def test_defaults_and_conn_id() -> None:
    task = HyperSkuOrderStatusSensor(task_id="w", order_ids=["1"], hypersku_conn_id="hs_x")
    assert task.conn_id == "hs_x"
    assert task.hypersku_conn_id == "hs_x"
    assert task.success_statuses == ["4", "5"]
    assert task.failure_statuses == ["10", "11", "6", "7"]
    assert task.template_fields == ("order_ids",)
    with pytest.raises(ValueError, match="both"):
        HyperSkuOrderStatusSensor(task_id="w", order_ids=["1"], success_statuses=[5], failure_statuses=[5])


def test_poke_mode_waits_for_shipping(
    backend: HyperSkuBackend, hook: HyperSkuHook, task_context: Any
) -> None:
    ids = place(hook, "W-1", "W-2", "W-3")
    task = sensor(ids, hook)
    before = backend.requests[STATUS]
    assert task.poke(task_context()).is_done is False
    assert backend.requests[STATUS] == before + 1  # one call for all three orders
    backend.clock.advance(SHIPPED_AFTER + 1)
    result = task.execute(task_context())
    assert result == {order_id: "4" for order_id in ids}
    assert backend.requests[STATUS] == before + 2


def test_poke_mode_fails_at_once_on_a_closed_order(
    backend: HyperSkuBackend, hook: HyperSkuHook, task_context: Any
) -> None:
    ok_id, closed_id = place(hook, "F-OK", "F-CANCEL")
    backend.clock.advance(400)
    with pytest.raises(AirflowFailException, match=f"{closed_id} \\(status 6\\)") as caught:
        sensor([ok_id, closed_id], hook).execute(task_context())
    assert ok_id not in str(caught.value)
    with pytest.raises(AirflowSkipException):
        sensor([closed_id], hook, soft_fail=True).execute(task_context())


def test_custom_target_and_create_report_input(
    backend: HyperSkuBackend, hook: HyperSkuHook, task_context: Any
) -> None:
    ids = place(hook, "R-1")
    result = {"key": "R-1", "outcome": "created", "id": ids[0], "status": "8", "error": None, "data": {}}
    report = {"counts": {"created": 1}, "results": [result], "order_ids": ids, "third_order_ids": ["R-1"]}
    task = sensor(report, hook, success_statuses=[5])
    backend.clock.advance(SHIPPED_AFTER + 1)
    assert task.poke(task_context()).is_done is False  # shipping is not delivered
    backend.clock.advance(10_000)
    assert task.poke(task_context()).xcom_value == {ids[0]: "5"}


def test_deferrable_mode_runs_the_trigger(
    backend: HyperSkuBackend,
    hook: HyperSkuHook,
    transport: AppTransport,
    monkeypatch: pytest.MonkeyPatch,
    task_context: Any,
) -> None:
    from airflow.sdk.serde import deserialize, serialize

    ids = place(hook, "D-1", "D-2")
    task = sensor(ids, hook, deferrable=True)
    with pytest.raises(TaskDeferred) as deferred:
        task.execute(task_context())
    trigger = deferred.value.trigger
    assert deferred.value.method_name == "execute_complete"
    assert deferred.value.timeout is not None
    assert deferred.value.timeout.total_seconds() == 10
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider.common.triggers.StatusTrigger"
    assert kwargs["hook_class_path"] == "airflow_provider.hypersku.hooks.HyperSkuHook"
    assert kwargs["conn_id"] == "hypersku_default"
    assert kwargs["order_ids"] == ids
    assert kwargs["known"] == {i: "8" for i in ids}
    assert not any("token" in str(v).lower() or "password" in str(v).lower() for v in kwargs.values())
    restored = deserialize(serialize(kwargs))
    assert restored == kwargs
    again = StatusTrigger(**restored)

    original_init = HyperSkuHook.__init__

    def init(self: HyperSkuHook, conn_id: str = "hypersku_default", **kw: Any) -> None:
        kw.setdefault("transport", transport)
        kw.setdefault("token_store", MemoryTokenStore())
        original_init(self, conn_id, **kw)

    monkeypatch.setattr(HyperSkuHook, "__init__", init)

    async def wait() -> Any:
        events = again.run()
        pending = asyncio.ensure_future(events.__anext__())
        await asyncio.sleep(0.1)
        assert not pending.done()
        backend.clock.advance(SHIPPED_AFTER + 1)
        event = await asyncio.wait_for(pending, 10)
        await again.cleanup()
        return event

    event = asyncio.run(wait())
    assert event.payload["status"] == "success"
    assert task.execute_complete(task_context(), event.payload) == {i: "4" for i in ids}


def test_deferrable_failure_event_fails_the_task(hook: HyperSkuHook, task_context: Any) -> None:
    task = sensor(["1"], hook, deferrable=True)
    with pytest.raises(AirflowFailException, match="closed"):
        task.execute_complete(
            task_context(), {"status": "failure", "message": "1 order(s) closed", "statuses": {}}
        )


def test_deferrable_mode_finishes_without_deferring_when_done(
    backend: HyperSkuBackend, hook: HyperSkuHook, task_context: Any
) -> None:
    ids = place(hook, "E-1")
    backend.clock.advance(SHIPPED_AFTER + 1)
    assert sensor(ids, hook, deferrable=True).execute(task_context()) == {ids[0]: "4"}
