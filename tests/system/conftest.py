"""
The system test starts a whole deployment: only ``make system-test`` runs it.

The fleet starts once per session (``fleet``) and serves every test of the folder. Each test is
one scenario (``test_cluster.py``: ``flagship``; ``test_chaos.py``: one per fault;
``test_watcher.py``: ``watcher``; ``test_planted.py``: ``planted``);
``FLEET_SCENARIOS=api-server,postgres`` (``make system-test SCENARIOS=...``) runs only those.
The scenarios' table is printed at the end of the session.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

if os.environ.get("FULFILLMENT_SYSTEM_TEST") != "1":
    collect_ignore = ["test_cluster.py", "test_chaos.py", "test_watcher.py", "test_planted.py"]

#: one row per scenario run (chaos, watcher, planted), printed as a table at the end of the session
SCENARIO_ROWS: list[dict[str, Any]] = []
TABLE_COLUMNS = ("scenario", "orders", "duplicates", "lost", "run state", "token calls", "seconds to recover")


def selected_scenarios() -> set[str] | None:
    chosen = {name.strip() for name in os.environ.get("FLEET_SCENARIOS", "").split(",") if name.strip()}
    return chosen or None


def scenario_of(item: pytest.Item) -> str:
    """A test's scenario name: its module's ``SCENARIO``, its parameter id (chaos scenarios) or
    ``flagship``."""
    named = getattr(getattr(item, "module", None), "SCENARIO", None)
    if named:
        return str(named)
    callspec = getattr(item, "callspec", None)
    return str(callspec.id) if callspec is not None else "flagship"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    chosen = selected_scenarios()
    if chosen is None:
        return
    known = {scenario_of(item) for item in items}
    unknown = chosen - known
    if unknown:
        raise pytest.UsageError(f"unknown scenarios {sorted(unknown)}; known: {sorted(known)}")
    keep = [item for item in items if scenario_of(item) in chosen]
    config.hook.pytest_deselected(items=[item for item in items if item not in keep])
    items[:] = keep


@pytest.fixture(scope="session")
def statsd() -> Iterator[Any]:
    """Where every Airflow component of the fleet sends its metrics (InfluxDB-style tags on)."""
    from cluster.statsd_listener import StatsdListener

    listener = StatsdListener().start()
    try:
        yield listener
    finally:
        listener.stop()


@pytest.fixture(scope="session")
def fleet(statsd: Any) -> Iterator[Any]:
    from cluster.fleet import Fleet, link_dags
    from tests.system.fleet_helpers import SANDBOX_ARGS

    root = Path(tempfile.mkdtemp(prefix="fulfillment-fleet-"))
    deployment = Fleet(
        root,
        dags_folder=link_dags(root),
        sandbox_args=SANDBOX_ARGS,
        # sensors poll every 5 s and failed tasks retry after 5 s (the DAGs' defaults are minutes)
        extra_env={"FULFILLMENT_POLL_SECONDS": "5", "FULFILLMENT_RETRY_SECONDS": "5", **statsd.env()},
    )
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()


@pytest.fixture(scope="session")
def scenario_table() -> list[dict[str, Any]]:
    """Where each scenario adds its row (printed at the end of the session)."""
    return SCENARIO_ROWS


def format_table(rows: list[dict[str, Any]]) -> str:
    cells = [[str(row.get(column, "")) for column in TABLE_COLUMNS] for row in rows]
    widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(TABLE_COLUMNS)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(TABLE_COLUMNS, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    return "\n".join(lines)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCENARIO_ROWS:
        terminalreporter.write_sep("=", "scenarios")
        terminalreporter.write_line(format_table(SCENARIO_ROWS))
