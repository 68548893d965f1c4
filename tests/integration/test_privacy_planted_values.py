"""
No customer's personal data and no secret leaves the provider (issue 22, item 5).

1,000 orders per platform carry distinctive names, addresses, phones, e-mails and tax numbers
(:mod:`planted_values`); one in a hundred is invalid in a personal field (its value must not be
echoed by the error), and the sandbox drops or fails a few calls (retries and look-ups log). Each
platform's bulk create runs against its sandbox; then the task log and everything else written
to the process's logs and streams (the sandbox's included), the XCom values, the results file,
the error the task failed with, the metrics sent (names and tags), the OpenLineage facets of the
run and every secret (connection secrets, tokens issued) are searched for each planted value.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from metrics_recorder import recording_stats
from planted_values import Person, Planted, logs_kept

from airflow_provider.platforms import get_platform
from airflow_provider.sandbox.kit import Faults, start_server
from airflow_provider.sandbox.registry import load_simulator

pytestmark = pytest.mark.integration

ORDERS = 1000
INVALID_EVERY = 100


def _hypersku(people: list[Person]) -> list[dict[str, Any]]:
    from airflow_provider.sandbox.hypersku.seed import SANDBOX_EXAMPLE_ORDER

    orders = []
    for p in people:
        address = {
            **SANDBOX_EXAMPLE_ORDER["shippingAddress"],
            "firstName": p.first_name,
            "lastName": p.last_name,
            "address1": p.street,
            "address2": p.address2,
            "phone": p.phone,
            "email": p.email,
            "taxNo": p.tax_no,
        }
        if p.n % INVALID_EVERY == 7:
            address["address1"] = [p.street]  # not a string: pydantic's error holds the input
        orders.append(
            {
                "thirdOrderId": f"PV-{p.n:04d}",
                "shippingAddress": address,
                "skuItems": SANDBOX_EXAMPLE_ORDER["skuItems"],
            }
        )
    return orders


def _supership(people: list[Person]) -> list[dict[str, Any]]:
    from airflow_provider.sandbox.supership.seed import sample_order

    orders = []
    for p in people:
        order = sample_order(f"PV-{p.n:04d}", p.n)
        order.update(name=p.name, phone=p.phone, email=p.email, address=p.street, note=p.note)
        if p.n % INVALID_EVERY == 7:
            order["phone"] = f"{p.phone}zqx"  # not a phone number: the error must not quote it
        orders.append(order)
    return orders


def _chao8(people: list[Person]) -> list[dict[str, Any]]:
    """超8's logistics orders carry no customer: only the secrets are planted."""
    from airflow_provider.sandbox.chao8 import (
        SANDBOX_DEALER_CODES,
        SANDBOX_PRODUCT_CODES,
        SANDBOX_WAREHOUSE_CODE,
    )

    return [
        {
            "orderNo": f"PV-{p.n:04d}",
            "orderType": 1,
            "sourceOrgCode": SANDBOX_WAREHOUSE_CODE,
            "targetOrgCode": SANDBOX_DEALER_CODES[0],
            "products": [
                {"productCode": SANDBOX_PRODUCT_CODES[0], "quantity": 0 if p.n % INVALID_EVERY == 7 else 1}
            ],
        }
        for p in people
    ]


def _hishopping(people: list[Person]) -> list[dict[str, Any]]:
    from airflow_provider.sandbox import hishopping as sb

    orders = []
    for p in people:
        receiver = {**sb.SANDBOX_RECEIVER, "name": p.name, "phone": p.phone, "address": p.street}
        if p.n % INVALID_EVERY == 7:
            receiver["name"] = {"first": p.first_name}  # not a string
        orders.append(
            {
                "merchant_order": f"PV-{p.n:04d}",
                "goods_id": sb.GOODS_EARBUDS,
                "sku_id": sb.SKU_EARBUDS_WHITE,
                "quantity": 1,
                "receiver": receiver,
                "remark": p.note,
            }
        )
    return orders


CASES: dict[str, tuple[str, Callable[[list[Person]], list[dict[str, Any]]]]] = {
    "hypersku": ("HyperSkuCreateOrdersOperator", _hypersku),
    "supership": ("SuperShipCreateOrdersOperator", _supership),
    "chao8": ("Chao8CreateLogisticsOrdersOperator", _chao8),
    "hishopping": ("HiShoppingCreateOrdersOperator", _hishopping),
}


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, make_conn: Callable[..., str]) -> Iterator[tuple[Any, Planted]]:
    """The platform's simulator (a few dropped and failed calls), its connection, the planted secrets."""
    platform: str = request.param
    planted = Planted()
    simulator = load_simulator(platform)
    kwargs: dict[str, Any] = {"starting_credit": 100_000} if platform == "hishopping" else {}
    backend = simulator.new_backend(faults=Faults(error_rate=0.01, drop_rate=0.01, seed=22), **kwargs)
    for issuer in backend.issuers():
        issue = issuer.issue

        def recording(*args: Any, _issue: Callable[..., str] = issue, **kwargs: Any) -> str:
            token = _issue(*args, **kwargs)
            planted.add_secrets(token)
            return token

        issuer.issue = recording  # type: ignore[method-assign]
    server = start_server(simulator.create_app(backend))
    conn = simulator.connection(server.url)
    planted.add_connection_secrets(conn)
    make_conn(
        get_platform(platform).default_conn_id,
        conn["conn_type"],
        host=conn.get("host"),
        login=conn.get("login"),
        password=conn.get("password"),
        extra=conn.get("extra") or {},
    )
    try:
        yield backend, planted
    finally:
        server.stop()


