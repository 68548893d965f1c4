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
from airflow_provider.chao8 import operators as ops
from airflow_provider.chao8.hooks import Chao8Hook
from airflow_provider.chao8.operators import (
    Chao8CompleteLogisticsOrderOperator,
    Chao8CreateLogisticsOrdersOperator,
    Chao8CreateProductionOrderOperator,
    Chao8SyncDealersOperator,
    Chao8SyncProductsOperator,
    load_records,
)
from airflow_provider.chao8.sensors import Chao8LogisticsOrderSensor
from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.retry import RetryPolicy


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
    """Just enough of 超8 for the operators: orders, products, dealers."""

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
        if path == "/cncop/trace/v1/production-orders":
            self.production[body["orderNo"]] = {**body, "id": 9, "status": 0}
            return self.ok({"id": 9, "orderNo": body["orderNo"], "status": 0})
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


class FakeTI:
    def __init__(self) -> None:
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch, make_conn: Callable[..., str]) -> Gateway:
    make_conn("chao8_default", "chao8", host="https://gw.example.com", login="AK", password="secret")
    fake = Gateway()
    store = MemoryTokenStore()

    def hook(conn_id: str) -> Chao8Hook:
        return Chao8Hook(
            conn_id,
            transport=httpx.MockTransport(fake),
            token_store=store,
            retry_policy=RetryPolicy(max_attempts=2, base_delay=0.001),
        )

    monkeypatch.setattr(ops, "_hook", hook)
    return fake


def order(order_no: str, quantity: int = 2, target: str = "DL1") -> dict[str, Any]:
    return {
        "orderNo": order_no,
        "orderType": 1,
        "sourceOrgCode": "WH1",
        "targetOrgCode": target,
        "products": [{"productCode": "P1", "quantity": quantity}],
    }


def context() -> dict[str, Any]:
    return {"ti": FakeTI()}


# ------------------------------------------------------------------------------ logistics orders
def test_invalid_orders_fail_before_any_request(gateway: Gateway) -> None:
    task = Chao8CreateLogisticsOrdersOperator(
        task_id="create", orders=[order("A"), {**order("B"), "orderType": 9}, {**order("C"), "products": []}]
    )
    with pytest.raises(AirflowFailException) as caught:
        task.execute(context())  # type: ignore[arg-type]
    message = str(caught.value)
    assert "order B: orderType" in message
    assert "order C: products" in message
    assert gateway.requests == []


def test_repeated_order_no_in_one_call_is_refused(gateway: Gateway) -> None:
    task = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=[order("A"), order("A", 3)])
    with pytest.raises(AirflowFailException, match="repeated: A"):
        task.execute(context())  # type: ignore[arg-type]
    assert gateway.requests == []


def test_create_then_rerun_reads_existing_orders(gateway: Gateway) -> None:
    orders = [order("A"), order("B")]
    first = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=orders).execute(context())  # type: ignore[arg-type]
    assert first["counts"] == {"created": 2}
    again = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=orders).execute(context())  # type: ignore[arg-type]
    assert again["counts"] == {"existed": 2}
    assert [r["status"] for r in again["results"]] == ["0", "0"]
    assert len(gateway.orders) == 2


def test_duplicate_with_other_contents_is_a_conflict_pushed_before_failing(gateway: Gateway) -> None:
    Chao8CreateLogisticsOrdersOperator(task_id="create", orders=[order("A")]).execute(context())  # type: ignore[arg-type]
    ctx = context()
    task = Chao8CreateLogisticsOrdersOperator(task_id="create", orders=[order("A", quantity=5), order("B")])
    with pytest.raises(AirflowException, match="1 of 2 failed: A"):
        task.execute(ctx)  # type: ignore[arg-type]
    pushed = ctx["ti"].xcom["return_value"]
    assert pushed["counts"] == {"failed": 1, "created": 1}
    assert pushed["results"][0]["error"]["kind"] == "conflict"


def test_bad_credentials_fail_without_retries(gateway: Gateway, make_conn: Callable[..., str]) -> None:
    make_conn("chao8_default", "chao8", host="https://gw.example.com", login="AK", password="")
    with pytest.raises(AirflowFailException, match="application secret is empty"):
        Chao8CreateLogisticsOrdersOperator(task_id="create", orders=order("A")).execute(context())  # type: ignore[arg-type]
    assert gateway.requests == []


# ------------------------------------------------------------------------------ complete
def test_complete_treats_already_completed_as_success(gateway: Gateway) -> None:
    Chao8CreateLogisticsOrdersOperator(task_id="c", orders=[order("A"), order("B")]).execute(context())  # type: ignore[arg-type]
    gateway.orders["B"]["status"] = 2
    result = Chao8CompleteLogisticsOrderOperator(task_id="done", order_nos=["A", "B"]).execute(context())  # type: ignore[arg-type]
    assert result["counts"] == {"ok": 2}
    assert [(r["key"], r["status"], r["data"]["already_completed"]) for r in result["results"]] == [
        ("A", "2", False),
        ("B", "2", True),
    ]


def test_complete_fails_for_cancelled_and_unknown_orders(gateway: Gateway) -> None:
    Chao8CreateLogisticsOrdersOperator(task_id="c", orders=order("X")).execute(context())  # type: ignore[arg-type]
    gateway.orders["X"]["status"] = 3
    ctx = context()
    with pytest.raises(AirflowException, match="1 of 1 failed: X"):
        Chao8CompleteLogisticsOrderOperator(task_id="done", order_nos="X").execute(ctx)  # type: ignore[arg-type]
    with pytest.raises(AirflowException, match="2 of 2 failed") as caught:
        Chao8CompleteLogisticsOrderOperator(task_id="done", order_nos=["X", "NOPE"]).execute(ctx)  # type: ignore[arg-type]
    assert "cancelled" in str(caught.value)
    results = ctx["ti"].xcom["return_value"]["results"]
    assert [(r["key"], r["outcome"]) for r in results] == [("X", "failed"), ("NOPE", "failed")]
    assert results[1]["error"]["kind"] == "not_found"


