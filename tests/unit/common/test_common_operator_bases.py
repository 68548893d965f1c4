"""The one operator core, on a tiny platform whose server ACCEPTS a reused caller id (no sockets).

Such a server never answers "duplicate", so only the core's look-up before create can keep a
retried attempt from creating an order twice.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

import httpx
import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException
from pydantic import BaseModel, field_validator

from airflow_provider.common.auth import Token
from airflow_provider.common.errors import BadRequestError, NotFoundError
from airflow_provider.common.hooks import ApiHook
from airflow_provider.common.inputs import ids_from
from airflow_provider.common.models import InputError, validate_all
from airflow_provider.common.operator_bases import BulkCreateOperator, BulkOperator
from airflow_provider.common.progress import Progress
from airflow_provider.common.results import ItemResult


class Server:
    """An order store that accepts a reused id (every create adds a row), counting calls."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.gate: threading.Event | None = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        with self.lock:
            self.calls[f"{request.method} {path.split('/')[1]}"] += 1
        if path == "/token":
            return httpx.Response(200, json={"code": 0, "data": "tok"})
        if request.method == "POST" and path == "/orders":
            body = json.loads(request.content)
            if body.get("sku") == "OFFLINE":
                return httpx.Response(200, json={"code": 400, "message": "sku offline"})
            with self.lock:
                self.rows.append({**body, "id": f"P{len(self.rows) + 1}", "status": "new"})
                row = self.rows[-1]
            return httpx.Response(200, json={"code": 0, "data": row})
        if request.method == "GET" and path.startswith("/orders/"):
            ref = path.rsplit("/", 1)[1]
            found = [row for row in self.rows if row["ref"] == ref]
            if not found:
                return httpx.Response(200, json={"code": 404, "message": "no such order"})
            return httpx.Response(200, json={"code": 0, "data": found[0]})
        return httpx.Response(404)

    def refs(self) -> Counter[str]:
        return Counter(row["ref"] for row in self.rows)


class AsyncServer(httpx.AsyncBaseTransport):
    def __init__(self, server: Server) -> None:
        self.server = server

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import asyncio

        server = self.server
        with server.lock:
            server.in_flight += 1
            server.peak = max(server.peak, server.in_flight)
        try:
            if server.gate is not None and request.url.path == "/orders":
                while not server.gate.is_set():
                    await asyncio.sleep(0)
                    if server.in_flight >= 4:
                        server.gate.set()
            await request.aread()
            return server.handle(request)
        finally:
            with server.lock:
                server.in_flight -= 1


SERVER = Server()


