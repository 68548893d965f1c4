"""The bulk core at any size (no sockets): JSON-lines inputs streamed in two passes, results
streamed to a file as they complete, a bounded XCom report, the connection's concurrency cap."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException
from test_common_operator_bases import SERVER, Order, Server, TinyCancelOperator, TinyCreateOrdersOperator

from airflow_provider.common import read_report
from airflow_provider.common.inputs import ids_from, jsonl_source
from airflow_provider.common.results import (
    MAX_FAILURES_IN_XCOM,
    BulkReport,
    ItemResult,
    ResultSink,
    ResultsView,
)


class SmallChunks(TinyCreateOrdersOperator):
    stream_chunk_size = 100


@pytest.fixture(autouse=True)
def server(make_conn: Any) -> Server:
    make_conn("tiny_default", "http", host="https://tiny.invalid", extra={"retry_base_delay": 0})
    SERVER.__init__()  # type: ignore[misc]
    return SERVER


def write_jsonl(path: Path, rows: list[Any]) -> str:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return f"file://{path}"


def orders(n: int, sku: str = "S") -> list[dict[str, Any]]:
    return [{"ref": f"R{i}", "sku": sku, "qty": 1} for i in range(n)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("file:///data/orders.jsonl", "file:///data/orders.jsonl"),
        ("s3://bucket/2024-01-01/orders.ndjson", "s3://bucket/2024-01-01/orders.ndjson"),
        ("/data/orders.jsonl", "/data/orders.jsonl"),
        ("/data/shop exports/orders 2026-12-01.jsonl", "/data/shop exports/orders 2026-12-01.jsonl"),
        ("/data/a.jsonl, /data/b.jsonl", None),  # two names are not one file
        (Path("/data/orders.jsonl"), "/data/orders.jsonl"),
        ("orders.jsonl", None),  # a relative name could be an id: never guessed
        ('[{"ref": "R1"}]', None),
        ("A1, A2", None),
        ([{"ref": "R1"}], None),
        ("file:///data/orders.json", None),
    ],
)
def test_a_json_lines_file_is_recognised_where_items_are_expected(value: Any, expected: str | None) -> None:
    assert jsonl_source(value) == expected


def test_a_file_input_streams_and_xcom_stays_bounded(
    server: Server, task_context: Any, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", orders(2500))
    report = SmallChunks(task_id="create", orders=source).execute(task_context())

    assert report["counts"] == {"created": 2500}
    assert report["total"] == 2500
    assert report["results"] is None  # in the file: read_report reads them
    assert report["results_file"].endswith("orders.results.jsonl")  # beside the input by default
    # 2,500 ids would not fit the XCom budget: they are read from the results file instead
    assert "order_ids" not in report
    assert report["in_results_file"] == ["order_ids"]
    assert len(json.dumps(report)) < 1000
    assert ids_from(report, param="order_ids", report_key="order_ids") == [f"P{i}" for i in range(1, 2501)]
    assert [r["key"] for r in read_report(report).results()] == [f"R{i}" for i in range(2500)]  # input order
    assert server.calls["POST token"] == 1
    assert server.refs() == {f"R{i}": 1 for i in range(2500)}


def test_the_first_pass_names_every_bad_line_and_sends_nothing(
    server: Server, task_context: Any, tmp_path: Path
) -> None:
    rows: list[Any] = orders(350)
    rows[120] = {"ref": "R120", "sku": "S", "qty": 0}
    rows[130] = {"sku": "S", "qty": 1}  # no caller id: named by its line
    rows[299] = {"ref": "R7", "sku": "S", "qty": 1}  # R7 again, two chunks later
    path = tmp_path / "orders.jsonl"
    source = write_jsonl(path, rows)
    path.write_text(path.read_text() + "{not json\n", encoding="utf-8")

    with pytest.raises(AirflowFailException) as raised:
        SmallChunks(task_id="create", orders=source).execute(task_context())
    message = str(raised.value)
    assert "order R120: qty: Value error, must be positive" in message
    assert "order line 131: ref: Field required" in message
    assert "order line 351: orders: not JSON" in message
    assert "order R7: orders: used by 2 orders of this file (lines 8, 300)" in message
    assert sum(server.calls.values()) == 0


def test_an_empty_file_skips(server: Server, task_context: Any, tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    with pytest.raises(AirflowSkipException):
        SmallChunks(task_id="create", orders=f"file://{tmp_path}/empty.jsonl").execute(task_context())


def test_results_reach_the_file_chunk_by_chunk_while_the_run_goes(
    server: Server, task_context: Any, tmp_path: Path
) -> None:
    seen: list[int] = []
    results = tmp_path / "out" / "results.jsonl"

    class Watching(SmallChunks):
        async def run_items(self, hook: Any, items: list[Order], context: Any, on_result: Any) -> BulkReport:
            seen.append(len(results.read_text().splitlines()) if results.exists() else -1)
            return await super().run_items(hook, items, context, on_result)

    source = write_jsonl(tmp_path / "orders.jsonl", orders(350))
    Watching(task_id="create", orders=source, results_path=str(results)).execute(task_context())
    # each chunk starts after the previous chunk's results are in the file (flushed as written)
    assert seen[0] == 0
    assert seen[1:] == sorted(seen[1:])
    assert len(results.read_text().splitlines()) == 350


def test_failures_are_counted_exactly_and_listed_up_to_the_cap(
    server: Server, task_context: Any, tmp_path: Path
) -> None:
    rows = [{"ref": f"R{i}", "sku": "OFFLINE" if i % 2 else "S", "qty": 1} for i in range(300)]
    source = write_jsonl(tmp_path / "orders.jsonl", rows)
    context = task_context()
    with pytest.raises(AirflowException, match=r"150 of 300 failed: R1 \(failed: sku offline\)"):
        SmallChunks(task_id="create", orders=source).execute(context)
    pushed = context["ti"].xcom["return_value"]
    assert pushed["counts"] == {"created": 150, "failed": 150}
    assert len(pushed["failures"]) == MAX_FAILURES_IN_XCOM
    assert sum(1 for r in read_report(pushed).results() if r["outcome"] == "failed") == 150


def test_a_stop_skips_every_later_chunk(server: Server, task_context: Any, tmp_path: Path) -> None:
    class StopAtFirstFailure(SmallChunks):
        def stop_when(self, result: ItemResult) -> bool:
            return result.failed

    rows = orders(400)
    rows[150] = {"ref": "R150", "sku": "OFFLINE", "qty": 1}
    context = task_context()
    with pytest.raises(AirflowException):
        StopAtFirstFailure(task_id="create", orders=write_jsonl(tmp_path / "o.jsonl", rows)).execute(context)
    counts = context["ti"].xcom["return_value"]["counts"]
    assert counts["skipped"] >= 200  # chunks 3 and 4 never sent
    assert len(server.rows) <= 199


def test_a_large_list_without_results_path_fails_before_sending(
    server: Server, task_context: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("airflow_provider.common.results.MAX_INLINE_RESULTS", 10)
    with pytest.raises(AirflowFailException, match=r"11 items .* give results_path="):
        TinyCreateOrdersOperator(task_id="create", orders=orders(11)).execute(task_context())
    assert sum(server.calls.values()) == 0
    small = TinyCreateOrdersOperator(task_id="create", orders=orders(10)).execute(task_context())
    # one shape with or without a results file
    assert set(small) == {"counts", "total", "results", "results_file", "failures", "order_ids"}
    assert (len(small["results"]), small["results_file"]) == (10, None)

    target = tmp_path / "r.jsonl"
    big = TinyCreateOrdersOperator(
        task_id="create", orders=orders(12), results_path=str(target), lookup_first=True
    )
    report = big.execute(task_context())
    assert report["counts"] == {"existed": 10, "created": 2}
    assert len(target.read_text().splitlines()) == 12


def test_ids_files_stream_for_any_bulk_operator(server: Server, task_context: Any, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "ids.jsonl", ["A1", "A2", 3])
    report = TinyCancelOperator(task_id="cancel", order_ids=source).execute(task_context())
    assert report["counts"] == {"ok": 3}
    assert [r["key"] for r in read_report(report).results()] == ["A1", "A2", "3"]


def test_the_sink_keeps_counts_and_capped_failures_not_results(tmp_path: Path) -> None:
    def result(i: int) -> ItemResult:
        if i % 10 == 0:
            return ItemResult(key=f"K{i}", outcome="failed", error={"kind": "bad_request", "message": "no"})
        return ItemResult(key=f"K{i}", outcome="created", id=f"P{i}", status="new")

    tracemalloc.start()
    with ResultSink(str(tmp_path / "r.jsonl")) as sink:
        for i in range(1000):
            sink.add(result(i))
        _, after_1k = tracemalloc.get_traced_memory()
        for i in range(1000, 20000):
            sink.add(result(i))
        _, after_20k = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert after_20k - after_1k < 200_000  # flat: 19,000 more results cost (almost) nothing
    assert sink.kept == []
    report = sink.report()
    assert isinstance(report.results, ResultsView)
    assert report.counts == {"created": 18000, "failed": 2000}
    assert report.total == 20000
    assert report.failed_count() == 2000
    assert len(report.failures) == MAX_FAILURES_IN_XCOM
    assert sum(1 for r in report.results if r.id) == 18000  # read back from the file, one at a time
    xcom = report.to_xcom()
    assert len(json.dumps(xcom)) < 20_000


def test_the_connections_cap_bounds_every_tasks_concurrency(
    server: Server, task_context: Any, make_conn: Any
) -> None:
    make_conn(
        "tiny_default",
        "http",
        host="https://tiny.invalid",
        extra={"retry_base_delay": 0, "max_concurrency_cap": 2},
    )
    operator = TinyCreateOrdersOperator(task_id="create", orders=orders(20), max_concurrency=8)
    assert operator.concurrency() == 2
    operator.execute(task_context())
    assert 1 <= server.peak <= 2
    lower = TinyCreateOrdersOperator(task_id="create", orders=orders(1), max_concurrency=1)
    assert lower.concurrency() == 1  # the cap is a ceiling, not a floor


class CountingValidation(SmallChunks):
    """Counts the lines its ``validate_items`` is given."""

    validated = 0

    def validate_items(self, raw: Any) -> list[Order]:
        CountingValidation.validated += len(raw)
        return super().validate_items(raw)


def test_a_file_is_validated_once_per_line(server: Server, task_context: Any, tmp_path: Path) -> None:
    CountingValidation.validated = 0
    source = write_jsonl(tmp_path / "orders.jsonl", orders(2500))
    report = CountingValidation(task_id="create", orders=source).execute(task_context())
    assert report["counts"] == {"created": 2500}
    assert CountingValidation.validated == 2500


def test_past_the_kept_items_a_file_is_validated_again_and_memory_stays_flat(
    server: Server, task_context: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider.common.jsonl_items import JsonlItems

    monkeypatch.setattr(JsonlItems, "keep_items", 500)
    CountingValidation.validated = 0
    source = write_jsonl(tmp_path / "orders.jsonl", orders(2500))
    report = CountingValidation(task_id="create", orders=source).execute(task_context())
    assert report["counts"] == {"created": 2500}
    # the first 500 were kept from the first pass; the 2,000 after them are validated again
    assert CountingValidation.validated == 2500 + 2000


def test_ids_used_twice_are_named_reading_only_their_lines_again(
    server: Server, task_context: Any, tmp_path: Path
) -> None:
    rows = orders(300)
    rows[250] = {"ref": "R7", "sku": "S", "qty": 1}
    CountingValidation.validated = 0
    source = write_jsonl(tmp_path / "orders.jsonl", rows)
    with pytest.raises(AirflowFailException, match=r"R7.*used by 2 orders of this file \(lines 8, 251\)"):
        CountingValidation(task_id="create", orders=source).execute(task_context())
    assert CountingValidation.validated == 300 + 2  # every line once, then the two colliding lines
    assert server.rows == []
