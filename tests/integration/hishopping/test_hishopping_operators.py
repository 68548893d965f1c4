"""HiShopping operators and sensors end to end against the sandbox on loopback."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException, TaskDeferred

from airflow_provider.hishopping.credit_operators import TRANSACTION_COLUMNS
from airflow_provider.hishopping.hooks import HiShoppingHook
from airflow_provider.hishopping.operators import (
    HiShoppingCreateOrdersOperator,
    HiShoppingCreditTransactionsOperator,
    HiShoppingGoodsOperator,
    HiShoppingListOrdersOperator,
)
from airflow_provider.hishopping.sensors import HiShoppingCreditSensor, HiShoppingOrderStatusSensor
from airflow_provider.sandbox import hishopping as sb

pytestmark = pytest.mark.integration

CONN = "hishopping_ops"


MakeContext = Callable[..., dict[str, Any]]


@pytest.fixture
def make_context(task_context: MakeContext) -> MakeContext:
    """The shared ``task_context`` fixture's context, with a data interval when given."""

    def factory(
        start: float | None = None, end: float | None = None, *, try_number: int = 1
    ) -> dict[str, Any]:
        if start is None or end is None:
            return task_context(try_number)
        return task_context(
            try_number,
            data_interval_start=datetime.fromtimestamp(start, UTC),
            data_interval_end=datetime.fromtimestamp(end, UTC),
        )

    return factory


def order(
    merchant_order: str, *, goods: int = sb.GOODS_EARBUDS, sku: int = sb.SKU_EARBUDS_WHITE, qty: int = 1
) -> dict[str, Any]:
    return {
        "merchant_order": merchant_order,
        "goods_id": goods,
        "sku_id": sku,
        "quantity": qty,
        "receiver": dict(sb.SANDBOX_RECEIVER),
    }


def create_op(orders: Any, **kwargs: Any) -> HiShoppingCreateOrdersOperator:
    return HiShoppingCreateOrdersOperator(task_id="create", orders=orders, hishopping_conn_id=CONN, **kwargs)


@pytest.fixture(autouse=True)
def conn(sandbox_conn: Callable[..., str]) -> str:
    return sandbox_conn(CONN)


def orders_of(backend: sb.HiShoppingBackend) -> list[str]:
    return sorted(o["merchant_order"] for o in backend.store.values("orders"))


# ----------------------------------------------------------------------------- create
def test_create_orders_end_to_end_and_rerun_creates_nothing(
    backend: sb.HiShoppingBackend, make_context: MakeContext
) -> None:
    batch = [order("M-1"), order("M-2", goods=sb.GOODS_CHARGER, sku=sb.SKU_CHARGER_EU, qty=3), order("M-3")]
    result = create_op(batch).execute(make_context())
    assert result["counts"] == {"created": 3}
    assert [r["key"] for r in result["results"]] == ["M-1", "M-2", "M-3"]
    assert all(r["id"].startswith("HS") and r["status"] == "pending" for r in result["results"])
    charged = sum(Decimal(r["data"]["total_charge"]) for r in result["results"])
    assert backend.balance == sb.STARTING_CREDIT - charged
    assert "receiver" not in json.dumps(result)

    again = create_op(batch).execute(make_context())  # a new run: each create is answered 2002
    assert again["counts"] == {"existed": 3}
    assert backend.requests["/api/v1/open/order/create"] == 6
    assert [r["id"] for r in again["results"]] == [r["id"] for r in result["results"]]
    assert orders_of(backend) == ["M-1", "M-2", "M-3"]
    assert backend.balance == sb.STARTING_CREDIT - charged


