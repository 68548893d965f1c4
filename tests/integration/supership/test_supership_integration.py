"""Hook, operators and sensor against the SuperShip sandbox on loopback: tokens, faults, idempotency."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from airflow.sdk.exceptions import AirflowFailException, TaskDeferred

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.errors import ConfigurationError
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.common.triggers import StatusTrigger
from airflow_provider.sandbox.kit import Faults, SandboxClock, start_server
from airflow_provider.sandbox.supership import (
    SECONDS_TO_DELIVERED,
    SECONDS_TO_FINAL,
    SuperShipBackend,
    create_app,
    sample_order,
    sandbox_connection,
)
from airflow_provider.supership import operators as ops
from airflow_provider.supership.hooks import SuperShipHook
from airflow_provider.supership.sensors import SuperShipOrderStatusSensor

pytestmark = pytest.mark.integration
FAST = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05, max_total=10)


class Swappable:
    """One loopback server for the module; each test mounts a fresh sandbox app on it."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Swappable, str]]:
    mount = Swappable()
    running = start_server(mount)
    yield mount, running.url
    running.stop()


@pytest.fixture
def backend(server: tuple[Swappable, str]) -> SuperShipBackend:
    backend = SuperShipBackend(clock=SandboxClock(speed=1), faults=Faults(retry_after=0.01))
    server[0].app = create_app(backend)
    return backend


@pytest.fixture
def url(server: tuple[Swappable, str], backend: SuperShipBackend) -> str:
    return server[1]


