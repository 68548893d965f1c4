"""超8 operators and sensor against a stateful fake gateway (httpx.MockTransport, no sockets)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_provider.chao8 import constants as c
from airflow_provider.chao8.hooks import Chao8Hook
from airflow_provider.chao8.operators import (
    Chao8CompleteLogisticsOrdersOperator,
    Chao8CreateLogisticsOrdersOperator,
    Chao8CreateProductionOrdersOperator,
    Chao8SyncDealersOperator,
    Chao8SyncProductsOperator,
    load_records,
)
from airflow_provider.chao8.sensors import Chao8LogisticsOrderSensor
from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.retry import RetryPolicy

TaskContext = Callable[..., dict[str, Any]]


def envelope(code: int = 200, message: str = "success", data: Any = None) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "data": data,
        "timestamp": 0,
        "traceId": "t",
        "exception": None,
        "meta": None,
        "ext": None,
    }


class Gateway:
    """Just enough of 超8 for the operators: orders (a reused orderNo is refused), products, dealers."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.orders: dict[str, dict[str, Any]] = {}
        self.production: dict[str, dict[str, Any]] = {}
        self.products: dict[str, dict[str, Any]] = {"OLD": {"productCode": "OLD", "productName": "old"}}
        self.dealers: dict[str, dict[str, Any]] = {}
        self.refuse: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path, method = request.url.path, request.method
        body: Any = json.loads(request.content) if request.content else None
        if path == c.TOKEN_PATH:
            return self.ok({"accessToken": "tok", "tokenTtlSeconds": 28800})
        if path == "/cncop/trace/v1/logistics-orders" and method == "POST":
            if body["orderNo"] in self.refuse:
                return httpx.Response(200, json=envelope(c.INVALID_PARAMS, "目标组织不可用"))
            if body["orderNo"] in self.orders:
                return httpx.Response(200, json=envelope(c.ORDER_EXISTS, "订单编号已存在"))
            self.orders[body["orderNo"]] = {**body, "id": len(self.orders) + 1, "status": 0}
            return self.ok({"id": len(self.orders), "orderNo": body["orderNo"], "status": 0})
        if path.startswith("/cncop/trace/v1/logistics-orders/"):
            order_no = path.split("/")[5]
            order = self.orders.get(order_no)
            if order is None:
                return httpx.Response(200, json=envelope(c.ORDER_NOT_FOUND, "物流订单不存在"))
            if path.endswith("/complete"):
                if order["status"] in (2, 3):
                    return httpx.Response(200, json=envelope(c.ORDER_STATE_CONFLICT, "订单状态不允许完成"))
                order["status"] = 2
                return self.ok({"orderNo": order_no, "status": 2})
            return self.ok(order)
        if path == "/cncop/trace/v1/production-orders" and method == "POST":
            if body["orderNo"] in self.production:
                return httpx.Response(200, json=envelope(c.ORDER_EXISTS, "订单编号已存在"))
            self.production[body["orderNo"]] = {**body, "id": 9, "status": 0}
            return self.ok({"id": 9, "orderNo": body["orderNo"], "status": 0})
        if path.startswith("/cncop/trace/v1/production-orders/"):
            found = self.production.get(path.rsplit("/", 1)[1])
            if found is None:
                return httpx.Response(200, json=envelope(c.ORDER_NOT_FOUND, "生产订单不存在"))
            return self.ok(found)
        if path == "/cncop/basic/v3/products/batch-query":
            return self.ok([self.products[code] for code in body["productCodes"] if code in self.products])
        if path == "/cncop/basic/v3/products/batch":
            failures = [
                {"productCode": p["productCode"], "reason": "条码重复"}
                for p in body
                if p["productCode"] in self.refuse
            ]
            for product in body:
                if product["productCode"] not in self.refuse:
                    self.products[product["productCode"]] = product
            return self.ok(
                {"successCount": len(body) - len(failures), "failCount": len(failures), "failList": failures}
            )
        if path == "/cncop/org/v1/dealers/batch-query":
            return self.ok([self.dealers[code] for code in body["codes"] if code in self.dealers])
        if path == "/cncop/org/v1/dealers/sync":
            for dealer in body:
                self.dealers[dealer["code"]] = dealer
            return self.ok({"successCount": len(body), "failCount": 0, "failList": []})
        return httpx.Response(404)

    @staticmethod
    def ok(data: Any) -> httpx.Response:
        return httpx.Response(200, json=envelope(data=data))

    def business(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != c.TOKEN_PATH]

    def calls(self) -> list[str]:
        """``"POST create"`` / ``"GET <orderNo>"`` for every logistics order call, in order."""
        return [
            "POST create" if r.method == "POST" else f"{r.method} {r.url.path.split('/')[5]}"
            for r in self.business()
            if r.url.path.startswith("/cncop/trace/v1/logistics-orders")
        ]


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch, make_conn: Callable[..., str]) -> Gateway:
    """Every Chao8Hook the operators build talks to this fake gateway (no sockets)."""
    make_conn("chao8_default", "chao8", host="https://gw.example.com", login="AK", password="secret")
    fake = Gateway()
    store = MemoryTokenStore()
    original = Chao8Hook.__init__

    def init(self: Chao8Hook, chao8_conn_id: str = "chao8_default", **kwargs: Any) -> None:
        kwargs.setdefault("transport", httpx.MockTransport(fake))
        kwargs.setdefault("token_store", store)
        kwargs.setdefault("retry_policy", RetryPolicy(max_attempts=2, base_delay=0.001))
        original(self, chao8_conn_id, **kwargs)

    monkeypatch.setattr(Chao8Hook, "__init__", init)
    return fake