def test_a_retried_attempt_finds_what_the_first_made_and_creates_only_the_rest(
    backend: sb.HiShoppingBackend, make_context: MakeContext
) -> None:
    batch = [order(f"M-R{i}") for i in range(5)]
    first = create_op(batch[:3]).execute(make_context())  # attempt 1 "died" after three orders
    assert first["counts"] == {"created": 3}

    retried = create_op(batch).execute(make_context(try_number=2))
    assert retried["counts"] == {"existed": 3, "created": 2}
    assert [r["outcome"] for r in retried["results"]] == ["existed"] * 3 + ["created"] * 2
    assert [r["id"] for r in retried["results"][:3]] == [r["id"] for r in first["results"]]
    assert backend.requests["/api/v1/open/order/create"] == 5  # no create sent for the three found
    assert orders_of(backend) == [f"M-R{i}" for i in range(5)]


def test_same_merchant_order_with_other_contents_is_a_conflict(
    backend: sb.HiShoppingBackend, make_context: MakeContext
) -> None:
    create_op([order("M-1")]).execute(make_context())
    context = make_context()
    with pytest.raises(AirflowException, match="M-1"):
        create_op([order("M-1", qty=5), order("M-2")]).execute(context)
    pushed = context["ti"].xcom["return_value"]
    assert pushed["counts"] == {"failed": 1, "created": 1}
    assert pushed["results"][0]["error"]["kind"] == "conflict"
    assert orders_of(backend) == ["M-1", "M-2"]


def test_lost_create_answer_makes_no_duplicate(
    backend: sb.HiShoppingBackend, make_context: MakeContext
) -> None:
    backend.faults.script("lose_answer", 1, path_contains="/order/create")
    result = create_op([order("M-LOST"), order("M-NEXT")], max_concurrency=1).execute(make_context())
    assert result["counts"] == {"created": 2}
    assert orders_of(backend) == ["M-LOST", "M-NEXT"]
    assert backend.requests["/api/v1/open/order/create"] == 2
    assert [t["type"] for t in backend.transactions].count("charge") == 2


def test_server_error_on_create_is_looked_up_then_sent_again(
    backend: sb.HiShoppingBackend, make_context: MakeContext
) -> None:
    backend.faults.script("error", 1, path_contains="/order/create")
    backend.script_code(5001, 1, path_contains="/order/create")
    result = create_op([order("M-5XX")]).execute(make_context())
    assert result["counts"] == {"created": 1}
    assert orders_of(backend) == ["M-5XX"]
    assert backend.requests["/api/v1/open/order/create"] == 3


def test_bad_input_is_rejected_before_any_request(
    backend: sb.HiShoppingBackend, make_context: MakeContext
) -> None:
    bad_zip = order("M-ZIP")
    del bad_zip["receiver"]["zip"]
    batch = [order("M-OK"), bad_zip, {**order("M-QTY"), "quantity": 0}, {**order(""), "merchant_order": ""}]
    with pytest.raises(AirflowFailException) as err:
        create_op(batch).execute(make_context())
    message = str(err.value)
    assert "order M-ZIP: receiver.zip" in message
    assert "order M-QTY: quantity" in message
    assert "merchant_order" in message
    with pytest.raises(AirflowFailException, match=r"order M-1: used by 2 orders of this batch"):
        create_op([order("M-1"), order("M-1")]).execute(make_context())
    with pytest.raises(AirflowFailException, match="M-X: colour: Extra inputs"):
        create_op([{**order("M-X"), "colour": "red"}]).execute(make_context())
    assert sum(backend.requests.values()) == 0


def test_unknown_sku_fails_in_the_credit_check_before_any_create(
    backend: sb.HiShoppingBackend, make_context: MakeContext
) -> None:
    with pytest.raises(AirflowFailException, match="sku_id 1 is not a SKU"):
        create_op([order("M-1", sku=1)]).execute(make_context())
    assert backend.requests["/api/v1/open/order/create"] == 0


