"""The provider's metrics and spans, captured through Airflow's own stats backend and tracer."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from demo_platform import PASSWORD, USERNAME, DemoHook
from metrics_recorder import StatsRecorder, recording_stats

from airflow_provider.common import metrics
from airflow_provider.common.auth import MemoryTokenStore, Token, TokenManager, token_store_key
from airflow_provider.common.errors import RateLimitError, TransientError
from airflow_provider.common.results import BulkReport, ItemResult
from airflow_provider.common.retry import RetryPolicy

FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.01)
SECRETS = (USERNAME, PASSWORD, "tok-", "api.example.test", "ORDER-42")


@pytest.fixture
def recorder() -> Any:
    with recording_stats() as recorder:
        yield recorder


class Scripted:
    """A platform answering the token call, then queued answers per path (default: ok)."""

    def __init__(self) -> None:
        self.tokens = 0
        self.valid: set[str] = set()
        self.queued: dict[str, list[Any]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth"):
            self.tokens += 1
            self.valid.add(f"tok-{self.tokens}")
            return httpx.Response(200, json={"code": 0, "data": {"token": f"tok-{self.tokens}"}})
        if request.headers.get("Authorization") not in self.valid:
            return httpx.Response(200, json={"code": 401, "message": "token expired"})
        queue = self.queued.get(request.url.path.removeprefix("/gw"))
        answer = queue.pop(0) if queue else httpx.Response(200, json={"code": 0, "data": {"id": "P-1"}})
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def platform(make_conn: Any) -> tuple[DemoHook, Scripted]:
    make_conn("demo_default", "demo", host="https://api.example.test/gw/", login=USERNAME, password=PASSWORD)
    server = Scripted()
    hook = DemoHook(
        transport=httpx.MockTransport(server),
        token_store=MemoryTokenStore(),
        retry_policy=FAST,
        sleep=lambda _s: None,
    )
    return hook, server


def _no_secret_anywhere(recorder: StatsRecorder) -> None:
    for sent in recorder.sent:
        text = f"{sent.stat} {sent.tags}"
        for secret in SECRETS:
            assert secret not in text, (secret, sent)


def test_calls_are_named_after_their_endpoint_never_their_path() -> None:
    meter = metrics.CallMeter("demo", DemoHook.endpoints)
    assert meter.operation("/orders") == "create"
    assert meter.operation("/orders/ORDER-42") == "order"
    assert meter.operation("/orders/status") == "statuses"  # the literal path wins over the template
    assert meter.operation("/orders/ORDER-42/items") == metrics.OTHER_OPERATION
    assert meter.operation("/somewhere/else?token=abc") == metrics.OTHER_OPERATION


def test_each_call_is_timed_by_platform_and_endpoint_and_in_flight_ends_at_zero(
    recorder: StatsRecorder, platform: tuple[DemoHook, Scripted]
) -> None:
    hook, _server = platform
    hook.request("POST", "/orders", json={"id": "ORDER-42"}, idempotent=False)
    hook.request("GET", "/orders/ORDER-42")

    assert recorder.timings("fulfillment.demo.calls.") == {
        "fulfillment.demo.calls.token": 1,
        "fulfillment.demo.calls.create": 1,
        "fulfillment.demo.calls.order": 1,
    }
    timing = recorder.of("timing", "fulfillment.demo.calls.order")[0]
    assert timing.tags == {"platform": "demo", "operation": "order"}
    assert timing.value >= 0
    assert recorder.last_gauge("fulfillment.demo.calls.in_flight") == 0
    assert recorder.counter("fulfillment.demo.token.fetches") == 1
    assert recorder.counters("fulfillment.demo.errors") == {}
    _no_secret_anywhere(recorder)


def test_errors_by_kind_retries_and_a_refresh_are_counted(
    recorder: StatsRecorder, platform: tuple[DemoHook, Scripted]
) -> None:
    hook, server = platform
    hook.get_token()
    server.valid.clear()  # the platform forgets the token: the next call refreshes once
    server.queued["/orders/status"] = [
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.Response(503),
        httpx.ConnectError("refused"),
    ]
    assert hook.request("POST", "/orders/status", json=[], idempotent=True) == {"id": "P-1"}

    assert recorder.counters("fulfillment.demo.errors") == {
        "fulfillment.demo.errors.auth": 1,
        "fulfillment.demo.errors.rate_limit": 1,
        "fulfillment.demo.errors.transient": 1,
        "fulfillment.demo.errors.transport": 1,
    }
    # the refresh after the auth error is not a retry; the three faults are
    assert recorder.counter("fulfillment.demo.calls.retried") == 3
    kinds = sorted(s.tags["kind"] for s in recorder.of("incr", "fulfillment.demo.calls.retried"))
    assert kinds == ["rate_limit", "transient", "transport"]
    assert recorder.counter("fulfillment.demo.token.fetches") == 1
    assert recorder.counter("fulfillment.demo.token.refreshes") == 1
    assert recorder.timings("fulfillment.demo.calls.statuses") == {"fulfillment.demo.calls.statuses": 5}
    assert recorder.last_gauge("fulfillment.demo.calls.in_flight") == 0
    _no_secret_anywhere(recorder)


def test_a_call_that_gives_up_counts_its_error_and_leaves_nothing_in_flight(
    recorder: StatsRecorder, platform: tuple[DemoHook, Scripted]
) -> None:
    hook, server = platform
    server.queued["/orders/status"] = [httpx.Response(500)] * 4
    with pytest.raises(TransientError):
        hook.request("POST", "/orders/status", json=[], idempotent=True)
    assert recorder.counter("fulfillment.demo.errors.transient") == 4
    assert recorder.counter("fulfillment.demo.calls.retried") == 3
    assert recorder.last_gauge("fulfillment.demo.calls.in_flight") == 0


def test_async_calls_are_metered_the_same_way(
    recorder: StatsRecorder, platform: tuple[DemoHook, Scripted]
) -> None:
    hook, server = platform
    server.queued["/orders"] = [httpx.Response(429, headers={"Retry-After": "0"})]

    async def run() -> None:
        await asyncio.gather(*(hook.acreate({"id": f"ORDER-{n}"}) for n in range(5)))

    hook.run_async(run())
    assert recorder.timings("fulfillment.demo.calls.create") == {"fulfillment.demo.calls.create": 6}
    assert recorder.counter("fulfillment.demo.errors.rate_limit") == 1
    assert recorder.counter("fulfillment.demo.calls.retried") == 1
    assert recorder.last_gauge("fulfillment.demo.calls.in_flight") == 0


def test_in_flight_gauge_is_throttled_but_always_sent_at_zero(recorder: StatsRecorder) -> None:
    counter = metrics.InFlight("gauge_demo")
    for now in (100.0, 100.1, 100.2):  # three calls start within 0.2 s: one gauge
        counter.change(1, now)
    counter.change(-1, 100.3)
    counter.change(-1, 100.7)  # 0.7 s after the last one sent: due
    counter.change(-1, 100.8)  # back to 0: always sent
    sent = [s.value for s in recorder.of("gauge", "fulfillment.gauge_demo.calls.in_flight")]
    assert sent == [1, 1, 0]


def test_token_calls_are_counted_by_platform_without_the_key(recorder: StatsRecorder) -> None:
    key = token_store_key("demo", "https://api.example.test", USERNAME, PASSWORD)
    issued = iter(["tok-a", "tok-b"])
    manager = TokenManager(key, lambda: Token.with_ttl(next(issued), 3600), store=MemoryTokenStore())
    first = manager.get()
    manager.get()  # cached: no call
    manager.invalidate(first.value)
    manager.get(stale=first.value)
    assert recorder.counters("fulfillment.demo.token") == {
        "fulfillment.demo.token.fetches": 1,
        "fulfillment.demo.token.refreshes": 1,
    }
    assert all(key not in f"{s.stat} {s.tags}" for s in recorder.sent)


def test_a_rate_limited_token_call_counts_only_the_token_obtained(recorder: StatsRecorder) -> None:
    key = token_store_key("demo", "h", "u", "p")
    answers: list[Any] = [RateLimitError("demo", "slow down", retry_after=0), Token.with_ttl("tok-z", 60)]

    def fetch() -> Token:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[no-any-return]

    TokenManager(key, fetch, store=MemoryTokenStore(), sleep=lambda _s: None).get()
    assert recorder.counters("fulfillment.demo.token") == {"fulfillment.demo.token.fetches": 1}


def test_outcomes_are_counted_once_per_run_from_the_report(
    recorder: StatsRecorder, task_context: Any
) -> None:
    outcomes = ["created"] * 7 + ["existed"] * 2 + ["failed", "unknown", "skipped", "invalid"]
    report = BulkReport(results=[ItemResult(key=f"K{n}", outcome=o) for n, o in enumerate(outcomes)])  # type: ignore[arg-type]

    class Operator:
        registry_key = "hypersku"

    metrics.record_bulk_report(Operator(), task_context(), report)
    assert recorder.counters("fulfillment.hypersku.") == {
        "fulfillment.hypersku.items.created": 7,
        "fulfillment.hypersku.items.existed": 2,
        "fulfillment.hypersku.items.failed": 1,
        "fulfillment.hypersku.items.unknown": 1,
        "fulfillment.hypersku.items.skipped": 1,
        "fulfillment.hypersku.items.invalid": 1,
        "fulfillment.hypersku.bulk_runs": 1,
    }
    created = recorder.of("incr", "fulfillment.hypersku.items.created")[0]
    assert created.tags == {"platform": "hypersku", "outcome": "created", "dag_id": "dag", "task_id": "task"}


def test_names_keep_to_the_characters_every_backend_accepts() -> None:
    assert (
        metrics.name("chao8", "calls", "logistics.create/v1") == "fulfillment.chao8.calls.logistics_create_v1"
    )
    assert metrics.platform_of_token_key("not-a-token-key") == "unknown"


@pytest.fixture
def spans() -> Any:
    """Finished spans of Airflow's tracer (``airflow.sdk.observability.trace``), in memory."""
    from airflow.sdk.observability import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # the first test to trace installs one
        trace.set_tracer_provider(TracerProvider())
        provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    try:
        yield exporter
    finally:
        processor.shutdown()