def order(order_no: str, quantity: int = 2, target: str = "DL1") -> dict[str, Any]:
    return {
        "orderNo": order_no,
        "orderType": 1,
        "sourceOrgCode": "WH1",
        "targetOrgCode": target,
        "products": [{"productCode": "P1", "quantity": quantity}],
    }


def production(order_no: str, quantity: int = 100) -> dict[str, Any]:
    return {
        "orderNo": order_no,
        "productCode": "P",
        "quantity": quantity,
        "batchNo": "B",
        "productionDate": "2024-05-01",
    }


# ------------------------------------------------------------------------------ logistics orders
def test_invalid_orders_fail_before_any_request(gateway: Gateway, task_context: TaskContext) -> None:
    task = Chao8CreateLogisticsOrdersOperator(
        task_id="create", orders=[order("A"), {**order("B"), "orderType": 9}, {**order("C"), "products": []}]
    )
    with pytest.raises(AirflowFailException) as caught:
        task.execute(task_context())
    message = str(caught.value)
    assert "order B: orderType" in message
    assert "order C: products" in message
    assert gateway.requests == []


def test_repeated_order_no_in_one_call_is_refused(gateway: Gateway, task_context: TaskContext) -> None:
    task = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=[order("A"), order("A", 3)])
    with pytest.raises(AirflowFailException, match=r"order A: used by 2 orders of this batch"):
        task.execute(task_context())
    assert gateway.requests == []


def test_a_rerun_gets_the_duplicate_answer_and_reads_the_orders_back(
    gateway: Gateway, task_context: TaskContext
) -> None:
    orders = [order("A"), order("B")]
    first = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=orders).execute(task_context())
    assert first["counts"] == {"created": 2}
    # a new run (first attempt, no look-up first): 超8 refuses the reused orderNo, the order is read back
    again = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=orders).execute(task_context())
    assert again["counts"] == {"existed": 2}
    assert [r["status"] for r in again["results"]] == ["0", "0"]
    assert gateway.calls() == ["POST create"] * 2 + ["POST create", "GET A", "POST create", "GET B"]
    assert len(gateway.orders) == 2


