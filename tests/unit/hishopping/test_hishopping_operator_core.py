"""HiShopping operators on the one core, against an in-memory open API (httpx.MockTransport, no sockets).

The fake server ACCEPTS a reused ``merchant_order`` unless told to refuse it (2002, as HiShopping
documents): with an accepting server only the core's look-up before create keeps a retried
attempt from buying twice.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException, TaskDeferred
from test_hishopping_hook import APP_ID, ORDER, SECRET, SIGN, sealed

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.hishopping import envelope
from airflow_provider.hishopping.hooks import HiShoppingHook
from airflow_provider.hishopping.operators import HiShoppingCreateOrdersOperator, HiShoppingGoodsOperator
from airflow_provider.hishopping.sensors import HiShoppingOrderStatusSensor

CONN = "hs_ops_unit"
PRICE = Decimal("10.00")


class OpenApi:
    """The open API's order, goods and credit calls over an in-memory store, counting requests."""

    def __init__(self, *, balance: str = "1000.00", refuse_duplicates: bool = False) -> None:
        self.balance = Decimal(balance)
        self.refuse_duplicates = refuse_duplicates
        self.rows: list[dict[str, Any]] = []
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        name = request.url.path.removeprefix("/api/v1/open/")
        payload = envelope.open_envelope(json.loads(request.content), secret_key=SECRET, sign_key=SIGN)
        with self.lock:
            self.calls[name] += 1
            return self.answer(name, payload)

    def answer(self, name: str, payload: dict[str, Any]) -> httpx.Response:
        if name == "credit/balance":
            return sealed({"balance": str(self.balance), "currency": "USD"})
        if name == "goods/detail":
            skus = [{"sku_id": 7, "price": str(PRICE)}]
            return sealed({"goods_id": payload["goods_id"], "price": str(PRICE), "skus": skus})
        if name == "order/detail":
            found = [row for row in self.rows if row["merchant_order"] == payload.get("merchant_order")]
            return sealed(found[0]) if found else plain(404, "order not found")
        if name == "order/create":
            if self.refuse_duplicates and any(
                r["merchant_order"] == payload["merchant_order"] for r in self.rows
            ):
                return plain(2002, "duplicate order")
            charge = PRICE * payload["quantity"]
            if charge > self.balance:
                return plain(2001, "insufficient credit")
            self.balance -= charge
            row = {
                **{key: payload[key] for key in ("merchant_order", "goods_id", "sku_id", "quantity")},
                "order_no": f"HS{len(self.rows) + 1}",
                "total_charge": str(charge),
                "status": "pending",
            }
            self.rows.append(row)
            return sealed(row)
        return httpx.Response(404)

    def keys(self) -> Counter[str]:
        return Counter(row["merchant_order"] for row in self.rows)


def plain(code: int, message: str) -> httpx.Response:
    return httpx.Response(200, json={"code": code, "message": message})


@pytest.fixture(autouse=True)
def _conn(make_conn: Callable[..., str]) -> None:
    make_conn(
        CONN,
        "hishopping",
        host="https://hs.example",
        extra={"app_id": APP_ID, "secret_key": SECRET, "sign_key": SIGN},
    )


def order(key: str, quantity: int = 1) -> dict[str, Any]:
    return {**ORDER, "merchant_order": key, "quantity": quantity}


def create_op(server: OpenApi, orders: Any, **kwargs: Any) -> HiShoppingCreateOrdersOperator:
    operator = HiShoppingCreateOrdersOperator(
        task_id="create", orders=orders, hishopping_conn_id=CONN, **kwargs
    )
    operator.__dict__["hook"] = HiShoppingHook(  # the operator's hook, on the in-memory server
        CONN,
        transport=httpx.MockTransport(server),
        token_store=MemoryTokenStore(),
        retry_policy=RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.01),
        max_concurrency=operator.max_concurrency,
    )
    return operator


def test_a_retried_attempt_finds_what_the_first_made_and_creates_only_the_rest(task_context: Any) -> None:
    server = OpenApi()  # accepts a reused merchant_order: only the look-up prevents a second order
    batch = [order(f"M-{i}") for i in range(5)]
    first = create_op(server, batch[:3]).execute(task_context())  # attempt 1 "died" after three
    assert first["counts"] == {"created": 3}
    assert server.calls["order/detail"] == 0  # a first attempt does not look up

    retried = create_op(server, batch).execute(task_context(try_number=2))

    assert server.keys() == Counter({f"M-{i}": 1 for i in range(5)})  # nothing bought twice
    assert retried["counts"] == {"existed": 3, "created": 2}
    assert [r["outcome"] for r in retried["results"]] == ["existed"] * 3 + ["created"] * 2
    assert [r["id"] for r in retried["results"]] == ["HS1", "HS2", "HS3", "HS4", "HS5"]
    assert server.calls["order/create"] == 5