def test_an_operator_run_is_a_span_with_its_platform_around_its_calls(
    spans: Any, platform: tuple[DemoHook, Scripted]
) -> None:
    hook, _server = platform

    class Operator:
        registry_key = "demo"
        task_id = "create_orders"
        action = "Demo create orders"

    with metrics.operator_span(Operator()):
        hook.request("GET", "/orders/ORDER-42")
    (span,) = [s for s in spans.get_finished_spans() if s.name.startswith("fulfillment.")]
    assert span.name == "fulfillment.demo.run"
    assert dict(span.attributes or {}) == {
        "fulfillment.platform": "demo",
        "fulfillment.operator": "Operator",
        "airflow.task_id": "create_orders",
        "fulfillment.action": "Demo create orders",
    }


def test_the_span_is_a_child_of_the_current_span(spans: Any) -> None:
    from airflow.sdk.observability import trace

    class Operator:
        registry_key = "demo"
        task_id = "t"

    with (
        trace.get_tracer("test").start_as_current_span("worker.t") as parent,
        metrics.operator_span(Operator()),
    ):
        pass
    (span,) = [s for s in spans.get_finished_spans() if s.name == "fulfillment.demo.run"]
    assert span.parent is not None
    assert span.parent.span_id == parent.get_span_context().span_id


