"""
The metrics of a 5,000-order bulk create add up, against the HyperSKU sandbox on loopback.

Airflow's stats backend is replaced in-process by a recorder. The sandbox injects HTTP 500s and
lost answers (seeded), 300 of the orders exist before the run and 25 name a logistics channel
the platform does not know. Checked: created + existed + failed = 5,000 in the counters, each as
the report says and as the sandbox's store shows; one timing per attempt, by endpoint; errors
and retries as injected; every lost create answer resolved by a look-up; the
in-flight gauge back at 0; nothing personal in any name or tag.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from metrics_recorder import recording_stats

from airflow_provider.sandbox.kit import Faults, start_server
from airflow_provider.sandbox.registry import load_simulator

pytestmark = pytest.mark.integration

ORDERS = int(os.environ.get("METRICS_TEST_ORDERS", "5000"))
EXISTING = 300
REFUSED = 25
CREATE = "/api/customer/admin/orders/create"


def _orders() -> list[dict[str, Any]]:
    from airflow_provider.sandbox.hypersku.seed import SANDBOX_EXAMPLE_ORDER

    orders = []
    for number in range(ORDERS):
        order = {
            **SANDBOX_EXAMPLE_ORDER,
            "thirdOrderId": f"M-{number:05d}",
            "thirdOrderName": f"M-{number:05d}",
        }
        if number >= ORDERS - REFUSED:
            order["logisticsId"] = "999999"  # a channel the platform does not know: refused
        orders.append(order)
    return orders


@pytest.fixture
def sandbox(make_conn: Any) -> Any:
    simulator = load_simulator("hypersku")
    backend = simulator.new_backend(faults=Faults())
    server = start_server(simulator.create_app(backend))
    conn = simulator.connection(server.url)
    make_conn(
        "hypersku_default",
        conn["conn_type"],
        host=conn.get("host"),
        login=conn.get("login"),
        password=conn.get("password"),
        extra={**(conn.get("extra") or {}), "retry_base_delay": 0.001, "max_attempts": 6},
    )
    try:
        yield backend
    finally:
        server.stop()


def test_the_metrics_of_a_5000_order_run_add_up(sandbox: Any, task_context: Any, tmp_path: Any) -> None:
    from airflow.sdk.exceptions import AirflowException

    from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator

    orders = _orders()
    HyperSkuCreateOrdersOperator(task_id="seed", orders=orders[:EXISTING], max_concurrency=16).execute(
        task_context()
    )
    sandbox.faults.update(error_rate=0.02, lose_answer_rate=0.01, seed=19)
    sandbox.reset_stats()

    operator = HyperSkuCreateOrdersOperator(
        task_id="create", orders=orders, max_concurrency=16, results_path=str(tmp_path / "results.jsonl")
    )
    context = task_context()
    with (
        recording_stats() as recorder,
        pytest.raises(AirflowException, match=f"{REFUSED} of {ORDERS} failed"),
    ):
        operator.execute(context)
    report = context["ti"].xcom["return_value"]

    counters = recorder.counters("fulfillment.hypersku.items.")
    created = counters.get("fulfillment.hypersku.items.created", 0)
    existed = counters.get("fulfillment.hypersku.items.existed", 0)
    failed = counters.get("fulfillment.hypersku.items.failed", 0)
    assert created + existed + failed == ORDERS
    assert (created, existed, failed) == (ORDERS - EXISTING - REFUSED, EXISTING, REFUSED)
    assert set(counters) == {f"fulfillment.hypersku.items.{o}" for o in ("created", "existed", "failed")}
    assert report["counts"] == {"created": created, "existed": existed, "failed": failed}
    assert recorder.counter("fulfillment.hypersku.bulk_runs") == 1
    stored = {str(order["thirdOrderId"]) for order in sandbox.dump()["orders"].values()}
    assert len(stored) == ORDERS - REFUSED

    # one timing per attempt, named after the endpoint: each request the sandbox received, and
    # each that failed in transport before reaching it (a transport error of that endpoint)
    paths = {path: name for name, path in operator.hook.endpoints.items()}
    received = {paths[path]: n for path, n in sandbox.requests.items() if n}
    timed = {name.rsplit(".", 1)[1]: n for name, n in recorder.timings("fulfillment.hypersku.calls.").items()}
    assert set(timed) == set(received)
    for operation, n in received.items():
        lost = sum(
            1
            for s in recorder.of("incr", "fulfillment.hypersku.errors.transport")
            if s.tags["operation"] == operation
        )
        assert n <= timed[operation] <= n + lost, operation
    # every injected fault was an error the pipeline counted
    injected = sandbox.faults.injected
    assert injected["error"] > 0, injected
    assert injected["lose_answer"] > 0, injected
    errors = recorder.counters("fulfillment.hypersku.errors.")
    assert errors.get("fulfillment.hypersku.errors.transient", 0) == injected["error"]
    assert errors.get("fulfillment.hypersku.errors.transport", 0) >= injected["lose_answer"]
    assert recorder.counter("fulfillment.hypersku.calls.retried") > 0
    # a lost create answer is looked up, found and reported created: never sent blind
    lost_creates = recorder.counter("fulfillment.hypersku.lost_answers.resolved")
    assert 0 < lost_creates <= injected["lose_answer"]
    assert recorder.last_gauge("fulfillment.hypersku.calls.in_flight") == 0
    assert recorder.counters("fulfillment.hypersku.token.") == {}  # the seed run's token is reused

    for sent in recorder.sent:
        assert "M-0" not in f"{sent.stat} {sent.tags}", sent