def test_a_retried_attempt_looks_every_order_up_first_and_creates_only_the_rest(
    gateway: Gateway, task_context: TaskContext
) -> None:
    orders = [order(name) for name in "ABCDE"]
    gateway.refuse = {"D", "E"}  # attempt 1 makes A, B, C and fails on D and E
    first = task_context()
    with pytest.raises(AirflowException, match="2 of 5 failed: D"):
        Chao8CreateLogisticsOrdersOperator(task_id="create", orders=orders).execute(first)
    assert first["ti"].xcom["return_value"]["counts"] == {"created": 3, "failed": 2}
    gateway.refuse.clear()
    gateway.requests.clear()

    report = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=orders).execute(
        task_context(try_number=2)
    )

    assert report["counts"] == {"existed": 3, "created": 2}
    assert [(r["key"], r["outcome"]) for r in report["results"]] == [
        ("A", "existed"),
        ("B", "existed"),
        ("C", "existed"),
        ("D", "created"),
        ("E", "created"),
    ]
    calls = gateway.calls()
    assert sorted(call for call in calls if call.startswith("GET")) == [
        "GET A",
        "GET B",
        "GET C",
        "GET D",
        "GET E",
    ]
    assert calls.count("POST create") == 2  # only D and E are sent, each after its own look-up
    assert sorted(gateway.orders) == list("ABCDE")


def test_lookup_first_on_a_first_attempt_sends_no_create_for_known_orders(
    gateway: Gateway, task_context: TaskContext
) -> None:
    Chao8CreateLogisticsOrdersOperator(task_id="create", orders=[order("A")]).execute(task_context())
    gateway.requests.clear()
    report = Chao8CreateLogisticsOrdersOperator(
        task_id="create", orders=[order("A"), order("B")], lookup_first=True
    ).execute(task_context())
    assert report["counts"] == {"existed": 1, "created": 1}
    assert gateway.calls().count("POST create") == 1


def test_duplicate_with_other_contents_is_a_conflict_pushed_before_failing(
    gateway: Gateway, task_context: TaskContext
) -> None:
    Chao8CreateLogisticsOrdersOperator(task_id="create", orders=[order("A")]).execute(task_context())
    ctx = task_context()
    task = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=[order("A", quantity=5), order("B")])
    with pytest.raises(AirflowException, match="1 of 2 failed: A"):
        task.execute(ctx)
    pushed = ctx["ti"].xcom["return_value"]
    assert pushed["counts"] == {"failed": 1, "created": 1}
    assert pushed["results"][0]["error"]["kind"] == "conflict"


def test_bad_credentials_fail_without_retries(
    gateway: Gateway, make_conn: Callable[..., str], task_context: TaskContext
) -> None:
    make_conn("chao8_default", "chao8", host="https://gw.example.com", login="AK", password="")
    with pytest.raises(AirflowFailException, match="application secret is empty"):
        Chao8CreateLogisticsOrdersOperator(task_id="create", orders=order("A")).execute(task_context())
    assert gateway.requests == []


def test_results_path_keeps_xcom_small(gateway: Gateway, task_context: TaskContext, tmp_path: Path) -> None:
    target = tmp_path / "out" / "results.jsonl"
    report = Chao8CreateLogisticsOrdersOperator(
        task_id="create", orders=[order("A"), order("B")], results_path=str(target)
    ).execute(task_context())
    assert report["counts"] == {"created": 2}
    assert report["results"] is None
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [(r["key"], r["outcome"]) for r in lines] == [("A", "created"), ("B", "created")]


# ------------------------------------------------------------------------------ complete
def test_complete_treats_already_completed_as_success(gateway: Gateway, task_context: TaskContext) -> None:
    Chao8CreateLogisticsOrdersOperator(task_id="c", orders=[order("A"), order("B")]).execute(task_context())
    gateway.orders["B"]["status"] = 2
    result = Chao8CompleteLogisticsOrdersOperator(task_id="done", order_nos=["A", "B"]).execute(
        task_context()
    )
    assert result["counts"] == {"ok": 2}
    assert [(r["key"], r["status"], r["data"]["already_completed"]) for r in result["results"]] == [
        ("A", "2", False),
        ("B", "2", True),
    ]