def test_the_connection_test_button_is_not_a_counted_token_call(
    recorder: StatsRecorder, platform: tuple[DemoHook, Scripted]
) -> None:
    hook, server = platform
    assert hook.test_connection()[0]
    assert server.tokens == 1
    assert recorder.counters("fulfillment.demo.token") == {}


# --------------------------------------------------------------------------- docs/metrics.md
PAGE = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"


def _table() -> dict[str, str]:
    """``{name pattern: the row}`` of the page's table of metrics."""
    rows = {}
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        found = re.match(r"^\| `(fulfillment\.[^`]+)` \|", line)
        if found:
            rows[found.group(1)] = line
    return rows


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"<[a-z]+>", "[A-Za-z0-9_-]+", re.escape(name)) + "$")


def test_the_metrics_page_names_every_metric_the_provider_sends_and_no_other(
    recorder: StatsRecorder, platform: tuple[DemoHook, Scripted], task_context: Any
) -> None:
    hook, server = platform
    hook.get_token()
    server.valid.clear()
    server.queued["/orders"] = [httpx.Response(429, headers={"Retry-After": "0"})]
    hook.run_async(hook.acreate({"id": "ORDER-42"}))
    metrics.lost_answer_resolved("demo")

    class Operator:
        registry_key = "demo"

    report = BulkReport(results=[ItemResult(key="K", outcome="created")])
    metrics.record_bulk_report(Operator(), task_context(), report)

    table = {name: _pattern(name) for name in _table()}
    sent = {s.stat for s in recorder.sent}
    unlisted = {stat for stat in sent if not any(p.match(stat) for p in table.values())}
    assert unlisted == set()
    # and every row was sent at least once by the run above
    unseen = {name for name, p in table.items() if not any(p.match(stat) for stat in sent)}
    assert unseen == set()
    assert len(table) == 9


