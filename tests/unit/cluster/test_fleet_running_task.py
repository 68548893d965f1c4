"""Which worker runs a task instance: found from any of its processes, whatever /proc's order."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

import cluster.fleet as fleet_module
from cluster.fleet import Fleet

TI_ID = "01a24454-0023-72f9-84fa-4f74f01c2a19"


@pytest.fixture
def processes() -> Iterator[tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]]:
    """A worker (its own process group) and a task runner in a group of its own, as Airflow's
    task SDK puts it (``setpgid``): both alive until the test ends."""
    sleep = [sys.executable, "-c", "import time; time.sleep(60)"]
    worker = subprocess.Popen(sleep, start_new_session=True)
    runner = subprocess.Popen(sleep, start_new_session=True)
    try:
        yield worker, runner
    finally:
        for process in (worker, runner):
            process.kill()
            process.wait()


@pytest.mark.parametrize("runner_first", [True, False], ids=["runner-first", "supervisor-first"])
def test_the_worker_is_found_whichever_process_comes_first(
    processes: tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]],
    runner_first: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker, runner = processes
    titled = [
        (runner.pid, f"airflow worker -- {TI_ID}"),  # its own group: no component's
        (worker.pid, f"airflow supervisor: {TI_ID}"),  # the Celery pool process, in the worker's group
        (worker.pid, "celery worker"),  # the worker itself: not the task
    ]
    if not runner_first:
        titled = [titled[1], titled[0], titled[2]]
    monkeypatch.setattr(fleet_module, "process_titles", lambda: iter(titled))
    fleet = Fleet(root=tmp_path)
    fleet.components = {"worker-2": SimpleNamespace(pid=worker.pid)}  # type: ignore[dict-item]

    assert fleet.running_task(TI_ID) == "worker-2"
    assert fleet.running_task("no-such-task-instance") is None


def test_process_titles_lists_this_process() -> None:
    import os

    titles = dict(fleet_module.process_titles())
    assert "pytest" in titles[os.getpid()] or sys.executable in titles[os.getpid()]
