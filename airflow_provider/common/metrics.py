"""
Metrics and traces of the provider, through Airflow's own stats and OpenTelemetry tracing.

Every metric goes through ``airflow.sdk.observability.stats.Stats`` (configured from Airflow's
``[metrics]`` section: StatsD, Datadog or OpenTelemetry) and every span through
``airflow.sdk.observability.trace``; no client library of our own. Both exist in Airflow 3.2.2
and 3.3.2; where they do not, everything here is a no-op.

Names are ``fulfillment.<platform>.<what>...`` (the table is in ``docs/metrics.md``): the platform
and the outcome are part of the name because plain StatsD drops tags; Datadog, OpenTelemetry and
StatsD with InfluxDB tags also get them as tags. Nothing personal or secret is ever in a name or
a tag: no order id, no host, no token, no path with an id in it (a call is named after its
endpoint, e.g. ``create``).

Cheap on the hot path: a bulk run's outcomes are counted once, from its report; an API call costs
one timing and a throttled in-flight gauge; retries, errors, token calls and lost answers
resolved are counted as they happen (they are rare).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider.common.errors import ApiError

PREFIX = "fulfillment"
#: the in-flight gauge is sent at most this often per platform and process (and always at 0)
IN_FLIGHT_EVERY_SECONDS = 0.5
#: what a call whose path matches no endpoint of the hook is named (never the path itself)
OTHER_OPERATION = "other"
TRACER_NAME = "airflow_provider.fulfillment"

_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")


class _NoStats:
    """What stands in for Airflow's ``Stats`` when the task SDK has none (never on 3.2.2+)."""

    def incr(self, *args: Any, **kwargs: Any) -> None:
        return None

    def gauge(self, *args: Any, **kwargs: Any) -> None:
        return None

    def timing(self, *args: Any, **kwargs: Any) -> None:
        return None


_stats: Any = None


def stats() -> Any:
    """Airflow's ``Stats`` (the task SDK's): the backend behind it is looked up on every call,
    so a test that replaces it in-process is seen at once."""
    global _stats
    if _stats is None:
        try:
            from airflow.sdk.observability.stats import Stats
        except ImportError:  # pragma: no cover - the task SDK of Airflow 3.2+ has it
            _stats = _NoStats()
        else:
            _stats = Stats
    return _stats


def safe(part: str) -> str:
    """One dot-free part of a metric name: anything but letters, digits, ``_`` and ``-`` -> ``_``."""
    return _UNSAFE.sub("_", part) or "_"


def name(platform: str, *parts: str) -> str:
    """``fulfillment.<platform>.<part>...``."""
    return ".".join((PREFIX, safe(platform), *(safe(part) for part in parts)))


# --------------------------------------------------------------------------- API calls
class InFlight:
    """Calls in flight in this process on one platform, sent as a gauge.

    Sent when it changes, at most every :data:`IN_FLIGHT_EVERY_SECONDS`, and always when it
    comes back to 0 (so an idle process never shows a stale count).
    """

    def __init__(self, platform: str) -> None:
        self.stat = name(platform, "calls", "in_flight")
        self.tags = {"platform": platform}
        self.value = 0
        self._sent_at = float("-inf")
        self._lock = threading.Lock()

    def change(self, delta: int, now: float) -> None:
        with self._lock:
            self.value += delta
            value = self.value
            due = value == 0 or now - self._sent_at >= IN_FLIGHT_EVERY_SECONDS
            if due:
                self._sent_at = now
        if due:
            stats().gauge(self.stat, value, tags=self.tags)


_IN_FLIGHT: dict[str, InFlight] = {}
_IN_FLIGHT_GUARD = threading.Lock()


def in_flight(platform: str) -> InFlight:
    """The in-flight counter of ``platform`` in this process (one per platform, shared by hooks)."""
    counter = _IN_FLIGHT.get(platform)
    if counter is None:
        with _IN_FLIGHT_GUARD:
            counter = _IN_FLIGHT.setdefault(platform, InFlight(platform))
    return counter


