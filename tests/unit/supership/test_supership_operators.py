"""SuperShip operators against an in-memory fake API (httpx.MockTransport, no sockets).

The fake ACCEPTS a reused ``soc`` by default (SuperShip does not document refusing one): only
the core's look-up before create keeps a retried attempt from creating an order twice.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any

import httpx
import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.supership import operators as ops
from airflow_provider.supership.hooks import SuperShipHook
from airflow_provider.supership.webhook_operators import _redacted_url

PAT = "pat-unit-token"


def ok(results: Any) -> httpx.Response:
    return httpx.Response(200, json={"status": "Success", "message": "", "results": results})


def err(status: int, message: str, errors: Any = None) -> httpx.Response:
    return httpx.Response(status, json={"status": "Error", "message": message, "errors": errors or message})


AREAS = {
    "79": ("Thành phố Hồ Chí Minh", {"770": ("Quận 3", ["Phường 6", "Phường 7"])}),
    "01": ("Thành phố Hà Nội", {"001": ("Quận Ba Đình", ["Phường Ngọc Khánh"])}),
}


class FakeApi:
    """A stateful SuperShip: areas, one warehouse, orders, scripted failures.

    ``refuse_reused_soc``: answer a create with a soc already used by 422 (else a second order).
    """

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.rows: list[dict[str, Any]] = []
        self.lose_next_create = False
        self.refuse_reused_soc = False
        self.cancelled: set[str] = set()

    @property
    def orders(self) -> dict[str, dict[str, Any]]:
        """The first order of each soc."""
        return {row["soc"]: row for row in reversed(self.rows)}

    def socs(self) -> Counter[str]:
        return Counter(row["soc"] for row in self.rows)

    def posts(self, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST" and r.url.path == path]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path, params = request.url.path, request.url.params
        if path == "/v1/partner/areas/province":
            return ok([{"code": c, "name": n} for c, (n, _d) in AREAS.items()])
        if path == "/v1/partner/areas/district":
            districts = AREAS[params["province"]][1]
            return ok([{"code": c, "name": n} for c, (n, _w) in districts.items()])
        if path == "/v1/partner/areas/commune":
            for _p, (_n, districts) in AREAS.items():
                if params["district"] in districts:
                    wards = districts[params["district"]][1]
                    return ok([{"code": str(i), "name": w} for i, w in enumerate(wards)])
        if path == "/v1/partner/warehouses":
            return ok([{"code": "W1", "name": "Kho", "status": "1"}, {"code": "W9", "status": "2"}])
        if path == "/v1/partner/orders/add":
            body = json.loads(request.content)
            if self.refuse_reused_soc and body["soc"] in self.orders:
                return err(
                    422, "Mã đơn riêng (soc) đã tồn tại.", {"soc": ["The soc has already been taken."]}
                )
            self.rows.append({**body, "code": f"SGNS983262SG.81000{len(self.rows):04d}"})
            if self.lose_next_create:
                self.lose_next_create = False
                raise httpx.ReadError("connection reset after commit")
            return ok(self._created(self.rows[-1]))
        if path == "/v1/partner/orders/info":
            order = self._find(params["code"], params["type"])
            if order is None:
                return err(404, "Không tìm thấy đơn hàng.")
            return ok(self._info(order))
        if path == "/v1/partner/orders/cancel":
            code = json.loads(request.content)["code"]
            if code in self.cancelled:
                return err(422, "Đơn hàng đã được hủy trước đó.")
            if code == "PICKED-UP":
                return err(422, "Đơn hàng đang ở trạng thái Đã Lấy Hàng, không thể hủy.")
            self.cancelled.add(code)
            return ok({"code": code, "soc": "S", "status": "0", "status_name": "Hủy"})
        if path == "/v1/partner/orders/token":
            return ok({"token": "print-token-123"})
        return httpx.Response(404, json={"message": "no route"})

    def _find(self, code: str, kind: str) -> dict[str, Any] | None:
        if code == "PICKED-UP":
            return {"code": code, "soc": "S", "amount": 1, "value": 1, "phone": "0900000000", "status": "4"}
        if code in self.cancelled:
            return {"code": code, "soc": "S", "amount": 1, "value": 1, "phone": "0900000000", "status": "0"}
        if kind == "2":
            return self.orders.get(code)
        return next((o for o in self.rows if o["code"] == code), None)

    @staticmethod
    def _created(order: dict[str, Any]) -> dict[str, Any]:
        return {
            "code": order["code"],
            "shortcode": order["code"][-9:],
            "soc": order["soc"],
            "amount": order["amount"],
            "collection": order["amount"],
            "value": order["value"],
            "fee": 22000,
            "insurance": 0,
            "status": "2",
            "status_name": "Chờ Lấy Hàng",
        }

    @staticmethod
    def _info(order: dict[str, Any]) -> dict[str, Any]:
        phone = order["phone"]
        return {
            "code": order["code"],
            "soc": order["soc"],
            "status": order.get("status", "2"),
            "status_name": "x",
            "receiver": {"name": "N", "phone": f"{phone[:3]}****{phone[-3:]}"},
            "amount": order["amount"],
            "value": order["value"],
            "fee": {"shipment": 22000, "insurance": 0, "return": 0},
            "collection": order["amount"],
            "collected": 0,
            "journeys": [
                {"time": "2024-01-01T08:00:00+07:00", "status": "Chờ Lấy Hàng", "note": "Duyệt Đơn hàng"}
            ],
        }


class UnitHook(SuperShipHook):
    """The operators' hook, talking to :data:`API` through ``httpx.MockTransport``."""

    api: FakeApi

    def __init__(self, supership_conn_id: str, **kwargs: Any) -> None:
        super().__init__(
            supership_conn_id,
            transport=httpx.MockTransport(UnitHook.api),
            token_store=MemoryTokenStore(),
            retry_policy=RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.01),
            **kwargs,
        )


