"""
A StatsD listener for the fleet: a UDP socket on loopback whose thread keeps every counter,
timer and gauge the Airflow components send (``[metrics] statsd_on``), tags included when they
come in InfluxDB form (``name,key=value:1|c``, ``[metrics] statsd_influxdb_enabled``).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Line:
    """One metric as sent: ``name[,tag=value...]:value|type[|@rate]``."""

    name: str
    value: float
    kind: str  # c, ms, g
    tags: Mapping[str, str] = field(default_factory=dict)


def parse(text: str) -> list[Line]:
    """The metrics of one packet (several lines when the client batches them); bad lines skipped."""
    lines = []
    for raw in text.splitlines():
        head, sep, rest = raw.rpartition(":") if "|" in raw else ("", "", "")
        if not sep:
            continue
        parts = rest.split("|")
        try:
            value = float(parts[0])
        except ValueError:
            continue
        name, *pairs = head.split(",")
        tags = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
        lines.append(Line(name, value, parts[1] if len(parts) > 1 else "", tags))
    return lines


class StatsdListener:
    """UDP on ``127.0.0.1:<port>``; :meth:`start` it, :meth:`stop` it, read what it got."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.5)
        self.port = int(self.sock.getsockname()[1])
        self.lines: list[Line] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="statsd-listener", daemon=True)

    def start(self) -> StatsdListener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            received = parse(data.decode("utf-8", errors="replace"))
            with self._lock:
                self.lines.extend(received)

    def env(self) -> dict[str, str]:
        """What an Airflow component needs to send its metrics here, tags included."""
        return {
            "AIRFLOW__METRICS__STATSD_ON": "True",
            "AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1",
            "AIRFLOW__METRICS__STATSD_PORT": str(self.port),
            "AIRFLOW__METRICS__STATSD_INFLUXDB_ENABLED": "True",
        }

    def clear(self) -> None:
        """Forget every line received so far (a test measuring only its own runs)."""
        with self._lock:
            self.lines.clear()

    def counters(self, prefix: str, **tags: str) -> dict[str, int]:
        """Totals of the counters whose name starts with ``prefix`` and whose tags include ``tags``."""
        totals: dict[str, int] = {}
        with self._lock:
            for line in self.lines:
                if line.kind == "c" and line.name.startswith(prefix) and _has(line.tags, tags):
                    totals[line.name] = totals.get(line.name, 0) + int(line.value)
        return totals

    def timings(self, prefix: str, **tags: str) -> dict[str, int]:
        """How many timings each name under ``prefix`` (with ``tags``) received."""
        totals: dict[str, int] = {}
        with self._lock:
            for line in self.lines:
                if line.kind == "ms" and line.name.startswith(prefix) and _has(line.tags, tags):
                    totals[line.name] = totals.get(line.name, 0) + 1
        return totals


def _has(tags: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    return all(tags.get(key) == value for key, value in wanted.items())
