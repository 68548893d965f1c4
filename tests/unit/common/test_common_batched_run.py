"""``run_batched``: items sent a batch per call through the same pool as ``run_bulk`` (no sockets)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from airflow_provider.common.bulk import ABANDONED_MESSAGE, STOP_MESSAGE, StopSignal, run_batched
from airflow_provider.common.errors import TransientError
from airflow_provider.common.results import ItemResult

ITEMS = [f"K{i}" for i in range(10)]


def ok(batch: Sequence[str]) -> list[ItemResult]:
    return [ItemResult(key=item, outcome="ok") for item in batch]


def outcomes(report: Any) -> list[tuple[str, str]]:
    return [(result.key, result.outcome) for result in report.results]


def test_batches_run_at_most_concurrency_at_a_time_and_results_keep_input_order() -> None:
    sizes: list[int] = []
    in_flight = peak = 0

    async def work(batch: Sequence[str]) -> list[ItemResult]:
        nonlocal in_flight, peak
        sizes.append(len(batch))
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0)
        in_flight -= 1
        return ok(batch)

    seen: list[str] = []
    report = asyncio.run(
        run_batched(ITEMS, work, key=str, size=3, concurrency=2, on_result=lambda r: seen.append(r.key))
    )
    assert outcomes(report) == [(item, "ok") for item in ITEMS]
    assert sorted(sizes) == [1, 3, 3, 3]
    assert peak == 2
    assert sorted(seen) == sorted(ITEMS)


def test_a_failing_call_fails_every_item_of_its_batch_only() -> None:
    async def work(batch: Sequence[str]) -> list[ItemResult]:
        if "K3" in batch:
            raise ValueError("refused")
        return ok(batch)

    report = asyncio.run(run_batched(ITEMS, work, key=str, size=3, concurrency=1))
    assert outcomes(report) == [
        *((item, "ok") for item in ITEMS[:3]),
        *((item, "failed") for item in ITEMS[3:6]),
        *((item, "ok") for item in ITEMS[6:]),
    ]
    assert report.results[4].error is not None
    assert "refused" in report.results[4].error["message"]


def test_an_answer_of_the_wrong_length_fails_the_batch() -> None:
    async def work(batch: Sequence[str]) -> list[ItemResult]:
        return ok(batch[:1])

    report = asyncio.run(run_batched(ITEMS[:2], work, key=str, size=2))
    assert outcomes(report) == [("K0", "failed"), ("K1", "failed")]


def test_stop_when_skips_the_batches_not_started() -> None:
    async def work(batch: Sequence[str]) -> list[ItemResult]:
        if "K0" in batch:
            raise TransientError("hypothetical", "no answer")
        return ok(batch)

    def unreachable(result: ItemResult) -> bool:
        return result.outcome == "failed"

    report = asyncio.run(run_batched(ITEMS, work, key=str, size=4, concurrency=1, stop_when=unreachable))
    assert outcomes(report) == [*((i, "failed") for i in ITEMS[:4]), *((i, "skipped") for i in ITEMS[4:])]


@pytest.mark.parametrize("answered_in_time", [True, False], ids=["within-the-grace", "past-the-grace"])
def test_told_to_stop_the_batch_in_flight_is_awaited_up_to_the_grace_and_the_rest_are_skipped(
    answered_in_time: bool,
) -> None:
    stop = StopSignal()
    started = asyncio.Event()
    answer = asyncio.Event()

    async def work(batch: Sequence[str]) -> list[ItemResult]:
        started.set()
        await answer.wait()
        return ok(batch)

    async def scenario() -> Any:
        grace = 3600 if answered_in_time else 0
        run = asyncio.ensure_future(
            run_batched(ITEMS[:5], work, key=str, size=3, concurrency=1, stop=stop, grace_seconds=grace)
        )
        await started.wait()
        stop.request()
        if answered_in_time:
            answer.set()
        return await run

    report = asyncio.run(scenario())
    in_flight = "ok" if answered_in_time else "unknown"
    assert outcomes(report) == [*((i, in_flight) for i in ITEMS[:3]), ("K3", "skipped"), ("K4", "skipped")]
    assert {r.error["message"] for r in report.results[3:] if r.error} == {STOP_MESSAGE}
    if not answered_in_time:  # abandoned: a retried create looks each of them up
        assert report.results[0].error == {"kind": "stopped", "message": ABANDONED_MESSAGE}