def test_complete_takes_a_create_report(gateway: Gateway, task_context: TaskContext) -> None:
    created = Chao8CreateLogisticsOrdersOperator(task_id="c", orders=[order("A"), order("B")]).execute(
        task_context()
    )
    result = Chao8CompleteLogisticsOrdersOperator(task_id="done", order_nos=created).execute(task_context())
    assert [r["key"] for r in result["results"]] == ["A", "B"]
    assert {o["status"] for o in gateway.orders.values()} == {2}


def test_complete_fails_for_cancelled_and_unknown_orders(gateway: Gateway, task_context: TaskContext) -> None:
    Chao8CreateLogisticsOrdersOperator(task_id="c", orders=order("X")).execute(task_context())
    gateway.orders["X"]["status"] = 3
    ctx = task_context()
    with pytest.raises(AirflowException, match="1 of 1 failed: X"):
        Chao8CompleteLogisticsOrdersOperator(task_id="done", order_nos="X").execute(ctx)
    with pytest.raises(AirflowException, match="2 of 2 failed") as caught:
        Chao8CompleteLogisticsOrdersOperator(task_id="done", order_nos=["X", "NOPE"]).execute(ctx)
    assert "cancelled" in str(caught.value)
    results = ctx["ti"].xcom["return_value"]["results"]
    assert [(r["key"], r["outcome"]) for r in results] == [("X", "failed"), ("NOPE", "failed")]
    assert results[1]["error"]["kind"] == "not_found"


def test_bad_ids_fail_before_any_request(gateway: Gateway, task_context: TaskContext) -> None:
    with pytest.raises(AirflowFailException, match=r"order_nos: .*got None"):
        Chao8CompleteLogisticsOrdersOperator(task_id="done", order_nos=["A", None]).execute(task_context())
    assert gateway.requests == []


# ------------------------------------------------------------------------------ production orders
def test_production_order_validation_and_create(gateway: Gateway, task_context: TaskContext) -> None:
    bad = production("PO-1", quantity=-1)
    with pytest.raises(AirflowFailException, match="order PO-1: quantity"):
        Chao8CreateProductionOrdersOperator(task_id="po", orders=bad).execute(task_context())
    assert gateway.requests == []
    result = Chao8CreateProductionOrdersOperator(task_id="po", orders=production("PO-1")).execute(
        task_context()
    )
    assert result["counts"] == {"created": 1}
    assert gateway.production["PO-1"]["productionDate"] == "2024-05-01"


def test_production_orders_retried_attempt_creates_nothing_twice(
    gateway: Gateway, task_context: TaskContext
) -> None:
    Chao8CreateProductionOrdersOperator(task_id="po", orders=production("PO-1")).execute(task_context())
    gateway.requests.clear()
    report = Chao8CreateProductionOrdersOperator(
        task_id="po", orders=[production("PO-1"), production("PO-2")]
    ).execute(task_context(try_number=2))
    assert report["counts"] == {"existed": 1, "created": 1}
    creates = [r for r in gateway.business() if r.method == "POST"]
    assert [json.loads(r.content)["orderNo"] for r in creates] == ["PO-2"]


# ------------------------------------------------------------------------------ empty input, names
@pytest.mark.parametrize("empty", [[], None, "", "[]"])
def test_an_empty_input_skips_every_operator(gateway: Gateway, task_context: TaskContext, empty: Any) -> None:
    from airflow.sdk.exceptions import AirflowSkipException

    tasks = [
        Chao8CreateLogisticsOrdersOperator(task_id="a", orders=empty),
        Chao8CreateProductionOrdersOperator(task_id="b", orders=empty),
        Chao8CompleteLogisticsOrdersOperator(task_id="c", order_nos=empty),
        Chao8SyncProductsOperator(task_id="d", products=empty if empty is not None else []),
        Chao8SyncDealersOperator(task_id="e", dealers=empty if empty is not None else []),
    ]
    for task in tasks:
        with pytest.raises(AirflowSkipException):
            task.execute(task_context())
    assert gateway.requests == []


