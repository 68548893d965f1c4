"""The 超8 operation catalogue: one source for the hook, the sandbox, the seed check and the docs."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from airflow_provider.chao8 import operations
from airflow_provider.chao8.hooks import Chao8Hook

ROOT = Path(__file__).resolve().parents[3]
SEED_CATALOGUE = ROOT / "tests" / "seed_operations" / "chao8.json"
DOCS = ROOT / "docs" / "chao8.md"


def test_every_page_once_in_navigation_order() -> None:
    assert len(operations.OPERATIONS) == 125
    assert [op.name for op in operations.OPERATIONS if op.deprecated] == [
        "(废弃)根据商品编号批量启用禁用商品接口(废弃)",
        "采购/充值中商礼品(作废)",
        "取消采购/充值(作废)",
        "根据订单编号获取充值订单(作废)",
        "对外接口库存提取对接提取库存-作废",
        "对外接口根据第三方提取id获取提取状态-作废",
        "采购订单审核(作废)",
    ]
    assert sum(op.module.startswith("营销体系") for op in operations.OPERATIONS) == 33
    assert len(operations.REFERENCE_PAGES) == 16
    for op in operations.OPERATIONS:
        assert op.path.startswith("/cncop/"), op
        assert op.method in {"GET", "POST", "PUT", "DELETE"}, op


def test_find_by_seed_name_or_key() -> None:
    assert operations.find("库存动态汇总").key == "stock_movement_summary"
    assert operations.find("stock_movement_summary").name == "库存动态汇总"
    with pytest.raises(KeyError, match="did you mean"):
        operations.find("库存")


def test_typed_operations_name_real_hook_methods() -> None:
    for op in operations.OPERATIONS:
        if op.typed and op.key != "token":
            assert callable(getattr(Chao8Hook, op.hook_method)), op.hook_method


def test_the_seed_check_file_lists_the_catalogue() -> None:
    listed = json.loads(SEED_CATALOGUE.read_text(encoding="utf-8"))
    entries = {entry["key"]: entry for entry in listed["operations"]}
    assert len(listed["operations"]) == len(entries) == 125
    for op in operations.OPERATIONS:
        entry = entries[op.key]
        assert (entry["name"], entry["method"], entry["path"], entry["deprecated"]) == (
            op.name,
            op.method,
            op.path,
            op.deprecated,
        )
        assert entry["hook_method"] == (op.hook_method or "call_operation")
    assert [page["name"] for page in listed["reference_pages"]] == [n for n, _ in operations.REFERENCE_PAGES]


def test_the_docs_list_every_operation() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for op in operations.OPERATIONS:
        assert f"| {op.name} | `{op.key}` | {op.method} `{op.path}` |" in text, op.name


def test_call_operation_sends_the_catalogue_path_and_plain_json(make_conn) -> None:  # type: ignore[no-untyped-def]
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("get-token"):
            data = {"accessToken": "t0k", "tokenTtlSeconds": 3600}
        else:
            data = {"list": [1, 2]}
        return httpx.Response(200, json={"code": 200, "message": "success", "data": data})

    conn_id = make_conn("chao8_unit_ops", "chao8", host="https://gw.example", login="ak", password="sk")
    hook = Chao8Hook(conn_id, transport=httpx.MockTransport(answer))
    assert hook.call_operation(
        "对外发放平台礼品信息获取", path_params={"gift_id": "G/1"}, params={"a": 1}
    ) == {"list": [1, 2]}
    request = seen[-1]
    assert request.method == "GET"
    assert request.url.raw_path == b"/cncop/marketing/v1/grant/gifts/G%2F1?a=1"
    assert request.headers["Authorization"] == "t0k"