@pytest.fixture
def api(make_conn: Any, monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    UnitHook.api = FakeApi()
    make_conn(
        "supership_default",
        "supership",
        host="https://api.example.vn",
        password=PAT,
        extra={"auth_mode": "token"},
    )
    monkeypatch.setattr(ops.SuperShipOperator, "hook_class_path", f"{__name__}.UnitHook")
    return UnitHook.api


def order(soc: str | None = "S-1", **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "pickup_code": "W1",
        "name": "Trương Thế Ngọc",
        "phone": "0945900350",
        "address": "35 Trương Định",
        "province": "Thành phố Hồ Chí Minh",
        "district": "Quận 3",
        "commune": "Phường 6",
        "amount": "220000",
        "value": 450000,
        "weight": "200",
        "service": "1",
        "config": "1",
        "payer": "1",
        "product_type": "1",
        "product": "Áo thun",
    }
    if soc is not None:
        base["soc"] = soc
    base.update(overrides)
    return base


@pytest.fixture
def context(task_context: Any) -> Any:
    """``context(try_number=1)``: the shared task context, run id ``manual__2024-01-01``."""
    return lambda try_number=1: task_context(try_number, run_id="manual__2024-01-01")


def create(**kwargs: Any) -> ops.SuperShipCreateOrdersOperator:
    return ops.SuperShipCreateOrdersOperator(task_id="create", **kwargs)


def test_bad_input_fails_naming_order_and_field_before_any_request(api: FakeApi, context: Any) -> None:
    orders = [order("S-1", phone="12345"), order("S-2", amount=-1), order("S-3", value=None), order("S-4")]
    with pytest.raises(AirflowFailException) as info:
        create(orders=orders).execute(context())
    message = str(info.value)
    assert "order S-1: phone" in message
    assert "order S-2: amount" in message
    assert "order S-3: value" in message
    assert "S-4" not in message
    assert api.requests == []


def test_unknown_place_names_fail_with_a_suggestion_before_any_create(api: FakeApi, context: Any) -> None:
    with pytest.raises(AirflowFailException) as info:
        create(
            orders=[
                order("S-1", province="Ho Chi Minh"),
                order("S-2", commune="Phường 66"),
                order("S-3", pickup_code="W9"),
            ]
        ).execute(context())
    message = str(info.value)
    assert (
        "order S-1: province: unknown province 'Ho Chi Minh'; did you mean 'Thành phố Hồ Chí Minh'?"
        in message
    )
    assert "order S-2: commune: unknown commune 'Phường 66' in 'Quận 3'" in message
    assert "order S-3: pickup_code: warehouse 'W9' is stopped" in message
    assert {r.method for r in api.requests} == {"GET"}
    assert api.posts("/v1/partner/orders/add") == []


def test_resolve_place_names_sends_supership_spelling(api: FakeApi, context: Any) -> None:
    result = create(
        orders=order("S-1", province="Ho Chi Minh", district="quan 3"), resolve_place_names=True
    ).execute(context())
    assert result["counts"] == {"created": 1}
    body = json.loads(api.posts("/v1/partner/orders/add")[0].content)
    assert body["province"] == "Thành phố Hồ Chí Minh"
    assert body["district"] == "Quận 3"


def test_creates_with_compact_cod_results(api: FakeApi, context: Any) -> None:
    result = create(orders=[order("S-1"), order("S-2", amount=0)]).execute(context())
    assert result["counts"] == {"created": 2}
    first = result["results"][0]
    assert first["key"] == "S-1"
    assert first["outcome"] == "created"
    assert first["status"] == "2"
    assert first["id"].startswith("SGNS983262SG.")
    assert first["data"] == {
        "soc": "S-1",
        "status_name": "Chờ Lấy Hàng",
        "shortcode": first["id"][-9:],
        "amount": 220000,
        "collection": 220000,
        "value": 450000,
        "fee": 22000,
        "insurance": 0,
    }
    assert "0945900350" not in json.dumps(result)


def test_derived_socs_are_deterministic_and_independent_of_number_spelling(
    api: FakeApi, context: Any
) -> None:
    first = create(orders=[order(None)]).execute(context())
    again = create(orders=[order(None, amount=220000, weight=200)]).execute(context(try_number=2))
    soc = first["results"][0]["key"]
    assert soc.startswith("AF-")
    assert len(soc) == 19
    assert again["results"][0]["key"] == soc
    assert again["counts"] == {"existed": 1}
    assert api.socs() == Counter({soc: 1})


def test_a_retried_attempt_finds_what_the_first_made_and_creates_only_the_rest(
    api: FakeApi, context: Any
) -> None:
    batch = [order(f"S-{i}", phone=f"094590035{i}") for i in range(5)]
    create(orders=batch[:3]).execute(context())  # attempt 1 "died" after three orders

    report = create(orders=batch).execute(context(try_number=2))

    assert api.socs() == Counter({f"S-{i}": 1 for i in range(5)})  # nothing created twice
    assert report["counts"] == {"existed": 3, "created": 2}
    assert [r["outcome"] for r in report["results"]] == ["existed"] * 3 + ["created"] * 2
    assert [r["id"] for r in report["results"][:3]] == [api.orders[f"S-{i}"]["code"] for i in range(3)]
    assert len(api.posts("/v1/partner/orders/add")) == 5
    lookups = [dict(r.url.params) for r in api.requests if r.url.path == "/v1/partner/orders/info"]
    assert {"code": "S-4", "type": "2"} in lookups


def test_lookup_first_replays_a_batch_without_creating_it_again(api: FakeApi, context: Any) -> None:
    create(orders=[order("S-1")]).execute(context())
    again = create(orders=[order("S-1"), order("S-2")], lookup_first=True).execute(context())
    assert again["counts"] == {"existed": 1, "created": 1}
    assert api.socs() == Counter({"S-1": 1, "S-2": 1})


@pytest.mark.parametrize("empty", [[], None, "", "[]"])
def test_an_empty_input_skips_every_bulk_operator(api: FakeApi, context: Any, empty: Any) -> None:
    for operator in (
        create(orders=empty),
        ops.SuperShipCancelOrdersOperator(task_id="cancel", codes=empty),
        ops.SuperShipGetTrackingOperator(task_id="track", codes=empty),
        ops.SuperShipFeeQuoteOperator(task_id="quote", quotes=empty),
        ops.SuperShipLabelOperator(task_id="label", codes=empty),
    ):
        with pytest.raises(AirflowSkipException):
            operator.execute(context())
    assert api.requests == []


def test_results_path_keeps_xcom_small(api: FakeApi, context: Any, tmp_path: Any) -> None:
    target = tmp_path / "results" / "create.jsonl"
    report = create(orders=[order("S-1"), order("S-2")], results_path=str(target)).execute(context())
    assert report["counts"] == {"created": 2}
    assert report["results"] is None
    assert report["results_file"] == str(target)
    assert [json.loads(line)["key"] for line in target.read_text().splitlines()] == ["S-1", "S-2"]


def test_require_soc_and_repeated_socs_in_a_batch(api: FakeApi, context: Any) -> None:
    with pytest.raises(AirflowFailException, match=r"order #0: soc: required"):
        create(orders=[order(None)], require_soc=True).execute(context())
    with pytest.raises(AirflowFailException, match=r"order S-1: used by 2 orders of this batch \(#0, #1\)"):
        create(orders=[order("S-1"), order("S-1", amount=5)]).execute(context())
    assert api.requests == []


def test_lost_answer_is_looked_up_by_soc_instead_of_sent_again(api: FakeApi, context: Any) -> None:
    api.lose_next_create = True
    result = create(orders=order("S-LOST")).execute(context())
    assert result["counts"] == {"created": 1}
    assert len(api.posts("/v1/partner/orders/add")) == 1
    lookups = [r for r in api.requests if r.url.path == "/v1/partner/orders/info"]
    assert lookups
    assert dict(lookups[0].url.params) == {"code": "S-LOST", "type": "2"}
    assert result["results"][0]["data"]["collected"] == 0


@pytest.mark.parametrize("refused", [False, True], ids=["looked-up-first", "duplicate-answer"])
def test_an_existing_soc_is_success_only_when_it_matches(api: FakeApi, context: Any, refused: bool) -> None:
    """Found by the look-up of a retried attempt, or (a server that refuses a reused soc) read
    back after its duplicate answer on a first attempt: ``existed`` only when it is this order."""
    api.refuse_reused_soc = refused
    attempt = 1 if refused else 2
    create(orders=order("S-1")).execute(context())
    same = create(orders=order("S-1", phone="094 590 0350")).execute(context(attempt))
    assert same["counts"] == {"existed": 1}
    ctx = context(attempt)
    with pytest.raises(AirflowException, match=r"S-1 \(failed: S-1 already exists with different contents"):
        create(orders=[order("S-1", amount=999000), order("S-3")]).execute(ctx)
    pushed = ctx["ti"].xcom["return_value"]
    assert pushed["counts"] == {"failed": 1, "created": 1}
    assert pushed["results"][0]["error"]["kind"] == "conflict"
    assert api.socs() == Counter({"S-1": 1, "S-3": 1})


def test_cancel_treats_already_cancelled_as_success(api: FakeApi, context: Any) -> None:
    cancel = ops.SuperShipCancelOrdersOperator(task_id="cancel", codes=["C-1", "C-2"])
    first = cancel.execute(context())
    assert first["counts"] == {"updated": 2}
    again = cancel.execute(context())
    assert again["counts"] == {"ok": 2}
    assert again["results"][0]["data"]["already_cancelled"] is True
    assert again["results"][0]["status"] == "0"


def test_cancel_after_pickup_fails_with_the_current_status(api: FakeApi, context: Any) -> None:
    ctx = context()
    with pytest.raises(AirflowException, match="PICKED-UP"):
        ops.SuperShipCancelOrdersOperator(task_id="cancel", codes="PICKED-UP").execute(ctx)
    result = ctx["ti"].xcom["return_value"]["results"][0]
    assert result["outcome"] == "failed"
    assert result["status"] == "4"
    assert "không thể hủy" in result["error"]["message"]


def test_label_url_goes_to_xcom_never_to_the_log(
    api: FakeApi, context: Any, caplog: pytest.LogCaptureFixture
) -> None:
    report = {
        "counts": {"created": 1, "failed": 1},
        "results": [
            {"key": "S-1", "outcome": "created", "id": "C-1"},
            {"key": "S-2", "outcome": "failed", "id": None},
        ],
    }
    with caplog.at_level(logging.DEBUG):
        result = ops.SuperShipLabelOperator(task_id="label", codes=report, size="k80").execute(context())
    assert result == {
        "url": "https://khachhang.supership.vn/orders/awb?token=print-token-123&size=K80",
        "size": "K80",
        "count": 1,
        "codes": ["C-1"],
    }
    assert json.loads(api.posts("/v1/partner/orders/token")[0].content) == {"code": ["C-1"]}
    assert "print-token-123" not in caplog.text
    with pytest.raises(AirflowFailException, match="size 'A4'"):
        ops.SuperShipLabelOperator(task_id="label", codes="C-1", size="A4").execute(context())


def test_tracking_is_compact_in_xcom_and_full_in_the_file(api: FakeApi, context: Any, tmp_path: Any) -> None:
    created = create(orders=[order("S-1"), order("S-2")]).execute(context())
    track = ops.SuperShipGetTrackingOperator(
        task_id="track", codes=created, output_path=str(tmp_path / "tracking")
    )
    result = track.execute(context())
    assert result["counts"] == {"ok": 2}
    data = result["results"][0]["data"]
    assert data["amount"] == 220000
    assert data["collected"] == 0
    assert data["fee"] == 22000
    assert data["last_event"] == {
        "time": "2024-01-01T08:00:00+07:00",
        "status": "Chờ Lấy Hàng",
        "note": "Duyệt Đơn hàng",
    }
    assert result["file"].endswith("supership-tracking-task-manual__2024-01-01.json")
    assert "path" not in result  # the file's path is under "file" only
    document = json.loads(
        (tmp_path / "tracking" / "supership-tracking-task-manual__2024-01-01.json").read_text()
    )
    assert set(document["orders"]) == {r["id"] for r in created["results"]}
    assert document["orders"][created["results"][0]["id"]]["journeys"][0]["note"] == "Duyệt Đơn hàng"


def test_fee_quotes_check_places_then_price(api: FakeApi, context: Any) -> None:
    quote = {
        "sender_province": "Ha Noi",
        "sender_district": "Ba Đình",
        "receiver_province": "Hồ Chí Minh",
        "receiver_district": "Quận 3",
        "weight": 500,
    }
    with pytest.raises(
        AirflowFailException,
        match="order #0: sender_province: unknown province 'Ha Noi'; did you mean 'Thành phố Hà Nội'",
    ):
        ops.SuperShipFeeQuoteOperator(task_id="quote", quotes=quote).execute(context())
    assert {r.url.path for r in api.requests} <= {"/v1/partner/areas/province", "/v1/partner/areas/district"}


def test_label_task_has_a_print_link_read_from_its_xcom(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.providers.common.compat import sdk

    from airflow_provider.get_provider_info import get_provider_info

    pushed = {"url": "https://khachhang.supership.vn/orders/awb?token=T&size=A5", "count": 2}
    seen: dict[str, object] = {}

    def get_value(*, ti_key: object, key: str) -> object:
        seen.update(ti_key=ti_key, key=key)
        return pushed

    monkeypatch.setattr(sdk.XCom, "get_value", staticmethod(get_value))
    operator = ops.SuperShipLabelOperator(task_id="label", codes=["C-1"])
    (link,) = operator.operator_extra_links
    assert link.name == "SuperShip labels"
    assert link.get_link(operator, ti_key="key-1") == pushed["url"]
    assert seen == {"ti_key": "key-1", "key": "return_value"}
    assert "airflow_provider.supership.operators.SuperShipLabelLink" in get_provider_info()["extra-links"]


def test_bad_ids_fail_naming_the_parameter_before_any_request(api: FakeApi, context: Any) -> None:
    with pytest.raises(AirflowFailException, match=r"codes: .*got None"):
        ops.SuperShipCancelOrdersOperator(task_id="cancel", codes=[None, ""]).execute(context())
    with pytest.raises(AirflowFailException, match=r"codes: a dict is not a list of ids"):
        ops.SuperShipLabelOperator(task_id="label", codes={"C-1": 1}).execute(context())
    assert api.requests == []


def test_tracking_by_soc_reads_the_socs_of_a_create_report(api: FakeApi, context: Any) -> None:
    created = create(orders=[order("S-1"), order("S-2")]).execute(context())
    tracked = ops.SuperShipGetTrackingOperator(task_id="track", codes=created, lookup_by="soc").execute(
        context()
    )
    assert [r["key"] for r in tracked["results"]] == ["S-1", "S-2"]
    assert [r["id"] for r in tracked["results"]] == [r["id"] for r in created["results"]]
    assert "file" not in tracked
    with pytest.raises(ValueError, match="lookup_by"):
        ops.SuperShipGetTrackingOperator(task_id="track", codes="X", lookup_by="id")


# ----------------------------------------------------------------------------- warehouses and webhook
NEW_WAREHOUSE: dict[str, Any] = {
    "name": "Kho Quận 3",
    "phone": "0989999555",
    "contact": "Phạm Văn Cường",
    "address": "35 Trương Định",
    "province": "Thành phố Hồ Chí Minh",
    "district": "Quận 3",
    "commune": "Phường 6",
}


def test_list_warehouses_pushes_codes_and_the_default(api: FakeApi, context: Any) -> None:
    every = ops.SuperShipListWarehousesOperator(task_id="wh").execute(context())
    assert every["codes"] == ["W1", "W9"]
    assert every["primary"] is None
    active = ops.SuperShipListWarehousesOperator(task_id="wh", active_only=True).execute(context())
    assert active["count"] == 1
    assert active["warehouses"] == [{"code": "W1", "name": "Kho", "status": "1"}]


def test_create_warehouses_bad_input_names_the_warehouse_and_sends_nothing(
    api: FakeApi, context: Any
) -> None:
    with pytest.raises(AirflowFailException, match="order Kho Quận 3: commune: Field required"):
        ops.SuperShipCreateWarehousesOperator(
            task_id="wh", warehouses=[{k: v for k, v in NEW_WAREHOUSE.items() if k != "commune"}]
        ).execute(context())
    with pytest.raises(AirflowFailException, match="#1: name: same name as #0"):
        ops.SuperShipCreateWarehousesOperator(
            task_id="wh", warehouses=[NEW_WAREHOUSE, {**NEW_WAREHOUSE, "name": " kho  QUẬN 3 "}]
        ).execute(context())
    with pytest.raises(AirflowFailException, match="commune: unknown commune 'Phường 99'"):
        ops.SuperShipCreateWarehousesOperator(
            task_id="wh", warehouses={**NEW_WAREHOUSE, "commune": "Phường 99"}
        ).execute(context())
    assert api.posts("/v1/partner/warehouses/create") == []


def test_a_retried_warehouse_create_finds_the_name_and_sends_nothing(
    api: FakeApi, context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = [{"code": "W1", "name": "Kho", "address": "1 Lê Lợi", "status": "1"}]
    answer = FakeApi.__call__

    def with_addresses(self: FakeApi, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/partner/warehouses":
            self.requests.append(request)
            return ok(listed)
        return answer(self, request)

    monkeypatch.setattr(FakeApi, "__call__", with_addresses)
    same = {**NEW_WAREHOUSE, "name": "kho", "address": "1 Lê Lợi"}
    result = ops.SuperShipCreateWarehousesOperator(
        task_id="wh", warehouses=[same], check_places=False
    ).execute(context(try_number=2))
    assert result["results"][0]["outcome"] == "existed"
    assert result["results"][0]["id"] == "W1"
    assert api.posts("/v1/partner/warehouses/create") == []


def test_update_warehouses_validates_every_update_first(api: FakeApi, context: Any) -> None:
    with pytest.raises(AirflowFailException, match=r"order W1: phone: .*not a Vietnamese phone"):
        ops.SuperShipUpdateWarehousesOperator(
            task_id="up", updates=[{"code": "W1", "name": "Kho", "phone": "1", "contact": "A"}]
        ).execute(context())
    with pytest.raises(AirflowSkipException):
        ops.SuperShipUpdateWarehousesOperator(task_id="up", updates=None).execute(context())
    assert api.requests == []


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://user:pw@hooks.example.vn:8443/supership?token=abc",
            "https://hooks.example.vn:8443/supership?***",
        ),
        ("https://hooks.example.vn/supership", "https://hooks.example.vn/supership"),
    ],
)
def test_webhook_urls_lose_their_credentials_in_logs_and_xcom(url: str, shown: str) -> None:
    assert _redacted_url(url) == shown


def test_register_webhook_fails_on_a_bad_url_before_any_request(api: FakeApi, context: Any) -> None:
    with pytest.raises(AirflowFailException, match="url: must be an http"):
        ops.SuperShipRegisterWebhookOperator(task_id="hook", url="hooks.example.vn/x").execute(context())
    with pytest.raises(AirflowSkipException):
        ops.SuperShipRegisterWebhookOperator(task_id="hook", url=None).execute(context())
    assert api.requests == []


@pytest.mark.parametrize(
    "operator",
    [
        ops.SuperShipListWarehousesOperator,
        ops.SuperShipCreateWarehousesOperator,
        ops.SuperShipUpdateWarehousesOperator,
        ops.SuperShipRegisterWebhookOperator,
    ],
)
def test_new_operators_document_their_xcom_and_template_no_secret(operator: type) -> None:
    doc = operator.__doc__ or ""
    assert "XCom" in doc
    assert ":param supership_conn_id:" in doc
    for name in operator.template_fields:
        assert f":param {name}:" in doc
        assert not any(word in name for word in ("password", "secret", "token", "partner"))