@pytest.mark.parametrize("sandbox", list(CASES), indirect=True)
def test_no_planted_value_leaves_a_bulk_create(
    sandbox: tuple[Any, Planted],
    request: pytest.FixtureRequest,
    task_context: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from airflow.sdk.module_loading import import_string

    _backend, planted = sandbox
    platform = request.node.callspec.params["sandbox"]
    operator_name, build = CASES[platform]
    orders = build(planted.people(ORDERS))
    assert (
        any(planted.leaks(json.dumps(order, ensure_ascii=False)) for order in orders) or platform == "chao8"
    )
    results_path = tmp_path / "results.jsonl"
    operator_class = import_string(f"{get_platform(platform).package_name}.operators.{operator_name}")
    extra: dict[str, Any] = {"logistics": "cheapest"} if platform == "hypersku" else {}
    operator = operator_class(
        task_id="create",
        orders=orders,
        on_invalid="report",
        results_path=str(results_path),
        max_concurrency=8,
        **extra,
    )
    context = task_context()
    failure: BaseException | None = None
    with logs_kept() as records, recording_stats() as metrics:  # every level: no body is logged
        try:
            operator.execute(context)
        except Exception as err:  # invalid orders (and any the sandbox failed) fail the task
            failure = err
    assert failure is not None, "the invalid orders should fail the task"
    out, err = capfd.readouterr()
    # what OpenLineage would emit for this run (None without the optional OpenLineage provider)
    lineage = [
        repr(operator.get_openlineage_facets_on_failure(context["ti"])),
        repr(operator.get_openlineage_facets_on_complete(context["ti"])),
    ]
    assert metrics.sent, "no metric was recorded"
    if importlib.util.find_spec("airflow.providers.openlineage") is not None:
        assert "OperatorLineage" in lineage[0], lineage[0]

    assert records.lines, "no log record captured"
    findings = planted.findings("log records", [caplog.text, records.lines])
    findings += planted.findings("stdout/stderr", out + err)
    findings += planted.findings("XCom", context["ti"].xcom)
    findings += planted.findings("error", [str(failure), repr(failure), str(failure.__cause__ or "")])
    findings += planted.scan_files(tmp_path)
    findings += planted.findings("metrics", [(m.stat, m.tags) for m in metrics.sent])
    findings += planted.findings("lineage", lineage)
    assert not findings, f"{len(findings)} planted value(s) leaked:\n  " + "\n  ".join(findings[:20])

    assert "return_value" in context["ti"].xcom, f"{failure!r} {list(context['ti'].xcom)}"
    report = context["ti"].xcom["return_value"]
    results = [json.loads(line) for line in results_path.read_text().splitlines()]
    assert len(results) == ORDERS
    invalid = [r for r in results if r["outcome"] == "invalid"]
    assert len(invalid) == ORDERS // INVALID_EVERY
    # an input error names the order and the field
    assert all(r["key"].startswith("PV-") and r["error"]["fields"] for r in invalid)
    assert report["counts"].get("invalid") == ORDERS // INVALID_EVERY
    assert planted.secrets, "no secret was planted"


@pytest.mark.parametrize("sandbox", ["hypersku"], indirect=True)
def test_the_logistics_quote_hands_orders_on_as_a_file(
    sandbox: tuple[Any, Planted], task_context: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from airflow_provider.hypersku.operators import (
        HyperSkuCreateOrdersOperator,
        HyperSkuLogisticsQuoteOperator,
    )

    _backend, planted = sandbox
    orders = _hypersku(planted.people(ORDERS))
    valid = [o for n, o in enumerate(orders) if n % INVALID_EVERY != 7]
    caplog.set_level(logging.INFO)
    with logs_kept() as records, pytest.raises(AirflowFailException) as refused:
        HyperSkuLogisticsQuoteOperator(task_id="quote", orders=orders, output_path=str(tmp_path)).execute(
            task_context()
        )
    assert "PV-0007: shippingAddress.address1" in str(refused.value)  # the order and the field
    planted.assert_clean("quote error", str(refused.value))

    quote_context = task_context()
    with logs_kept(records):
        HyperSkuLogisticsQuoteOperator(task_id="quote", orders=valid, output_path=str(tmp_path)).execute(
            quote_context
        )
    xcom = quote_context["ti"].xcom
    planted.assert_clean("quote XCom", xcom)
    handed_on = Path(xcom["orders"]).read_text(encoding="utf-8")
    assert planted.leaks(handed_on), "the file handed on holds the orders themselves"

    create_context = task_context()
    with logs_kept(records):
        report = HyperSkuCreateOrdersOperator(
            task_id="create", orders=xcom["orders"], max_concurrency=8
        ).execute(create_context)
    assert report["counts"] == {"created": len(valid)}
    planted.assert_clean("create XCom", [report, create_context["ti"].xcom])
    planted.assert_clean("logs", [caplog.text, records.lines])
