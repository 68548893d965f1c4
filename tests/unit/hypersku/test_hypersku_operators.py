"""HyperSKU operators end to end against the sandbox app, in process (no sockets)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException
from test_hypersku_support import AppTransport, sandbox_hook

from airflow_provider.hypersku.hooks import HyperSkuHook
from airflow_provider.hypersku.operators import (
    HyperSkuCancelOrdersOperator,
    HyperSkuCreateOrdersOperator,
    HyperSkuGetInventoryOperator,
    HyperSkuGetTrackingOperator,
    HyperSkuListOrdersOperator,
    HyperSkuListProductsOperator,
    HyperSkuUpdateOrderAddressesOperator,
)
from airflow_provider.sandbox.hypersku import (
    LIFECYCLE_SECONDS,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_EXAMPLE_ORDER,
    SANDBOX_REFRESH_TOKEN,
    SHIPPED_AFTER,
    HyperSkuBackend,
    create_app,
)

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def backend() -> HyperSkuBackend:
    return HyperSkuBackend(failure_share=0, duplicate_ids="refuse")  # these tests exercise the refusal


@pytest.fixture
def transport(backend: HyperSkuBackend) -> Iterator[AppTransport]:
    app_transport = AppTransport(create_app(backend))
    yield app_transport
    app_transport.shutdown()


@pytest.fixture(params=["password", "oauth2"])
def hook_factory(
    request: pytest.FixtureRequest, make_conn: Callable[..., str], transport: AppTransport
) -> Callable[[], HyperSkuHook]:
    """A fresh hook on the sandbox, in both auth modes."""
    extra: dict[str, Any] = {}
    if request.param == "oauth2":
        extra = {
            "auth_mode": "oauth2",
            "client_id": SANDBOX_CLIENT_ID,
            "client_secret": SANDBOX_CLIENT_SECRET,
            "refresh_token": SANDBOX_REFRESH_TOKEN,
        }
    return lambda: sandbox_hook(make_conn, transport, extra=extra)


@pytest.fixture
def run(task_context: Any) -> Callable[..., tuple[Any, dict[str, Any]]]:
    """``run(operator, hook, try_number=1)`` -> (return value, XCom pushed)."""

    def runner(operator: Any, hook: HyperSkuHook, try_number: int = 1) -> tuple[Any, dict[str, Any]]:
        operator.__dict__["hook"] = hook
        context = task_context(try_number)
        result = operator.execute(context)
        return result, context["ti"].xcom

    return runner


def order(third: str, **changes: Any) -> dict[str, Any]:
    return {**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": third, **changes}


# ----------------------------------------------------------------------------- create
def test_create_orders_then_rerun_finds_them(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any
) -> None:
    op = HyperSkuCreateOrdersOperator(task_id="create", orders=[order("A-1"), order("A-2")])
    result, _ = run(op, hook_factory())
    assert result["counts"] == {"created": 2}
    assert [r["key"] for r in result["results"]] == ["A-1", "A-2"]
    assert all(r["status"] == "8" and r["data"]["storeOrderId"] == r["key"] for r in result["results"])
    assert result["order_ids"] == [r["id"] for r in result["results"]]
    assert result["third_order_ids"] == ["A-1", "A-2"]
    again, _ = run(
        HyperSkuCreateOrdersOperator(task_id="create", orders=[order("A-1"), order("A-2")]), hook_factory()
    )
    assert again["counts"] == {"existed": 2}
    assert again["order_ids"] == result["order_ids"]
    assert len(backend.store.table("orders")) == 2
    assert backend.token_calls == 1  # the second run reuses the first run's token


def test_a_different_order_under_a_used_id_is_a_conflict(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], task_context: Any, run: Any
) -> None:
    run(HyperSkuCreateOrdersOperator(task_id="c", orders=order("B-1")), hook_factory())
    changed = order("B-1", skuItems=[{"skuId": "SKU1002-BLU", "num": 3}])
    op = HyperSkuCreateOrdersOperator(task_id="c", orders=[changed, order("B-2")])
    op.__dict__["hook"] = hook_factory()
    context = task_context()
    with pytest.raises(AirflowException, match="B-1") as caught:
        op.execute(context)
    assert "1 of 2 failed" in str(caught.value)
    pushed = context["ti"].xcom["return_value"]  # pushed before failing
    outcomes = {r["key"]: (r["outcome"], (r["error"] or {}).get("kind")) for r in pushed["results"]}
    assert outcomes == {"B-1": ("failed", "conflict"), "B-2": ("created", None)}
    assert len(backend.store.table("orders")) == 2


def test_bad_input_fails_before_any_request(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any
) -> None:
    bad = order("C-1", shippingAddress={**SANDBOX_EXAMPLE_ORDER["shippingAddress"], "countryCode": "XX"})
    op = HyperSkuCreateOrdersOperator(task_id="c", orders=[order("C-0"), bad])
    with pytest.raises(AirflowFailException, match=r"order C-1: shippingAddress\.countryCode"):
        run(op, hook_factory())
    assert not backend.requests
    with pytest.raises(ValueError, match="logistics"):
        HyperSkuCreateOrdersOperator(task_id="x", orders=[], logistics="slowest")


@pytest.mark.parametrize(("strategy", "expected"), [("cheapest", "1001"), ("fastest", "1003")])
def test_logistics_choice_per_country(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], strategy: str, expected: str, run: Any
) -> None:
    no_channel = {k: v for k, v in SANDBOX_EXAMPLE_ORDER.items() if k != "logisticsId"}
    orders = [{**no_channel, "thirdOrderId": f"L-{i}"} for i in range(3)]
    orders.append(order("L-fixed", logisticsId="1002"))
    result, _ = run(
        HyperSkuCreateOrdersOperator(task_id="c", orders=orders, logistics=strategy), hook_factory()
    )
    assert result["counts"] == {"created": 4}
    chosen = {r["key"]: r["data"].get("logisticsId") for r in result["results"]}
    assert chosen == {"L-0": expected, "L-1": expected, "L-2": expected, "L-fixed": None}
    assert (
        backend.requests["/api/customer/admin/logistics/getLogisticsInfo-Sku"] == 1
    )  # one ask per country + SKUs
    stored = {o["thirdOrderId"]: o["channel"]["logisticsId"] for o in backend.store.values("orders")}
    assert stored["L-0"] == expected
    assert stored["L-fixed"] == "1002"


def test_missing_logistics_without_strategy_is_bad_input(
    hook_factory: Callable[[], HyperSkuHook], run: Any
) -> None:
    no_channel = {k: v for k, v in order("D-1").items() if k != "logisticsId"}
    with pytest.raises(AirflowFailException, match="order D-1: logisticsId"):
        run(HyperSkuCreateOrdersOperator(task_id="c", orders=no_channel), hook_factory())


def test_orders_from_xcom_json_string(hook_factory: Callable[[], HyperSkuHook], run: Any) -> None:
    result, _ = run(
        HyperSkuCreateOrdersOperator(task_id="c", orders=json.dumps([order("J-1")])), hook_factory()
    )
    assert result["counts"] == {"created": 1}


# ----------------------------------------------------------------------------- cancel / update
def test_cancel_is_idempotent(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any
) -> None:
    created, _ = run(
        HyperSkuCreateOrdersOperator(task_id="c", orders=[order("X-1"), order("X-2")]), hook_factory()
    )
    first, _ = run(
        HyperSkuCancelOrdersOperator(task_id="x", order_ids=created["order_ids"][0]), hook_factory()
    )
    assert [(r["outcome"], r["status"]) for r in first["results"]] == [("updated", "6")]
    second, _ = run(HyperSkuCancelOrdersOperator(task_id="x", order_ids=created), hook_factory())
    outcomes = [(r["outcome"], r["status"]) for r in second["results"]]
    assert outcomes == [("ok", "6"), ("updated", "6")]
    assert backend.requests["/api/customer/admin/orders/cancelOrder"] == 2


def test_cancel_of_a_shipped_order_fails_with_the_report(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], task_context: Any, run: Any
) -> None:
    created, _ = run(HyperSkuCreateOrdersOperator(task_id="c", orders=order("S-1")), hook_factory())
    backend.clock.advance(SHIPPED_AFTER + 1)
    op = HyperSkuCancelOrdersOperator(task_id="x", order_ids=created["order_ids"])
    op.__dict__["hook"] = hook_factory()
    context = task_context()
    with pytest.raises(AirflowException, match="cannot be cancelled"):
        op.execute(context)
    (item,) = context["ti"].xcom["return_value"]["results"]
    assert item["outcome"] == "failed"
    assert item["status"] == "4"


def test_update_address_one_and_many(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any
) -> None:
    created, _ = run(
        HyperSkuCreateOrdersOperator(task_id="c", orders=[order("U-1"), order("U-2")]), hook_factory()
    )
    one, two = created["order_ids"]
    address = {
        **SANDBOX_EXAMPLE_ORDER["shippingAddress"],
        "countryCode": "gb",
        "city": "London",
        "zipCode": "SW1A 1AA",
    }
    result, _ = run(
        HyperSkuUpdateOrderAddressesOperator(task_id="u", order_id=one, shipping_address=address),
        hook_factory(),
    )
    assert result["results"] == [
        {
            "key": one,
            "outcome": "updated",
            "id": one,
            "status": None,
            "error": None,
            "data": {"countryCode": "GB"},
        }
    ]
    assert backend.store.get("orders", one)["address"]["city"] == "London"
    many, _ = run(
        HyperSkuUpdateOrderAddressesOperator(
            task_id="u",
            updates=[
                {"orderId": one, "shippingAddress": address},
                {"orderId": two, "shippingAddress": address},
            ],
        ),
        hook_factory(),
    )
    assert many["counts"] == {"updated": 2}


def test_update_address_validates_before_sending(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any
) -> None:
    address = {**SANDBOX_EXAMPLE_ORDER["shippingAddress"]}
    del address["phone"]
    with pytest.raises(AirflowFailException, match=r"order 42: shippingAddress\.phone"):
        run(
            HyperSkuUpdateOrderAddressesOperator(task_id="u", order_id="42", shipping_address=address),
            hook_factory(),
        )
    assert not backend.requests
    with pytest.raises(ValueError, match="order_id and shipping_address"):
        HyperSkuUpdateOrderAddressesOperator(task_id="u", order_id="42")


# ----------------------------------------------------------------------------- tracking
def test_tracking_to_xcom_compactly(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any
) -> None:
    created, _ = run(
        HyperSkuCreateOrdersOperator(task_id="c", orders=[order("T-1"), order("T-2")]), hook_factory()
    )
    backend.clock.advance(LIFECYCLE_SECONDS + 1)
    result, _ = run(
        HyperSkuGetTrackingOperator(task_id="t", store_order_ids=created, events_in_xcom=2), hook_factory()
    )
    assert result["counts"] == {"ok": 2}
    assert result["file"] is None
    first = result["results"][0]
    assert first["status"] == "tracked"
    assert first["data"]["eventCount"] == 6
    assert first["data"]["lastEvent"]["event"] == "Delivered"
    assert [e["event"] for e in first["data"]["events"]] == ["Out for delivery", "Delivered"]
    assert first["data"]["carrier"] == "4PX"
    assert first["data"]["trackingNumber"].startswith("HSK")


def test_tracking_to_a_file(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], tmp_path: Path, run: Any
) -> None:
    run(HyperSkuCreateOrdersOperator(task_id="c", orders=[order("F-1"), order("F-2")]), hook_factory())
    backend.clock.advance(SHIPPED_AFTER + 1)
    op = HyperSkuGetTrackingOperator(
        task_id="t", store_order_ids=["F-1", "F-2"], output_path=str(tmp_path / "track")
    )
    result, _ = run(op, hook_factory())
    assert "events" not in result["results"][0]["data"]
    written = json.loads(Path(result["file"]).read_text())
    assert set(written) == {"F-1", "F-2"}
    assert written["F-1"]["tracks"][0]["eventThing"] == "Shipment information received"
    assert Path(result["file"]).name == "hypersku_tracking_dag_task_manual__2024-01-01T00_00_00_00_00.json"


def test_tracking_before_shipping_and_unknown_orders(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], task_context: Any, run: Any
) -> None:
    run(HyperSkuCreateOrdersOperator(task_id="c", orders=order("N-1")), hook_factory())
    op = HyperSkuGetTrackingOperator(task_id="t", store_order_ids="N-1,NOPE")
    op.__dict__["hook"] = hook_factory()
    context = task_context()
    with pytest.raises(AirflowException, match="NOPE"):
        op.execute(context)
    results = {r["key"]: r for r in context["ti"].xcom["return_value"]["results"]}
    assert results["N-1"]["status"] == "no_tracking"
    assert results["NOPE"]["outcome"] == "failed"


# ----------------------------------------------------------------------------- reads
def test_list_products(hook_factory: Callable[[], HyperSkuHook], tmp_path: Path, run: Any) -> None:
    result, _ = run(HyperSkuListProductsOperator(task_id="p", page_size=2), hook_factory())
    assert result["count"] == 5
    assert "SKU1003-L-BLK" in result["sku_ids"]
    tee = next(p for p in result["products"] if p["productId"] == "P1003")
    assert tee["skus"][0] == {
        "skuId": "SKU1003-M-WHT",
        "price": "4.20",
        "attributes": "Size: M, Color: White",
    }
    private, _ = run(
        HyperSkuListProductsOperator(task_id="p", private=True, output_path=str(tmp_path)), hook_factory()
    )
    assert private["count"] == 2
    assert "products" not in private
    assert len(json.loads(Path(private["file"]).read_text())) == 2


@pytest.mark.parametrize("source", ["customer", "inventory"])
def test_get_inventory(hook_factory: Callable[[], HyperSkuHook], source: str, run: Any) -> None:
    result, _ = run(HyperSkuGetInventoryOperator(task_id="i", source=source), hook_factory())
    assert result["available"] == {"SKU9001-NAT": 120, "SKU9002-RED": 40, "SKU1001-BLK": 300}
    some, _ = run(
        HyperSkuGetInventoryOperator(task_id="i", source=source, sku_ids=["SKU9002-RED"]), hook_factory()
    )
    assert some["rows"] == [
        {"skuId": "SKU9002-RED", "available": 40, "locked": 0, "warehouseName": "Shenzhen Warehouse"}
    ]


def test_list_orders_by_status_and_time(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any
) -> None:
    run(HyperSkuCreateOrdersOperator(task_id="c", orders=[order("O-1"), order("O-2")]), hook_factory())
    result, _ = run(HyperSkuListOrdersOperator(task_id="o", status=8), hook_factory())
    assert result["count"] == 2
    assert {o["storeOrderId"] for o in result["orders"]} == {"O-1", "O-2"}
    backend.clock.advance(5)  # times are sent to the second
    later = backend.clock.datetime().isoformat()
    none, _ = run(HyperSkuListOrdersOperator(task_id="o", start_time=later), hook_factory())
    assert none["count"] == 0


def test_templated_fields_and_light_imports() -> None:
    assert HyperSkuCreateOrdersOperator.template_fields == ("orders", "results_path")
    assert "output_path" in HyperSkuGetTrackingOperator.template_fields
    code = (
        "import sys, airflow_provider.hypersku.operators, airflow_provider.hypersku.sensors; "
        "heavy = [m for m in ('airflow_provider.hypersku.hooks', 'airflow_provider.hypersku.models', "
        "'fastapi', 'airflow.providers.http.hooks.http', 'requests') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


# ----------------------------------------------------------------------------- logistics quote
def test_logistics_quote_asks_once_per_destination_and_feeds_create(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any, tmp_path: Path
) -> None:
    from airflow_provider.hypersku.operators import HyperSkuLogisticsQuoteOperator

    de_address = {
        **SANDBOX_EXAMPLE_ORDER["shippingAddress"],
        "countryCode": "DE",
        "province": "BE",
        "city": "Berlin",
    }
    orders = [{k: v for k, v in order(f"Q-{n}").items() if k != "logisticsId"} for n in range(3)] + [
        {**{k: v for k, v in order("Q-DE").items() if k != "logisticsId"}, "shippingAddress": de_address}
    ]
    orders.append(order("Q-KEEP"))  # already has logisticsId 1002: kept
    result, xcom = run(
        HyperSkuLogisticsQuoteOperator(
            task_id="quote", orders=orders, strategy="fastest", output_path=str(tmp_path / "handover")
        ),
        hook_factory(),
    )
    assert backend.requests["/api/customer/admin/logistics/getLogisticsInfo-Sku"] == 2
    # the orders (customers' addresses and phones) go to a file; XCom carries its path only
    assert xcom["orders"] == result["orders"]
    assert Path(result["orders"]).parent == tmp_path / "handover"
    assert Path(result["orders"]).name.startswith("hypersku_quoted_orders_dag_task_manual_")
    assert result["count"] == 5
    quoted = [json.loads(line) for line in Path(result["orders"]).read_text().splitlines()]
    assert [o["logisticsId"] for o in quoted] == ["1003", "1003", "1003", "1003", "1002"]
    phone = SANDBOX_EXAMPLE_ORDER["shippingAddress"]["phone"]
    assert phone not in json.dumps([result, xcom])
    assert phone in json.dumps(quoted)
    assert {(q["countryCode"], q["logisticsId"], q["orders"]) for q in result["quotes"]} == {
        ("US", "1003", 3),
        ("DE", "1003", 1),
    }
    created, _ = run(HyperSkuCreateOrdersOperator(task_id="create", orders=result["orders"]), hook_factory())
    assert created["counts"] == {"created": 5}
    with pytest.raises(ValueError, match="strategy"):
        HyperSkuLogisticsQuoteOperator(task_id="q", orders=[], strategy="slowest")


# ----------------------------------------------------------------------------- the operator core
class AcceptingBackend(HyperSkuBackend):
    """HyperSKU as documented: a reused ``thirdOrderId`` is not refused, a second order is made.

    Look-ups by ``thirdOrderId`` keep finding the first order.
    """

    def create(self, body: Any) -> Any:
        third = str(body.get("thirdOrderId") or "") if isinstance(body, dict) else ""
        with self.store.lock:
            first = self.store.delete("third_order_ids", third)
            answer = super().create(body)
            if first is not None:
                self.store.table("third_order_ids")[third] = first
        return answer


@pytest.fixture
def accepting(make_conn: Callable[..., str]) -> Iterator[tuple[AcceptingBackend, Callable[[], HyperSkuHook]]]:
    backend = AcceptingBackend(failure_share=0)
    app_transport = AppTransport(create_app(backend))
    yield backend, lambda: sandbox_hook(make_conn, app_transport)
    app_transport.shutdown()


def thirds(backend: HyperSkuBackend) -> Counter[str]:
    return Counter(o["thirdOrderId"] for o in backend.store.values("orders"))


def test_a_retried_attempt_finds_what_the_first_made_and_creates_only_the_rest(
    accepting: tuple[AcceptingBackend, Callable[[], HyperSkuHook]], run: Any
) -> None:
    backend, hook_factory = accepting
    batch = [order(f"RT-{i}") for i in range(5)]
    first, _ = run(HyperSkuCreateOrdersOperator(task_id="c", orders=batch[:3]), hook_factory())
    # attempt 1 "died" after three orders; attempt 2 gets the whole batch again
    second, _ = run(HyperSkuCreateOrdersOperator(task_id="c", orders=batch), hook_factory(), try_number=2)
    assert second["counts"] == {"existed": 3, "created": 2}
    assert [r["outcome"] for r in second["results"]] == ["existed"] * 3 + ["created"] * 2
    assert second["order_ids"][:3] == first["order_ids"]
    assert second["third_order_ids"] == [f"RT-{i}" for i in range(5)]
    assert thirds(backend) == Counter({f"RT-{i}": 1 for i in range(5)})  # nothing created twice
    assert backend.requests["/api/customer/admin/orders/create"] == 5
    # without the look-up this server would have made a second order (why retries look up first)
    run(HyperSkuCreateOrdersOperator(task_id="c", orders=batch[:1], lookup_first=False), hook_factory(), 2)
    assert thirds(backend)["RT-0"] == 2


def test_lookup_first_on_a_first_attempt(
    accepting: tuple[AcceptingBackend, Callable[[], HyperSkuHook]], run: Any
) -> None:
    backend, hook_factory = accepting
    run(HyperSkuCreateOrdersOperator(task_id="c", orders=[order("LF-1")]), hook_factory())
    replay = HyperSkuCreateOrdersOperator(
        task_id="c", orders=[order("LF-1"), order("LF-2")], lookup_first=True
    )
    result, _ = run(replay, hook_factory())
    assert result["counts"] == {"existed": 1, "created": 1}
    assert thirds(backend) == Counter({"LF-1": 1, "LF-2": 1})


def test_without_store_code_a_create_fails_before_sending_unless_ids_are_declared_fresh(
    backend: HyperSkuBackend, transport: AppTransport, make_conn: Callable[..., str], run: Any
) -> None:
    for try_number in (1, 2):  # a first attempt (maybe a re-run of the day) and a retry alike
        hook = sandbox_hook(make_conn, transport, extra={"store_code": ""})
        with pytest.raises(AirflowFailException, match=r"no 'store_code' extra.*lookup_first=False"):
            run(
                HyperSkuCreateOrdersOperator(task_id="c", orders=[order("NS-1")]), hook, try_number=try_number
            )
    assert not backend.store.table("orders")
    assert backend.requests["/api/customer/admin/orders/create"] == 0
    fresh, _ = run(
        HyperSkuCreateOrdersOperator(task_id="c", orders=[order("NS-1")], lookup_first=False),
        sandbox_hook(make_conn, transport, extra={"store_code": ""}),
    )
    assert fresh["counts"] == {"created": 1}  # declared fresh: sent without a look-up (with a warning)


def test_a_third_order_id_twice_in_one_batch_is_bad_input(
    backend: HyperSkuBackend, run: Any, hook_factory: Any
) -> None:
    with pytest.raises(AirflowFailException, match=r"order D-1: used by 2 orders of this batch \(#0, #2\)"):
        run(
            HyperSkuCreateOrdersOperator(task_id="c", orders=[order("D-1"), order("D-2"), order("D-1")]),
            hook_factory(),
        )
    assert not backend.requests


@pytest.mark.parametrize("empty", [[], None, "", "[]"])
def test_an_empty_day_skips_every_bulk_operator(
    empty: Any, backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any
) -> None:
    from airflow_provider.hypersku.operators import HyperSkuLogisticsQuoteOperator

    operators = [
        HyperSkuCreateOrdersOperator(task_id="c", orders=empty),
        HyperSkuLogisticsQuoteOperator(task_id="q", orders=empty),
        HyperSkuCancelOrdersOperator(task_id="x", order_ids=empty),
        HyperSkuUpdateOrderAddressesOperator(task_id="u", updates=[] if empty is None else empty),
        HyperSkuGetTrackingOperator(task_id="t", store_order_ids=empty),
    ]
    for operator in operators:
        with pytest.raises(AirflowSkipException):
            run(operator, hook_factory())
    assert not backend.requests


def test_ids_from_upstream_reports_and_bad_ids(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any, tmp_path: Path
) -> None:
    created, _ = run(
        HyperSkuCreateOrdersOperator(
            task_id="c", orders=[order("I-1"), order("I-2")], results_path=str(tmp_path / "created.jsonl")
        ),
        hook_factory(),
    )
    assert created["results"] is None
    assert created["results_file"].endswith("created.jsonl")
    assert len(Path(created["results_file"]).read_text().splitlines()) == 2
    tracked, _ = run(HyperSkuGetTrackingOperator(task_id="t", store_order_ids=created), hook_factory())
    assert [r["key"] for r in tracked["results"]] == ["I-1", "I-2"]
    cancelled, _ = run(HyperSkuCancelOrdersOperator(task_id="x", order_ids=created), hook_factory())
    assert [r["key"] for r in cancelled["results"]] == created["order_ids"]
    calls = sum(backend.requests.values())
    with pytest.raises(AirflowFailException, match=r"order_ids: .*got None"):
        run(HyperSkuCancelOrdersOperator(task_id="x", order_ids=[None, ""]), hook_factory())
    assert sum(backend.requests.values()) == calls


# ----------------------------------------------------------------------------- inventory history
def test_inventory_history_of_a_create_report_to_xcom(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any
) -> None:
    from airflow_provider.hypersku.operators import HyperSkuGetInventoryHistoryOperator

    created, _ = run(
        HyperSkuCreateOrdersOperator(task_id="c", orders=[order("H-1"), order("H-2")]), hook_factory()
    )
    kept, closed = created["order_ids"]
    run(HyperSkuCancelOrdersOperator(task_id="x", order_ids=closed), hook_factory())
    result, _ = run(HyperSkuGetInventoryHistoryOperator(task_id="h", order_ids=created), hook_factory())
    assert result["counts"] == {"ok": 2}
    assert result["file"] is None
    by_id = {r["key"]: r for r in result["results"]}
    assert by_id[kept]["status"] == "moved"
    assert by_id[kept]["data"]["netBySku"] == {"SKU1001-BLK": -1}
    assert [row["type"] for row in by_id[closed]["data"]["rows"]] == ["LOCK", "RELEASE"]
    assert by_id[closed]["data"] | {"rows": None} == {
        "movements": 2,
        "netBySku": {"SKU1001-BLK": 0},
        "rows": None,
    }
    first = by_id[closed]["data"]["rows"][0]
    assert first["num"] == -1
    assert first["warehouseName"] == "Yiwu Warehouse"
    assert first["time"].endswith("+08:00")


def test_inventory_history_to_a_file_reports_unknown_orders(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], task_context: Any, tmp_path: Path
) -> None:
    from airflow_provider.hypersku.operators import HyperSkuGetInventoryHistoryOperator

    stocked = order("H-3", skuItems=[{"skuId": "SKU1002-BLU", "num": 1}])  # no stock held: no movement
    hook = hook_factory()
    ids = [hook.create_order(o).order_base_info.order_id for o in (order("H-2"), stocked)]
    op = HyperSkuGetInventoryHistoryOperator(
        task_id="h", order_ids=f"{ids[0]}, {ids[1]}, 404", output_path=str(tmp_path / "history")
    )
    op.__dict__["hook"] = hook_factory()
    context = task_context()
    with pytest.raises(AirflowException, match="404"):
        op.execute(context)
    report = context["ti"].xcom["return_value"]  # pushed before failing
    assert report["counts"] == {"ok": 2, "failed": 1}
    statuses = {r["key"]: r["status"] for r in report["results"]}
    assert statuses == {ids[0]: "moved", ids[1]: "no_movement", "404": None}
    assert all("rows" not in r["data"] for r in report["results"])
    written = json.loads(Path(report["file"]).read_text())
    assert set(written) == set(ids)
    assert written[ids[0]][0]["skuId"] == "SKU1001-BLK"
    assert written[ids[0]][0]["type"] == "LOCK"
    assert written[ids[1]] == []
    assert Path(report["file"]).name.startswith("hypersku_inventory_history_")


def test_inventory_history_bad_ids_fail_and_empty_input_skips(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any
) -> None:
    from airflow_provider.hypersku.operators import HyperSkuGetInventoryHistoryOperator

    with pytest.raises(
        AirflowFailException, match=r"(?s)order_ids: .*#1: order_ids: expected an id \(str or int\), got dict"
    ):
        run(HyperSkuGetInventoryHistoryOperator(task_id="h", order_ids=["1", {"x": 1}]), hook_factory())
    empties: list[Any] = [None, [], "", {"counts": {}, "results": []}]
    for empty in empties:
        with pytest.raises(AirflowSkipException):
            run(HyperSkuGetInventoryHistoryOperator(task_id="h", order_ids=empty), hook_factory())
    assert not backend.requests
    with pytest.raises(ValueError, match="rows_in_xcom"):
        HyperSkuGetInventoryHistoryOperator(task_id="h", order_ids=["1"], rows_in_xcom=-1)


# ----------------------------------------------------------------------------- stock orders
def test_stock_orders_of_the_data_interval_to_a_file(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], task_context: Any, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from airflow_provider.hypersku.operators import HyperSkuGetStockOrdersOperator

    op = HyperSkuGetStockOrdersOperator(task_id="s", output_path=str(tmp_path), page_size=1)
    op.__dict__["hook"] = hook_factory()
    context = task_context(
        data_interval_start=datetime(2024, 3, 1, tzinfo=UTC),
        data_interval_end=datetime(2024, 3, 2, tzinfo=UTC),
    )
    result = op.execute(context)
    assert {k: v for k, v in result.items() if k != "file"} == {
        "count": 1,
        "by_status": {"5": 1},
        "quantity": 150,
        "amount": {"USD": "420.0"},
        "start_time": "2024-03-01 08:00:00",  # +08:00
        "end_time": "2024-03-02 08:00:00",
    }
    rows = json.loads(Path(result["file"]).read_text())
    assert [r["orderId"] for r in rows] == ["ST240001"]
    assert rows[0]["goodsList"][0]["num"] == 150
    assert Path(result["file"]).name.startswith("hypersku_stock_orders_dag_task_")


def test_stock_orders_filters_and_no_interval(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any, tmp_path: Path
) -> None:
    from airflow_provider.hypersku.operators import HyperSkuGetStockOrdersOperator

    def read(**kwargs: Any) -> dict[str, Any]:
        result, _ = run(
            HyperSkuGetStockOrdersOperator(task_id="s", output_path=str(tmp_path), **kwargs), hook_factory()
        )
        return dict(result)

    everything = read()  # the run has no data interval: no time filter
    assert (everything["count"], everything["start_time"], everything["end_time"]) == (2, None, None)
    assert everything["by_status"] == {"5": 1, "2": 1}
    assert read(status="2")["by_status"] == {"2": 1}
    assert read(filters='{"orderId": "ST240002"}')["quantity"] == 300
    since = read(start_time="2024-04-01T00:00:00+08:00", use_data_interval=False)
    assert (since["count"], since["start_time"]) == (1, "2024-04-01 00:00:00")
    assert read(end_time="2024-01-01T00:00:00Z")["count"] == 0


def test_stock_orders_bad_input_fails_before_any_request(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any, tmp_path: Path
) -> None:
    from airflow_provider.hypersku.operators import HyperSkuGetStockOrdersOperator

    cases: list[tuple[dict[str, Any], str]] = [
        ({"status": "shipped"}, r"status: expected an order status code"),
        ({"start_time": "yesterday"}, r"start_time: 'yesterday' is not a time"),
        ({"filters": "[1]"}, r"filters: expected a dict"),
        ({"filters": "{oops"}, r"filters: a JSON string was given but it does not parse"),
        (
            {"start_time": "2024-05-01T00:00:00Z", "end_time": "2024-04-01T00:00:00Z"},
            r"start_time 2024-05-01 08:00:00 is not before end_time",
        ),
    ]
    for kwargs, message in cases:
        with pytest.raises(AirflowFailException, match=message):
            run(
                HyperSkuGetStockOrdersOperator(task_id="s", output_path=str(tmp_path), **kwargs),
                hook_factory(),
            )
    assert not backend.requests
    with pytest.raises(ValueError, match="output_path is required"):
        HyperSkuGetStockOrdersOperator(task_id="s", output_path="")
    assert {"status", "start_time", "end_time", "filters", "output_path"} <= set(
        HyperSkuGetStockOrdersOperator.template_fields
    )


# ----------------------------------------------------------------------------- per-order logistics
def test_with_logistics_an_unknown_sku_fails_its_order_alone_and_the_report_is_pushed(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any, task_context: Any
) -> None:
    no_channel = {k: v for k, v in SANDBOX_EXAMPLE_ORDER.items() if k != "logisticsId"}
    orders = [{**no_channel, "thirdOrderId": f"U-{i}"} for i in range(50)]
    orders[17] = {**orders[17], "skuItems": [{"skuId": "NO-SUCH-SKU", "num": 1}]}
    operator = HyperSkuCreateOrdersOperator(task_id="c", orders=orders, logistics="cheapest")
    operator.__dict__["hook"] = hook_factory()
    context = task_context()
    with pytest.raises(AirflowException, match=r"1 of 50 failed: U-17 \(failed: .*U-17"):
        operator.execute(context)
    pushed = context["ti"].xcom["return_value"]
    assert pushed["counts"] == {"created": 49, "failed": 1}
    assert len(backend.store.table("orders")) == 49
    made = [r for r in pushed["results"] if r["outcome"] == "created"]
    assert all(r["data"]["logisticsId"] == "1001" and "freight" in r["data"] for r in made)


def test_a_streamed_create_with_logistics_writes_the_channel_into_every_results_row(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], run: Any, tmp_path: Path
) -> None:
    no_channel = {k: v for k, v in SANDBOX_EXAMPLE_ORDER.items() if k != "logisticsId"}
    source = tmp_path / "orders.jsonl"
    source.write_text("".join(json.dumps({**no_channel, "thirdOrderId": f"S-{i}"}) + "\n" for i in range(30)))

    class SmallChunks(HyperSkuCreateOrdersOperator):
        stream_chunk_size = 7

    operator = SmallChunks(task_id="c", orders=f"file://{source}", logistics="cheapest")
    result, _ = run(operator, hook_factory())
    assert result["counts"] == {"created": 30}
    rows = [
        json.loads(line)
        for line in Path(result["results_file"].removeprefix("file://")).read_text().splitlines()
    ]
    assert len(rows) == 30
    assert all(row["data"]["logisticsId"] == "1001" and row["data"]["freight"] for row in rows)
    assert len(operator._quotes) == 1  # one quote per destination and SKU set, not one entry per order


def test_a_found_order_whose_goods_show_no_readable_sku_is_existed_unverified() -> None:
    from airflow_provider.hypersku.models import OrderResult, OrdersInfoDto

    operator = HyperSkuCreateOrdersOperator(task_id="c", orders=[])
    mine = OrdersInfoDto.model_validate(order("V-1"))
    unreadable = OrderResult.model_validate({"orderId": "1", "goodsList": [{"goodsName": "shirt", "num": 2}]})
    assert operator.matches(mine, unreadable) is None  # cannot tell: existed, unverified
    sku = mine.sku_items[0].sku_id
    other = OrderResult.model_validate({"orderId": "1", "goodsList": [{"skuId": sku, "num": 99}]})
    assert operator.matches(mine, other) is False  # other quantities: a conflict
    same = OrderResult.model_validate(
        {"orderId": "1", "goodsList": [{"skuId": line.sku_id, "num": line.num} for line in mine.sku_items]}
    )
    assert operator.matches(mine, same) is True


def test_report_mode_makes_48_of_50_and_names_the_2_bad_orders(
    backend: HyperSkuBackend, hook_factory: Callable[[], HyperSkuHook], task_context: Any
) -> None:
    orders = [order(f"P-{i}") for i in range(50)]
    orders[9] = order("P-9", skuItems=[{"skuId": "SKU1001-BLK", "num": 0}])
    address = {k: v for k, v in SANDBOX_EXAMPLE_ORDER["shippingAddress"].items() if k != "city"}
    orders[40] = order("P-40", shippingAddress=address)
    operator = HyperSkuCreateOrdersOperator(task_id="c", orders=orders, on_invalid="report")
    operator.__dict__["hook"] = hook_factory()
    context = task_context()
    with pytest.raises(AirflowException, match=r"2 of 50 failed: P-9 \(invalid: skuItems.*P-40 \(invalid: "):
        operator.execute(context)
    pushed = context["ti"].xcom["return_value"]
    assert pushed["counts"] == {"created": 48, "invalid": 2}
    assert len(backend.store.table("orders")) == 48
    named = {f["key"]: f["error"]["fields"] for f in pushed["failures"]}
    assert named == {"P-9": ["skuItems.0.num"], "P-40": ["shippingAddress.city"]}
