"""
The status trigger when its triggerer stops (issue 22, item 3), against HyperSKU's sandbox.

A triggerer shutting down cancels every trigger it runs (no message: Airflow's ``run_trigger``
then calls ``trigger.cleanup()`` in its ``finally``) and leaves the trigger row for the
triggerer that takes it over, which builds a new trigger from the serialized kwargs. Checked:
cancelled while a status read is on the wire, the trigger closes its client (whether or not
``cleanup`` is called after), leaves no task behind on the loop, and a new trigger from the same
kwargs polls afresh and hands the sensor the event that completes the task.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from airflow.sdk.exceptions import TaskDeferred
from held_calls import SAFETY_SECONDS, serve_held

from airflow_provider.common.triggers import StatusTrigger

pytestmark = pytest.mark.integration

STATUS_PATH = "/api/customer/admin/orders/status"


async def run_like_a_triggerer(trigger: StatusTrigger, events: list[Any], *, cleanup: bool) -> None:
    """What Airflow's ``TriggerRunner.run_trigger`` does with a trigger (``cleanup`` in its finally)."""
    try:
        async for event in trigger.run():
            events.append(event)
    finally:
        if cleanup:
            await trigger.cleanup()


@pytest.mark.parametrize("cleanup", [True, False], ids=["cleanup-called", "cleanup-not-called"])
def test_a_trigger_cancelled_mid_poll_closes_its_client_and_the_next_triggerer_completes_the_wait(
    cleanup: bool,
    serve_app: Callable[[Any], str],
    make_conn: Callable[..., str],
    task_context: Callable[..., dict[str, Any]],
) -> None:
    from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator
    from airflow_provider.hypersku.sensors import HyperSkuOrderStatusSensor
    from airflow_provider.sandbox.hypersku import LIFECYCLE_SECONDS, SANDBOX_EXAMPLE_ORDER

    backend, held = serve_held("hypersku", STATUS_PATH, serve_app, make_conn, failure_share=0)
    created = HyperSkuCreateOrdersOperator(
        task_id="create", orders=[{**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"TRIG-{i}"} for i in range(2)]
    ).execute(task_context())
    sensor = HyperSkuOrderStatusSensor(
        task_id="wait", order_ids=created["order_ids"], deferrable=True, poke_interval=0.01
    )
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(task_context())
    _classpath, kwargs = deferred.value.trigger.serialize()

    async def triggerer_stops_mid_poll() -> list[Any]:
        trigger = StatusTrigger(**kwargs)
        events: list[Any] = []
        held.hold.clear()
        running = asyncio.ensure_future(run_like_a_triggerer(trigger, events, cleanup=cleanup))
        await asyncio.to_thread(held.held, 1)  # a status read on the wire
        client = trigger._hook._aclient
        assert client is not None
        assert not client.is_closed
        running.cancel()  # the triggerer shutting down
        with pytest.raises(asyncio.CancelledError):
            await running
        held.hold.set()
        assert client.is_closed
        assert trigger._hook is None
        await trigger.cleanup()  # the triggerer's own call after that: nothing left to close
        left = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        assert left == []
        return events

    events = asyncio.run(triggerer_stops_mid_poll())
    assert events == []
    reads_before_resume = backend.requests[STATUS_PATH]

    backend.clock.advance(LIFECYCLE_SECONDS)  # the orders reach their final status meanwhile

    async def next_triggerer() -> Any:
        trigger = StatusTrigger(**kwargs)  # from the trigger row, as the triggerer taking over does
        events: list[Any] = []
        await asyncio.wait_for(run_like_a_triggerer(trigger, events, cleanup=True), SAFETY_SECONDS)
        assert trigger._hook is None
        return events

    events = asyncio.run(next_triggerer())
    assert [event.payload["status"] for event in events] == ["success"]
    assert backend.requests[STATUS_PATH] > reads_before_resume
    statuses = sensor.execute_complete(task_context(), events[0].payload)
    assert set(statuses) == set(created["order_ids"])
