"""
Why a triggerer goes silent when it starts an order watcher (docs/order-events.md, "A
triggerer's first trigger request"): Airflow's triggerer supervisor builds its in-process
Execution API inside the handler of the first request a trigger sends it (a connection, a
Variable, an asset_state_store read), in its only thread, so nothing else is answered and no
heartbeat is written until that build is done. Built once: later requests reuse it.

These tests pin that behaviour of Airflow's own code (a newer Airflow that builds it up front
fails them: then the page's workaround can go), and which request our watcher sends first.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

CONNECTION = {
    "conn_id": "supership_default",
    "conn_type": "supership",
    "host": "http://127.0.0.1:9",
    "schema": None,
    "login": None,
    "password": None,
    "port": None,
    "extra": None,
}


@pytest.fixture
def supervisor(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[str]]:
    """A TriggerRunnerSupervisor with no subprocess, whose in-process API records when it is built
    and called, and which records the answers it sends back to the runner."""
    from airflow.jobs import triggerer_job_runner

    happened: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        happened.append(f"api call {request.url.path}")
        return httpx.Response(200, json=CONNECTION)

    class RecordingApi:
        transport = httpx.MockTransport(answer)

    def build_api() -> RecordingApi:
        happened.append("api built")
        return RecordingApi()

    monkeypatch.setattr(triggerer_job_runner, "in_process_api_server", build_api)

    class Supervisor(triggerer_job_runner.TriggerRunnerSupervisor):
        def send_msg(self, msg: Any, request_id: int, error: Any = None, **_dump: Any) -> None:
            happened.append(f"answered {request_id}")

    # no subprocess: only the request handler runs
    return object.__new__(Supervisor), happened


def test_the_supervisor_builds_its_in_process_api_while_it_handles_the_first_request(
    supervisor: tuple[Any, list[str]],
) -> None:
    from airflow.sdk.execution_time.comms import GetConnection

    instance, happened = supervisor
    assert happened == []  # nothing built before a trigger asks for something

    instance._handle_request(GetConnection(conn_id="supership_default"), None, 1)
    instance._handle_request(GetConnection(conn_id="supership_default"), None, 2)

    assert happened == [
        "api built",  # inside the first request's handler, before its answer
        "api call /connections/supership_default",
        "answered 1",
        "api call /connections/supership_default",  # the second request reuses it
        "answered 2",
    ]


def test_the_order_watchers_first_request_to_the_supervisor_is_its_cursor_read() -> None:
    """The request that pays for the build: the cursor read in the asset_state_store, before the
    connection is loaded (which would pay for it otherwise)."""
    from airflow_provider.supership.event_triggers import SuperShipOrderEventTrigger

    requests: list[str] = []

    class Accessors:
        async def aget(self, key: str) -> None:
            requests.append("asset_state_store get")
            raise RuntimeError("stop here: only the first request matters")

    trigger = SuperShipOrderEventTrigger(order_ids=["S1"], poll_interval=1)
    trigger.asset_state_store = Accessors()

    async def first_event() -> Any:
        return await anext(trigger.run())

    with pytest.raises(RuntimeError, match="only the first request"):
        asyncio.run(first_event())
    assert requests == ["asset_state_store get"]