# ------------------------------------------------------------------------------ production orders
def test_production_order_validation_and_create(gateway: Gateway) -> None:
    bad = {
        "orderNo": "PO-1",
        "productCode": "P",
        "quantity": -1,
        "batchNo": "B",
        "productionDate": "2024-05-01",
    }
    with pytest.raises(AirflowFailException, match="order PO-1: quantity"):
        Chao8CreateProductionOrderOperator(task_id="po", orders=bad).execute(context())  # type: ignore[arg-type]
    assert gateway.requests == []
    good = {**bad, "quantity": 100}
    result = Chao8CreateProductionOrderOperator(task_id="po", orders=good).execute(context())  # type: ignore[arg-type]
    assert result["counts"] == {"created": 1}
    assert gateway.production["PO-1"]["productionDate"] == "2024-05-01"


# ------------------------------------------------------------------------------ syncs
def test_sync_products_counts_created_updated_failed(gateway: Gateway, tmp_path: Path) -> None:
    gateway.refuse = {"BAD"}
    products = [
        {"productCode": "OLD", "productName": "renamed"},
        {"productCode": "NEW1", "productName": "n1"},
        {"productCode": "NEW2", "productName": "n2", "barcode": "6901234567816"},
        {"productCode": "BAD", "productName": "b"},
    ]
    ctx = context()
    out = tmp_path / "results.json"
    task = Chao8SyncProductsOperator(task_id="sync", products=products, chunk_size=3, output_path=str(out))
    with pytest.raises(AirflowException, match="1 of 4 failed: BAD"):
        task.execute(ctx)  # type: ignore[arg-type]
    pushed = ctx["ti"].xcom["return_value"]
    assert pushed["counts"] == {"created": 2, "updated": 1, "failed": 1}
    assert pushed["failed"][0]["key"] == "BAD"
    assert pushed["output_path"] == str(out)
    assert [r["outcome"] for r in json.loads(out.read_text())] == ["updated", "created", "created", "failed"]
    # two chunks: each one batch query and one upsert
    paths = sorted(r.url.path.rsplit("/", 1)[-1] for r in gateway.business())
    assert paths == ["batch", "batch", "batch-query", "batch-query"]
    assert gateway.products["OLD"]["productName"] == "renamed"


def test_sync_dealers_from_csv_and_json_files(gateway: Gateway, tmp_path: Path) -> None:
    csv_file = tmp_path / "dealers.csv"
    csv_file.write_text(
        "code,name,region,contact\nD1,北京经销商,110000,张三\nD2,上海经销商,310000,\n", encoding="utf-8"
    )
    first = Chao8SyncDealersOperator(task_id="d", path=str(csv_file)).execute(context())  # type: ignore[arg-type]
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
    second = Chao8SyncDealersOperator(task_id="d", path=str(json_file)).execute(context())  # type: ignore[arg-type]
    assert second["counts"] == {"created": 0, "updated": 1, "failed": 0}


def test_sync_input_errors_fail_before_any_request(gateway: Gateway, tmp_path: Path) -> None:
    with pytest.raises(AirflowFailException, match="exactly one"):
        Chao8SyncDealersOperator(task_id="d").execute(context())  # type: ignore[arg-type]
    with pytest.raises(AirflowFailException, match="order D9: region"):
        Chao8SyncDealersOperator(task_id="d", dealers=[{"code": "D9", "name": "n"}]).execute(context())  # type: ignore[arg-type]
    with pytest.raises(AirflowFailException, match="cannot read"):
        Chao8SyncProductsOperator(task_id="p", path=str(tmp_path / "missing.json")).execute(context())  # type: ignore[arg-type]
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
def test_sensor_status_sets_and_poke(gateway: Gateway) -> None:
    sensor = Chao8LogisticsOrderSensor(task_id="wait", order_nos=["A", "B"], min_scanned=3)
    assert sensor.success_statuses == ["2", c.SCANNED]
    assert sensor.failure_statuses == ["3"]
    assert sensor.method_kwargs == {"min_scanned": 3}
    assert sensor.conn_id == "chao8_default"
    assert "order_ids" in sensor.template_fields
    plain = Chao8LogisticsOrderSensor(task_id="wait2", order_nos="A")
    assert plain.success_statuses == ["2"]
    assert plain.method_kwargs == {}

    for task in (sensor, plain):
        task.__dict__["hook"] = ops._hook("chao8_default")  # the fake gateway instead of the network
    gateway.orders["A"] = {**order("A"), "status": 2, "scannedCount": 2}
    gateway.orders["B"] = {**order("B"), "status": 1, "scannedCount": 1}
    assert not sensor.poke(context()).is_done  # type: ignore[arg-type]
    gateway.orders["B"]["scannedCount"] = 3
    done = sensor.poke(context())  # type: ignore[arg-type]
    assert done.is_done
    assert done.xcom_value == {"A": "2", "B": c.SCANNED}
    gateway.orders["A"]["status"] = 3
    with pytest.raises(AirflowFailException, match="A \\(status 3\\)"):
        plain.poke(context())  # type: ignore[arg-type]


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
        " or m in ('airflow_provider.chao8.hooks', 'airflow_provider.chao8.models', 'airflow_provider.common.hooks')]\n"
        "print(sorted(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "[]"
