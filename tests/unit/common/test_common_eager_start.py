"""
``started_now`` (common/transport.py): the body writer aiohttp runs as a task is started at once,
as Python 3.12's eager tasks do, so a request leaves in the step that sends it.
"""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider.common.transport import started_now


async def test_a_coroutine_that_never_waits_runs_to_its_end_at_once() -> None:
    steps: list[str] = []

    async def write() -> None:
        steps.append("written")

    rest = started_now(write())
    assert steps == ["written"]  # before any task ran it
    await asyncio.create_task(rest)
    assert steps == ["written"]


async def test_a_coroutine_that_waits_runs_up_to_the_wait_and_its_task_finishes_it() -> None:
    loop = asyncio.get_running_loop()
    drained: asyncio.Future[str] = loop.create_future()
    steps: list[str] = []

    async def write() -> None:
        steps.append("headers")
        steps.append(await drained)
        await asyncio.sleep(0)  # a bare yield on the way
        steps.append("eof")

    task = asyncio.create_task(started_now(write()))
    assert steps == ["headers"]
    await asyncio.sleep(0)
    assert not task.done()
    drained.set_result("body")
    await task
    assert steps == ["headers", "body", "eof"]


async def test_an_error_before_and_after_the_wait_reaches_the_task() -> None:
    async def broken() -> None:
        raise OSError("write failed")

    with pytest.raises(OSError, match="write failed"):
        await asyncio.create_task(started_now(broken()))

    failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def waits_then_fails() -> None:
        await failed

    task = asyncio.create_task(started_now(waits_then_fails()))
    failed.set_exception(ConnectionResetError("peer gone"))
    with pytest.raises(ConnectionResetError, match="peer gone"):
        await task


async def test_cancelling_the_task_cancels_the_wait_and_reaches_the_coroutine() -> None:
    waiting: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    seen: list[str] = []

    async def write() -> None:
        try:
            await waiting
        except asyncio.CancelledError:
            seen.append("cancelled")  # aiohttp closes the connection here
            raise

    task = asyncio.create_task(started_now(write()))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen == ["cancelled"]
    assert waiting.cancelled()