# ------------------------------------------------------------------------------ syncs
def test_sync_products_counts_created_updated_failed(
    gateway: Gateway, tmp_path: Path, task_context: TaskContext
) -> None:
    gateway.refuse = {"BAD"}
    products = [
        {"productCode": "OLD", "productName": "renamed"},
        {"productCode": "NEW1", "productName": "n1"},
        {"productCode": "NEW2", "productName": "n2", "barcode": "6901234567816"},
        {"productCode": "BAD", "productName": "b"},
    ]
    ctx = task_context()
    out = tmp_path / "results.json"
    task = Chao8SyncProductsOperator(task_id="sync", products=products, chunk_size=3, output_path=str(out))
    with pytest.raises(AirflowException, match="1 of 4 failed: BAD"):
        task.execute(ctx)
    pushed = ctx["ti"].xcom["return_value"]
    assert pushed["counts"] == {"created": 2, "updated": 1, "failed": 1}
    assert [r["key"] for r in pushed["results"] if r["outcome"] == "failed"] == ["BAD"]
    assert pushed["file"] == str(out)
    assert [r["outcome"] for r in json.loads(out.read_text())] == ["updated", "created", "created", "failed"]
    # two chunks: each one batch query and one upsert
    paths = sorted(r.url.path.rsplit("/", 1)[-1] for r in gateway.business())
    assert paths == ["batch", "batch", "batch-query", "batch-query"]
    assert gateway.products["OLD"]["productName"] == "renamed"


def test_sync_dealers_from_csv_and_json_files(
    gateway: Gateway, tmp_path: Path, task_context: TaskContext
) -> None:
    csv_file = tmp_path / "dealers.csv"
    csv_file.write_text(
        "code,name,region,contact\nD1,北京经销商,110000,张三\nD2,上海经销商,310000,\n", encoding="utf-8"
    )
    first = Chao8SyncDealersOperator(task_id="d", path=str(csv_file)).execute(task_context())
    assert first["counts"] == {"created": 2, "updated": 0, "failed": 0}
    assert gateway.dealers["D1"] == {
        "code": "D1",
        "name": "北京经销商",
        "region": "110000",
        "contact": "张三",
    }
    assert "contact" not in gateway.dealers["D2"]
    json_file = tmp_path / "dealers.json"
    json_file.write_text(
        json.dumps({"list": [{"code": "D2", "name": "改名", "region": "310000"}]}), encoding="utf-8"
    )
    second = Chao8SyncDealersOperator(task_id="d", path=str(json_file)).execute(task_context())
    assert second["counts"] == {"created": 0, "updated": 1, "failed": 0}


def test_sync_input_errors_fail_before_any_request(
    gateway: Gateway, tmp_path: Path, task_context: TaskContext
) -> None:
    with pytest.raises(ValueError, match="give dealers or path"):
        Chao8SyncDealersOperator(task_id="d")
    with pytest.raises(AirflowFailException, match="not both"):
        Chao8SyncDealersOperator(task_id="d", dealers=[], path="x.json").execute(task_context())
    with pytest.raises(AirflowFailException, match="order D9: region"):
        Chao8SyncDealersOperator(task_id="d", dealers=[{"code": "D9", "name": "n"}]).execute(task_context())
    with pytest.raises(AirflowFailException, match="order D1: code: repeated"):
        Chao8SyncDealersOperator(
            task_id="d", dealers=[{"code": "D1", "name": "n", "region": "1"}] * 2
        ).execute(task_context())
    with pytest.raises(AirflowFailException, match="cannot read"):
        Chao8SyncProductsOperator(task_id="p", path=str(tmp_path / "missing.json")).execute(task_context())
    assert gateway.requests == []
    with pytest.raises(ValueError, match="chunk_size"):
        Chao8SyncProductsOperator(task_id="p", products=[], chunk_size=500)