class CallMeter:
    """
    The metrics of one hook's API calls: a timing per call and the in-flight gauge, errors by
    kind and retries. The hook's ``request`` / ``arequest`` call it around each attempt.

    :param platform: the hook's platform name.
    :param endpoints: the hook's endpoints (name -> documented path, ``{params}`` included): a
        call is named after the endpoint its path matches, never after the path.
    """

    def __init__(self, platform: str, endpoints: Mapping[str, str]) -> None:
        self.platform = platform
        self.tags = {"platform": platform}
        self._in_flight = in_flight(platform)
        self._literal: dict[str, str] = {}
        self._patterns: list[tuple[re.Pattern[str], str]] = []
        for operation, path in endpoints.items():
            if "{" in path:
                pieces = re.split(r"\{[^}]*\}", path)
                self._patterns.append((re.compile("[^/]+".join(map(re.escape, pieces)) + "$"), operation))
            else:
                self._literal.setdefault(path, operation)
        #: operation -> (timing name, tags), built once per operation
        self._timing_stats: dict[str, tuple[str, dict[str, str]]] = {}

    def operation(self, path: str) -> str:
        """The endpoint name of ``path`` (:data:`OTHER_OPERATION` when it is none of them)."""
        path = path.split("?", 1)[0]
        found = self._literal.get(path)
        if found is not None:
            return found
        for pattern, operation in self._patterns:
            if pattern.match(path):
                return operation
        return OTHER_OPERATION

    def start(self) -> float:
        """One more call in flight; its start (monotonic seconds, also the hook's debug timing)."""
        now = time.monotonic()
        self._in_flight.change(1, now)
        return now

    def stop(self, operation: str, started: float) -> None:
        """The call started at ``started`` ended (answer, error or cancellation)."""
        now = time.monotonic()
        self._in_flight.change(-1, now)
        named = self._timing_stats.get(operation)
        if named is None:
            tags = {"platform": self.platform, "operation": operation}
            named = self._timing_stats[operation] = (name(self.platform, "calls", operation), tags)
        stats().timing(named[0], (now - started) * 1000.0, tags=named[1])

    def failed(self, operation: str, err: ApiError) -> None:
        """An attempt ended in ``err`` (a vendor answer, a transport fault...): counted by kind."""
        stats().incr(
            name(self.platform, "errors", err.kind),
            tags={"platform": self.platform, "kind": err.kind, "operation": operation},
        )

    def retried(self, operation: str, err: ApiError) -> None:
        """The call is sent again after ``err`` (a token refresh is not a retry)."""
        stats().incr(
            name(self.platform, "calls", "retried"),
            tags={"platform": self.platform, "kind": err.kind, "operation": operation},
        )


# --------------------------------------------------------------------------- tokens
def platform_of_token_key(key: str) -> str:
    """The platform in a token store key (``fulfillment_<platform>_token_<digest>``)."""
    parts = key.split("_")
    if len(parts) >= 4 and parts[0] == PREFIX and parts[2] == "token":
        return parts[1]
    return "unknown"


def token_call(key: str, *, refresh: bool) -> None:
    """A token obtained from the platform: ``refresh`` when it replaces one this process held
    (expired or refused), else a first fetch. Counted by platform only (never the key)."""
    platform = platform_of_token_key(key)
    what = "refreshes" if refresh else "fetches"
    stats().incr(name(platform, "token", what), tags={"platform": platform})


# --------------------------------------------------------------------------- bulk runs
def lost_answer_resolved(platform: str) -> None:
    """A create whose answer was lost was found by its caller id (so not sent again)."""
    stats().incr(name(platform, "lost_answers", "resolved"), tags={"platform": platform})


def _task_tags(context: Mapping[str, Any] | None) -> dict[str, str]:
    ti = (context or {}).get("ti")
    tags = {}
    for key in ("dag_id", "task_id"):
        value = getattr(ti, key, None)
        if isinstance(value, str) and value:
            tags[key] = value
    return tags


def count_outcomes(
    platform: str, counts: Mapping[str, int], *, context: Mapping[str, Any] | None = None
) -> None:
    """
    A bulk run's outcomes, once, from its report: ``fulfillment.<platform>.items.<outcome>``
    by the number of items, and ``fulfillment.<platform>.bulk_runs`` by one.

    Counted per attempt: an attempt killed before its report counts nothing; the attempt that
    retries it finds the orders its predecessor made (``existed``).
    """
    tags = {"platform": platform, **_task_tags(context)}
    backend = stats()
    for outcome, number in sorted(counts.items()):
        if number:
            backend.incr(name(platform, "items", outcome), int(number), tags={**tags, "outcome": outcome})
    backend.incr(name(platform, "bulk_runs"), tags=tags)


def record_bulk_report(operator: Any, context: Mapping[str, Any] | None, report: Any) -> None:
    """:func:`count_outcomes` of a bulk operator's report (called once, when the run ends)."""
    count_outcomes(operator.registry_key or "unknown", report.counts, context=context)


def _span(span_name: str, attributes: dict[str, Any]) -> Any:
    try:
        from airflow.sdk.observability import trace
    except ImportError:  # pragma: no cover - the task SDK of Airflow 3.2+ has it
        from contextlib import nullcontext

        return nullcontext()
    return trace.get_tracer(TRACER_NAME).start_as_current_span(span_name, attributes=attributes)


def chunk_span(operator: Any, size: int) -> Any:
    """A span around one chunk of a bulk run (a list input is one chunk; a JSON-lines file is
    sent ``stream_chunk_size`` items at a time), a child of :func:`operator_span`'s."""
    platform = getattr(operator, "registry_key", "") or "unknown"
    return _span(f"{PREFIX}.{platform}.chunk", {"fulfillment.platform": platform, "fulfillment.items": size})


@contextmanager
def operator_span(operator: Any) -> Iterator[Any]:
    """
    A span around an operator's work with its platform (a child of Airflow's task span when
    tracing is on; a no-op span otherwise). Attributes: platform, operator class, task id.
    """
    platform = getattr(operator, "registry_key", "") or "unknown"
    attributes = {
        "fulfillment.platform": platform,
        "fulfillment.operator": type(operator).__name__,
        "airflow.task_id": str(getattr(operator, "task_id", "")),
    }
    action = getattr(operator, "action", "")
    if action:
        attributes["fulfillment.action"] = action
    with _span(f"{PREFIX}.{platform}.run", attributes) as span:
        yield span
