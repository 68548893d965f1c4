"""
The fleet's process manager: every component is restarted when it exits, with backoff, the way
systemd (``Restart=always``, ``RestartSec=``) or Kubernetes (``restartPolicy: Always``, its
crash-loop backoff) restarts a deployment's processes, unless the fleet is stopping or the
component was stopped on purpose (:meth:`Component.stop`).

Backoff: 1 s after the first exit, doubled after each exit that follows a run shorter than
:attr:`Supervisor.reset_after` seconds, at most 30 s; a run longer than that starts over at 1 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from signal import SIGTERM


@dataclass
class Component:
    """One process of the deployment: how to start it, its log file, and its restart state."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    cwd: Path
    process: subprocess.Popen[bytes] | None = None
    #: stopped on purpose (:meth:`stop`): the supervisor leaves it down until :meth:`launch`
    held: bool = False
    restarts: int = 0
    started_at: float = 0.0
    #: exits in a row, each after a run shorter than the supervisor's ``reset_after``
    crashes: int = 0
    #: when the supervisor restarts it (monotonic), once it noticed the exit
    due: float | None = field(default=None, repr=False)

    def launch(self) -> None:
        """Start the process (its own session, so signals reach the children it starts)."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as handle:
            self.process = subprocess.Popen(
                self.argv,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=str(self.cwd),
                start_new_session=True,
            )
        self.started_at = time.monotonic()
        self.held = False
        self.due = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exit_code(self) -> int | None:
        return self.process.poll() if self.process is not None else None

    def signal(self, signum: int) -> None:
        """Signal the whole process group (the component and the children it started). Not a
        stop on purpose: the supervisor restarts the component when it exits."""
        if self.alive() and self.process is not None:
            os.killpg(self.process.pid, signum)

    def wait(self, timeout: float) -> bool:
        """Wait for the process to exit; true when it did."""
        if self.process is None:
            return True
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stop(self, timeout: float = 20.0, signum: int = SIGTERM) -> None:
        """Stop on purpose (the supervisor does not restart it): ``signum``, SIGKILL after ``timeout``."""
        self.held = True
        if not self.alive():
            return
        self.signal(signum)
        if not self.wait(timeout):
            self.signal(signal.SIGKILL)
            self.wait(10)

    def text(self, since: int = 0) -> str:
        """The log from byte ``since`` (a :meth:`log_size` taken earlier) to its end."""
        if not self.log.exists():
            return ""
        with self.log.open("rb") as log:
            log.seek(since)
            return log.read().decode("utf-8", errors="replace")

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0


@dataclass
class PostgresComponent(Component):
    """Postgres run by ``pg_ctl`` (it daemonizes): alive while ``postmaster.pid`` names a live
    process; started with ``pg_ctl start -w``, stopped with ``pg_ctl stop -m fast``."""

    data: Path = Path()
    pg_ctl: list[str] = field(default_factory=list)
    options: str = ""

    def launch(self) -> None:
        subprocess.run(
            [*self.pg_ctl, "-D", str(self.data), "-o", self.options, "-l", str(self.log), "-w", "start"],
            capture_output=True,
            check=True,
            timeout=120,
        )
        self.started_at = time.monotonic()
        self.held = False
        self.due = None

    @property
    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def alive(self) -> bool:
        pid = self.pid
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def exit_code(self) -> int | None:
        return None

    def signal(self, signum: int) -> None:
        pid = self.pid
        if pid is not None and self.alive():
            os.kill(pid, signum)

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def stop(self, timeout: float = 20.0, signum: int = SIGTERM, mode: str = "fast") -> None:
        self.held = True
        if self.alive():
            subprocess.run(
                [*self.pg_ctl, "-D", str(self.data), "-m", mode, "-t", str(int(timeout)), "stop"],
                capture_output=True,
                check=False,
            )


@dataclass
class Supervisor:
    """
    Restarts every component that exits, with backoff, in a background thread.

    :param components: the fleet's components by name (read on every round: add freely).
    :param say: where the supervisor reports what it does (the fleet's log).
    """

    components: dict[str, Component]
    say: Callable[[str], None]
    first_delay: float = 1.0
    max_delay: float = 30.0
    reset_after: float = 60.0
    every: float = 0.5
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="fleet-supervisor", daemon=True)
        self._thread.start()
        self.say(
            f"supervisor: restarting every component that exits (after {self.first_delay:.0f} s, "
            f"doubled after each quick exit up to {self.max_delay:.0f} s)"
        )

    def stop(self) -> None:
        """The fleet is stopping: restart nothing from now on."""
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while not self.stopping.wait(self.every):
            for component in list(self.components.values()):
                with self.lock:
                    if self.stopping.is_set():
                        return
                    self.check(component, time.monotonic())

    def check(self, component: Component, now: float) -> None:
        """One look at ``component``: notice an exit and schedule the restart, or restart it."""
        if component.held or component.alive():
            return
        if component.due is None:
            ran = now - component.started_at
            component.crashes = component.crashes + 1 if ran < self.reset_after else 1
            delay = min(self.max_delay, self.first_delay * 2 ** (component.crashes - 1))
            component.due = now + delay
            self.say(
                f"supervisor: {component.name} exited (code {component.exit_code()}) after "
                f"{ran:.0f} s; restarting in {delay:.0f} s"
            )
            return
        if now < component.due:
            return
        try:
            component.launch()
        except (OSError, subprocess.SubprocessError) as error:
            component.started_at = now
            component.due = None
            self.say(f"supervisor: {component.name} did not start ({type(error).__name__})")
            return
        component.restarts += 1
        self.say(
            f"supervisor: {component.name} restarted (pid {component.pid}, restart {component.restarts})"
        )
