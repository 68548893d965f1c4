"""docs/deployment.md says what the fleet and its chaos scenarios do: the page and the code agree."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from cluster import control
from cluster.supervisor import Supervisor

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "deployment.md").read_text(encoding="utf-8")


def test_the_backoff_the_page_gives_is_the_supervisors() -> None:
    supervisor = Supervisor({}, print)
    stated = re.search(
        r"restarted\s+when it exits, (\d+) s after the first exit, the delay doubled after each exit that follows a"
        r" run\s+shorter than (\d+) s, at most (\d+) s",
        PAGE,
    )
    assert stated is not None
    first, reset_after, most = (float(value) for value in stated.groups())
    assert (first, reset_after, most) == (
        supervisor.first_delay,
        supervisor.reset_after,
        supervisor.max_delay,
    )


def test_the_page_lists_every_chaos_scenario_and_the_control_commands() -> None:
    sys.path.insert(0, str(REPO))
    from tests.system.test_chaos import BULK_ORDERS, SCENARIOS, WAIT_ORDERS

    listed = re.findall(r"^\| `([a-z-]+)` \|", PAGE, flags=re.M)
    assert listed == [scenario.name for scenario in SCENARIOS]
    assert f"with {BULK_ORDERS:,} orders" in PAGE
    assert f"({WAIT_ORDERS} orders," in PAGE
    for command in control.COMMANDS:
        assert f"python cluster/fleet.py {command} " in PAGE


def test_the_page_gives_the_watcher_and_planted_scenarios_as_the_tests_run_them() -> None:
    sys.path.insert(0, str(REPO))
    from tests.system import test_planted, test_watcher

    assert f"creates {test_watcher.ORDERS} orders" in PAGE
    assert f"batch 1 ({test_watcher.BATCH} orders)" in PAGE
    assert f"none of the {test_watcher.ORDERS - 3 * test_watcher.BATCH} orders left alone" in PAGE
    assert f"{test_planted.ORDERS} HyperSKU orders and {test_planted.ORDERS} SuperShip parcels" in PAGE
    assert "one in a hundred invalid" in PAGE
    assert test_planted.INVALID_EVERY == 100
    for name in ("watcher", "planted"):
        assert f"**`{name}`** (`tests/system/test_{name}.py`" in PAGE