@pytest.fixture
def conns(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``supership_default`` (personal token) and ``supership_login`` (password grant) on the sandbox."""
    monkeypatch.setenv("AIRFLOW_CONN_SUPERSHIP_DEFAULT", json.dumps(sandbox_connection(url)))
    monkeypatch.setenv(
        "AIRFLOW_CONN_SUPERSHIP_LOGIN", json.dumps(sandbox_connection(url, auth_mode="password"))
    )


@pytest.fixture
def fast_operators(conns: None, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The operators' connection (``supership_default``) with short retry waits, set as users do."""
    conn = sandbox_connection(url)
    conn["extra"].update(retry_base_delay=0.01, retry_max_seconds=10)
    monkeypatch.setenv("AIRFLOW_CONN_SUPERSHIP_DEFAULT", json.dumps(conn))


def hook(conn_id: str = "supership_login") -> SuperShipHook:
    return SuperShipHook(conn_id, retry_policy=FAST, token_store=MemoryTokenStore())


@pytest.fixture
def context(task_context: Any) -> Any:
    """``context(try_number=1)``: the shared task context, run id ``scheduled__2024-05-01``."""
    return lambda try_number=1: task_context(try_number, run_id="scheduled__2024-05-01")


# ----------------------------------------------------------------------------- tokens
def test_one_login_serves_many_calls(conns: None, backend: SuperShipBackend) -> None:
    h = hook()
    for _ in range(5):
        h.get_warehouses()
    h.get_provinces()
    h.get_order_statuses()
    assert backend.token_calls == 1
    assert sum(backend.requests.values()) == 8


def test_an_expired_token_mid_run_logs_in_again_once(conns: None, backend: SuperShipBackend) -> None:
    h = hook()
    code = h.create_order(sample_order("EXP-1")).code
    backend.expire_tokens()
    assert h.get_order(code).code == code
    assert h.get_order(code).code == code
    assert backend.token_calls == 2


def test_a_revoked_personal_token_is_a_configuration_error(conns: None, backend: SuperShipBackend) -> None:
    h = hook("supership_default")
    ok, message = h.test_connection()
    assert ok, message
    backend.revoke_personal_token()
    with pytest.raises(ConfigurationError, match="replace it"):
        hook("supership_default").get_warehouses()
    assert backend.token_calls == 0


def test_a_5xx_and_429_burst_is_ridden_out(conns: None, backend: SuperShipBackend) -> None:
    h = hook("supership_default")
    backend.faults.script("error", 2, path_contains="/warehouses")
    backend.faults.script("rate_limit", 2, path_contains="/warehouses")
    assert len(h.get_warehouses()) == 2
    assert backend.requests["/v1/partner/warehouses"] == 5


def test_dropped_connections_are_retried_for_reads(conns: None, backend: SuperShipBackend) -> None:
    h = hook("supership_default")
    backend.faults.script("drop", 2, path_contains="/areas/province")
    assert len(h.get_provinces()) >= 3
    assert backend.requests["/v1/partner/areas/province"] == 3


# ----------------------------------------------------------------------------- create operator
def test_lost_create_answer_creates_no_duplicate(
    fast_operators: None, backend: SuperShipBackend, context: Any
) -> None:
    backend.faults.script("lose_answer", 1, path_contains="/orders/add")
    orders = [sample_order("LOST-1"), sample_order("LOST-2", 1)]
    result = ops.SuperShipCreateOrdersOperator(task_id="create", orders=orders).execute(context())
    assert result["counts"] == {"created": 2}
    assert len(backend.orders()) == 2
    assert backend.requests["/v1/partner/orders/add"] == 2
    assert {r["id"] for r in result["results"]} == {o["code"] for o in backend.orders()}


def test_5xx_burst_on_create_creates_each_order_once(
    fast_operators: None, backend: SuperShipBackend, context: Any
) -> None:
    backend.faults.script("error", 3, path_contains="/orders/add")
    orders = [sample_order(f"BURST-{i}", i) for i in range(4)]
    result = ops.SuperShipCreateOrdersOperator(task_id="create", orders=orders, max_concurrency=2).execute(
        context()
    )
    assert result["counts"] == {"created": 4}
    assert sorted(o["soc"] for o in backend.orders()) == [f"BURST-{i}" for i in range(4)]


def test_a_retried_attempt_finds_what_the_first_made_and_creates_only_the_rest(
    fast_operators: None, backend: SuperShipBackend, context: Any
) -> None:
    orders = [sample_order(f"RERUN-{i}", i) for i in range(5)]
    first = ops.SuperShipCreateOrdersOperator(task_id="create", orders=orders[:3]).execute(context())
    assert first["counts"] == {"created": 3}  # attempt 1 "died" after three orders

    again = ops.SuperShipCreateOrdersOperator(task_id="create", orders=orders).execute(context(try_number=2))

    assert again["counts"] == {"existed": 3, "created": 2}
    assert [r["outcome"] for r in again["results"]] == ["existed"] * 3 + ["created"] * 2
    assert [r["id"] for r in again["results"][:3]] == [r["id"] for r in first["results"]]
    assert sorted(o["soc"] for o in backend.orders()) == [f"RERUN-{i}" for i in range(5)]
    # found by soc before any create: nothing was sent again (the sandbox accepts a reused soc)
    assert backend.duplicate_ids == "accept"
    assert backend.requests["/v1/partner/orders/add"] == 5


def test_a_duplicate_answer_counts_existed_after_a_read_back(
    fast_operators: None, backend: SuperShipBackend, context: Any
) -> None:
    """A sandbox set to refuse a reused soc (422, inferred): on a first attempt that resends an
    order, the refusal is read back by soc and counts ``existed`` when it is this order."""
    backend.set_duplicate_ids("refuse")
    orders = [sample_order(f"AGAIN-{i}", i) for i in range(2)]
    first = ops.SuperShipCreateOrdersOperator(task_id="create", orders=orders).execute(context())
    again = ops.SuperShipCreateOrdersOperator(task_id="create", orders=orders, lookup_first=False).execute(
        context()
    )
    assert again["counts"] == {"existed": 2}
    assert [r["id"] for r in again["results"]] == [r["id"] for r in first["results"]]
    assert len(backend.orders()) == 2
    assert backend.requests["/v1/partner/orders/add"] == 4


def test_bad_input_is_rejected_before_any_request(
    fast_operators: None, backend: SuperShipBackend, context: Any
) -> None:
    orders = [sample_order("BAD-1", phone="0123"), sample_order("BAD-2", weight="nặng"), sample_order("OK-3")]
    with pytest.raises(AirflowFailException, match=r"order BAD-1: phone") as info:
        ops.SuperShipCreateOrdersOperator(task_id="create", orders=orders).execute(context())
    assert "order BAD-2: weight" in str(info.value)
    assert sum(backend.requests.values()) == 0


def test_unknown_places_fail_with_suggestions_and_create_nothing(
    fast_operators: None, backend: SuperShipBackend, context: Any
) -> None:
    orders = [
        sample_order("PLACE-1", province="Ho Chi Minh"),
        sample_order("PLACE-2", 1, district="Quận Hai Ba Trung"),
        sample_order("PLACE-3", pickup_code="WNOPE"),
    ]
    with pytest.raises(AirflowFailException) as info:
        ops.SuperShipCreateOrdersOperator(task_id="create", orders=orders).execute(context())
    message = str(info.value)
    assert (
        "order PLACE-1: province: unknown province 'Ho Chi Minh'; did you mean 'Thành phố Hồ Chí Minh'?"
        in message
    )
    assert (
        "order PLACE-2: district: unknown district 'Quận Hai Ba Trung' in 'Thành phố Hà Nội'; did you mean 'Quận Hai Bà Trưng'?"
        in message
    )
    assert "order PLACE-3: pickup_code: no warehouse 'WNOPE'" in message
    assert backend.requests["/v1/partner/orders/add"] == 0
    assert backend.orders() == []


def test_sender_address_instead_of_a_warehouse(
    fast_operators: None, backend: SuperShipBackend, context: Any
) -> None:
    order = sample_order("SENDER-1")
    del order["pickup_code"]
    order.update(
        pickup_phone="0989999999",
        pickup_address="45 Nguyễn Chí Thanh",
        pickup_province="Hà Nội",
        pickup_district="Ba Đình",
        pickup_commune="Phường Ngọc Khánh",
    )
    result = ops.SuperShipCreateOrdersOperator(task_id="create", orders=order).execute(context())
    assert result["results"][0]["id"].startswith("HNIS983262")


# ----------------------------------------------------------------------------- other operators
def test_tracking_cancel_labels_and_quotes_end_to_end(
    fast_operators: None, backend: SuperShipBackend, tmp_path: Any, context: Any
) -> None:
    created = ops.SuperShipCreateOrdersOperator(
        task_id="create", orders=[sample_order("E2E-DELIVER-1", cod=300000), sample_order("E2E-2", 1)]
    ).execute(context())
    codes = [r["id"] for r in created["results"]]

    quotes = ops.SuperShipFeeQuoteOperator(
        task_id="quote",
        quotes={
            "sender_province": "Hồ Chí Minh",
            "sender_district": "Tân Bình",
            "receiver_province": "Hà Nội",
            "receiver_district": "Hai Bà Trưng",
            "weight": 500,
            "value": 450000,
        },
        method="POST",
    ).execute(context())
    assert quotes["results"][0]["data"]["fee"] == 30000

    cancel = ops.SuperShipCancelOrdersOperator(task_id="cancel", codes=codes[1])
    assert cancel.execute(context())["counts"] == {"updated": 1}
    assert cancel.execute(context())["counts"] == {"ok": 1}

    label = ops.SuperShipLabelOperator(task_id="label", codes=created, size="K80").execute(context())
    assert label["count"] == 2
    page = httpx.get(label["url"])
    assert page.status_code == 200
    assert all(code in page.text for code in codes)

    backend.clock.advance(SECONDS_TO_DELIVERED)
    tracked = ops.SuperShipGetTrackingOperator(
        task_id="track", codes=created, output_path=str(tmp_path)
    ).execute(context())
    by_id = {r["id"]: r for r in tracked["results"]}
    delivered = by_id[codes[0]]
    assert delivered["status"] == "12"
    assert delivered["data"]["amount"] == 300000
    assert delivered["data"]["collected"] == 300000
    assert delivered["data"]["fee"] > 0
    assert delivered["data"]["last_event"]["status"] == "Đã Giao Hàng Toàn Bộ"
    assert by_id[codes[1]]["status"] == "0"
    document = json.loads((tmp_path / tracked["file"].rsplit("/", 1)[-1]).read_text())
    assert len(document["orders"][codes[0]]["journeys"]) == 9
    by_soc = ops.SuperShipGetTrackingOperator(task_id="track", codes="E2E-2", lookup_by="soc").execute(
        context()
    )
    assert by_soc["results"][0]["id"] == codes[1]


# ----------------------------------------------------------------------------- sensor
def create_orders(*socs: str, context: Any) -> dict[str, Any]:
    orders = [sample_order(soc, i) for i, soc in enumerate(socs)]
    return ops.SuperShipCreateOrdersOperator(task_id="create", orders=orders).execute(context())


def sensor(**kwargs: Any) -> SuperShipOrderStatusSensor:
    return SuperShipOrderStatusSensor(task_id="wait", poke_interval=0.01, timeout=30, **kwargs)


def test_sensor_poke_mode_waits_for_delivery(
    fast_operators: None, backend: SuperShipBackend, context: Any
) -> None:
    created = create_orders("WAIT-DELIVER-1", "WAIT-DELIVER-2", context=context)
    wait = sensor(order_ids=created, deferrable=False)
    assert not wait.poke(context()).is_done
    backend.clock.advance(SECONDS_TO_DELIVERED)
    result = wait.execute(context())
    assert set(result.values()) == {"12"}
    assert set(result) == {r["id"] for r in created["results"]}


def test_sensor_fails_at_once_naming_each_failed_order(
    fast_operators: None, backend: SuperShipBackend, context: Any
) -> None:
    created = create_orders("WAIT-DELIVER-3", "WAIT-FAIL-4", "WAIT-PICKUPFAIL-5", context=context)
    backend.clock.advance(SECONDS_TO_FINAL)
    with pytest.raises(AirflowFailException) as info:
        sensor(order_ids=created, deferrable=False).execute(context())
    message = str(info.value)
    failed = {r["key"]: r["id"] for r in created["results"]}
    assert f"{failed['WAIT-FAIL-4']} (status 21 Đã Trả Hàng (returned))" in message
    assert f"{failed['WAIT-PICKUPFAIL-5']} (status 6 Không Lấy Được (pickup failed))" in message
    assert failed["WAIT-DELIVER-3"] not in message


def test_sensor_by_soc_with_custom_statuses(
    fast_operators: None, backend: SuperShipBackend, context: Any
) -> None:
    create_orders("WAIT-SOC-1", context=context)
    picked_up = sensor(
        order_ids=["WAIT-SOC-1"], lookup_by="soc", success_statuses=["4", "8"], deferrable=False
    )
    backend.clock.advance(400)
    assert picked_up.execute(context()) == {"WAIT-SOC-1": "4"}


def test_sensor_deferrable_mode_runs_in_the_trigger(
    fast_operators: None, backend: SuperShipBackend, context: Any
) -> None:
    from airflow.sdk.serde import deserialize, serialize

    created = create_orders("DEFER-DELIVER-1", "DEFER-DELIVER-2", context=context)
    wait = sensor(order_ids=created, deferrable=True)
    with pytest.raises(TaskDeferred) as deferred:
        wait.execute(context())
    trigger = deferred.value.trigger
    assert isinstance(trigger, StatusTrigger)
    classpath, kwargs = trigger.serialize()
    assert kwargs["hook_class_path"] == "airflow_provider.supership.hooks.SuperShipHook"
    assert kwargs["method_kwargs"] == {"lookup_by": "code"}
    assert kwargs["known"] == {r["id"]: "2" for r in created["results"]}
    assert "ZT2PS0pm" not in json.dumps(kwargs)
    restored = StatusTrigger(**deserialize(serialize(kwargs)))
    assert restored.serialize() == (classpath, kwargs)

    async def run() -> dict[str, Any]:
        async def deliver_later() -> None:
            await asyncio.sleep(0.05)
            backend.clock.advance(SECONDS_TO_DELIVERED)

        mover = asyncio.create_task(deliver_later())
        try:
            async for event in restored.run():
                return event.payload
        finally:
            await restored.cleanup()
            await mover
        raise AssertionError("no event")

    event = asyncio.run(run())
    assert event["status"] == "success"
    assert wait.execute_complete(context(), event) == {r["id"]: "12" for r in created["results"]}
    assert backend.requests["/v1/partner/orders/info"] >= 4


def test_sensor_deferrable_failure_event_names_the_order(
    fast_operators: None, backend: SuperShipBackend, context: Any
) -> None:
    created = create_orders("DEFER-FAIL-1", context=context)
    wait = sensor(order_ids=created, deferrable=True)
    with pytest.raises(TaskDeferred) as deferred:
        wait.execute(context())
    backend.clock.advance(SECONDS_TO_DELIVERED)

    async def run() -> dict[str, Any]:
        trigger = deferred.value.trigger
        try:
            async for event in trigger.run():
                return event.payload
        finally:
            await trigger.cleanup()
        raise AssertionError("no event")

    event = asyncio.run(run())
    assert event["status"] == "failure"
    with pytest.raises(AirflowFailException, match=r"\(status 15 Không Giao Được \(undeliverable\)\)"):
        wait.execute_complete(context(), event)


def test_a_lost_cancel_answer_ends_as_cancelled(
    fast_operators: None, backend: SuperShipBackend, context: Any
) -> None:
    code = create_orders("CANCEL-LOST-1", context=context)["results"][0]["id"]
    backend.faults.script("lose_answer", 1, path_contains="/orders/cancel")
    result = ops.SuperShipCancelOrdersOperator(task_id="cancel", codes=code).execute(context())
    assert result["counts"] == {"ok": 1}
    assert result["results"][0]["data"]["already_cancelled"] is True
    assert backend.requests["/v1/partner/orders/cancel"] == 2
    assert backend.status_of(backend.orders()[0]) == "0"