def test_insufficient_credit_fails_with_the_shortfall(
    backend: sb.HiShoppingBackend, make_context: MakeContext
) -> None:
    batch = [order(f"M-{i}", goods=sb.GOODS_RAIN_JACKET, sku=sb.SKU_RAIN_JACKET_S, qty=5) for i in range(5)]
    # 5 x 5 x 24.90 = 622.50 against 500.00
    with pytest.raises(AirflowFailException, match=r"short by 122\.50"):
        create_op(batch).execute(make_context())
    assert backend.requests["/api/v1/open/order/create"] == 0
    assert backend.balance == sb.STARTING_CREDIT


def test_fee_rate_is_part_of_the_estimate(backend: sb.HiShoppingBackend, make_context: MakeContext) -> None:
    batch = [order(f"M-{i}", goods=sb.GOODS_RAIN_JACKET, sku=sb.SKU_RAIN_JACKET_S, qty=4) for i in range(5)]
    # 498.00 of goods fits 500.00; with the 3 % fee it does not
    with pytest.raises(AirflowFailException, match=r"short by 12\.95"):
        create_op(batch, fee_rate=sb.FEE_RATE).execute(make_context())
    assert backend.requests["/api/v1/open/order/create"] == 0


def top_up_after_polls(
    monkeypatch: pytest.MonkeyPatch, backend: sb.HiShoppingBackend, amount: str, *, polls: int = 1
) -> list[dict[str, str]]:
    """Top the credit up right after the ``polls``-th credit poll (no timer): the polls seen."""
    original = HiShoppingHook.afetch_credit_status
    seen: list[dict[str, str]] = []

    async def polled(self: HiShoppingHook, ids: Any, **kwargs: Any) -> dict[str, str]:
        answer = await original(self, ids, **kwargs)
        seen.append(dict(answer))
        if len(seen) == polls:
            backend.top_up(amount)
        return answer

    monkeypatch.setattr(HiShoppingHook, "afetch_credit_status", polled)
    return seen


