"""
No order is created twice across task attempts, on every platform.

Attempt 1 of a bulk create runs in a subprocess and is killed with SIGKILL part-way (as a worker
dies: no clean-up, no report). Attempt 2 (``try_number=2``) of the same task then runs against the
same sandbox, switched to ACCEPT a reused caller id: a create sent again would make a second
order, so only the operator's look-up before create keeps the count right. Checked: every caller
id has exactly one order, none is missing, and the report says ``existed`` for each order
attempt 1 made and ``created`` for the others.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from airflow_provider.platforms import get_platform
from airflow_provider.sandbox.kit import Faults, start_server
from airflow_provider.sandbox.registry import load_simulator

pytestmark = pytest.mark.integration

ORDERS = 24
#: only a broken run waits this long: every wait below is woken by the sandbox itself
SAFETY_SECONDS = 300


def _hypersku(n: int) -> list[dict[str, Any]]:
    from airflow_provider.sandbox.hypersku.seed import SANDBOX_EXAMPLE_ORDER

    return [
        {**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"KILL-{i:03d}", "thirdOrderName": f"KILL-{i:03d}"}
        for i in range(n)
    ]


def _supership(n: int) -> list[dict[str, Any]]:
    from airflow_provider.sandbox.supership.seed import sample_order

    return [sample_order(f"KILL-{i:03d}", i) for i in range(n)]


def _chao8(n: int) -> list[dict[str, Any]]:
    from airflow_provider.sandbox.chao8 import (
        SANDBOX_DEALER_CODES,
        SANDBOX_PRODUCT_CODES,
        SANDBOX_WAREHOUSE_CODE,
    )

    return [
        {
            "orderNo": f"KILL-{i:03d}",
            "orderType": 1,
            "sourceOrgCode": SANDBOX_WAREHOUSE_CODE,
            "targetOrgCode": SANDBOX_DEALER_CODES[0],
            "products": [{"productCode": SANDBOX_PRODUCT_CODES[0], "quantity": 1}],
        }
        for i in range(n)
    ]


def _hishopping(n: int) -> list[dict[str, Any]]:
    from airflow_provider.sandbox import hishopping as sb

    return [
        {
            "merchant_order": f"KILL-{i:03d}",
            "goods_id": sb.GOODS_EARBUDS,
            "sku_id": sb.SKU_EARBUDS_WHITE,
            "quantity": 1,
            "receiver": dict(sb.SANDBOX_RECEIVER),
        }
        for i in range(n)
    ]


@dataclass(frozen=True)
class Case:
    """How one platform's bulk create is driven and counted."""

    platform: str
    operator: str
    key: str
    create_path: str
    table: str
    orders: Callable[[int], list[dict[str, Any]]]


CASES = [
    Case(
        "hypersku",
        "HyperSkuCreateOrdersOperator",
        "thirdOrderId",
        "/api/customer/admin/orders/create",
        "orders",
        _hypersku,
    ),
    Case("supership", "SuperShipCreateOrdersOperator", "soc", "/v1/partner/orders/add", "orders", _supership),
    Case(
        "chao8",
        "Chao8CreateLogisticsOrdersOperator",
        "orderNo",
        "/cncop/trace/v1/logistics-orders",
        "logistics_orders",
        _chao8,
    ),
    Case(
        "hishopping",
        "HiShoppingCreateOrdersOperator",
        "merchant_order",
        "/api/v1/open/order/create",
        "orders",
        _hishopping,
    ),
]

ATTEMPT = """
import json, sys
from airflow.sdk.module_loading import import_string

class TI:
    try_number = 1
    dag_id, task_id, map_index = "dag", "create", -1
    def xcom_push(self, key, value):
        pass

operator_class = import_string(sys.argv[1])
orders = json.loads(sys.stdin.read())
operator_class(task_id="create", orders=orders, max_concurrency=2).execute({"ti": TI(), "run_id": "r"})
print("ATTEMPT 1 FINISHED", flush=True)
"""


