"""
Every bulk operator whose run is its own (batches, a read after the run) stops as the shared
core does (issue 22, item 3), against its sandbox on loopback.

Each test holds two calls on the wire, tells the task to stop (``on_kill``, what Airflow's
SIGTERM handler calls) and lets the held calls answer: nothing new is sent, the calls in
flight are awaited, every item's result is in the results file (those not sent ``skipped``),
the report is pushed and the task fails (retryable). Attempt 2 then sends only what attempt 1
did not confirm: across both attempts every item went out in exactly one call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException
from held_calls import SAFETY_SECONDS, HeldCalls, serve_held, told_to_stop

from airflow_provider.common.bulk import STOP_MESSAGE
from airflow_provider.common.operator_bases import BulkOperator

pytestmark = pytest.mark.integration

TaskContext = Callable[..., dict[str, Any]]


def stopped_with_two_calls_in_flight(
    operator: BulkOperator[Any], context: dict[str, Any], held: HeldCalls
) -> dict[str, Any]:
    """Attempt 1: told to stop while two calls are held on the wire, then those answer. Its report."""
    operator.stop_grace_seconds = (
        SAFETY_SECONDS  # the held calls answer at once: the bound never ends the wait
    )
    held.hold.clear()
    failure = told_to_stop(operator, context, in_flight=lambda: held.held(2), release=held.hold.set)
    assert isinstance(failure, AirflowException)
    assert not isinstance(failure, AirflowFailException)  # Airflow retries it
    assert "told to stop" in str(failure)
    return dict(context["ti"].xcom["return_value"])


def outcomes(results_file: Path) -> dict[str, str]:
    rows = [json.loads(line) for line in results_file.read_text(encoding="utf-8").splitlines()]
    assert {row["error"]["message"] for row in rows if row["outcome"] == "skipped"} <= {STOP_MESSAGE}
    return {row["key"]: row["outcome"] for row in rows}


def sent_once_each(held: HeldCalls, keys: list[str]) -> dict[str, int]:
    """How many calls carried each key, across both attempts (exactly once each when nothing was resent)."""
    return {
        key: sum(bool(re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", sent)) for sent in held.sent)
        for key in keys
    }


# --------------------------------------------------------------------------------- HyperSKU
@pytest.fixture
def hypersku(
    serve_app: Callable[[Any], str], make_conn: Callable[..., str]
) -> Callable[[str], tuple[Any, HeldCalls]]:
    return lambda path: serve_held("hypersku", path, serve_app, make_conn, failure_share=0)


def hypersku_orders(task_context: TaskContext, n: int) -> list[str]:
    from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator
    from airflow_provider.sandbox.hypersku import SANDBOX_EXAMPLE_ORDER

    made = HyperSkuCreateOrdersOperator(
        task_id="create",
        orders=[{**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"STOP-{i}"} for i in range(n)],
    ).execute(task_context())
    return [str(order_id) for order_id in made["order_ids"]]


def test_hypersku_cancel_stops_reads_nothing_more_and_its_retry_sends_only_the_rest(
    hypersku: Callable[[str], tuple[Any, HeldCalls]], task_context: TaskContext, tmp_path: Path
) -> None:
    from airflow_provider.hypersku.operators import HyperSkuCancelOrdersOperator

    backend, held = hypersku("/api/customer/admin/orders/cancelOrder")
    ids = hypersku_orders(task_context, 8)
    results = tmp_path / "cancel.results.jsonl"
    statuses_before = backend.requests["/api/customer/admin/orders/status"]

    def cancel() -> HyperSkuCancelOrdersOperator:
        return HyperSkuCancelOrdersOperator(
            task_id="cancel", order_ids=ids, results_path=str(results), max_concurrency=2
        )

    report = stopped_with_two_calls_in_flight(cancel(), task_context(), held)

    assert report["counts"] == {"updated": 2, "skipped": 6}
    assert backend.requests["/api/customer/admin/orders/cancelOrder"] == 2
    # one status read before sending; none after the stop (the final read is a new call)
    assert backend.requests["/api/customer/admin/orders/status"] == statuses_before + 1
    first = outcomes(results)
    assert len(first) == 8
    assert sorted(first.values()) == ["skipped"] * 6 + ["updated"] * 2

    again = cancel().execute(task_context(try_number=2))

    assert again["counts"] == {"updated": 8}
    assert sent_once_each(held, ids) == dict.fromkeys(ids, 1)
    rows = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    carried = sorted(row["key"] for row in rows if row["data"].get("confirmed_by_earlier_try"))
    assert carried == sorted(key for key, outcome in first.items() if outcome == "updated")


def test_hypersku_address_update_stops_and_its_retry_sends_only_the_rest(
    hypersku: Callable[[str], tuple[Any, HeldCalls]], task_context: TaskContext, tmp_path: Path
) -> None:
    from airflow_provider.hypersku.operators import HyperSkuUpdateOrderAddressesOperator
    from airflow_provider.sandbox.hypersku import SANDBOX_EXAMPLE_ORDER

    backend, held = hypersku("/api/customer/admin/orders/updateOrderAddress")
    ids = hypersku_orders(task_context, 6)
    address = {**SANDBOX_EXAMPLE_ORDER["shippingAddress"], "city": "Oakland"}
    results = tmp_path / "addresses.results.jsonl"

    def update() -> HyperSkuUpdateOrderAddressesOperator:
        return HyperSkuUpdateOrderAddressesOperator(
            task_id="addresses",
            updates=[{"orderId": order_id, "shippingAddress": address} for order_id in ids],
            results_path=str(results),
            max_concurrency=2,
        )

    report = stopped_with_two_calls_in_flight(update(), task_context(), held)

    assert report["counts"] == {"updated": 2, "skipped": 4}
    assert backend.requests["/api/customer/admin/orders/updateOrderAddress"] == 2
    assert sorted(outcomes(results).values()) == ["skipped"] * 4 + ["updated"] * 2

    again = update().execute(task_context(try_number=2))

    assert again["counts"] == {"updated": 6}
    assert sent_once_each(held, ids) == dict.fromkeys(ids, 1)


# ------------------------------------------------------------------------------------- 超8
@pytest.fixture
def chao8(
    serve_app: Callable[[Any], str], make_conn: Callable[..., str]
) -> Callable[[str], tuple[Any, HeldCalls]]:
    return lambda path: serve_held("chao8", path, serve_app, make_conn)


PRODUCT_CODES = [f"GS-{i}" for i in range(10)]
PRODUCTS = [{"productCode": code, "productName": f"停止 {code}"} for code in PRODUCT_CODES]


SYNCS = {
    "products": ("Chao8SyncProductsOperator", "/cncop/basic/v3/products", PRODUCTS),
    "dealers": (
        "Chao8SyncDealersOperator",
        "/cncop/org/v1/dealers",
        [{"code": code, "name": f"经销商 {code}", "region": "440100"} for code in PRODUCT_CODES],
    ),
}


@pytest.mark.parametrize("catalogue", sorted(SYNCS))
def test_a_chao8_sync_stops_between_batches_and_its_retry_sends_only_the_rest(
    catalogue: str, chao8: Callable[[str], tuple[Any, HeldCalls]], task_context: TaskContext, tmp_path: Path
) -> None:
    from airflow_provider.chao8 import operators

    class_name, prefix, items = SYNCS[catalogue]
    backend, held = chao8(f"{prefix}/batch" if catalogue == "products" else f"{prefix}/sync")
    results = tmp_path / f"{catalogue}.results.jsonl"

    def sync() -> Any:
        return getattr(operators, class_name)(
            task_id="sync",
            chunk_size=2,
            max_concurrency=2,
            results_path=str(results),
            **{catalogue: items},
        )

    report = stopped_with_two_calls_in_flight(sync(), task_context(), held)

    # two batches of two were in flight: they finished; the three batches left were not sent
    assert report["counts"] == {"created": 4, "updated": 0, "failed": 0, "skipped": 6}
    assert len(held.sent) == 2
    assert backend.requests[f"{prefix}/batch-query"] == 2
    assert sorted(outcomes(results).values()) == ["created"] * 4 + ["skipped"] * 6

    again = sync().execute(task_context(try_number=2))

    assert again["counts"] == {"created": 10, "updated": 0, "failed": 0}
    assert len(held.sent) == 5  # 2 + the 3 batches of the 6 not sent
    assert sent_once_each(held, PRODUCT_CODES) == dict.fromkeys(PRODUCT_CODES, 1)


def test_chao8_product_status_stops_between_batches_and_its_retry_sends_only_the_rest(
    chao8: Callable[[str], tuple[Any, HeldCalls]], task_context: TaskContext, tmp_path: Path
) -> None:
    from airflow_provider.chao8.operators import Chao8ProductsStatusOperator, Chao8SyncProductsOperator

    backend, held = chao8("/cncop/basic/v3/products/batch-disable")
    Chao8SyncProductsOperator(task_id="products", products=PRODUCTS).execute(task_context())
    results = tmp_path / "disable.results.jsonl"

    def disable() -> Chao8ProductsStatusOperator:
        return Chao8ProductsStatusOperator(
            task_id="disable",
            product_codes=PRODUCT_CODES,
            action_name="disable",
            chunk_size=3,
            max_concurrency=2,
            results_path=str(results),
        )

    report = stopped_with_two_calls_in_flight(disable(), task_context(), held)

    assert report["counts"] == {"ok": 6, "skipped": 4}
    assert sorted(outcomes(results).values()) == ["ok"] * 6 + ["skipped"] * 4

    again = disable().execute(task_context(try_number=2))

    assert again["counts"] == {"ok": 10}
    assert len(held.sent) == 4  # 2 + the 2 batches of the 4 not sent
    assert sent_once_each(held, PRODUCT_CODES) == dict.fromkeys(PRODUCT_CODES, 1)
    assert backend.requests["/cncop/basic/v3/products/batch-disable"] == 4


# -------------------------------------------------------------------------------- SuperShip
@pytest.fixture
def supership(
    serve_app: Callable[[Any], str], make_conn: Callable[..., str]
) -> Callable[[str], tuple[Any, HeldCalls]]:
    return lambda path: serve_held("supership", path, serve_app, make_conn)


def supership_codes(task_context: TaskContext, n: int) -> list[str]:
    from airflow_provider.sandbox.supership import sample_order
    from airflow_provider.supership.operators import SuperShipCreateOrdersOperator

    made = SuperShipCreateOrdersOperator(
        task_id="create", orders=[sample_order(f"STOP-{i}", i) for i in range(n)]
    ).execute(task_context())
    return [str(result["id"]) for result in made["results"]]


def test_supership_cancel_stops_and_its_retry_sends_only_the_rest(
    supership: Callable[[str], tuple[Any, HeldCalls]], task_context: TaskContext, tmp_path: Path
) -> None:
    from airflow_provider.supership.operators import SuperShipCancelOrdersOperator

    backend, held = supership("/v1/partner/orders/cancel")
    codes = supership_codes(task_context, 6)
    results = tmp_path / "cancel.results.jsonl"

    def cancel() -> SuperShipCancelOrdersOperator:
        return SuperShipCancelOrdersOperator(
            task_id="cancel", codes=codes, results_path=str(results), max_concurrency=2
        )

    report = stopped_with_two_calls_in_flight(cancel(), task_context(), held)

    assert report["counts"] == {"updated": 2, "skipped": 4}
    first = outcomes(results)
    assert sorted(first.values()) == ["skipped"] * 4 + ["updated"] * 2

    again = cancel().execute(task_context(try_number=2))

    # the two cancelled by attempt 1 keep their outcome (not re-sent, so not "already cancelled")
    assert again["counts"] == {"updated": 6}
    assert sent_once_each(held, codes) == dict.fromkeys(codes, 1)
    assert backend.requests["/v1/partner/orders/cancel"] == 6


def test_supership_warehouse_update_stops_and_its_retry_sends_only_the_rest(
    supership: Callable[[str], tuple[Any, HeldCalls]], task_context: TaskContext, tmp_path: Path
) -> None:
    from airflow_provider.sandbox.supership import SANDBOX_WAREHOUSES
    from airflow_provider.supership.operators import SuperShipUpdateWarehousesOperator

    backend, held = supership("/v1/partner/warehouses/update")
    for i in range(4):  # six warehouses in all: two held on the wire, four left to send
        backend._add_warehouse({**SANDBOX_WAREHOUSES[0], "code": f"WSTOP{i}", "primary": "2"})
    codes = sorted(str(w["code"]) for w in backend.store.values("warehouses"))
    assert len(codes) == 6
    updates = [
        {"code": code, "name": f"Kho dừng {i}", "phone": f"09000000{i:02d}", "contact": "Anh Dừng"}
        for i, code in enumerate(codes)
    ]
    results = tmp_path / "warehouses.results.jsonl"

    def update() -> SuperShipUpdateWarehousesOperator:
        return SuperShipUpdateWarehousesOperator(
            task_id="warehouses", updates=updates, results_path=str(results), max_concurrency=2
        )

    report = stopped_with_two_calls_in_flight(update(), task_context(), held)

    assert report["counts"] == {"updated": 2, "skipped": 4}
    assert sorted(outcomes(results).values()) == ["skipped"] * 4 + ["updated"] * 2

    again = update().execute(task_context(try_number=2))

    # the two changed by attempt 1 keep their outcome (sent again, they would read "ok": no change)
    assert again["counts"] == {"updated": 6}
    assert sent_once_each(held, codes) == dict.fromkeys(codes, 1)
