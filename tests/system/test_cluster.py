"""
The provider on a distributed deployment: CeleryExecutor with three workers, two triggerers,
Postgres and Redis (``cluster/fleet.py``), the sandbox with faults on and reused ids ACCEPTED,
every component sending Airflow's metrics (``[metrics] statsd_on``) to a UDP listener of the test.

One run of the flagship DAG and one 20,000-order bulk create; a Celery worker is killed with
SIGKILL in the middle of the create and a triggerer is stopped while sensors wait. Checked: the
runs end as expected, no order is created twice, token calls stay at one per platform per token
lifetime across every process, sensors wait deferred, the surviving triggerer takes over, and no
triggerer logs a blocked event loop, and the provider's metrics of the bulk create add up to the
orders made. The figures are printed (``-s``) and written to
``$FLEET_REPORT`` (JSON) when set.
"""

from __future__ import annotations

import json
import math
import os
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from cluster.fleet import Fleet, wait_for
from cluster.statsd_listener import StatsdListener
from tests.system.fleet_helpers import SANDBOX_ARGS

pytestmark = pytest.mark.system

BULK_ORDERS = int(os.environ.get("FLEET_BULK_ORDERS", "20000"))
FLAGSHIP_DATE = "2026-11-21T00:00:00+00:00"
CREATE_PATH = "/api/customer/admin/orders/create"


def sandbox(fleet: Fleet, platform: str, path: str, method: str = "GET", **kwargs: Any) -> Any:
    answer = httpx.request(method, f"{fleet.sandbox_urls[platform]}/_sandbox/{path}", timeout=60, **kwargs)
    answer.raise_for_status()
    return answer.json()


def hypersku_orders(fleet: Fleet) -> list[dict[str, Any]]:
    """Every order row of the HyperSKU simulator (a reused id would be a second row)."""
    rows = sandbox(fleet, "hypersku", "store").get("orders", {})
    return list(rows.values()) if isinstance(rows, dict) else list(rows)


def creates_sent(fleet: Fleet) -> int:
    return int(sandbox(fleet, "hypersku", "stats")["requests"].get(CREATE_PATH, 0))


def finished(fleet: Fleet, dag_id: str, run_id: str) -> bool:
    return fleet.dag_run(dag_id, run_id)["state"] in ("success", "failed")


@pytest.fixture
def figures(fleet: Fleet) -> Any:
    """What the run measured: printed (and written to $FLEET_REPORT) whether it passed or not."""
    measured: dict[str, Any] = {"started_in_s": round(fleet.started_in, 1)}
    yield measured
    print("\nFLEET FIGURES " + json.dumps(measured, indent=2, default=str))
    if os.environ.get("FLEET_REPORT"):
        Path(os.environ["FLEET_REPORT"]).write_text(json.dumps(measured, indent=2, default=str))


