"""Partial batches (``on_invalid``) and the one report reader, on the tiny platform (no sockets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException
from test_common_operator_bases import SERVER, Server, TinyCreateOrdersOperator
from test_common_streaming import SmallChunks, orders, write_jsonl

from airflow_provider.common import ReportError, read_report
from airflow_provider.common.models import InputError


@pytest.fixture(autouse=True)
def server(make_conn: Any) -> Server:
    make_conn("tiny_default", "http", host="https://tiny.invalid", extra={"retry_base_delay": 0})
    SERVER.__init__()  # type: ignore[misc]
    return SERVER


def with_bad(n: int, bad: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    batch = orders(n)
    for index, change in bad.items():
        batch[index] = {**batch[index], **change}
    return batch


# ------------------------------------------------------------------ on_invalid
def test_by_default_one_bad_order_sends_nothing_and_says_so(server: Server, task_context: Any) -> None:
    with pytest.raises(
        AirflowFailException, match=r"(?s)nothing was sent:.*order R3: qty: .*on_invalid='report'"
    ):
        TinyCreateOrdersOperator(task_id="create", orders=with_bad(5, {3: {"qty": 0}})).execute(
            task_context()
        )
    assert server.rows == []


def test_report_mode_makes_the_valid_orders_names_the_bad_ones_and_fails(
    server: Server, task_context: Any
) -> None:
    context = task_context()
    batch = with_bad(50, {7: {"qty": 0}, 31: {"sku": None}})
    with pytest.raises(AirflowException, match=r"2 of 50 failed: R7 \(invalid: qty: .*R31 \(invalid: sku"):
        TinyCreateOrdersOperator(task_id="create", orders=batch, on_invalid="report").execute(context)
    assert len(server.rows) == 48
    pushed = context["ti"].xcom["return_value"]
    assert pushed["counts"] == {"created": 48, "invalid": 2}
    invalid = {r["key"]: r["error"] for r in read_report(pushed).results(outcomes=["invalid"])}
    assert set(invalid) == {"R7", "R31"}
    assert invalid["R7"]["fields"] == ["qty"]
    assert invalid["R31"]["fields"] == ["sku"]


def test_allow_mode_succeeds_and_still_reports_the_invalid_orders(server: Server, task_context: Any) -> None:
    batch = with_bad(10, {0: {"qty": -1}})
    report = TinyCreateOrdersOperator(task_id="create", orders=batch, on_invalid="allow").execute(
        task_context()
    )
    assert report["counts"] == {"created": 9, "invalid": 1}
    assert [f["key"] for f in report["failures"]] == ["R0"]
    assert len(server.rows) == 9


def test_an_id_used_twice_is_reported_for_both_orders_in_report_mode(
    server: Server, task_context: Any
) -> None:
    batch = [*orders(3), {"ref": "R1", "sku": "S", "qty": 2}]
    report = TinyCreateOrdersOperator(task_id="create", orders=batch, on_invalid="allow").execute(
        task_context()
    )
    assert report["counts"] == {"created": 2, "invalid": 2}
    assert server.refs() == {"R0": 1, "R2": 1}


def test_an_order_the_prepare_step_refuses_fails_alone(server: Server, task_context: Any) -> None:
    class CheckingSku(TinyCreateOrdersOperator):
        def prepare(self, hook: Any, items: list[Any], context: Any) -> list[Any]:
            unknown = [(item.ref, "sku", f"unknown SKU {item.sku!r}") for item in items if item.sku == "NOPE"]
            if unknown:
                raise InputError(unknown)
            return super().prepare(hook, items, context)

    context = task_context()
    batch = with_bad(5, {2: {"sku": "NOPE"}})
    with pytest.raises(AirflowFailException, match="unknown SKU"):
        CheckingSku(task_id="create", orders=batch).execute(task_context())
    assert server.rows == []
    with pytest.raises(AirflowException, match=r"1 of 5 failed: R2 \(invalid: sku: unknown SKU"):
        CheckingSku(task_id="create", orders=batch, on_invalid="report").execute(context)
    assert sorted(server.refs()) == ["R0", "R1", "R3", "R4"]


def test_a_file_with_bad_lines_in_report_mode_sends_the_good_ones(
    server: Server, task_context: Any, tmp_path: Path
) -> None:
    rows = with_bad(250, {10: {"qty": 0}, 140: {"qty": "x"}})
    source = write_jsonl(tmp_path / "orders.jsonl", rows)
    with (tmp_path / "orders.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    context = task_context()
    with pytest.raises(AirflowException, match="3 of 251 failed"):
        SmallChunks(task_id="create", orders=source, on_invalid="report").execute(context)
    pushed = context["ti"].xcom["return_value"]
    assert pushed["counts"] == {"created": 248, "invalid": 3}
    keys = sorted(r["key"] for r in read_report(pushed).failures())
    assert keys == ["R10", "R140", "line 251"]
    assert len(server.rows) == 248


def test_on_invalid_is_checked_when_the_dag_is_parsed() -> None:
    with pytest.raises(ValueError, match="on_invalid must be one of"):
        TinyCreateOrdersOperator(task_id="create", orders=[], on_invalid="skip")


# ------------------------------------------------------------------ one report shape, one reader
def test_a_report_reads_the_same_with_and_without_a_results_file(
    server: Server, task_context: Any, tmp_path: Path
) -> None:
    inline = TinyCreateOrdersOperator(task_id="a", orders=orders(4)).execute(task_context())
    SERVER.__init__()  # type: ignore[misc]
    filed = TinyCreateOrdersOperator(
        task_id="b", orders=orders(4), results_path=str(tmp_path / "r.jsonl")
    ).execute(task_context())
    assert set(inline) == set(filed)
    for report in (inline, filed):
        made = read_report(report)
        assert made.counts == {"created": 4}
        assert made.total == 4
        assert [r["key"] for r in made.results()] == ["R0", "R1", "R2", "R3"]
        assert made.ids(field="key") == ["R0", "R1", "R2", "R3"]
        assert made.ids() == ["P1", "P2", "P3", "P4"]
        assert made.failures() == []


def test_reports_of_every_map_index_read_as_one(server: Server, task_context: Any, tmp_path: Path) -> None:
    reports: list[Any] = []
    for index in range(3):
        batch = [{"ref": f"M{index}-{n}", "sku": "S", "qty": 1} for n in range(2)]
        path = str(tmp_path / f"r{index}.jsonl") if index == 1 else None
        reports.append(
            TinyCreateOrdersOperator(task_id="create", orders=batch, results_path=path).execute(
                task_context()
            )
        )
    made = read_report([*reports, None])  # a skipped map index pulls as None
    assert made.total == 6
    assert made.counts == {"created": 6}
    assert made.ids(field="key") == [f"M{i}-{n}" for i in range(3) for n in range(2)]


def test_asking_a_report_for_results_it_does_not_hold_says_where_they_are(tmp_path: Path) -> None:
    gone = str(tmp_path / "elsewhere" / "results.jsonl")
    report = {"counts": {"created": 1}, "total": 1, "results": None, "results_file": gone, "failures": []}
    with pytest.raises(ReportError, match=r"results are in .*elsewhere/results.jsonl"):
        list(read_report(report).results())
    with pytest.raises(ReportError, match=r"not a bulk report .*whole XCom value"):
        read_report({"results": None})


# ------------------------------------------------------------------ the platform goes away
def test_a_platform_that_stops_answering_stops_the_batch_and_fails_the_task(
    server: Server, task_context: Any, make_conn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    make_conn(
        "tiny_default", "http", host="https://tiny.invalid", extra={"retry_base_delay": 0, "max_attempts": 2}
    )
    answer = server.handle

    def down(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            return answer(request)
        return httpx.Response(503, json={"code": 503, "message": "down"})

    monkeypatch.setattr(server, "handle", down)
    context = task_context()
    operator = TinyCreateOrdersOperator(task_id="create", orders=orders(40), max_concurrency=2)
    with pytest.raises(AirflowException, match=r"not started \(skipped, not sent\)"):
        operator.execute(context)
    pushed = context["ti"].xcom["return_value"]
    assert pushed["counts"]["skipped"] >= 36  # nothing more is sent once the platform is away
    assert set(pushed["counts"]) == {"unknown", "skipped"}
    unknown = next(read_report(pushed).results(outcomes=["unknown"]))
    assert "look-up before create failed, not sent" in unknown["error"]["message"]
    assert "after 2 attempts" in unknown["error"]["message"]
    assert server.rows == []


def test_a_sensor_or_cancel_takes_a_mapped_creates_reports_as_ids() -> None:
    from airflow_provider.common.inputs import ids_from

    def report(*pairs: tuple[str, str, str]) -> dict[str, Any]:
        results = [{"key": key, "outcome": outcome, "id": pid} for key, outcome, pid in pairs]
        return {"counts": {}, "total": len(results), "results": results, "results_file": None, "failures": []}

    mapped = [report(("A", "created", "1"), ("B", "failed", "")), None, report(("C", "existed", "3"))]
    assert ids_from(mapped, param="order_ids") == ["1", "3"]
    assert ids_from(mapped, param="order_ids", report_field="key") == ["A", "C"]


def test_an_id_used_twice_next_to_a_bad_line_is_still_caught_in_report_mode(
    server: Server, task_context: Any, tmp_path: Path
) -> None:
    rows = [*orders(3), {"ref": "R1", "sku": "S", "qty": 2}, {"ref": "R9", "sku": "S", "qty": 0}]
    source = write_jsonl(tmp_path / "orders.jsonl", rows)  # R1 twice, in the chunk of a bad line
    report = SmallChunks(task_id="create", orders=source, on_invalid="allow").execute(task_context())
    assert report["counts"] == {"created": 2, "invalid": 3}
    assert server.refs() == {"R0": 1, "R2": 1}