def test_wait_for_credit_defers_then_places_the_orders_after_a_top_up(
    backend: sb.HiShoppingBackend, make_context: MakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.sdk.serde import deserialize, serialize

    batch = [order("M-W", goods=sb.GOODS_RAIN_JACKET, sku=sb.SKU_RAIN_JACKET_M, qty=21)]  # 522.90
    waiting = dict(wait_for_credit=True, credit_poll_interval=0, credit_wait_timeout=600)
    with pytest.raises(TaskDeferred) as deferred:
        create_op(batch, **waiting).execute(make_context())
    assert backend.requests["/api/v1/open/order/create"] == 0  # no worker sleeps, nothing placed
    assert deferred.value.method_name == "execute_complete"
    assert deferred.value.timeout == timedelta(seconds=600)
    trigger = deferred.value.trigger
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider.common.triggers.StatusTrigger"
    assert deserialize(serialize(kwargs)) == kwargs
    assert kwargs["conn_id"] == CONN
    assert kwargs["status_method"] == "afetch_credit_status"
    assert kwargs["method_kwargs"] == {"amount": "522.90", "api": "open"}
    assert sb.SANDBOX_SECRET_KEY not in json.dumps(kwargs)
    assert sb.SANDBOX_SIGN_KEY not in json.dumps(kwargs)

    polls = top_up_after_polls(monkeypatch, backend, "100", polls=1)
    event = run_trigger(trigger)
    assert polls == [{"credit": "short"}, {"credit": "covered"}]
    assert event["status"] == "success"
    resumed = create_op(batch, **waiting)  # a resumed task is a fresh operator
    result = resumed.execute_complete(make_context(), event)
    assert result["counts"] == {"created": 1}
    assert orders_of(backend) == ["M-W"]


def test_a_credit_wait_that_ends_without_cover_places_nothing(
    backend: sb.HiShoppingBackend, make_context: MakeContext
) -> None:
    batch = [order("M-W", goods=sb.GOODS_RAIN_JACKET, sku=sb.SKU_RAIN_JACKET_M, qty=21)]
    operator = create_op(batch, wait_for_credit=True)
    with pytest.raises(AirflowException, match="waiting for credit failed: balance read refused"):
        operator.execute_complete(make_context(), {"status": "error", "message": "balance read refused"})
    assert sum(backend.requests.values()) == 0
    assert orders_of(backend) == []


def test_batch_stops_at_the_first_2001_and_reports_the_rest_skipped(
    backend: sb.HiShoppingBackend, make_context: MakeContext
) -> None:
    # Each order costs 24.90 x 8 = 199.20 + fee 5.98 = 205.18: two fit into 500.00, the third does not.
    batch = [order(f"M-{i}", goods=sb.GOODS_RAIN_JACKET, sku=sb.SKU_RAIN_JACKET_S, qty=8) for i in range(5)]
    context = make_context()
    with pytest.raises(AirflowException, match="M-2"):
        create_op(batch, check_credit=False, max_concurrency=1).execute(context)
    pushed = context["ti"].xcom["return_value"]
    assert pushed["counts"] == {"created": 2, "failed": 1, "skipped": 2}
    outcomes = {r["key"]: r["outcome"] for r in pushed["results"]}
    assert outcomes == {
        "M-0": "created",
        "M-1": "created",
        "M-2": "failed",
        "M-3": "skipped",
        "M-4": "skipped",
    }
    assert pushed["results"][2]["error"]["code"] == 2001
    assert backend.requests["/api/v1/open/order/create"] == 3
    assert orders_of(backend) == ["M-0", "M-1"]


def test_credit_check_does_not_count_orders_already_paid_for(
    backend: sb.HiShoppingBackend, make_context: MakeContext
) -> None:
    first = [order("M-A", goods=sb.GOODS_RAIN_JACKET, sku=sb.SKU_RAIN_JACKET_S, qty=19)]  # 473.10 + fee
    create_op(first).execute(make_context())
    assert backend.balance < Decimal("20")
    rerun = [*first, order("M-B", goods=sb.GOODS_CHARGER, sku=sb.SKU_CHARGER_US)]  # 6.49
    result = create_op(rerun).execute(make_context())
    assert {r["key"]: r["outcome"] for r in result["results"]} == {"M-A": "existed", "M-B": "created"}


# ----------------------------------------------------------------------------- reads
def test_list_orders_of_the_data_interval_to_xcom_and_file(
    backend: sb.HiShoppingBackend, tmp_path: Path, make_context: MakeContext
) -> None:
    create_op([order("M-OLD")]).execute(make_context())
    backend.clock.advance(3600)
    start = backend.clock.now()
    create_op([order("M-NEW-1"), order("M-NEW-2")]).execute(make_context())
    end = backend.clock.now() + 1
    backend.clock.advance(3600)
    create_op([order("M-LATER")]).execute(make_context())

    for api in ("open", "web"):
        op = HiShoppingListOrdersOperator(task_id="list", hishopping_conn_id=CONN, api=api)
        result = op.execute(make_context(start, end))
        assert result["count"] == 2
        assert sorted(o["merchant_order"] for o in result["orders"]) == ["M-NEW-1", "M-NEW-2"]
        assert result["status_counts"] == {"completed": 2}
        assert set(result["orders"][0]) == {
            "order_no",
            "merchant_order",
            "status",
            "total_charge",
            "tracking_no",
        }

    op = HiShoppingListOrdersOperator(
        task_id="list",
        hishopping_conn_id=CONN,
        start=datetime.fromtimestamp(start, UTC).isoformat(),
        end=int(end),
        output_path=str(tmp_path / "orders"),
    )
    result = op.execute(make_context())
    assert "orders" not in result
    assert "path" not in result  # the file's path only under "file"
    rows = json.loads(Path(result["file"]).read_text())
    assert sorted(r["merchant_order"] for r in rows) == ["M-NEW-1", "M-NEW-2"]
    assert rows[0]["total_charge"] == "13.38"


def test_list_orders_needs_an_interval(backend: sb.HiShoppingBackend, make_context: MakeContext) -> None:
    with pytest.raises(AirflowFailException, match="data interval"):
        HiShoppingListOrdersOperator(task_id="list", hishopping_conn_id=CONN).execute(make_context())
    with pytest.raises(AirflowFailException, match="not before"):
        HiShoppingListOrdersOperator(task_id="list", hishopping_conn_id=CONN, start=20, end=10).execute(
            make_context()
        )
    assert sum(backend.requests.values()) == 0


def test_goods_operator_by_ids_and_by_category(tmp_path: Path, make_context: MakeContext) -> None:
    result = HiShoppingGoodsOperator(
        task_id="goods", hishopping_conn_id=CONN, goods_ids=[sb.GOODS_EARBUDS, str(sb.GOODS_TSHIRT)]
    ).execute(make_context())
    assert result["count"] == 2
    tshirt = result["goods"][1]
    assert tshirt["goods_id"] == sb.GOODS_TSHIRT
    assert {s["sku_id"]: s["price"] for s in tshirt["skus"]} == {
        sb.SKU_TSHIRT_M: "7.50",
        sb.SKU_TSHIRT_L: "7.50",
        sb.SKU_TSHIRT_XL: "7.90",
    }
    by_category = HiShoppingGoodsOperator(
        task_id="goods",
        hishopping_conn_id=CONN,
        category_id=sb.CATEGORY_HOME,
        api="web",
        output_path=str(tmp_path),
    ).execute(make_context())
    assert sorted(by_category["goods_ids"]) == [sb.GOODS_BOTTLE, sb.GOODS_UTENSILS]
    saved = json.loads(Path(by_category["file"]).read_text())
    assert all(item["skus"] for item in saved)
    with pytest.raises(AirflowFailException, match="not found: 42"):
        HiShoppingGoodsOperator(task_id="goods", hishopping_conn_id=CONN, goods_ids="42").execute(
            make_context()
        )


def test_credit_transactions_csv(
    backend: sb.HiShoppingBackend, tmp_path: Path, make_context: MakeContext
) -> None:
    backend.clock.advance(2)  # after the opening credit
    start = backend.clock.now()
    create_op([order("M-OK"), order("M-FAIL-1")]).execute(make_context())
    backend.top_up("10.05")
    backend.clock.advance(sb.PENDING_SECONDS + sb.PROCESSING_SECONDS + 1)
    end = backend.clock.now() + 1
    result = HiShoppingCreditTransactionsOperator(
        task_id="ledger", hishopping_conn_id=CONN, output_path=str(tmp_path / "finance")
    ).execute(make_context(start, end))
    with open(result["file"], newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == TRANSACTION_COLUMNS
    kinds = [row[1] for row in rows[1:]]
    assert kinds == ["charge", "charge", "recharge", "refund"]
    assert rows[1][2] == "-13.38"
    assert rows[1][3:5] == ["500.00", "486.62"]
    assert rows[1][5].endswith("+00:00")
    assert result["count"] == 4
    assert result["totals"] == {"charge": "-26.76", "recharge": "10.05", "refund": "13.38"}
    assert Decimal(result["net"]) == backend.balance - sb.STARTING_CREDIT
    assert backend.token_calls == 1


# ----------------------------------------------------------------------------- sensors
def test_order_status_sensor_poke_mode(backend: sb.HiShoppingBackend, make_context: MakeContext) -> None:
    created = create_op([order("M-S1"), order("M-S2")]).execute(make_context())
    ids = [r["id"] for r in created["results"]]
    sensor = HiShoppingOrderStatusSensor(
        task_id="wait",
        order_ids=ids,
        hishopping_conn_id=CONN,
        poke_interval=0.05,
        timeout=10,
        deferrable=False,
    )
    assert not sensor.poke(make_context()).is_done
    backend.clock.set_speed(2000)  # 720 simulated seconds to shipped take well under a second
    assert sensor.execute(make_context()) == dict.fromkeys(ids, "shipped")


def test_order_status_sensor_by_merchant_order_fails_on_failure(
    backend: sb.HiShoppingBackend, make_context: MakeContext
) -> None:
    create_op([order("M-OK"), order("M-FAIL-9")]).execute(make_context())
    backend.clock.advance(sb.PENDING_SECONDS + sb.PROCESSING_SECONDS)
    sensor = HiShoppingOrderStatusSensor(
        task_id="wait",
        order_ids=["M-OK", "M-FAIL-9"],
        lookup_by="merchant_order",
        hishopping_conn_id=CONN,
        deferrable=False,
    )
    with pytest.raises(AirflowFailException, match=r"M-FAIL-9 \(status failed\)"):
        sensor.execute(make_context())


def run_trigger(trigger: Any) -> dict[str, Any]:
    async def first_event() -> dict[str, Any]:
        try:
            async for event in trigger.run():
                return dict(event.payload)
        finally:
            await trigger.cleanup()
        raise AssertionError("trigger ended without an event")

    return asyncio.run(asyncio.wait_for(first_event(), timeout=15))


def test_order_status_sensor_deferrable(backend: sb.HiShoppingBackend, make_context: MakeContext) -> None:
    from airflow.sdk.serde import deserialize, serialize

    created = create_op([order("M-D1")]).execute(make_context())
    order_no = created["results"][0]["id"]
    sensor = HiShoppingOrderStatusSensor(
        task_id="wait",
        order_ids=order_no,
        hishopping_conn_id=CONN,
        poke_interval=0.05,
        timeout=30,
        deferrable=True,
    )
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(make_context())
    trigger = deferred.value.trigger
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider.common.triggers.StatusTrigger"
    assert deserialize(serialize(kwargs)) == kwargs
    assert kwargs["method_kwargs"] == {"by": "order_no", "api": "auto"}
    assert sb.SANDBOX_SECRET_KEY not in json.dumps(kwargs)
    assert sb.SANDBOX_SIGN_KEY not in json.dumps(kwargs)
    backend.clock.set_speed(2000)
    event = run_trigger(trigger)
    assert event["status"] == "success"
    assert sensor.execute_complete(make_context(), event) == {order_no: "shipped"}


def test_credit_sensor_poke_and_deferrable(
    backend: sb.HiShoppingBackend, url: str, make_context: MakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.sdk.serde import deserialize, serialize

    need = "550"
    poking = HiShoppingCreditSensor(
        task_id="credit",
        amount=need,
        hishopping_conn_id=CONN,
        api="web",
        poke_interval=0.05,
        timeout=10,
        deferrable=False,
    )
    poking.method_kwargs = {"amount": need, "api": "web"}
    assert not poking.poke(make_context()).is_done

    deferring = HiShoppingCreditSensor(
        task_id="credit",
        amount=need,
        hishopping_conn_id=CONN,
        poke_interval=0.05,
        timeout=30,
        deferrable=True,
    )
    with pytest.raises(TaskDeferred) as deferred:
        deferring.execute(make_context())
    trigger = deferred.value.trigger
    _, kwargs = trigger.serialize()
    assert deserialize(serialize(kwargs)) == kwargs
    assert kwargs["order_ids"] == ["credit"]
    assert kwargs["method_kwargs"] == {"amount": "550", "api": "auto"}
    assert kwargs["status_method"] == "afetch_credit_status"
    polls = top_up_after_polls(monkeypatch, backend, "60", polls=1)
    event = run_trigger(trigger)
    assert polls == [{"credit": "short"}, {"credit": "covered"}]
    assert deferring.execute_complete(make_context(), event) == {"credit": "covered"}
    assert poking.execute(make_context()) == {"credit": "covered"}


def test_credit_sensor_rejects_a_bad_amount(make_context: MakeContext) -> None:
    sensor = HiShoppingCreditSensor(task_id="credit", amount="-3", hishopping_conn_id=CONN, deferrable=False)
    with pytest.raises(AirflowFailException, match="positive"):
        sensor.execute(make_context())