def test_the_fleet_runs_the_flagship_and_a_bulk_create_exactly_once(
    fleet: Fleet, statsd: StatsdListener, figures: dict[str, Any]
) -> None:
    fleet.wait_for_dags(["order_to_doorstep", "bulk_orders_load"])
    # the chaos scenarios may have run on this fleet first: count only this test's creates, metrics
    # and log lines (their faults legitimately silence a triggerer: the api-server or Postgres gone)
    sent_before = creates_sent(fleet)
    logs_before = fleet.log_marks()
    statsd.clear()
    t0 = time.monotonic()
    bulk_run = fleet.trigger("bulk_orders_load", {"count": BULK_ORDERS, "prefix": "LOAD"})
    flagship_run = fleet.trigger("order_to_doorstep", logical_date=FLAGSHIP_DATE)

    # ---- kill the Celery worker running the bulk create once a tenth of the orders exist
    def create_instance() -> dict[str, Any]:
        return next(
            ti
            for ti in fleet.task_instances("bulk_orders_load", bulk_run)
            if ti["task_id"] == "create_orders"
        )

    wait_for("the bulk create to run", lambda: create_instance()["state"] == "running", timeout=600, every=1)
    wait_for(
        "a tenth of the orders",
        lambda: creates_sent(fleet) - sent_before >= BULK_ORDERS // 10,
        timeout=600,
        every=1,
    )
    victim = fleet.running_task(str(create_instance()["id"]))
    assert victim is not None, "no Celery worker runs the bulk create"
    assert victim.startswith("worker-"), victim
    made_before_kill = creates_sent(fleet) - sent_before
    fleet.components[victim].signal(signal.SIGKILL)
    figures["killed"] = {"worker": victim, "orders_made_before": made_before_kill}

    # ---- sample where the flagship's sensors spend their wait; stop one triggerer meanwhile
    samples: Counter[str] = Counter()
    history: dict[str, list[str]] = {}
    stopped_triggerer: str | None = None
    moved_task: str | None = None
    deadline = time.monotonic() + 1800
    while not (
        finished(fleet, "bulk_orders_load", bulk_run) and finished(fleet, "order_to_doorstep", flagship_run)
    ):
        assert time.monotonic() < deadline, "the runs did not finish in 30 minutes"
        for ti in fleet.task_instances("order_to_doorstep", flagship_run):
            if not str(ti.get("operator") or "").endswith("Sensor"):
                continue
            samples[ti["state"]] += 1
            if ti["state"] == "deferred" and stopped_triggerer is None:
                holders = _triggerers_of(fleet, ti["task_id"])
                if len(holders) == 1:
                    # freeze the platforms' clock so the wait outlasts the hand-over, stop the
                    # triggerer running this trigger, wait for the other one to take it over
                    sandbox(fleet, "hypersku", "clock", "POST", json={"speed": 0})
                    stopped_triggerer, moved_task = holders.pop(), ti["task_id"]
                    fleet.components[stopped_triggerer].stop()
                    wait_for(
                        "the other triggerer to take the trigger over",
                        lambda task=moved_task, gone=stopped_triggerer: bool(
                            _triggerers_of(fleet, task) - {gone}
                        ),
                        timeout=180,
                        every=1,
                    )
                    sandbox(fleet, "hypersku", "clock", "POST", json={"speed": float(SANDBOX_ARGS[1])})
            key = f"{ti['task_id']}[{ti.get('map_index', -1)}]"
            history.setdefault(key, []).append(ti["state"])
        time.sleep(1)
    figures["wall_s"] = round(time.monotonic() - t0, 1)

    # ---- run states
    bulk = fleet.dag_run("bulk_orders_load", bulk_run)
    flagship = fleet.dag_run("order_to_doorstep", flagship_run)
    figures["states"] = {"bulk_orders_load": bulk["state"], "order_to_doorstep": flagship["state"]}
    create = create_instance()
    figures["bulk_create_tries"] = create["try_number"]
    assert bulk["state"] == "success", fleet.task_instances("bulk_orders_load", bulk_run)
    assert create["try_number"] >= 2, "the killed attempt was not retried"
    expected_flagship = os.environ.get("FLEET_FLAGSHIP_STATE", "success")
    assert flagship["state"] == expected_flagship

    # ---- exactly once: the sandbox accepts reused ids, so a second create would show here
    per_id = Counter(
        str(o["thirdOrderId"])
        for o in hypersku_orders(fleet)
        if str(o.get("thirdOrderId", "")).startswith("LOAD-")
    )
    duplicates = {key: n for key, n in per_id.items() if n > 1}
    figures["bulk_orders"] = {"distinct": len(per_id), "duplicates": len(duplicates)}
    assert not duplicates, list(duplicates.items())[:10]
    assert len(per_id) == BULK_ORDERS

    # ---- the provider's metrics, as Airflow's StatsD backend sent them from the workers
    _check_bulk_metrics(fleet, statsd, figures, sent_before)

    # ---- one token call per platform per token lifetime, across 3 workers and 2 triggerers
    figures["token_calls"] = {}
    for platform in fleet.sandbox_urls:
        stats = sandbox(fleet, platform, "stats")
        calls = int(stats.get("token_calls", 0))
        lifetimes = _lifetimes(stats, figures["wall_s"])
        figures["token_calls"][platform] = {"calls": calls, "allowed": lifetimes}
        assert calls <= lifetimes, (platform, stats)

    # ---- sensors waited deferred; the other triggerer took over; no blocked event loop
    figures["sensor_samples"] = dict(samples)
    figures["stopped_triggerer"] = stopped_triggerer
    figures["taken_over_by"] = sorted(_triggerers_of(fleet, str(moved_task)) - {str(stopped_triggerer)})
    # a sensor holds a worker slot only to poke once and to finish: never for several samples
    longest_running = {key: _longest_run(states, "running") for key, states in history.items()}
    figures["sensor_longest_running_samples"] = longest_running
    assert samples["deferred"] > 0
    assert max(longest_running.values(), default=0) <= 3, history
    assert stopped_triggerer is not None, "no deferred sensor was seen on a triggerer"
    assert figures["taken_over_by"], f"no surviving triggerer took the trigger of {moved_task} over"
    blocked = [
        name
        for name, text in fleet.logs("triggerer", since=logs_before)
        if "event loop appears deadlocked" in text.lower()
    ]
    figures["deadlock_warnings"] = blocked
    assert not blocked