def test_the_metrics_page_lists_every_outcome_and_every_error_kind() -> None:
    from typing import get_args

    from airflow_provider.common import errors
    from airflow_provider.common.results import Outcome

    rows = _table()
    outcomes = set(re.findall(r"`([a-z_]+)`", rows["fulfillment.<platform>.items.<outcome>"].split("|")[4]))
    assert outcomes == set(get_args(Outcome))
    kinds = {
        cls.kind
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.ApiError) and cls is not errors.ApiError
    }
    listed = set(re.findall(r"`([a-z_]+)`", rows["fulfillment.<platform>.errors.<kind>"].split("|")[4]))
    assert listed == kinds


def test_a_streamed_bulk_run_is_a_run_span_with_one_span_per_chunk(
    spans: Any, recorder: StatsRecorder, make_conn: Any, task_context: Any, tmp_path: Path
) -> None:
    from test_common_operator_bases import SERVER, TinyCreateOrdersOperator

    class SmallChunks(TinyCreateOrdersOperator):
        stream_chunk_size = 100

    make_conn("tiny_default", "http", host="https://tiny.invalid", extra={"retry_base_delay": 0})
    SERVER.__init__()  # type: ignore[misc]
    source = tmp_path / "orders.jsonl"
    source.write_text("".join(f'{{"ref": "R{i}", "sku": "S", "qty": 1}}\n' for i in range(250)))
    operator = SmallChunks(task_id="create", orders=f"file://{source}")
    report = operator.execute(task_context())

    platform = operator.registry_key or "unknown"
    finished = [s for s in spans.get_finished_spans() if s.name.startswith(f"fulfillment.{platform}.")]
    (run,) = [s for s in finished if s.name.endswith(".run")]
    chunks = [s for s in finished if s.name.endswith(".chunk")]
    assert [dict(s.attributes or {})["fulfillment.items"] for s in chunks] == [100, 100, 50]
    assert all(s.parent is not None and s.parent.span_id == run.context.span_id for s in chunks)
    assert report["counts"] == {"created": 250}
    assert recorder.counter(f"fulfillment.{platform}.items.created") == 250
