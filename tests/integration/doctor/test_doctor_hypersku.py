"""The doctor against the HyperSKU sandbox: clean, drifting, fixed by its own override, no secrets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider.common import drift
from airflow_provider.doctor.cli import run
from airflow_provider.hypersku.hooks import HyperSkuHook
from airflow_provider.sandbox.hypersku import (
    SANDBOX_EXAMPLE_ORDER,
    SANDBOX_STORE_CODE,
    HyperSkuBackend,
    create_app,
)
from airflow_provider.sandbox.kit.drift import hashed_in

pytestmark = pytest.mark.integration

USER = "doctor-planted-user"
PASSWORD = "Pl4nted-Passw0rd-6612"
CLIENT_SECRET = "Pl4nted-Client-Secret-0937"
REFRESH_TOKEN = "Pl4nted-Refresh-Token-5521"
API_KEY = "Pl4nted-Api-Key-4410"
ADDRESS = "77 Plantedvale Crescent"
PHONE = "+1 415 555 8642"


@pytest.fixture(autouse=True)
def _fresh_warnings() -> None:
    drift.reset_warnings()


@pytest.fixture
def backend() -> HyperSkuBackend:
    return HyperSkuBackend(failure_share=0, users={USER: PASSWORD})


@pytest.fixture
def url(backend: HyperSkuBackend, serve_app: Callable[[Any], str]) -> str:
    return serve_app(create_app(backend))


def connect(make_conn: Callable[..., str], url: str, **extra: Any) -> str:
    # secret extras the password mode does not use are still planted: none may be printed
    return make_conn(
        "hypersku_doc",
        "hypersku",
        host=url,
        login=USER,
        password=PASSWORD,
        extra={
            "store_code": SANDBOX_STORE_CODE,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH_TOKEN,
            "api_key": API_KEY,
            **extra,
        },
    )


def place_orders(conn_id: str, count: int = 6) -> list[str]:
    """Orders carrying the planted address and phone; their HyperSKU ids."""
    hook = HyperSkuHook(conn_id)
    ids = []
    for n in range(count):
        address = {**SANDBOX_EXAMPLE_ORDER["shippingAddress"], "address1": ADDRESS, "phone": PHONE}
        order = {**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"DOC-{n}", "shippingAddress": address}
        ids.append(hook.create_order(order).order_base_info.order_id)
    hook.close()
    return ids


def doctor(conn_id: str, *flags: str) -> tuple[int, str]:
    return run(["--conn-id", conn_id, *flags])


def rows_of(text: str) -> dict[str, dict[str, Any]]:
    (report,) = json.loads(text)["connections"]
    return {row["operation"]: row for row in report["operations"]}


def test_clean_sandbox_every_operation_ok(make_conn: Callable[..., str], url: str) -> None:
    conn_id = connect(make_conn, url)
    place_orders(conn_id, 2)
    code, text = doctor(conn_id, "--json")
    rows = rows_of(text)
    assert code == 0, text
    checked = {name: row["kind"] for name, row in rows.items() if row["kind"] != "not checked"}
    assert set(checked.values()) == {"ok"}, checked
    assert len(checked) == 12
    # writes are listed, not called
    assert {name for name, row in rows.items() if row["kind"] == "not checked"} == {
        "create",
        "cancelOrder",
        "updateOrderAddress",
    }


def test_drift_each_difference_named_with_its_kind(
    make_conn: Callable[..., str], url: str, backend: HyperSkuBackend
) -> None:
    conn_id = connect(make_conn, url)
    order_ids = place_orders(conn_id)
    assert any(hashed_in(order_id) for order_id in order_ids)  # some rows will be renamed
    backend.drift.set(True)

    code, text = doctor(conn_id, "--json")
    rows = rows_of(text)

    moved = rows["getProductInfo"]
    assert moved["kind"] == "path not found"
    assert moved["fix"] == {
        "endpoints": {"getProductInfo": "/api/customer/admin/product/getProductInfoV2"},
        "verified": True,
    }
    renamed = rows["getOrderInfos"]
    assert renamed["kind"] == "fields differ"
    assert "orderId" in renamed["missing"]
    assert "orderID" in renamed["unknown"]
    status = rows["getOrdersStatus"]
    assert (status["kind"], status["code"]) == ("unknown status", "99")
    business = rows["getStockOrderInfo"]
    assert (business["kind"], business["code"]) == ("business error", "40999")
    assert "new WMS" in business["detail"]
    envelope = rows["getCustomerInventoryInfo"]
    assert envelope["kind"] == "envelope differs"
    assert "'status'" in envelope["detail"]
    assert "code, msg, result" in envelope["detail"]
    # nothing else differs, and no example DAG's operation is hit: exit code 0
    untouched = set(rows) - {
        "getProductInfo",
        "getOrderInfos",
        "getOrdersStatus",
        "getStockOrderInfo",
        "getCustomerInventoryInfo",
    }
    assert {rows[name]["kind"] for name in untouched} <= {"ok", "not checked"}
    assert code == 0


def test_the_override_it_proposes_makes_the_next_run_ok(
    make_conn: Callable[..., str], url: str, backend: HyperSkuBackend
) -> None:
    backend.drift.set(True)
    _code, text = doctor(connect(make_conn, url), "--json")
    fix = rows_of(text)["getProductInfo"]["fix"]

    # exactly what a user does: paste the JSON into the connection's extra, run again
    conn_id = connect(make_conn, url, endpoints=fix["endpoints"])
    _code, text = doctor(conn_id, "--json")
    assert rows_of(text)["getProductInfo"]["kind"] == "ok"
    assert "getProductInfoV2" in rows_of(text)["getProductInfo"]["path"]


def test_an_example_dag_operation_failing_exits_non_zero(make_conn: Callable[..., str], url: str) -> None:
    conn_id = connect(make_conn, url, endpoints={"getOrdersStatus": "/api/customer/admin/orders/statuses"})
    code, text = doctor(conn_id)
    assert code == 1
    assert "FAILING for the example DAGs: getOrdersStatus" in text
    assert '"getOrdersStatus": "/api/customer/admin/orders/status"' in text  # the fix names the path


def test_refused_login_names_the_step(make_conn: Callable[..., str], url: str) -> None:
    conn_id = make_conn(
        "hypersku_bad", "hypersku", host=url, login=USER, password="wrong", extra={"store_code": "S"}
    )
    code, text = doctor(conn_id, "--json")
    (report,) = json.loads(text)["connections"]
    assert code == 1
    assert report["auth"]["kind"] == "auth refused"
    assert report["auth"]["detail"].startswith("the token call failed")
    ok, message = HyperSkuHook(conn_id).test_connection()
    assert not ok
    assert message.startswith(
        "the token call failed (auth refused): hypersku: User invalid: wrong username or password"
    )


def test_no_secret_token_or_personal_data_in_any_output(
    make_conn: Callable[..., str], url: str, backend: HyperSkuBackend
) -> None:
    conn_id = connect(make_conn, url)
    place_orders(conn_id)
    tokens: set[str] = set()
    outputs = []
    for drifting in (False, True):
        backend.drift.set(drifting)
        for flags in ((), ("--json",), ("--include-writes",)):
            outputs.append(doctor(conn_id, *flags)[1])
            tokens |= {token.value for token in _issued(backend)}
    bad = make_conn("hypersku_bad", "hypersku", host=url, login=USER, password=PASSWORD + "x")
    outputs += [doctor(bad)[1], doctor(bad, "--json")[1]]
    assert tokens
    planted = [PASSWORD, CLIENT_SECRET, REFRESH_TOKEN, API_KEY, ADDRESS, PHONE, PASSWORD + "x", *tokens]
    for output in outputs:
        for value in planted:
            assert value not in output


def _issued(backend: HyperSkuBackend) -> list[Any]:
    from airflow_provider.common.auth import TokenManager

    return list(TokenManager._local.values())


def test_writes_only_against_the_sandbox(make_conn: Callable[..., str]) -> None:
    """A host that is no sandbox (nothing listens there) gets no write, and the output says so."""
    conn_id = make_conn(
        "hypersku_elsewhere", "hypersku", host="http://127.0.0.1:9", login=USER, password=PASSWORD
    )
    code, text = doctor(conn_id, "--include-writes")
    assert code == 1
    assert "--include-writes ignored for 'hypersku_elsewhere': it does not point at the sandbox" in text
    assert "unreachable" in text


def test_slow_answers_are_reported_slow(make_conn: Callable[..., str], url: str) -> None:
    ticks = iter(range(0, 10_000, 2))  # every reading of the clock 2 s after the last

    code, text = run(
        ["--conn-id", connect(make_conn, url), "--json", "--slow-seconds", "1"],
        clock=lambda: float(next(ticks)),
    )
    kinds = {row["kind"] for row in rows_of(text).values()}
    assert kinds == {"slow", "not checked"}
    assert code == 0  # slow is reported, not a failure