def _check_bulk_metrics(
    fleet: Fleet, statsd: StatsdListener, figures: dict[str, Any], sent_before: int
) -> None:
    """
    The bulk create's outcome counters add up to the orders made: each attempt that reached its
    report counted every one of the orders once (the killed attempt counted nothing), so with
    one reporting attempt created + existed = the orders, and existed holds what the killed one
    made. Each create attempt is timed: those the sandbox received (bar the ones in flight on the
    killed worker, never answered) and those that failed before reaching it (each
    counted as an error on the create).
    """
    prefix = "airflow.fulfillment.hypersku."
    # the counters are the last thing a task sends: the listener may still be reading them
    wait_for(
        "the bulk create's counters",
        lambda: bool(statsd.counters(prefix + "bulk_runs", dag_id="bulk_orders_load")),
        timeout=30,
    )
    runs = statsd.counters(prefix + "bulk_runs", dag_id="bulk_orders_load")[prefix + "bulk_runs"]
    items = {
        name.removeprefix(prefix + "items."): n
        for name, n in statsd.counters(prefix + "items.", dag_id="bulk_orders_load").items()
    }
    creates_timed = statsd.timings(prefix + "calls.create").get(prefix + "calls.create", 0)
    token_calls = sum(statsd.counters(prefix + "token.").values())
    figures["metrics"] = {
        "bulk_runs": runs,
        "items": items,
        "creates_timed": creates_timed,
        "creates_sent": creates_sent(fleet) - sent_before,
        "hypersku_token_calls_counted": token_calls,
        "lost_answers_resolved": sum(statsd.counters(prefix + "lost_answers.").values()),
        "errors": statsd.counters(prefix + "errors."),
    }
    assert runs >= 1
    assert sum(items.values()) == BULK_ORDERS * runs, items
    if runs == 1:  # the usual case: only the retry of the killed attempt reached its report
        assert items.get("created", 0) + items.get("existed", 0) + items.get("failed", 0) == BULK_ORDERS
        assert items.get("failed", 0) == 0
        assert items.get("existed", 0) > 0, "the orders of the killed attempt were not found"
    # creates of the flagship are on both sides; a killed worker's calls in flight on neither
    in_flight_at_kill = 4 * 16  # worker concurrency x the load DAG's max_concurrency
    # an attempt the sandbox did not count ended in an error of some kind (refused, reset, 5xx)
    failed_attempts = sum(statsd.counters(prefix + "errors.", operation="create").values())
    figures["metrics"]["create_attempts_failed"] = failed_attempts
    received = creates_sent(fleet) - sent_before
    assert received - in_flight_at_kill <= creates_timed <= received + failed_attempts
    assert 1 <= token_calls <= int(sandbox(fleet, "hypersku", "stats").get("token_calls", 0))


def _triggerers_of(fleet: Fleet, task_id: str) -> set[str]:
    """Triggerers that ran a trigger of the flagship's ``task_id`` (each writes the trigger's log
    under its own AIRFLOW_HOME: ``.../task_id=<id>/.../attempt=N.log.trigger.<job id>.log``)."""
    return {
        name
        for name in fleet.components
        if name.startswith("triggerer-")
        and any(
            (fleet.root / name / "logs" / "dag_id=order_to_doorstep").glob(
                f"run_id=*/task_id={task_id}/**/*.log.trigger.*"
            )
        )
    }


def _longest_run(states: list[str], state: str) -> int:
    longest = current = 0
    for seen in states:
        current = current + 1 if seen == state else 0
        longest = max(longest, current)
    return longest


def _lifetimes(stats: dict[str, Any], wall_s: float) -> int:
    """Token lifetimes that fit in the run on the simulator's clock, plus the first token."""
    ttl = float(stats.get("token_ttl") or 0)
    speed = float((stats.get("clock") or {}).get("speed") or 1)
    if ttl <= 0:
        return 1
    return 1 + math.ceil(wall_s * speed / ttl)
