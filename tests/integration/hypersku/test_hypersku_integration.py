"""HyperSKU against its sandbox on loopback: tokens, faults, idempotent creates, operators, sensor."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from airflow.sdk.exceptions import AirflowFailException, TaskDeferred

from airflow_provider.common.auth import MemoryTokenStore, Token, TokenManager
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.common.triggers import StatusTrigger
from airflow_provider.hypersku import oauth
from airflow_provider.hypersku.hooks import HyperSkuHook
from airflow_provider.hypersku.operators import (
    HyperSkuCreateOrdersOperator,
    HyperSkuGetTrackingOperator,
    HyperSkuListProductsOperator,
)
from airflow_provider.hypersku.sensors import HyperSkuOrderStatusSensor
from airflow_provider.sandbox.hypersku import (
    LIFECYCLE_SECONDS,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_EXAMPLE_ORDER,
    SANDBOX_PASSWORD,
    SANDBOX_REDIRECT_URI,
    SANDBOX_STORE_CODE,
    SANDBOX_USERNAME,
    HyperSkuBackend,
    create_app,
)

pytestmark = pytest.mark.integration

CREATE = "/api/customer/admin/orders/create"
LOOKUP = "/api/customer/admin/orders/getOrdersByExternalOrderId"
FAST = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05)


@pytest.fixture
def backend() -> HyperSkuBackend:
    sandbox = HyperSkuBackend(failure_share=0)
    sandbox.faults.retry_after = 0.05
    return sandbox


@pytest.fixture
def url(backend: HyperSkuBackend, serve_app: Callable[[Any], str]) -> str:
    return serve_app(create_app(backend))


@pytest.fixture
def conn_id(url: str, make_conn: Callable[..., str]) -> str:
    return make_conn(
        "hypersku_default",
        "hypersku",
        host=url,
        login=SANDBOX_USERNAME,
        password=SANDBOX_PASSWORD,
        extra={"store_code": SANDBOX_STORE_CODE, "max_concurrency": 4},
    )


def orders(*thirds: str) -> list[dict[str, Any]]:
    return [{**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": third} for third in thirds]


def test_one_token_call_for_many_requests(backend: HyperSkuBackend, conn_id: str, task_context: Any) -> None:
    result = HyperSkuCreateOrdersOperator(task_id="c", orders=orders(*(f"R-{i}" for i in range(12)))).execute(
        task_context()
    )
    assert result["counts"] == {"created": 12}
    hook = HyperSkuHook()
    assert len(hook.fetch_statuses(result["order_ids"])) == 12
    assert len(hook.list_products(limit=2)) == 5
    assert backend.token_calls == 1
    assert backend.requests["/api/auth/admin/token"] == 1


def test_expired_token_mid_run_is_refreshed_once(
    backend: HyperSkuBackend, conn_id: str, monkeypatch: pytest.MonkeyPatch, task_context: Any
) -> None:
    primed = HyperSkuCreateOrdersOperator.prime_token

    def prime_then_expire(operator: HyperSkuCreateOrdersOperator, hook: HyperSkuHook) -> None:
        primed(operator, hook)
        backend.expire_tokens()  # every create of the batch now meets 40101 at once

    monkeypatch.setattr(HyperSkuCreateOrdersOperator, "prime_token", prime_then_expire)
    result = HyperSkuCreateOrdersOperator(task_id="c", orders=orders(*(f"E-{i}" for i in range(8)))).execute(
        task_context()
    )
    assert result["counts"] == {"created": 8}
    assert backend.token_calls == 2  # concurrent refusals share one refresh
    assert len(backend.store.table("orders")) == 8
    hook = HyperSkuHook()
    backend.expire_tokens()
    assert len(hook.get_country_codes()) == 20
    assert backend.token_calls == 3


def test_rate_limit_burst_is_ridden_out(backend: HyperSkuBackend, conn_id: str, task_context: Any) -> None:
    backend.faults.script("rate_limit", 3, path_contains="/orders/create")
    result = HyperSkuCreateOrdersOperator(task_id="c", orders=orders("B-1", "B-2")).execute(task_context())
    assert result["counts"] == {"created": 2}
    assert len(backend.store.table("orders")) == 2
    assert backend.requests[CREATE] == 5  # 3 refused with 429, then both accepted


def test_server_errors_on_reads_are_retried(backend: HyperSkuBackend, conn_id: str) -> None:
    backend.faults.script("error", 2, path_contains="getProductInfo")
    backend.faults.script("drop", 1, path_contains="getProductInfo")
    hook = HyperSkuHook(retry_policy=FAST)
    assert len(hook.list_products()) == 5
    assert backend.requests["/api/customer/admin/product/getProductInfo"] == 4


def test_lost_create_answer_makes_no_duplicate(
    backend: HyperSkuBackend, conn_id: str, task_context: Any
) -> None:
    backend.set_duplicate_ids("refuse")  # the re-run below (try 1) is told apart by the refusal
    backend.faults.script("lose_answer", 1, path_contains=CREATE)
    result = HyperSkuCreateOrdersOperator(task_id="c", orders=orders("LOST-1", "LOST-2")).execute(
        task_context()
    )
    assert result["counts"] == {"created": 2}
    assert len(backend.store.table("orders")) == 2
    assert backend.requests[CREATE] == 2  # the lost one was found by thirdOrderId, not sent again
    # one look-up before each create (the default), and one more for the lost answer
    assert backend.requests["/api/customer/admin/orders/getOrdersByExternalOrderId"] == 3
    lost = backend.order_by_third("LOST-1") or backend.order_by_third("LOST-2")
    assert lost is not None
    assert lost["orderId"] in result["order_ids"]
    rerun = HyperSkuCreateOrdersOperator(task_id="c", orders=orders("LOST-1", "LOST-2")).execute(
        task_context()
    )
    assert rerun["counts"] == {"existed": 2}
    assert len(backend.store.table("orders")) == 2


def test_a_retried_attempt_reports_existing_orders_and_creates_only_the_rest(
    backend: HyperSkuBackend, conn_id: str, task_context: Any
) -> None:
    """Attempt 2 looks every order up first: the three attempt 1 made are ``existed``, not sent."""
    first = HyperSkuCreateOrdersOperator(task_id="c", orders=orders("RT-1", "RT-2", "RT-3")).execute(
        task_context()
    )
    batch = orders("RT-1", "RT-2", "RT-3", "RT-4", "RT-5")
    second = HyperSkuCreateOrdersOperator(task_id="c", orders=batch).execute(task_context(try_number=2))
    assert second["counts"] == {"existed": 3, "created": 2}
    assert second["order_ids"][:3] == first["order_ids"]
    assert backend.requests[CREATE] == 5  # the found ones were never sent again
    assert backend.requests[LOOKUP] == 8  # every order looked up before its create, in both attempts
    assert len(backend.store.table("orders")) == 5


def test_the_sandbox_duplicate_answer_counts_existed_after_a_read_back(
    backend: HyperSkuBackend, conn_id: str, task_context: Any
) -> None:
    """A sandbox set to refuse a reused thirdOrderId: without a look-up first, the refusal is read back."""
    backend.set_duplicate_ids("refuse")
    HyperSkuCreateOrdersOperator(task_id="c", orders=orders("DUP-1")).execute(task_context())
    again = HyperSkuCreateOrdersOperator(
        task_id="c", orders=orders("DUP-1", "DUP-2"), lookup_first=False
    ).execute(task_context(try_number=2))
    assert again["counts"] == {"existed": 1, "created": 1}
    assert backend.requests[CREATE] == 3  # DUP-1 was sent again and refused
    assert backend.requests[LOOKUP] == 2  # the first run's look-up before create, then the read-back
    assert len(backend.store.table("orders")) == 2


def test_dropped_create_is_sent_again_only_after_lookup(
    backend: HyperSkuBackend, conn_id: str, task_context: Any
) -> None:
    backend.faults.script("drop", 1, path_contains=CREATE)
    result = HyperSkuCreateOrdersOperator(task_id="c", orders=orders("DROP-1")).execute(task_context())
    assert result["counts"] == {"created": 1}
    assert backend.requests[CREATE] == 2
    # the look-up before the create, and the one that found the dropped create absent
    assert backend.requests["/api/customer/admin/orders/getOrdersByExternalOrderId"] == 2
    assert len(backend.store.table("orders")) == 1


def test_bad_input_sends_nothing(backend: HyperSkuBackend, conn_id: str, task_context: Any) -> None:
    bad = orders("OK-1", "BAD-1")
    bad[1]["skuItems"] = [{"skuId": "SKU1001-BLK", "num": 0}]
    with pytest.raises(AirflowFailException, match=r"order BAD-1: skuItems\.0\.num"):
        HyperSkuCreateOrdersOperator(task_id="c", orders=bad).execute(task_context())
    assert not backend.requests
    assert backend.token_calls == 0


def test_create_wait_track_end_to_end(
    backend: HyperSkuBackend, conn_id: str, tmp_path: Path, task_context: Any
) -> None:
    products = HyperSkuListProductsOperator(task_id="p").execute(task_context())
    created = HyperSkuCreateOrdersOperator(
        task_id="c",
        orders=[
            {
                **{k: v for k, v in SANDBOX_EXAMPLE_ORDER.items() if k != "logisticsId"},
                "thirdOrderId": f"E2E-{sku}",
                "skuItems": [{"skuId": sku, "num": 1}],
            }
            for sku in products["sku_ids"][:3]
        ],
        logistics="cheapest",
    ).execute(task_context())
    assert created["counts"] == {"created": 3}
    sensor = HyperSkuOrderStatusSensor(task_id="w", order_ids=created, poke_interval=0.05, timeout=20)
    backend.clock.set_speed(20_000)  # 900 sandbox seconds to shipping pass in ~0.05 s
    statuses = sensor.execute(task_context())
    assert set(statuses) == set(created["order_ids"])
    assert set(statuses.values()) <= {"4", "5"}
    backend.clock.set_speed(1)
    backend.clock.advance(LIFECYCLE_SECONDS)
    tracked = HyperSkuGetTrackingOperator(
        task_id="t", store_order_ids=created, output_path=str(tmp_path)
    ).execute(task_context())
    assert tracked["counts"] == {"ok": 3}
    histories = json.loads(Path(tracked["file"]).read_text())
    assert all(h["tracks"][0]["eventThing"] == "Delivered" for h in histories.values())


def test_deferrable_sensor_through_the_trigger(
    backend: HyperSkuBackend, conn_id: str, task_context: Any
) -> None:
    from airflow.sdk.serde import deserialize, serialize

    created = HyperSkuCreateOrdersOperator(task_id="c", orders=orders("D-1", "D-CANCEL-2")).execute(
        task_context()
    )
    sensor = HyperSkuOrderStatusSensor(
        task_id="w", order_ids=created["order_ids"], deferrable=True, poke_interval=0.05
    )
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(task_context())
    _classpath, kwargs = deferred.value.trigger.serialize()
    trigger = StatusTrigger(**deserialize(serialize(kwargs)))

    async def wait() -> Any:
        events = trigger.run()
        backend.clock.advance(LIFECYCLE_SECONDS)
        try:
            return await asyncio.wait_for(events.__anext__(), 10)
        finally:
            await trigger.cleanup()

    event = asyncio.run(wait())
    assert event.payload["status"] == "failure"
    closed_id = created["order_ids"][1]
    assert event.payload["statuses"][closed_id] == "6"
    with pytest.raises(AirflowFailException, match=closed_id):
        sensor.execute_complete(task_context(), event.payload)


def test_oauth2_authorise_exchange_and_rotate_across_processes(
    backend: HyperSkuBackend, url: str, make_conn: Callable[..., str]
) -> None:
    with httpx.Client(base_url=url) as browser:
        page = browser.get(
            "/application/auth",
            params={
                "clientId": SANDBOX_CLIENT_ID,
                "scope": "oms",
                "redirectUri": SANDBOX_REDIRECT_URI,
                "state": "x",
            },
        )
    code = oauth.code_from(page.headers["location"], "x")
    vo = oauth.exchange_code(code, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, base_url=url)
    assert vo.refresh_token
    make_conn(
        "hypersku_oauth",
        "hypersku",
        host=url,
        extra={
            "auth_mode": "oauth2",
            "client_id": SANDBOX_CLIENT_ID,
            "client_secret": SANDBOX_CLIENT_SECRET,
            "refresh_token": vo.refresh_token,
            "store_code": SANDBOX_STORE_CODE,
        },
    )
    store = MemoryTokenStore()
    first = HyperSkuHook("hypersku_oauth", token_store=store)
    assert first.test_connection()[0]
    rotated = Token.from_json(store.get(first.token_manager.key))
    assert rotated is not None
    assert rotated.extra["refresh_token"] != vo.refresh_token
    for round_ in range(2):  # later processes: token expired, only the store survives
        TokenManager.clear_process_cache()
        backend.expire_tokens()
        later = HyperSkuHook("hypersku_oauth", token_store=store)
        created = later.create_order({**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"OAUTH-{round_}"})
        assert created.order_base_info.store_order_id == f"OAUTH-{round_}"
    assert backend.token_calls == 4  # exchange + three refreshes, each with the newest refresh token


def test_token_shared_through_airflow_variables(
    backend: HyperSkuBackend, conn_id: str, variables_store: None
) -> None:
    from airflow.models import Variable

    HyperSkuHook().get_country_codes()
    TokenManager.clear_process_cache()  # another worker: nothing in memory
    HyperSkuHook().get_country_codes()
    assert backend.token_calls == 1
    key = HyperSkuHook().token_manager.key
    stored = Token.from_json(Variable.get(key))
    assert stored is not None
    assert "token" in key
    assert stored.expires_at is not None


@pytest.mark.parametrize("auth_mode", ["password", "oauth2"])
def test_sandbox_connection_reaches_the_sandbox(
    backend: HyperSkuBackend, url: str, monkeypatch: pytest.MonkeyPatch, auth_mode: str
) -> None:
    from airflow_provider.sandbox.hypersku import sandbox_connection

    monkeypatch.setenv("AIRFLOW_CONN_HYPERSKU_SBX", json.dumps(sandbox_connection(url, auth_mode=auth_mode)))
    ok, message = HyperSkuHook("hypersku_sbx").test_connection()
    assert ok, message
    found = HyperSkuHook("hypersku_sbx").find_order("none-yet")
    assert found is None


def test_inventory_history_and_stock_orders_over_http(
    backend: HyperSkuBackend, conn_id: str, tmp_path: Path, task_context: Any
) -> None:
    from datetime import UTC, datetime

    from airflow_provider.hypersku.operators import (
        HyperSkuCancelOrdersOperator,
        HyperSkuGetInventoryHistoryOperator,
        HyperSkuGetStockOrdersOperator,
    )

    created = HyperSkuCreateOrdersOperator(task_id="c", orders=orders("INV-1", "INV-2")).execute(
        task_context()
    )
    HyperSkuCancelOrdersOperator(task_id="x", order_ids=created["order_ids"][1]).execute(task_context())
    history = HyperSkuGetInventoryHistoryOperator(
        task_id="h", order_ids=created, output_path=str(tmp_path)
    ).execute(task_context())
    assert history["counts"] == {"ok": 2}
    nets = [r["data"]["netBySku"] for r in history["results"]]
    assert nets == [{"SKU1001-BLK": -1}, {"SKU1001-BLK": 0}]
    written = json.loads(Path(history["file"]).read_text())
    assert [row["type"] for row in written[created["order_ids"][1]]] == ["LOCK", "RELEASE"]

    april = task_context(
        data_interval_start=datetime(2024, 4, 1, tzinfo=UTC),
        data_interval_end=datetime(2024, 5, 1, tzinfo=UTC),
    )
    stock = HyperSkuGetStockOrdersOperator(task_id="s", output_path=str(tmp_path), page_size=1).execute(april)
    assert (stock["count"], stock["by_status"], stock["quantity"]) == (1, {"2": 1}, 300)
    assert [o["orderId"] for o in json.loads(Path(stock["file"]).read_text())] == ["ST240002"]
    assert backend.token_calls == 1
