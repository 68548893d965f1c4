"""The fleet's process manager: a component that exits is restarted with backoff, unless it was
stopped on purpose or the fleet is stopping (the clock is passed in; processes are real)."""

from __future__ import annotations

import sys
from pathlib import Path

from cluster.supervisor import Component, Supervisor


def quick_exit(tmp_path: Path, code: int = 3) -> Component:
    component = Component(
        "quick",
        [sys.executable, "-c", f"raise SystemExit({code})"],
        env={},
        log=tmp_path / "quick.log",
        cwd=tmp_path,
    )
    component.launch()
    assert component.wait(60)
    return component


def test_an_exited_component_is_restarted_after_a_delay_doubled_after_each_quick_exit(tmp_path: Path) -> None:
    said: list[str] = []
    component = quick_exit(tmp_path)
    supervisor = Supervisor({"quick": component}, said.append)
    now = component.started_at + 5  # ran 5 s: a quick exit

    supervisor.check(component, now)
    assert component.due == now + 1
    assert said == ["supervisor: quick exited (code 3) after 5 s; restarting in 1 s"]
    supervisor.check(component, now + 0.5)
    assert component.restarts == 0  # not due yet

    supervisor.check(component, now + 1)
    assert component.restarts == 1
    assert said[-1].startswith("supervisor: quick restarted (pid ")
    assert component.wait(60)

    supervisor.check(component, component.started_at + 1)
    assert component.due == component.started_at + 1 + 2  # second quick exit: 2 s
    supervisor.check(component, component.due)
    assert component.wait(60)
    supervisor.check(component, component.started_at + 1)
    assert component.due == component.started_at + 1 + 4


def test_a_component_that_ran_long_restarts_after_the_first_delay_again(tmp_path: Path) -> None:
    component = quick_exit(tmp_path)
    component.crashes = 5
    supervisor = Supervisor({"quick": component}, lambda _: None)
    supervisor.check(component, component.started_at + supervisor.reset_after + 1)
    assert component.crashes == 1
    assert component.due == component.started_at + supervisor.reset_after + 1 + supervisor.first_delay


def test_the_delay_stops_growing_at_the_maximum(tmp_path: Path) -> None:
    component = quick_exit(tmp_path)
    component.crashes = 20
    supervisor = Supervisor({"quick": component}, lambda _: None)
    supervisor.check(component, component.started_at)
    assert component.due == component.started_at + supervisor.max_delay


def test_a_component_stopped_on_purpose_stays_down(tmp_path: Path) -> None:
    component = Component(
        "sleeper",
        [sys.executable, "-c", "import time; time.sleep(600)"],
        env={},
        log=tmp_path / "s.log",
        cwd=tmp_path,
    )
    component.launch()
    said: list[str] = []
    supervisor = Supervisor({"sleeper": component}, said.append)
    component.stop(timeout=30)
    assert not component.alive()
    supervisor.check(component, component.started_at + 1000)
    assert component.due is None
    assert said == []

    component.launch()  # started again by hand: supervised again
    assert component.alive()
    assert not component.held
    component.stop(timeout=30)