def test_load_records_formats(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text('{"productCode": "A", "productName": "a"}', encoding="utf-8")
    assert load_records(str(one)) == [{"productCode": "A", "productName": "a"}]
    bom = tmp_path / "bom.csv"
    bom.write_text("\ufeffproductCode,productName,spec\nA, a ,\n", encoding="utf-8")
    assert load_records(str(bom)) == [{"productCode": "A", "productName": "a"}]
    bad = tmp_path / "bad.json"
    bad.write_text("productCode,productName", encoding="utf-8")
    with pytest.raises(ValueError, match="not JSON"):
        load_records(str(bad))


# ------------------------------------------------------------------------------ sensor
def test_sensor_status_sets_and_poke(gateway: Gateway, task_context: TaskContext) -> None:
    sensor = Chao8LogisticsOrderSensor(task_id="wait", order_nos=["A", "B"], min_scanned=3)
    assert sensor.success_statuses == ["2", c.SCANNED]
    assert sensor.failure_statuses == ["3"]
    assert sensor.method_kwargs == {"min_scanned": 3}
    assert sensor.conn_id == "chao8_default"
    assert "order_ids" in sensor.template_fields
    plain = Chao8LogisticsOrderSensor(task_id="wait2", order_nos="A")
    assert plain.success_statuses == ["2"]
    assert plain.method_kwargs == {}

    gateway.orders["A"] = {**order("A"), "status": 2, "scannedCount": 2}
    gateway.orders["B"] = {**order("B"), "status": 1, "scannedCount": 1}
    assert not sensor.poke(task_context()).is_done
    gateway.orders["B"]["scannedCount"] = 3
    done = sensor.poke(task_context())
    assert done.is_done
    assert done.xcom_value == {"A": "2", "B": c.SCANNED}
    gateway.orders["A"]["status"] = 3
    with pytest.raises(AirflowFailException, match="A \\(status 3\\)"):
        plain.poke(task_context())


def test_sensor_reads_order_nos_with_ids_from(gateway: Gateway) -> None:
    report = {
        "counts": {"created": 1, "existed": 1, "failed": 1},
        "results": [
            {"key": "A", "outcome": "created", "id": "1"},
            {"key": "B", "outcome": "existed", "id": "2"},
            {"key": "C", "outcome": "failed"},
        ],
    }
    assert Chao8LogisticsOrderSensor(task_id="w", order_nos=report).ids() == ["A", "B"]
    assert Chao8LogisticsOrderSensor(task_id="w", order_nos="A, B A").ids() == ["A", "B"]
    with pytest.raises(AirflowFailException, match=r"order_ids: .*got None"):
        Chao8LogisticsOrderSensor(task_id="w", order_nos=["A", None]).ids()


def test_sensor_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="order_nos"):
        Chao8LogisticsOrderSensor(task_id="w")
    with pytest.raises(ValueError, match="min_scanned"):
        Chao8LogisticsOrderSensor(task_id="w", order_nos="A", min_scanned=0)


def test_operator_modules_stay_light() -> None:
    code = (
        "import sys, airflow.sdk\n"
        "before = set(sys.modules)\n"
        "import airflow_provider.chao8.operators, airflow_provider.chao8.sensors\n"
        "new = set(sys.modules) - before\n"
        "heavy = [m for m in new if m.startswith(('fastapi', 'uvicorn', 'airflow.providers.http', 'requests'))"
        " or m in ('airflow_provider.chao8.hooks', 'airflow_provider.chao8.models', 'airflow_provider.common.hooks',"
        " 'airflow_provider.common.models', 'pydantic')]\n"
        "print(sorted(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "[]"
