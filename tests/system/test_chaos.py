"""
Chaos scenarios on the distributed deployment (``cluster/fleet.py``, every component supervised):
one infrastructure fault each, in the middle of a HyperSKU bulk create (``bulk_orders_load``) or
while a deferrable sensor waits (``bulk_orders_wait``), with the sandbox accepting reused ids (a
create sent twice would make a second order) and no random fault (the scenario's fault is the one
under test).

Each scenario checks: no order created twice; none lost (every input order created exactly once,
or reported failed with a reason in the results file); the run ends in its expected state after
Airflow's retries; HyperSKU token calls within one per token lifetime + 1; and measures the
seconds from the fault's end to the first order created after it (bulk scenarios) or to the
sensor's end (wait scenarios). Each adds one row to the table printed at the end.

Select scenarios by name: ``make system-test SCENARIOS=api-server,postgres``.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cluster.fleet import Fleet, wait_for
from tests.system.fleet_helpers import (
    SANDBOX_SPEED,
    creates_sent,
    hypersku_orders,
    lifetimes,
    sandbox,
)

pytestmark = pytest.mark.system

#: orders per bulk scenario and per wait scenario; the outage and the components' down time
BULK_ORDERS = int(os.environ.get("FLEET_CHAOS_ORDERS", "3000"))
WAIT_ORDERS = int(os.environ.get("FLEET_CHAOS_WAIT_ORDERS", "200"))
OUTAGE_SECONDS = float(os.environ.get("FLEET_OUTAGE_SECONDS", "60"))
DOWN_SECONDS = float(os.environ.get("FLEET_DOWN_SECONDS", "5"))
RUN_TIMEOUT = 1200.0


@dataclass
class Chaos:
    """One scenario's run: the fleet, the DAG run, and the fault's start and end (monotonic)."""

    fleet: Fleet
    dag_id: str
    run_id: str
    started: float = 0.0
    ended: float = 0.0

    def task(self, task_id: str) -> dict[str, Any]:
        return next(t for t in self.fleet.task_instances(self.dag_id, self.run_id) if t["task_id"] == task_id)


def restart(component: str, signum: int = signal.SIGTERM) -> Callable[[Chaos], None]:
    """Stop ``component`` (``signum``), keep it down a few seconds, start it again."""

    def fault(chaos: Chaos) -> None:
        chaos.started = time.monotonic()
        chaos.ended = chaos.fleet.restart(component, down_seconds=DOWN_SECONDS, signum=signum)

    return fault


def sigterm_the_worker(chaos: Chaos) -> None:
    """SIGTERM the Celery worker running the create, as a rollout or an autoscaler does (Celery's
    warm shutdown lets the task finish; the supervisor starts the worker again once it exits)."""
    victim = chaos.fleet.running_task(str(chaos.task("create_orders")["id"]))
    assert victim is not None, "no Celery worker runs the create"
    assert victim.startswith("worker-"), victim
    chaos.started = chaos.ended = time.monotonic()
    chaos.fleet.components[victim].signal(signal.SIGTERM)


def platform_away(chaos: Chaos) -> None:
    """The sandbox's drop switch: every HyperSKU call, token calls too, loses its connection."""
    chaos.started = time.monotonic()
    sandbox(chaos.fleet, "hypersku", "faults", "POST", json={"drop_rate": 1.0, "include_auth": True})
    time.sleep(OUTAGE_SECONDS)
    sandbox(chaos.fleet, "hypersku", "faults", "POST", json={"drop_rate": 0.0, "include_auth": False})
    chaos.ended = time.monotonic()


@dataclass(frozen=True)
class Scenario:
    name: str
    dag_id: str
    fault: Callable[[Chaos], None]
    expected_state: str = "success"

    @property
    def waits(self) -> bool:
        return self.dag_id == "bulk_orders_wait"

    @property
    def orders(self) -> int:
        return WAIT_ORDERS if self.waits else BULK_ORDERS

    @property
    def prefix(self) -> str:
        return "CH-" + self.name.upper().replace("-", "")