class TinyHook(ApiHook):
    platform = "tiny"
    default_base_url = "https://tiny.invalid"

    def __init__(self, conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(conn_id, transport=AsyncServer(SERVER), **kwargs)

    def fetch_token(self) -> Token:
        return Token.with_ttl(self.request("POST", "/token", auth=False), 3600)

    def check_response(self, response: httpx.Response) -> Any:
        body = response.json()
        if body["code"] == 0:
            return body["data"]
        kind = NotFoundError if body["code"] == 404 else BadRequestError
        raise kind(self.platform, body["message"], code=body["code"])

    @property
    def client(self) -> httpx.Client:  # type: ignore[override]
        return httpx.Client(base_url=self.settings.base_url, transport=httpx.MockTransport(SERVER.handle))


class Order(BaseModel):
    ref: str
    sku: str
    qty: int

    @field_validator("qty")
    @classmethod
    def positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be positive")
        return value


class TinyCreateOrdersOperator(BulkCreateOperator[Order]):
    hook_class_path = f"{__name__}.TinyHook"
    action = "Tiny create orders"
    template_fields = ("orders",)

    def __init__(self, *, orders: Any, tiny_conn_id: str = "tiny_default", **kwargs: Any) -> None:
        super().__init__(conn_id=tiny_conn_id, **kwargs)
        self.orders = orders

    def validate_items(self, raw: Any) -> list[Order]:
        from airflow_provider.common.inputs import items_from

        return validate_all(Order, items_from(raw, param="orders"), id_field="ref")

    def item_key(self, item: Order) -> str:
        return item.ref

    async def create(self, hook: TinyHook, item: Order) -> dict[str, Any]:
        return dict(await hook.arequest("POST", "/orders", json=item.model_dump(), idempotent=False))

    async def lookup(self, hook: TinyHook, item: Order) -> dict[str, Any] | None:
        return dict(await hook.arequest("GET", f"/orders/{item.ref}"))

    def describe(self, value: dict[str, Any]) -> tuple[str | None, str | None, dict[str, Any]]:
        return value["id"], value["status"], {}

    def matches(self, item: Order, value: dict[str, Any]) -> bool:
        return bool(value["sku"] == item.sku and value["qty"] == item.qty)

    def report_extra(self, report: Any) -> dict[str, Any]:
        return {"order_ids": [r.id for r in report.results if r.id]}


class TinyCancelOperator(BulkOperator[str]):
    hook_class_path = f"{__name__}.TinyHook"
    action = "Tiny cancel"
    items_param = "order_ids"

    def __init__(self, *, order_ids: Any, **kwargs: Any) -> None:
        super().__init__(conn_id="tiny_default", **kwargs)
        self.order_ids = order_ids

    def validate_items(self, raw: Any) -> list[str]:
        return ids_from(raw, param="order_ids")

    def item_key(self, item: str) -> str:
        return item

    async def run_item(self, hook: Any, item: str) -> ItemResult:
        return ItemResult(key=item, outcome="ok")


@pytest.fixture(autouse=True)
def server(make_conn: Any) -> Server:
    make_conn("tiny_default", "http", host="https://tiny.invalid", extra={"retry_base_delay": 0})
    SERVER.__init__()  # type: ignore[misc]
    return SERVER


def orders(n: int) -> list[dict[str, Any]]:
    return [{"ref": f"R{i}", "sku": "S", "qty": 1} for i in range(n)]


def test_a_retried_attempt_finds_what_the_first_made_and_creates_only_the_rest(
    server: Server, task_context: Any
) -> None:
    first = TinyCreateOrdersOperator(task_id="create", orders=orders(5))
    first.execute(task_context())
    del server.rows[3:]  # attempt 1 "died" after three orders

    context = task_context(try_number=2)
    report = TinyCreateOrdersOperator(task_id="create", orders=orders(5)).execute(context)

    assert server.refs() == Counter({f"R{i}": 1 for i in range(5)})  # nothing created twice
    assert report["counts"] == {"existed": 3, "created": 2}
    assert [r["outcome"] for r in report["results"]] == ["existed"] * 3 + ["created"] * 2
    assert report["order_ids"] == ["P1", "P2", "P3", "P4", "P5"]


def test_a_second_run_over_the_same_orders_creates_nothing_where_reused_ids_are_accepted(
    server: Server, task_context: Any
) -> None:
    first = TinyCreateOrdersOperator(task_id="create", orders=orders(3)).execute(task_context())
    assert first["counts"] == {"created": 3}
    # a new DAG run (a re-trigger, a backfill): try 1 again, and the server accepts reused ids
    again = TinyCreateOrdersOperator(task_id="create", orders=orders(3)).execute(task_context())
    assert again["counts"] == {"existed": 3}
    assert server.refs() == Counter({"R0": 1, "R1": 1, "R2": 1})


def test_lookup_first_false_skips_the_look_up(server: Server, task_context: Any) -> None:
    TinyCreateOrdersOperator(task_id="create", orders=orders(2), lookup_first=False).execute(task_context())
    assert server.calls["GET orders"] == 0
    # declared fresh though they are not: the accepting server makes a second order (the risk)
    TinyCreateOrdersOperator(task_id="create", orders=orders(1), lookup_first=False).execute(
        task_context(try_number=2)
    )
    assert server.calls["GET orders"] == 0
    assert server.refs()["R0"] == 2


def test_a_platform_that_refuses_reused_ids_looks_up_only_on_a_retried_attempt(
    server: Server, task_context: Any
) -> None:
    class Refusing(TinyCreateOrdersOperator):
        refuses_reused_ids = True

    Refusing(task_id="create", orders=orders(2)).execute(task_context())
    assert server.calls["GET orders"] == 0
    report = Refusing(task_id="create", orders=orders(2)).execute(task_context(try_number=2))
    assert report["counts"] == {"existed": 2}
    assert server.calls["GET orders"] == 2


def test_an_order_found_with_other_contents_is_a_conflict_not_existed(
    server: Server, task_context: Any
) -> None:
    TinyCreateOrdersOperator(task_id="create", orders=orders(1)).execute(task_context())
    context = task_context(try_number=2)
    changed = [{"ref": "R0", "sku": "S", "qty": 9}]
    with pytest.raises(AirflowException, match="R0"):
        TinyCreateOrdersOperator(task_id="create", orders=changed).execute(context)
    pushed = context["ti"].xcom["return_value"]
    assert pushed["counts"] == {"failed": 1}
    assert pushed["results"][0]["error"]["kind"] == "conflict"
    assert len(server.rows) == 1


def test_failures_are_pushed_before_the_task_fails(server: Server, task_context: Any) -> None:
    context = task_context()
    batch = [*orders(2), {"ref": "BAD", "sku": "OFFLINE", "qty": 1}]
    with pytest.raises(AirflowException, match=r"1 of 3 failed: BAD \(failed: sku offline\)"):
        TinyCreateOrdersOperator(task_id="create", orders=batch).execute(context)
    assert context["ti"].xcom["return_value"]["counts"] == {"created": 2, "failed": 1}


def test_bad_input_fails_without_retries_naming_order_and_field_before_any_request(
    server: Server, task_context: Any
) -> None:
    batch = [*orders(2), {"ref": "R9", "sku": "S", "qty": 0}]
    with pytest.raises(AirflowFailException, match=r"order R9: qty: Value error, must be positive"):
        TinyCreateOrdersOperator(task_id="create", orders=batch).execute(task_context())
    reused = [*orders(2), {"ref": "R1", "sku": "S", "qty": 1}]
    with pytest.raises(AirflowFailException, match=r"order R1: used by 2 orders of this batch \(#1, #2\)"):
        TinyCreateOrdersOperator(task_id="create", orders=reused).execute(task_context())
    with pytest.raises(AirflowFailException, match=r"orders: .*does not parse"):
        TinyCreateOrdersOperator(task_id="create", orders="[{bad json").execute(task_context())
    assert sum(server.calls.values()) == 0


@pytest.mark.parametrize("empty", [[], None, "", "[]"])
def test_an_empty_day_skips(empty: Any, server: Server, task_context: Any) -> None:
    with pytest.raises(AirflowSkipException):
        TinyCreateOrdersOperator(task_id="create", orders=empty).execute(task_context())
    with pytest.raises(AirflowSkipException):
        TinyCancelOperator(task_id="cancel", order_ids=empty).execute(task_context())
    assert sum(server.calls.values()) == 0


def test_the_operators_max_concurrency_wins_and_sizes_the_pool(server: Server, task_context: Any) -> None:
    operator = TinyCreateOrdersOperator(task_id="create", orders=orders(8), max_concurrency=4)
    assert operator.hook.concurrency(operator.max_concurrency) == 4
    assert operator.hook._client_kwargs()["limits"].max_connections >= 4
    server.gate = threading.Event()  # creates wait until 4 are in flight at once
    operator.execute(task_context())
    assert server.peak == 4


def test_the_token_is_fetched_once_for_the_whole_batch(server: Server, task_context: Any) -> None:
    TinyCreateOrdersOperator(task_id="create", orders=orders(20)).execute(task_context())
    assert server.calls["POST token"] == 1


def test_progress_lines_every_tenth_and_every_ten_seconds() -> None:
    now = [0.0]
    progress = Progress("Tiny create orders", 100, clock=lambda: now[0])
    for index in range(100):
        now[0] += 0.5 if index < 30 else 0.01  # the first 30 take 15 s
        progress.record("created" if index % 10 else "existed")
    assert len(progress.lines) >= 10
    assert progress.lines[0].startswith("Tiny create orders: 10/100 (10%): 9 created, 1 existed; 2.0/s")
    assert "~45s left" in progress.lines[0]
    assert progress.lines[-1].startswith("Tiny create orders: 100/100 (100%)")
    assert progress.lines[-1].endswith("done")
    slow = Progress("slow", 1000, clock=lambda: now[0])
    slow.record("created")
    now[0] += 10.0
    slow.tick()
    assert slow.lines
    assert slow.lines[-1].startswith("slow: 1/1000 (0%)")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("A1", ["A1"]),
        ("A1, A2 A1", ["A1", "A2"]),
        ('["A1", 7]', ["A1", "7"]),
        (7, ["7"]),
        ({"counts": {}, "results": [{"key": "k", "id": "X", "outcome": "created"}]}, ["X"]),
        ({"counts": {}, "results": [{"key": "k", "id": "X", "outcome": "failed"}]}, []),
        (None, []),
    ],
)
def test_ids_from_accepts_what_users_give(value: Any, expected: list[str]) -> None:
    assert ids_from(value, param="order_ids") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([None, ""], r"order #0: order_ids: expected an id \(str or int\), got None"),
        (["A", ""], r"order #1: order_ids: empty id"),
        ({"A": 1}, r"order_ids: a dict is not a list of ids"),
        ("[1, 2", r"order_ids: a JSON string was given but it does not parse"),
        ([["A"]], r"got list"),
    ],
)
def test_ids_from_refuses_what_would_act_on_the_wrong_order(value: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        ids_from(value, param="order_ids")


def test_a_bad_id_list_fails_the_task_before_any_request(server: Server, task_context: Any) -> None:
    with pytest.raises(AirflowFailException, match=r"order_ids: .*got None"):
        TinyCancelOperator(task_id="cancel", order_ids=[None, ""]).execute(task_context())
    assert sum(server.calls.values()) == 0


def test_results_go_to_a_file_and_xcom_keeps_counts_and_failures(
    server: Server, task_context: Any, tmp_path: Any
) -> None:
    from airflow_provider.common import read_report

    assert "results_path" in TinyCreateOrdersOperator.template_fields
    target = tmp_path / "out" / "results.jsonl"
    context = task_context()
    batch = [*orders(3), {"ref": "BAD", "sku": "OFFLINE", "qty": 1}]
    operator = TinyCreateOrdersOperator(task_id="create", orders=batch, results_path=str(target))
    with pytest.raises(AirflowException):
        operator.execute(context)
    pushed = context["ti"].xcom["return_value"]
    assert pushed["results"] is None  # the same keys as inline; the results are in the file
    assert pushed["counts"] == {"created": 3, "failed": 1}
    assert [f["key"] for f in pushed["failures"]] == ["BAD"]
    assert [r["key"] for r in read_report(pushed).results()] == ["R0", "R1", "R2", "BAD"]
    assert ids_from(pushed, param="order_ids") == ["P1", "P2", "P3"]


def test_report_extra_reads_every_result_back_when_they_went_to_a_file(
    server: Server, task_context: Any, tmp_path: Any
) -> None:
    from airflow_provider.common.results import ResultsView

    seen: list[Any] = []

    class Spy(TinyCreateOrdersOperator):
        def report_extra(self, report: Any) -> dict[str, Any]:
            seen.append(report.results)
            return super().report_extra(report)

    target = tmp_path / "results.jsonl"
    report = Spy(task_id="create", orders=orders(5), results_path=str(target)).execute(task_context())
    assert isinstance(seen[0], ResultsView)
    assert len(seen[0]) == 5
    assert report["order_ids"] == ["P1", "P2", "P3", "P4", "P5"]  # short id lists stay in XCom
    assert report["total"] == 5


def test_the_closing_progress_line_is_not_repeated() -> None:
    now = [0.0]
    progress = Progress("Tiny", 10, clock=lambda: now[0])
    for _ in range(10):
        now[0] += 1
        progress.record("created")
    lines = len(progress.lines)
    assert progress.lines[-1].startswith("Tiny: 10/10 (100%)")
    progress.finish()
    assert len(progress.lines) == lines
    unfinished = Progress("Tiny", 10, clock=lambda: now[0])
    unfinished.finish()
    assert unfinished.lines == ["Tiny: 0/10 (0%): none yet; 0.0/s, 0s elapsed, time left unknown"]
