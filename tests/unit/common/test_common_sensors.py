from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from demo_platform import DemoHook

from airflow_provider.common.sensors import StatusSensor
from airflow_provider.common.status import classify
from airflow_provider.common.triggers import StatusTrigger

STATUSES: dict[str, list[str]] = {}


class ScriptedHook(DemoHook):
    """Answers each poll with the next scripted status per order; records the batches asked."""

    batches: list[list[str]] = []

    def __init__(self, conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(conn_id, **kwargs)

    def fetch_statuses(self, ids: list[str]) -> dict[str, str]:
        ScriptedHook.batches.append(list(ids))
        return {i: STATUSES[i].pop(0) if len(STATUSES[i]) > 1 else STATUSES[i][0] for i in ids}

    async def afetch_statuses(self, ids: list[str]) -> dict[str, str]:
        return self.fetch_statuses(ids)

    async def aload_connection(self) -> None:
        return None


class DemoSensor(StatusSensor):
    hook_class_path = f"{ScriptedHook.__module__}.ScriptedHook"
    default_success_statuses = frozenset({"4", "5"})
    default_failure_statuses = frozenset({"6", "11"})


@pytest.fixture(autouse=True)
def _reset() -> None:
    STATUSES.clear()
    ScriptedHook.batches = []


def sensor(**kwargs: Any) -> DemoSensor:
    return DemoSensor(task_id="wait", conn_id="demo_default", poke_interval=0.01, timeout=5, **kwargs)


def test_classify_uses_sets_not_thresholds() -> None:
    verdict = classify(["a", "b", "c"], {"a": "4", "b": "9", "c": "6"}, {"4", "5"}, {"6"})
    assert verdict.succeeded == {"a": "4"}
    assert verdict.pending == {"b": "9"}
    assert verdict.failed == {"c": "6"}
    assert "c (status 6)" in verdict.failure_message()


def test_poke_mode_waits_with_one_batched_call_per_poll_dropping_final_orders() -> None:
    STATUSES.update({"A": ["2", "4"], "B": ["3", "3", "5"]})
    result = sensor(order_ids=["A", "B"], deferrable=False).execute({})
    assert result == {"A": "4", "B": "5"}
    assert ScriptedHook.batches == [["A", "B"], ["A", "B"], ["B"]]


def test_terminal_failure_fails_at_once_naming_orders() -> None:
    from airflow.sdk.exceptions import AirflowFailException

    STATUSES.update({"A": ["4"], "B": ["11"]})
    with pytest.raises(AirflowFailException, match=r"B \(status 11\)"):
        sensor(order_ids=["A", "B"], deferrable=False).execute({})


def test_soft_fail_skips_on_terminal_failure_in_both_modes() -> None:
    from airflow.sdk.exceptions import AirflowSkipException

    for deferrable in (False, True):
        STATUSES.update({"A": ["6"]})
        with pytest.raises(AirflowSkipException):
            sensor(order_ids="A", deferrable=deferrable, soft_fail=True).execute({})


def test_custom_status_sets_and_validation() -> None:
    STATUSES.update({"A": ["3"]})
    assert sensor(order_ids=["A"], success_statuses=[3], deferrable=False).execute({}) == {"A": "3"}
    with pytest.raises(ValueError, match="both success and failure"):
        sensor(order_ids=["A"], success_statuses=["6"])


def test_deferrable_pokes_once_then_defers_with_plain_kwargs() -> None:
    from airflow.sdk.exceptions import TaskDeferred

    STATUSES.update({"A": ["2", "4"], "B": ["5"]})
    with pytest.raises(TaskDeferred) as info:
        sensor(order_ids=["A", "B"], deferrable=True).execute({})
    trigger = info.value.trigger
    assert isinstance(trigger, StatusTrigger)
    assert info.value.timeout == timedelta(seconds=5)
    assert info.value.method_name == "execute_complete"
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider.common.triggers.StatusTrigger"
    assert kwargs["known"] == {"A": "2", "B": "5"}
    assert kwargs["order_ids"] == ["A", "B"]
    assert "password" not in repr(kwargs).lower()
    assert "tok-" not in repr(kwargs)


def test_deferrable_returns_at_once_when_already_done() -> None:
    STATUSES.update({"A": ["5"]})
    assert sensor(order_ids="A", deferrable=True).execute({}) == {"A": "5"}


def test_trigger_serialize_round_trips_through_serde() -> None:
    from airflow.sdk.serde import deserialize, serialize

    trigger = StatusTrigger(
        "x.Hook", "c", ["A"], ["4"], ["6"], 5.0, "afetch_statuses", {"min": 1}, {"A": "2"}
    )
    classpath, kwargs = trigger.serialize()
    restored = StatusTrigger(**deserialize(serialize(kwargs)))
    assert restored.serialize() == (classpath, kwargs)


def _run_trigger(trigger: StatusTrigger) -> dict[str, Any]:
    async def first_event() -> dict[str, Any]:
        try:
            async for event in trigger.run():
                return event.payload
        finally:
            await trigger.cleanup()
        raise AssertionError("trigger ended without an event")

    return asyncio.run(first_event())


def test_trigger_polls_until_success_then_execute_complete_returns_statuses() -> None:
    STATUSES.update({"A": ["2", "3", "4"], "B": ["5"]})
    trigger = StatusTrigger(
        DemoSensor.hook_class_path, "demo_default", ["A", "B"], ["4", "5"], ["6"], 0.01, known={"B": "5"}
    )
    event = _run_trigger(trigger)
    assert event == {"status": "success", "statuses": {"A": "4", "B": "5"}}
    assert ScriptedHook.batches == [["A"], ["A"], ["A"]]
    assert sensor(order_ids=["A", "B"]).execute_complete({}, event) == {"A": "4", "B": "5"}


def test_trigger_failure_event_fails_the_task() -> None:
    from airflow.sdk.exceptions import AirflowFailException

    STATUSES.update({"A": ["2", "6"]})
    event = _run_trigger(StatusTrigger(DemoSensor.hook_class_path, "demo_default", ["A"], ["4"], ["6"], 0.01))
    assert event["status"] == "failure"
    with pytest.raises(AirflowFailException, match=r"A \(status 6\)"):
        sensor(order_ids=["A"]).execute_complete({}, event)


def test_poke_interval_and_timeout_reach_the_trigger() -> None:
    from airflow.sdk.exceptions import TaskDeferred

    STATUSES.update({"A": ["2"]})
    with pytest.raises(TaskDeferred) as info:
        DemoSensor(
            task_id="w", conn_id="c", order_ids="A", deferrable=True, poke_interval=30, timeout=3600
        ).execute({})
    assert info.value.trigger.poll_interval == 30
    assert info.value.timeout == timedelta(hours=1)


def test_order_ids_from_a_bulk_report_or_a_json_string() -> None:
    report = {
        "counts": {"created": 1, "existed": 1, "failed": 1},
        "results": [
            {"key": "S1", "outcome": "created", "id": "101"},
            {"key": "S2", "outcome": "existed", "id": "102"},
            {"key": "S3", "outcome": "failed", "id": None},
        ],
    }
    assert sensor(order_ids=report).ids() == ["101", "102"]
    assert sensor(order_ids='["7", "8", "7"]').ids() == ["7", "8"]
    assert sensor(order_ids=9).ids() == ["9"]


def test_failure_messages_use_the_hooks_status_names() -> None:
    from airflow.sdk.exceptions import AirflowFailException

    class NamedHook(ScriptedHook):
        def status_label(self, status: str) -> str:
            return {"6": "6 Order Closed"}.get(status, status)

    class NamedSensor(DemoSensor):
        hook_class_path = f"{__name__}.NamedHook"

    globals()["NamedHook"] = NamedHook
    STATUSES.update({"A": ["6"]})
    with pytest.raises(AirflowFailException, match=r"A \(status 6 Order Closed\)"):
        NamedSensor(task_id="w", conn_id="c", order_ids="A", deferrable=False, poke_interval=0.01).execute({})
    event = _run_trigger(StatusTrigger(NamedSensor.hook_class_path, "c", ["A"], ["4"], ["6"], 0.01))
    assert "A (status 6 Order Closed)" in event["message"]


def test_a_sensor_can_take_the_callers_ids_from_a_report() -> None:
    class ByKey(DemoSensor):
        report_id_field = "key"

    report = {
        "results": [{"key": "S1", "outcome": "created", "id": "101"}, {"key": "S2", "outcome": "failed"}]
    }
    assert ByKey(task_id="w", conn_id="c", order_ids=report).ids() == ["S1"]