SCENARIOS = [
    Scenario("api-server", "bulk_orders_load", restart("api-server")),
    Scenario("postgres", "bulk_orders_load", restart("postgres")),
    Scenario("redis", "bulk_orders_load", restart("redis")),
    Scenario("scheduler", "bulk_orders_wait", restart("scheduler", signal.SIGKILL)),
    Scenario("worker-sigterm", "bulk_orders_load", sigterm_the_worker),
    Scenario("platform-bulk", "bulk_orders_load", platform_away),
    Scenario("platform-wait", "bulk_orders_wait", platform_away),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_chaos(fleet: Fleet, scenario_table: list[dict[str, Any]], scenario: Scenario) -> None:
    fleet.wait_for_dags(["bulk_orders_load", "bulk_orders_wait"])
    # only the scenario's fault; the platform's clock stopped while a wait scenario's orders are made
    sandbox(fleet, "hypersku", "faults", "POST", json={"clear": True, "include_auth": False})
    sandbox(fleet, "hypersku", "duplicate-ids", "PUT", json={"mode": "accept"})
    sandbox(fleet, "hypersku", "clock", "POST", json={"speed": 0 if scenario.waits else SANDBOX_SPEED})
    sandbox(fleet, "hypersku", "stats/reset", "POST")
    row: dict[str, Any] = {"scenario": scenario.name, "orders": scenario.orders}
    scenario_table.append(row)
    t0 = time.monotonic()
    chaos = Chaos(
        fleet,
        scenario.dag_id,
        fleet.trigger(scenario.dag_id, {"count": scenario.orders, "prefix": scenario.prefix}),
    )

    if scenario.waits:
        wait_for(
            "the sensor to wait deferred",
            lambda: chaos.task("wait_settled")["state"] == "deferred",
            timeout=RUN_TIMEOUT,
            every=1,
        )
        # the orders move on during the fault: the wait can end only once the fleet has recovered
        sandbox(fleet, "hypersku", "clock", "POST", json={"speed": SANDBOX_SPEED})
    else:
        wait_for(
            "a third of the creates",
            lambda: creates_sent(fleet) >= scenario.orders // 3,
            timeout=RUN_TIMEOUT,
            every=0.5,
        )
    scenario.fault(chaos)
    row["seconds to recover"] = _seconds_to_recover(chaos, scenario)

    wait_for(
        "the run to end",
        lambda: fleet.dag_run(chaos.dag_id, chaos.run_id)["state"] in ("success", "failed"),
        timeout=RUN_TIMEOUT,
        every=2,
    )
    wall_s = time.monotonic() - t0
    state = fleet.dag_run(chaos.dag_id, chaos.run_id)["state"]
    row["run state"] = state
    create = chaos.task("create_orders")
    row["tries"] = create["try_number"]

    per_id = Counter(
        str(order["thirdOrderId"])
        for order in hypersku_orders(fleet)
        if str(order.get("thirdOrderId", "")).startswith(scenario.prefix + "-")
    )
    duplicates = sorted(key for key, count in per_id.items() if count > 1)
    failed = _failed_with_reason(fleet, chaos)
    inputs = [f"{scenario.prefix}-{number:06d}" for number in range(scenario.orders)]
    lost = [key for key in inputs if per_id.get(key) != 1 and key not in failed]
    row.update(duplicates=len(duplicates), lost=len(lost))

    stats = sandbox(fleet, "hypersku", "stats")
    allowed = lifetimes(stats, wall_s) + 1
    row["token calls"] = f"{stats['token_calls']} (<= {allowed})"
    print(f"\nCHAOS {json.dumps(row)}", flush=True)

    assert not duplicates, duplicates[:10]
    assert not lost, lost[:10]
    assert state == scenario.expected_state, fleet.task_instances(chaos.dag_id, chaos.run_id)
    assert int(stats["token_calls"]) <= allowed, stats
    assert row["seconds to recover"] is not None, "nothing moved after the fault"


def _seconds_to_recover(chaos: Chaos, scenario: Scenario) -> float | None:
    """Seconds from the fault's end to the first create sent after it (every create makes an
    order: no random fault is on), or, for a wait, to the sensor's end."""
    fleet = chaos.fleet
    if scenario.waits:

        def moved() -> bool:
            return chaos.task("wait_settled")["state"] == "success"

    else:
        before = creates_sent(fleet)

        def moved() -> bool:
            return creates_sent(fleet) > before

    deadline = chaos.ended + RUN_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if moved():
                return round(time.monotonic() - chaos.ended, 1)
            run_state = fleet.dag_run(chaos.dag_id, chaos.run_id)["state"]
        except Exception:  # the api-server may still be starting: look again
            run_state = "running"
        if run_state != "running":
            # nothing was left to create after the fault (0 s), or nothing moved again
            return 0.0 if run_state == "success" and creates_sent(fleet) >= scenario.orders else None
        time.sleep(0.5)
    return None


def _failed_with_reason(fleet: Fleet, chaos: Chaos) -> set[str]:
    """Orders the last attempt's results file reports failed with a reason."""
    name = chaos.run_id.replace(":", "_").replace("+", "_") + ".jsonl"
    path = Path(fleet.root / "reports" / chaos.dag_id / name)
    if not path.exists():
        return set()
    failed = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        result = json.loads(line)
        if result.get("outcome") in ("failed", "unknown") and (result.get("error") or {}).get("message"):
            failed.add(str(result["key"]))
    return failed
