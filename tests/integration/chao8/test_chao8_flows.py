"""Chao8Hook, operators and sensor against the 超8 sandbox on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException, TaskDeferred

from airflow_provider.chao8 import constants as c
from airflow_provider.chao8.hooks import Chao8Hook
from airflow_provider.chao8.operators import (
    Chao8CompleteLogisticsOrdersOperator,
    Chao8CreateLogisticsOrdersOperator,
    Chao8CreateProductionOrdersOperator,
    Chao8SyncDealersOperator,
    Chao8SyncProductsOperator,
)
from airflow_provider.chao8.sensors import Chao8LogisticsOrderSensor
from airflow_provider.common.errors import ConfigurationError
from airflow_provider.common.triggers import StatusTrigger
from airflow_provider.sandbox.chao8 import (
    LOGISTICS_CREATED_SECONDS,
    LOGISTICS_SCANNING_SECONDS,
    SANDBOX_ACCESS_KEY,
    SANDBOX_DEALER_CODES,
    SANDBOX_PRODUCT_CODES,
    SANDBOX_SECRET,
    SANDBOX_WAREHOUSE_CODE,
    Chao8Backend,
    create_app,
)
from airflow_provider.sandbox.kit import SandboxClock

pytestmark = pytest.mark.integration


@dataclass
class Sandbox:
    backend: Chao8Backend
    url: str
    conn_id: str

    def hook(self) -> Chao8Hook:
        return Chao8Hook(self.conn_id)

    def orders(self) -> dict[str, Any]:
        return self.backend.store.table("logistics_orders")


@pytest.fixture
def sandbox(serve_app: Callable[[Any], str], make_conn: Callable[..., str]) -> Sandbox:
    backend = Chao8Backend(clock=SandboxClock(speed=1.0), token_rate_window=1.0)
    backend.faults.retry_after = 0.05
    url = serve_app(create_app(backend))
    conn_id = make_conn(
        "chao8_default",
        "chao8",
        host=url,
        login=SANDBOX_ACCESS_KEY,
        password=SANDBOX_SECRET,
        extra={"max_attempts": 5, "retry_max_seconds": 20},
    )
    return Sandbox(backend, url, conn_id)


TaskContext = Callable[..., dict[str, Any]]


def order(order_no: str, quantity: int = 4, product: int = 0) -> dict[str, Any]:
    return {
        "orderNo": order_no,
        "orderType": c.ORDER_TYPE_OUTBOUND,
        "sourceOrgCode": SANDBOX_WAREHOUSE_CODE,
        "targetOrgCode": SANDBOX_DEALER_CODES[0],
        "products": [{"productCode": SANDBOX_PRODUCT_CODES[product], "quantity": quantity}],
    }


# ------------------------------------------------------------------------------ tokens
def test_one_token_call_for_many_requests(sandbox: Sandbox) -> None:
    hook = sandbox.hook()
    hook.create_logistics_order(order("T-1"))
    for _ in range(10):
        hook.get_logistics_order("T-1")
    assert len(hook.list_products(page_size=2)) == len(SANDBOX_PRODUCT_CODES)
    second = sandbox.hook()  # another hook on the same account shares the token
    assert second.query_dealers(list(SANDBOX_DEALER_CODES[:2]))[0].code == SANDBOX_DEALER_CODES[0]
    assert sandbox.backend.token_calls == 1
    assert sandbox.backend.token_errors == {}


def test_token_expiring_mid_run_is_refreshed_once(sandbox: Sandbox) -> None:
    hook = sandbox.hook()
    hook.create_logistics_order(order("E-1"))
    sandbox.backend.clock.advance(5)  # past the 1 s token-call window of this sandbox
    sandbox.backend.expire_tokens()
    for _ in range(3):
        assert hook.get_logistics_order("E-1").order_no == "E-1"
    assert sandbox.backend.token_calls == 2
    business = sum(n for path, n in sandbox.backend.requests.items() if path != c.TOKEN_PATH)
    assert business == 1 + 1 + 3  # the refused call was sent twice, nothing else


def test_short_ttl_and_meta_401_gateway(
    serve_app: Callable[[Any], str], make_conn: Callable[..., str]
) -> None:
    backend = Chao8Backend(token_ttl=120, token_rate_window=1.0, auth_error_style="meta")
    url = serve_app(create_app(backend))
    make_conn("chao8_meta", "chao8", host=url, login=SANDBOX_ACCESS_KEY, password=SANDBOX_SECRET)
    hook = Chao8Hook("chao8_meta")
    hook.get_products_page()
    backend.clock.advance(121)  # the token expired on the platform; our refresh point is real time
    assert hook.get_products_page().total == len(SANDBOX_PRODUCT_CODES)
    assert backend.token_calls == 2


def test_rate_limited_token_call_waits_and_succeeds(sandbox: Sandbox) -> None:
    hook = sandbox.hook()
    hook.get_products_page()
    sandbox.backend.expire_tokens()  # refused at once, within the token-call window
    assert hook.get_products_page().total == len(SANDBOX_PRODUCT_CODES)
    assert sandbox.backend.token_calls == 2
    assert sandbox.backend.token_errors[c.TOKEN_RATE_LIMITED] >= 1


def test_wrong_secret_is_a_configuration_error(sandbox: Sandbox, make_conn: Callable[..., str]) -> None:
    make_conn("chao8_wrong", "chao8", host=sandbox.url, login=SANDBOX_ACCESS_KEY, password="not-the-secret")
    with pytest.raises(ConfigurationError) as caught:
        Chao8Hook("chao8_wrong").get_products_page()
    assert caught.value.code == c.WRONG_KEY_OR_SECRET
    assert "应用账号或密钥不正确" in str(caught.value)
    assert sandbox.backend.requests[c.TOKEN_PATH] == 1
    ok, message = Chao8Hook("chao8_wrong").test_connection()
    assert not ok
    assert "21184031" in message


def test_test_connection_button(sandbox: Sandbox) -> None:
    ok, message = sandbox.hook().test_connection()
    assert ok, message
    assert sandbox.url in message


# ------------------------------------------------------------------------------ faults
def test_rate_limit_and_server_error_bursts_are_ridden_out(sandbox: Sandbox) -> None:
    hook = sandbox.hook()
    hook.create_logistics_order(order("F-1"))
    sandbox.backend.faults.script("rate_limit", 3)
    assert hook.get_logistics_order("F-1").status == 0
    sandbox.backend.faults.script("error", 2)
    assert hook.get_logistics_order("F-1").order_no == "F-1"
    sandbox.backend.faults.script("rate_limit", 2, path_contains="/logistics-orders")
    hook.create_logistics_order(order("F-2"))  # a 429 is retried even for a create
    assert set(sandbox.orders()) == {"F-1", "F-2"}


def test_lost_create_answer_creates_no_duplicate(sandbox: Sandbox, task_context: TaskContext) -> None:
    sandbox.backend.faults.script("lose_answer", 1, path_contains="/cncop/trace/v1/logistics-orders")
    ctx = task_context()
    result = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=[order("L-1")]).execute(ctx)
    assert result["counts"] == {"created": 1}
    assert result["results"][0]["id"] == sandbox.orders()["L-1"]["id"]
    assert sandbox.backend.requests["/cncop/trace/v1/logistics-orders"] == 1  # never sent twice
    again = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=[order("L-1")]).execute(
        task_context()
    )
    assert again["counts"] == {"existed": 1}
    assert list(sandbox.orders()) == ["L-1"]


CREATE_PATH = "/cncop/trace/v1/logistics-orders"


def test_a_retried_attempt_creates_only_what_the_first_did_not(
    sandbox: Sandbox, task_context: TaskContext
) -> None:
    orders = [order(f"R-{i}") for i in range(5)]
    first = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=orders[:3]).execute(task_context())
    assert first["counts"] == {"created": 3}  # attempt 1 died after three orders

    report = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=orders).execute(
        task_context(try_number=2)
    )

    assert report["counts"] == {"existed": 3, "created": 2}
    assert [r["outcome"] for r in report["results"]] == ["existed"] * 3 + ["created"] * 2
    assert sandbox.backend.requests[CREATE_PATH] == 3 + 2  # the retry sent no create for R-0..R-2
    assert all(sandbox.backend.requests[f"{CREATE_PATH}/R-{i}"] == 1 for i in range(5))  # looked up first
    assert sorted(sandbox.orders()) == [o["orderNo"] for o in orders]


def test_the_refused_reused_order_no_counts_existed_after_a_read_back(
    sandbox: Sandbox, task_context: TaskContext
) -> None:
    # 超8 refuses a reused orderNo: without the look-up first, the duplicate answer is read back
    orders = [order("U-0"), order("U-1")]
    Chao8CreateLogisticsOrdersOperator(task_id="create", orders=orders).execute(task_context())
    report = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=orders, lookup_first=False).execute(
        task_context(try_number=2)
    )
    assert report["counts"] == {"existed": 2}
    assert [r["id"] for r in report["results"]] == [sandbox.orders()[o["orderNo"]]["id"] for o in orders]
    assert sandbox.backend.requests[CREATE_PATH] == 4  # sent again and refused as duplicates
    assert sandbox.backend.requests[f"{CREATE_PATH}/U-0"] == 1  # read back once each
    assert sorted(sandbox.orders()) == ["U-0", "U-1"]


def test_bad_input_sends_nothing(sandbox: Sandbox, task_context: TaskContext) -> None:
    bad = {**order("B-1"), "products": [{"productCode": "P", "quantity": -2}]}
    with pytest.raises(AirflowFailException, match=r"order B-1: products\.0\.quantity"):
        Chao8CreateLogisticsOrdersOperator(task_id="create", orders=[order("B-0"), bad]).execute(
            task_context()
        )
    with pytest.raises(AirflowFailException, match="order PO-X: productionDate"):
        Chao8CreateProductionOrdersOperator(
            task_id="po",
            orders={
                "orderNo": "PO-X",
                "productCode": "P",
                "quantity": 1,
                "batchNo": "B",
                "productionDate": "soon",
            },
        ).execute(task_context())
    assert not sandbox.backend.requests


# ------------------------------------------------------------------------------ operators end to end
def test_logistics_flow_create_complete_and_report(sandbox: Sandbox, task_context: TaskContext) -> None:
    orders = [order(f"O-{i}", quantity=i + 1, product=i % 3) for i in range(6)]
    created = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=orders, max_concurrency=3).execute(
        task_context()
    )
    assert created["counts"] == {"created": 6}
    assert [r["key"] for r in created["results"]] == [o["orderNo"] for o in orders]
    assert all(r["status"] == "0" and r["id"] for r in created["results"])

    ctx = task_context()
    changed = {**order("O-0"), "targetOrgCode": SANDBOX_DEALER_CODES[1]}
    with pytest.raises(AirflowException, match="1 of 2 failed: O-0"):
        Chao8CreateLogisticsOrdersOperator(task_id="create", orders=[changed, order("O-1", 2, 1)]).execute(
            ctx
        )
    pushed = ctx["ti"].xcom["return_value"]
    assert [r["outcome"] for r in pushed["results"]] == ["failed", "existed"]
    assert pushed["results"][0]["error"]["kind"] == "conflict"

    done = Chao8CompleteLogisticsOrdersOperator(task_id="complete", order_nos=["O-0", "O-1"]).execute(
        task_context()
    )
    assert done["counts"] == {"ok": 2}
    again = Chao8CompleteLogisticsOrdersOperator(task_id="complete", order_nos="O-0").execute(task_context())
    assert again["results"][0]["data"] == {"already_completed": True}
    assert len(sandbox.orders()) == 6
    assert sandbox.backend.token_calls == 1


def test_complete_cancelled_order_fails(sandbox: Sandbox, task_context: TaskContext) -> None:
    Chao8CreateLogisticsOrdersOperator(task_id="create", orders=order("X-CANCEL")).execute(task_context())
    sandbox.backend.clock.advance(LOGISTICS_CREATED_SECONDS)
    with pytest.raises(AirflowException, match=r"X-CANCEL.*cancelled"):
        Chao8CompleteLogisticsOrdersOperator(task_id="complete", order_nos="X-CANCEL").execute(task_context())


def test_production_orders(sandbox: Sandbox, task_context: TaskContext) -> None:
    orders = [
        {
            "orderNo": f"PO-{i}",
            "productCode": SANDBOX_PRODUCT_CODES[i],
            "quantity": 500,
            "batchNo": f"B2024-{i}",
            "productionDate": "2024-05-01",
        }
        for i in range(3)
    ]
    result = Chao8CreateProductionOrdersOperator(task_id="po", orders=orders).execute(task_context())
    assert result["counts"] == {"created": 3}
    rerun = Chao8CreateProductionOrdersOperator(task_id="po", orders=orders[:1]).execute(task_context())
    assert rerun["counts"] == {"existed": 1}
    hook = sandbox.hook()
    assert hook.get_production_order("PO-1").batch_no == "B2024-1"
    # created concurrently: the platform lists them by creation time
    assert sorted(o.order_no for o in hook.list_production_orders(page_size=2)) == ["PO-0", "PO-1", "PO-2"]
    assert len(sandbox.backend.store.table("production_orders")) == 3


def test_sync_products_and_dealers(sandbox: Sandbox, tmp_path: Path, task_context: TaskContext) -> None:
    catalogue = tmp_path / "catalogue.csv"
    rows = ["productCode,productName,spec,barcode", f"{SANDBOX_PRODUCT_CODES[0]},改名,,"]
    rows += [f"NEW-{i},新品 {i},500ml,69000000{i:05d}" for i in range(7)]
    catalogue.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = Chao8SyncProductsOperator(task_id="products", path=str(catalogue), chunk_size=3).execute(
        task_context()
    )
    assert result["counts"] == {"created": 7, "updated": 1, "failed": 0}
    assert len(result["results"]) == 8
    assert sandbox.backend.store.get("products", SANDBOX_PRODUCT_CODES[0])["productName"].startswith("改名")
    assert sandbox.backend.requests["/cncop/basic/v3/products/batch"] == 3
    again = Chao8SyncProductsOperator(
        task_id="products", products=[{"productCode": "NEW-1", "productName": "again"}]
    ).execute(task_context())
    assert again["counts"] == {"created": 0, "updated": 1, "failed": 0}

    dealers = [{"code": SANDBOX_DEALER_CODES[0], "name": "改名", "region": "110000"}]
    dealers += [{"code": "DL-NEW", "name": "南京新经销商", "region": "320100", "contact": "赵"}]
    synced = Chao8SyncDealersOperator(task_id="dealers", dealers=dealers).execute(task_context())
    assert synced["counts"] == {"created": 1, "updated": 1, "failed": 0}
    assert sandbox.hook().query_dealers(["DL-NEW"])[0].contact == "赵"


def test_hook_paged_and_detail_calls(sandbox: Sandbox) -> None:
    hook = sandbox.hook()
    for i in range(5):
        hook.create_logistics_order(order(f"P-{i}", quantity=3))
    sandbox.backend.clock.advance(LOGISTICS_CREATED_SECONDS + LOGISTICS_SCANNING_SECONDS)
    assert [o.order_no for o in hook.list_outbound_orders(page_size=2)] == [f"P-{i}" for i in range(5)]
    scans = hook.list_logistics_order_scans("P-0", page_size=2)
    assert len(scans) == 3
    assert all(s.scanned_at is not None and s.operator for s in scans)
    hook.create_logistics_order(order("P-UPD"))
    updated = hook.update_logistics_order("P-UPD", {"remark": "加急"})
    assert updated is not None
    assert updated.remark == "加急"
    hook.delete_logistics_order("P-UPD")
    assert "P-UPD" not in sandbox.orders()
    assert len(hook.list_outbound_orders(status=2)) == 5


# ------------------------------------------------------------------------------ sensor
def test_sensor_poke_mode_until_completed(sandbox: Sandbox, task_context: TaskContext) -> None:
    Chao8CreateLogisticsOrdersOperator(task_id="create", orders=[order("S-1"), order("S-2")]).execute(
        task_context()
    )
    sandbox.backend.clock.set_speed(2000)  # 12 minutes of lifecycle in well under a second
    sensor = Chao8LogisticsOrderSensor(
        task_id="wait", order_nos=["S-1", "S-2"], poke_interval=0.1, timeout=20
    )
    assert sensor.execute(task_context()) == {"S-1": "2", "S-2": "2"}


def test_sensor_min_scanned_and_cancel(sandbox: Sandbox, task_context: TaskContext) -> None:
    Chao8CreateLogisticsOrdersOperator(
        task_id="create", orders=[order("M-1", quantity=100), order("M-CANCEL", quantity=1)]
    ).execute(task_context())
    sensor = Chao8LogisticsOrderSensor(task_id="wait", order_nos="M-1", min_scanned=10, poke_interval=0.1)
    assert not sensor.poke(task_context()).is_done
    sandbox.backend.clock.advance(LOGISTICS_CREATED_SECONDS + LOGISTICS_SCANNING_SECONDS * 0.2)
    done = sensor.poke(task_context())
    assert done.is_done
    assert done.xcom_value == {"M-1": c.SCANNED}
    cancelled = Chao8LogisticsOrderSensor(task_id="wait2", order_nos=["M-1", "M-CANCEL"], poke_interval=0.1)
    with pytest.raises(AirflowFailException, match="M-CANCEL \\(status 3\\)"):
        cancelled.execute(task_context())


def test_sensor_deferrable_mode(sandbox: Sandbox, task_context: TaskContext) -> None:
    from airflow.sdk.serde import deserialize, serialize

    Chao8CreateLogisticsOrdersOperator(task_id="create", orders=[order("D-1", quantity=50)]).execute(
        task_context()
    )
    sensor = Chao8LogisticsOrderSensor(
        task_id="wait", order_nos=["D-1"], min_scanned=5, deferrable=True, poke_interval=0.05, timeout=60
    )
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(task_context())
    trigger = deferred.value.trigger
    assert isinstance(trigger, StatusTrigger)
    assert deferred.value.method_name == "execute_complete"
    classpath, kwargs = trigger.serialize()
    assert kwargs["method_kwargs"] == {"min_scanned": 5}
    assert SANDBOX_SECRET not in repr(kwargs)
    assert "token" not in repr(kwargs).lower()
    restored = deserialize(serialize(kwargs))
    assert restored == kwargs
    rebuilt = StatusTrigger(**restored)
    assert rebuilt.serialize() == (classpath, kwargs)

    sandbox.backend.clock.set_speed(600)

    async def first_event() -> Any:
        try:
            async for event in rebuilt.run():
                return event
        finally:
            await rebuilt.cleanup()

    event = asyncio.run(asyncio.wait_for(first_event(), timeout=20))
    assert event.payload["status"] == "success"
    assert sensor.execute_complete(task_context(), event.payload) == {"D-1": c.SCANNED}


def test_deferrable_sensor_reports_cancellation(sandbox: Sandbox, task_context: TaskContext) -> None:
    Chao8CreateLogisticsOrdersOperator(task_id="create", orders=[order("D-CANCEL")]).execute(task_context())
    sensor = Chao8LogisticsOrderSensor(
        task_id="wait", order_nos="D-CANCEL", deferrable=True, poke_interval=0.05
    )
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(task_context())
    sandbox.backend.clock.advance(LOGISTICS_CREATED_SECONDS)
    trigger = deferred.value.trigger

    async def first_event() -> Any:
        async for event in trigger.run():
            return event

    event = asyncio.run(asyncio.wait_for(first_event(), timeout=20))
    assert event.payload["status"] == "failure"
    with pytest.raises(AirflowFailException, match="D-CANCEL"):
        sensor.execute_complete(task_context(), event.payload)
