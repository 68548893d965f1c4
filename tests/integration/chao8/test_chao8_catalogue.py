"""The 超8 operation catalogue against the sandbox: call_operation, the new hook methods and operators."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

from airflow_provider.chao8 import constants as c
from airflow_provider.chao8 import operations
from airflow_provider.chao8.hooks import Chao8Hook
from airflow_provider.chao8.operators import (
    Chao8AuditCodesOperator,
    Chao8CreateLogisticsOrdersOperator,
    Chao8CreateProductionOrdersOperator,
    Chao8DeleteLogisticsOrdersOperator,
    Chao8DeleteProductionOrdersOperator,
    Chao8ExportAuditHistoryOperator,
    Chao8ExportProductionOrderCodesOperator,
    Chao8ExportReportOperator,
    Chao8ExportReturnInboundOrdersOperator,
    Chao8ExportScanDetailsOperator,
    Chao8ExportStockMovementOperator,
    Chao8ProductsStatusOperator,
    Chao8ResetLogisticsOrdersOperator,
    Chao8SyncStoresOperator,
    Chao8UpdateLogisticsOrdersOperator,
    Chao8UpdateProductionOrdersOperator,
)
from airflow_provider.common.errors import NotFoundError
from airflow_provider.common.report_reader import read_report
from airflow_provider.sandbox.chao8 import (
    LOGISTICS_CREATED_SECONDS,
    LOGISTICS_SCANNING_SECONDS,
    PRODUCTION_PENDING_SECONDS,
    PRODUCTION_RUNNING_SECONDS,
    SANDBOX_ACCESS_KEY,
    SANDBOX_DEALER_CODES,
    SANDBOX_DEALERS,
    SANDBOX_PRODUCT_CODES,
    SANDBOX_SECRET,
    SANDBOX_WAREHOUSE_CODE,
    Chao8Backend,
    create_app,
)
from airflow_provider.sandbox.kit import SandboxClock

pytestmark = pytest.mark.integration
TaskContext = Callable[..., dict[str, Any]]


@pytest.fixture
def backend() -> Chao8Backend:
    return Chao8Backend(clock=SandboxClock(speed=1.0), token_rate_window=1.0)


@pytest.fixture
def hook(backend: Chao8Backend, serve_app: Callable[[Any], str], make_conn: Callable[..., str]) -> Chao8Hook:
    url = serve_app(create_app(backend))
    make_conn("chao8_default", "chao8", host=url, login=SANDBOX_ACCESS_KEY, password=SANDBOX_SECRET)
    return Chao8Hook("chao8_default")


def logistics(
    order_no: str, order_type: int = 1, quantity: int = 4, target: str | None = None
) -> dict[str, Any]:
    return {
        "orderNo": order_no,
        "orderType": order_type,
        "sourceOrgCode": SANDBOX_WAREHOUSE_CODE if order_type == 1 else SANDBOX_DEALER_CODES[0],
        "targetOrgCode": target or (SANDBOX_DEALER_CODES[0] if order_type == 1 else SANDBOX_WAREHOUSE_CODE),
        "products": [{"productCode": SANDBOX_PRODUCT_CODES[0], "quantity": quantity}],
    }


def production(order_no: str, quantity: int = 10) -> dict[str, Any]:
    return {
        "orderNo": order_no,
        "productCode": SANDBOX_PRODUCT_CODES[1],
        "quantity": quantity,
        "batchNo": "B-1",
        "productionDate": "2026-01-01",
    }


def lines(path: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line]


# ---------------------------------------------------------------------- the generic call
def test_call_operation_reaches_every_generated_route_with_plain_json(
    hook: Chao8Hook, backend: Chao8Backend
) -> None:
    answer = hook.call_operation("营销用户分页列表", body={"pageNum": 1, "pageSize": 10})
    assert answer["operation"] == "营销用户分页列表"
    assert answer["body"] == {"pageNum": 1, "pageSize": 10}
    assert backend.store.table("echo:members_page")[answer["id"]]["body"] == {"pageNum": 1, "pageSize": 10}
    gift = hook.call_operation("grant_gift_detail", params={"x": 1}, path_params={"gift_id": "G 1"})
    assert gift["pathParams"] == {"gift_id": "G 1"}
    assert gift["params"] == {"x": "1"}
    stats = hook.call_operation("生产订单列表统计", body={})
    assert stats == {"total": 0, "byStatus": {}, "plannedQuantity": 0, "producedQuantity": 0}


def test_call_operation_refuses_before_sending(hook: Chao8Hook, backend: Chao8Backend) -> None:
    with pytest.raises(ValueError, match="deprecated"):
        hook.call_operation("采购订单审核(作废)", path_params={"order_no": "1"})
    with pytest.raises(ValueError, match=r"path_params \['gift_id'\] missing"):
        hook.call_operation("对外发放平台礼品信息获取")
    with pytest.raises(ValueError, match="did you mean"):
        hook.call_operation("营销用户")
    with pytest.raises(ValueError, match="GET"):
        hook.call_operation("检查是否能删除活动", body={}, path_params={"activity_id": "1"})
    assert sum(backend.requests.values()) == 0


def test_an_endpoint_override_moves_a_generic_operation(
    backend: Chao8Backend, serve_app: Callable[[Any], str], make_conn: Callable[..., str]
) -> None:
    url = serve_app(create_app(backend))
    make_conn(
        "chao8_moved",
        "chao8",
        host=url,
        login=SANDBOX_ACCESS_KEY,
        password=SANDBOX_SECRET,
        extra={"endpoints": {"members_page": "/cncop/marketing/v1/members/info"}},
    )
    answer = Chao8Hook("chao8_moved").call_operation("营销用户分页列表", body={})
    assert answer["key"] == "member_info"  # served by the route the override points at


# ---------------------------------------------------------------------- hook methods with state
def test_products_v3_one_and_batches(hook: Chao8Hook) -> None:
    product = hook.upsert_product({"productCode": "P-X", "productName": "新品"})
    assert product.product_code == "P-X"
    assert product.status == 1
    assert hook.disable_products(["P-X", "NOPE"]).failed_keys() == {"NOPE": "商品不存在"}
    assert hook.get_product("P-X").status == 0
    hook.enable_products(["P-X"])
    assert hook.get_product("P-X").status == 1
    hook.delete_products(["P-X"])
    with pytest.raises(NotFoundError):
        hook.get_product("P-X")


def test_dealers_and_stores(hook: Chao8Hook) -> None:
    assert hook.count_dealers() == len(SANDBOX_DEALERS)
    region = SANDBOX_DEALERS[0]["region"]
    assert [d.code for d in hook.iter_dealers(page_size=1, region=region)] == [SANDBOX_DEALERS[0]["code"]]
    hook.set_dealers_enabled([SANDBOX_DEALER_CODES[1]], enabled=False)
    assert hook.count_dealers(status=0) == 1
    hook.delete_dealers([SANDBOX_DEALER_CODES[1]])
    assert hook.count_dealers() == len(SANDBOX_DEALERS) - 1
    result = hook.sync_stores(
        [
            {"code": "ST-1", "name": "门店一", "dealerCode": SANDBOX_DEALER_CODES[0]},
            {"code": "ST-2", "name": "门店二", "dealerCode": "DL-UNKNOWN"},
        ]
    )
    assert list(result.failed_keys()) == ["ST-2"]
    orgs = hook.call_operation("根据组织id批量查询组织", body={"ids": ["ST-1", SANDBOX_WAREHOUSE_CODE]})
    assert {o["type"] for o in orgs} == {"store", "warehouse"}


def test_logistics_reset_by_id_inbound_and_stock(hook: Chao8Hook, backend: Chao8Backend) -> None:
    out = hook.create_logistics_order(logistics("OUT-1", quantity=4))
    hook.create_logistics_order(logistics("RET-1", order_type=2, quantity=2))
    assert hook.get_logistics_order_by_id(str(out.id)).order_no == "OUT-1"
    backend.clock.advance(LOGISTICS_CREATED_SECONDS + LOGISTICS_SCANNING_SECONDS)
    assert hook.get_logistics_order("OUT-1").status == 2
    stock = {(s.org_code, s.product_code): s for s in hook.get_stock_movement_summary()}
    assert stock[(SANDBOX_WAREHOUSE_CODE, SANDBOX_PRODUCT_CODES[0])].model_dump(by_alias=True) == {
        "orgCode": SANDBOX_WAREHOUSE_CODE,
        "productCode": SANDBOX_PRODUCT_CODES[0],
        "inboundQuantity": 2,
        "outboundQuantity": 4,
        "netQuantity": -2,
    }
    assert [o.order_no for o in hook.iter_return_inbound_orders()] == ["RET-1"]
    state = hook.reset_logistics_order("OUT-1")
    assert state.status == 0
    order = hook.get_logistics_order("OUT-1")
    assert order.status == 0
    assert order.scanned_count == 0


def test_production_update_codes_and_report(hook: Chao8Hook, backend: Chao8Backend) -> None:
    hook.create_production_order(production("PO-1", 10))
    assert hook.update_production_order("PO-1", {"quantity": 20}).quantity == 20
    backend.clock.advance(PRODUCTION_PENDING_SECONDS + PRODUCTION_RUNNING_SECONDS)
    codes = list(hook.iter_production_order_codes("PO-1", page_size=7))
    assert len(codes) == 20
    assert len({code.code for code in codes}) == 20
    [row] = hook.get_production_report_page().items
    assert (row.order_count, row.planned_quantity, row.produced_quantity) == (1, 20, 20)
    with pytest.raises(ValueError, match="nothing to change"):
        hook.update_production_order("PO-1", {})


def test_audit_finds_a_diverted_code(hook: Chao8Hook, backend: Chao8Backend) -> None:
    hook.create_logistics_order(logistics("OUT-A", quantity=2))
    backend.clock.advance(LOGISTICS_CREATED_SECONDS + LOGISTICS_SCANNING_SECONDS)
    code = hook.get_logistics_order_scans("OUT-A").items[0].code
    dealer_region = SANDBOX_DEALERS[0]["region"]
    elsewhere = "440100" if not dealer_region.startswith("44") else "110000"
    diverted = hook.create_audit({"code": code, "region": elsewhere})
    assert diverted.diverted is True
    assert diverted.dealer_code == SANDBOX_DEALER_CODES[0]
    assert hook.create_audit({"code": code, "region": dealer_region}).diverted is False
    assert hook.create_audit({"code": "UNKNOWN", "region": elsewhere}).diverted is None
    confirmed = hook.confirm_audit(diverted.id, "已处罚")
    assert confirmed.status == 1
    assert confirmed.result == "已处罚"
    assert len(hook.query_audit_records([code])) == 2
    assert hook.get_audit_history_page(diverted=True).total == 1


# ---------------------------------------------------------------------- operators
def test_production_order_operators(
    hook: Chao8Hook, backend: Chao8Backend, task_context: TaskContext, tmp_path: Path
) -> None:
    Chao8CreateProductionOrdersOperator(
        task_id="create", orders=[production("PO-A", 3), production("PO-B", 3)]
    ).execute(task_context())
    updated = Chao8UpdateProductionOrdersOperator(
        task_id="update", changes=[{"orderNo": "PO-A", "batchNo": "B-2"}]
    ).execute(task_context())
    assert updated["counts"] == {"updated": 1}
    assert hook.get_production_order("PO-A").batch_no == "B-2"
    backend.clock.advance(PRODUCTION_PENDING_SECONDS + PRODUCTION_RUNNING_SECONDS)
    ctx = task_context()
    target = tmp_path / "codes" / "po.jsonl"
    out = Chao8ExportProductionOrderCodesOperator(
        task_id="codes", order_nos=["PO-A", "PO-B"], output_path=str(target)
    ).execute(ctx)
    assert out == {"file": str(target), "rows": 6}
    assert ctx["ti"].xcom == {}  # the path goes to XCom once: in the return value
    assert {row["orderNo"] for row in lines(out["file"])} == {"PO-A", "PO-B"}
    with pytest.raises(AirflowException, match="PO-A"):
        Chao8UpdateProductionOrdersOperator(
            task_id="late", changes={"orderNo": "PO-A", "quantity": 9}
        ).execute(task_context())
    ctx = task_context()
    with pytest.raises(AirflowException, match=r"1 of 2 failed: PO-B \(failed: 已完成的订单不能删除"):
        Chao8DeleteProductionOrdersOperator(task_id="delete", order_nos="PO-B,PO-GONE").execute(ctx)
    results = ctx["ti"].xcom["return_value"]["results"]
    assert [(r["key"], r["outcome"]) for r in results] == [("PO-B", "failed"), ("PO-GONE", "ok")]
    assert results[1]["data"] == {"already_deleted": True}


def test_update_operator_validates_before_sending(
    hook: Chao8Hook, backend: Chao8Backend, task_context: TaskContext
) -> None:
    with pytest.raises(AirflowFailException, match=r"#0.*orderNo|orderNo.*#0"):
        Chao8UpdateLogisticsOrdersOperator(task_id="u", changes=[{"remark": "x"}]).execute(task_context())
    with pytest.raises(AirflowFailException, match="L-1"):
        Chao8UpdateLogisticsOrdersOperator(task_id="u", changes=[{"orderNo": "L-1", "orderType": 9}]).execute(
            task_context()
        )
    with pytest.raises(AirflowSkipException):
        Chao8ResetLogisticsOrdersOperator(task_id="r", order_nos=[]).execute(task_context())
    assert sum(backend.requests.values()) == 0


def test_logistics_order_operators_and_exports(
    hook: Chao8Hook, backend: Chao8Backend, task_context: TaskContext, tmp_path: Path
) -> None:
    Chao8CreateLogisticsOrdersOperator(
        task_id="create", orders=[logistics("L-1", quantity=3), logistics("L-2"), logistics("R-1", 2, 2)]
    ).execute(task_context())
    changed = Chao8UpdateLogisticsOrdersOperator(
        task_id="update", changes={"orderNo": "L-2", "remark": "改"}
    ).execute(task_context())
    assert changed["results"][0]["status"] == "0"
    deleted = Chao8DeleteLogisticsOrdersOperator(task_id="delete", order_nos=["L-2"]).execute(task_context())
    again = Chao8DeleteLogisticsOrdersOperator(task_id="delete", order_nos=["L-2"]).execute(task_context())
    assert deleted["results"][0]["data"] == {"already_deleted": False}
    assert again["results"][0]["data"] == {"already_deleted": True}
    backend.clock.advance(LOGISTICS_CREATED_SECONDS + LOGISTICS_SCANNING_SECONDS)

    scans = Chao8ExportScanDetailsOperator(
        task_id="scans", order_nos="L-1", output_path=str(tmp_path / "scans.jsonl"), page_size=2
    ).execute(task_context())
    assert scans["rows"] == 3
    assert {r["orderNo"] for r in lines(scans["file"])} == {"L-1"}
    returns = Chao8ExportReturnInboundOrdersOperator(
        task_id="returns", output_path=str(tmp_path / "returns.jsonl"), start_time="2000-01-01"
    ).execute(task_context())
    assert [r["orderNo"] for r in lines(returns["file"])] == ["R-1"]
    stock = Chao8ExportStockMovementOperator(
        task_id="stock",
        output_path=str(tmp_path / "stock.jsonl"),
        filters={"org_code": SANDBOX_WAREHOUSE_CODE},
    ).execute(task_context())
    assert lines(stock["file"])[0]["outboundQuantity"] == 3
    reset = Chao8ResetLogisticsOrdersOperator(task_id="reset", order_nos=["L-1"]).execute(task_context())
    assert reset["results"][0]["status"] == "0"


def test_report_exports(
    hook: Chao8Hook, backend: Chao8Backend, task_context: TaskContext, tmp_path: Path
) -> None:
    hook.create_production_order(production("PO-R", 4))
    hook.create_logistics_order(logistics("R-2", order_type=2, quantity=2))
    backend.clock.advance(PRODUCTION_PENDING_SECONDS + PRODUCTION_RUNNING_SECONDS)
    files = {}
    for report in sorted(c.REPORT_NAMES):
        ctx = task_context()
        out = Chao8ExportReportOperator(
            task_id=f"report_{report}",
            report=report,
            output_path=str(tmp_path / f"{report}.jsonl"),
            page_size=1,
        ).execute(ctx)
        assert ctx["ti"].xcom == {}  # the path goes to XCom once: in the return value
        files[report] = lines(out["file"])
    assert files["production"][0]["producedQuantity"] == 4
    assert files["inbound"] == [
        {
            "orgCode": SANDBOX_WAREHOUSE_CODE,
            "productCode": SANDBOX_PRODUCT_CODES[0],
            "orderCount": 1,
            "quantity": 2,
        }
    ]
    assert len(files["inbound_scans"]) == 2
    with pytest.raises(ValueError, match="report must be one of"):
        Chao8ExportReportOperator(task_id="bad", report="sales", output_path="x")


def test_products_status_stores_and_audits_operators(
    hook: Chao8Hook, backend: Chao8Backend, task_context: TaskContext, tmp_path: Path
) -> None:
    disabled = Chao8ProductsStatusOperator(
        task_id="disable",
        product_codes=[SANDBOX_PRODUCT_CODES[0], SANDBOX_PRODUCT_CODES[1]],
        action_name="disable",
    ).execute(task_context())
    assert disabled["counts"] == {"ok": 2}
    assert hook.get_product(SANDBOX_PRODUCT_CODES[0]).status == 0
    ctx = task_context()
    with pytest.raises(AirflowException, match="NOPE"):
        Chao8ProductsStatusOperator(
            task_id="delete",
            product_codes=["NOPE", SANDBOX_PRODUCT_CODES[2]],
            action_name="delete",
            chunk_size=1,
        ).execute(ctx)
    assert [r["outcome"] for r in ctx["ti"].xcom["return_value"]["results"]] == ["failed", "ok"]
    with pytest.raises(ValueError, match="action_name"):
        Chao8ProductsStatusOperator(task_id="x", product_codes="A", action_name="archive")

    stores = Chao8SyncStoresOperator(
        task_id="stores",
        stores=[{"code": "ST-9", "name": "九号店", "dealerCode": SANDBOX_DEALER_CODES[0]}],
        results_path=str(tmp_path / "stores.jsonl"),
    ).execute(task_context())
    assert stores["counts"] == {"synced": 1, "failed": 0}
    # a synced store reads back from the results file as present (a retry does not send it again)
    assert [r["key"] for r in read_report(stores).results()] == ["ST-9"]

    hook.create_logistics_order(logistics("OUT-Z", quantity=1))
    backend.clock.advance(LOGISTICS_CREATED_SECONDS + LOGISTICS_SCANNING_SECONDS)
    code = hook.get_logistics_order_scans("OUT-Z").items[0].code
    far = "440100" if not SANDBOX_DEALERS[0]["region"].startswith("44") else "110000"
    audited = Chao8AuditCodesOperator(task_id="audit", audits=[{"code": code, "region": far}]).execute(
        task_context()
    )
    assert audited["diverted"] == [code]
    history = Chao8ExportAuditHistoryOperator(
        task_id="history", output_path=str(tmp_path / "audits.jsonl"), filters={"diverted": True}
    ).execute(task_context())
    assert [r["code"] for r in lines(history["file"])] == [code]


def test_catalogue_covers_the_navigation() -> None:
    assert len(operations.OPERATIONS) == 125
    assert sum(op.deprecated for op in operations.OPERATIONS) == 7
    live = {op.key for op in operations.iter_live()}
    assert live == set(Chao8Hook.endpoints)