@pytest.fixture
def running(
    request: pytest.FixtureRequest, make_conn: Callable[..., str]
) -> Iterator[tuple[Any, dict[str, str]]]:
    """The platform's simulator on loopback (accepting reused ids, 40 ms a call) and its connection."""
    case: Case = request.param
    simulator = load_simulator(case.platform)
    backend = simulator.new_backend(faults=Faults(latency_ms=40), duplicate_ids="accept")
    server = start_server(simulator.create_app(backend))
    conn = simulator.connection(server.url)
    conn_id = get_platform(case.platform).default_conn_id
    make_conn(
        conn_id,
        conn["conn_type"],
        host=conn.get("host"),
        login=conn.get("login"),
        password=conn.get("password"),
        extra=conn.get("extra") or {},
    )
    env = {**os.environ}
    try:
        yield backend, env
    finally:
        server.stop()


def _notify_on_change(backend: Any) -> threading.Condition:
    """A condition notified whenever the sandbox counts a request or stores a row."""
    changed = threading.Condition()
    count, insert = backend.count, backend.store.insert

    def counting(path: str) -> None:
        count(path)
        with changed:
            changed.notify_all()

    def inserting(*args: Any, **kwargs: Any) -> Any:
        stored = insert(*args, **kwargs)
        # a simulator may insert while holding its store's lock, and the waiter reads the store
        # under this condition: never block here (a skipped wake-up only ends the wait later)
        if changed.acquire(blocking=False):
            changed.notify_all()
            changed.release()
        return stored

    backend.count = counting
    backend.store.insert = inserting
    return changed


def _rows(backend: Any, case: Case) -> list[dict[str, Any]]:
    table = backend.dump().get(case.table, {})
    return list(table.values()) if isinstance(table, dict) else list(table)


@pytest.mark.parametrize(
    ("running", "case"), [(c, c) for c in CASES], indirect=["running"], ids=[c.platform for c in CASES]
)
def test_a_killed_bulk_create_retried_as_attempt_2_creates_nothing_twice(
    running: tuple[Any, dict[str, str]], case: Case, task_context: Any
) -> None:
    backend, env = running
    orders = case.orders(ORDERS)
    operator_path = f"{get_platform(case.platform).package_name}.operators.{case.operator}"

    attempt_1 = subprocess.Popen(
        [sys.executable, "-c", ATTEMPT, operator_path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    assert attempt_1.stdin is not None
    attempt_1.stdin.write(json.dumps(orders).encode())
    attempt_1.stdin.close()
    changed = _notify_on_change(backend)
    with changed:  # woken by every request the sandbox counts and every row it stores
        reached = changed.wait_for(lambda: backend.requests[case.create_path] >= ORDERS // 3, SAFETY_SECONDS)
    assert reached, "attempt 1 never got a third of the way"
    assert attempt_1.poll() is None, "attempt 1 ended before it was killed"
    attempt_1.send_signal(signal.SIGKILL)
    attempt_1.wait(30)
    output = attempt_1.stdout.read().decode() if attempt_1.stdout else ""
    assert "ATTEMPT 1 FINISHED" not in output, "attempt 1 finished before it was killed"
    # creates already on the wire are still handled by the server: wait until every create it
    # counted has its order (a create that never reached the handler made none: bounded wait)
    with changed:
        changed.wait_for(lambda: len(_rows(backend, case)) >= backend.requests[case.create_path], 5)
    made_by_attempt_1 = {str(row[case.key]) for row in _rows(backend, case)}
    assert 0 < len(made_by_attempt_1) < ORDERS

    from airflow.sdk.module_loading import import_string

    operator_class = import_string(operator_path)
    report = operator_class(task_id="create", orders=orders, max_concurrency=4).execute(
        task_context(try_number=2)
    )

    per_key = Counter(str(row[case.key]) for row in _rows(backend, case))
    assert {key: n for key, n in per_key.items() if n > 1} == {}, "an order was created twice"
    assert set(per_key) == {str(order[case.key]) for order in orders}, "an order is missing"
    outcomes = {result["key"]: result["outcome"] for result in report["results"]}
    assert {key for key, outcome in outcomes.items() if outcome == "existed"} == made_by_attempt_1
    assert {key for key, outcome in outcomes.items() if outcome == "created"} == set(
        per_key
    ) - made_by_attempt_1
    assert report["counts"] == {
        outcome: n
        for outcome, n in {
            "existed": len(made_by_attempt_1),
            "created": ORDERS - len(made_by_attempt_1),
        }.items()
        if n
    }