def test_lookup_first_replays_old_orders_without_buying_them_again(task_context: Any) -> None:
    server = OpenApi()
    create_op(server, [order("M-1")]).execute(task_context())
    again = create_op(server, [order("M-1"), order("M-2")], lookup_first=True).execute(task_context())
    assert again["counts"] == {"existed": 1, "created": 1}
    assert server.keys() == Counter({"M-1": 1, "M-2": 1})


def test_a_duplicate_answer_counts_existed_after_a_read_back(task_context: Any) -> None:
    server = OpenApi(refuse_duplicates=True)
    create_op(server, [order("M-1")]).execute(task_context())
    again = create_op(server, [order("M-1")]).execute(task_context())  # a new run, no look-up first
    assert again["counts"] == {"existed": 1}
    assert again["results"][0]["id"] == "HS1"
    assert server.calls["order/create"] == 2  # the second answered 2002, then read back
    assert server.keys() == Counter({"M-1": 1})


def test_the_batch_stops_at_the_first_2001_and_skips_the_rest(task_context: Any) -> None:
    server = OpenApi(balance="25.00")  # two orders of 10.00 fit, the third does not
    context = task_context()
    batch = [order(f"M-{i}") for i in range(5)]
    with pytest.raises(Exception, match="M-2"):
        create_op(server, batch, check_credit=False, max_concurrency=1).execute(context)
    pushed = context["ti"].xcom["return_value"]
    assert [r["outcome"] for r in pushed["results"]] == ["created", "created", "failed", "skipped", "skipped"]
    assert pushed["results"][2]["error"]["code"] == 2001
    assert server.calls["order/create"] == 3


def test_short_credit_fails_naming_the_shortfall_before_any_create(task_context: Any) -> None:
    server = OpenApi(balance="15.00")
    with pytest.raises(AirflowFailException, match=r"short by 5\.00; top up, or set wait_for_credit=True"):
        create_op(server, [order("M-1"), order("M-2")]).execute(task_context())
    assert server.calls["order/create"] == 0


def test_wait_for_credit_defers_instead_of_sleeping(task_context: Any) -> None:
    server = OpenApi(balance="15.00")
    operator = create_op(
        server,
        [order("M-1"), order("M-2")],
        wait_for_credit=True,
        credit_wait_timeout=90,
        credit_poll_interval=7,
    )
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(task_context())
    assert deferred.value.method_name == "execute_complete"
    assert deferred.value.timeout == timedelta(seconds=90)
    _, kwargs = deferred.value.trigger.serialize()
    assert kwargs["conn_id"] == CONN
    assert kwargs["poll_interval"] == 7
    assert kwargs["method_kwargs"] == {"amount": "20.00", "api": "open"}
    assert SECRET not in json.dumps(kwargs)
    assert SIGN not in json.dumps(kwargs)
    assert server.calls["order/create"] == 0

    server.balance = Decimal("100.00")  # the top-up the trigger saw
    resumed = create_op(server, [order("M-1"), order("M-2")], wait_for_credit=True)
    result = resumed.execute_complete(
        task_context(), {"status": "success", "statuses": {"credit": "covered"}}
    )
    assert result["counts"] == {"created": 2}
    assert server.calls["credit/balance"] == 1  # the resumed task does not estimate again


@pytest.mark.parametrize("empty", [[], None, "", "[]"])
def test_an_empty_day_skips(empty: Any, task_context: Any) -> None:
    server = OpenApi()
    with pytest.raises(AirflowSkipException):
        create_op(server, empty).execute(task_context())
    with pytest.raises(AirflowSkipException):
        HiShoppingGoodsOperator(task_id="goods", goods_ids=empty, hishopping_conn_id=CONN).execute(
            task_context()
        )
    assert sum(server.calls.values()) == 0


def test_a_bad_goods_id_fails_before_any_request(task_context: Any) -> None:
    with pytest.raises(AirflowFailException, match=r"goods_ids: expected an id"):
        HiShoppingGoodsOperator(task_id="goods", goods_ids=[None], hishopping_conn_id=CONN).execute(
            task_context()
        )


def test_status_sensor_lookup_by() -> None:
    report = {
        "counts": {"created": 1, "failed": 1},
        "results": [
            {"key": "M-1", "id": "HS1", "outcome": "created"},
            {"key": "M-2", "id": None, "outcome": "failed"},
        ],
    }
    by_key = HiShoppingOrderStatusSensor(task_id="wait", order_ids=report, lookup_by="merchant_order")
    assert by_key.ids() == ["M-1"]
    assert by_key.method_kwargs == {"by": "merchant_order", "api": "auto"}
    assert HiShoppingOrderStatusSensor(task_id="wait", order_ids=report).ids() == ["HS1"]
    with pytest.raises(TypeError, match="by"):  # the pre-release name is gone: lookup_by only
        HiShoppingOrderStatusSensor(task_id="wait", order_ids="M-1", by="merchant_order")
    with pytest.raises(ValueError, match="lookup_by must be"):
        HiShoppingOrderStatusSensor(task_id="wait", order_ids="M-1", lookup_by="sku")
