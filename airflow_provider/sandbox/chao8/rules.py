"""
The rules every 超8 simulated resource applies: :class:`Chao8Error` (a business answer with a
non-200 code), the checks of a request's fields (``INVALID_PARAMS`` when they fail), the made-up
codes of scans, and the page and batch answer shapes.
"""

from __future__ import annotations

import hashlib
from typing import Any

from airflow_provider.chao8 import constants as c
from airflow_provider.sandbox.chao8.seed import MAX_BATCH
from airflow_provider.sandbox.chao8.wire import parse_wire_time


class Chao8Error(Exception):
    """A business answer with a non-200 code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def query_time(value: Any, name: str) -> float | None:
    """Epoch seconds of the query's time field ``name``: ``None`` when absent, else readable or refused."""
    if value in (None, ""):
        return None
    try:
        return parse_wire_time(value)
    except ValueError as err:
        raise Chao8Error(c.INVALID_PARAMS, f"{name}格式应为yyyy-MM-dd HH:mm:ss") from err


def int_like(value: Any) -> Any:
    """A digit string as its number; anything else as given."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def scan_code(order_no: str, index: int) -> str:
    """The made-up 20-digit code of scan (or made code) ``index`` of an order: the same every time."""
    digest = int(hashlib.sha256(f"{order_no}:{index}".encode()).hexdigest()[:15], 16)
    return f"8{digest % 10**19:019d}"


def require_dict(body: Any) -> dict[str, Any]:
    """The body as a JSON object, else ``INVALID_PARAMS``."""
    if not isinstance(body, dict):
        raise Chao8Error(c.INVALID_PARAMS, "请求体必须为JSON对象")
    return body


def require_batch(body: Any) -> list[Any]:
    """The body as a non-empty JSON array of at most ``MAX_BATCH`` items, else ``INVALID_PARAMS``."""
    if not isinstance(body, list) or not body:
        raise Chao8Error(c.INVALID_PARAMS, "请求体必须为非空JSON数组")
    if len(body) > MAX_BATCH:
        raise Chao8Error(c.INVALID_PARAMS, f"单次最多{MAX_BATCH}条(at most {MAX_BATCH} items per call)")
    return body


def required_codes(body: Any, name: str) -> list[str]:
    """The codes of a batch call: the body itself or its ``name`` (or ``codes``) list, not empty, not too long."""
    if isinstance(body, list):
        values: Any = body
    elif isinstance(body, dict):
        values = body.get(name, body.get("codes"))
    else:
        values = None
    if not isinstance(values, list) or not values:
        raise Chao8Error(c.INVALID_PARAMS, f"{name}不能为空")
    if len(values) > MAX_BATCH:
        raise Chao8Error(c.INVALID_PARAMS, f"单次最多{MAX_BATCH}条(at most {MAX_BATCH} codes per call)")
    return [str(value) for value in values]


def required_text(body: dict[str, Any], name: str) -> str:
    """Field ``name`` as stripped text, ``INVALID_PARAMS`` when it is missing or blank."""
    value = body.get(name)
    if value is None or not str(value).strip():
        raise Chao8Error(c.INVALID_PARAMS, f"{name}不能为空")
    return str(value).strip()


def product_lines(value: Any) -> list[dict[str, Any]]:
    """The ``products`` lines of an order (``productCode``, positive ``quantity``, optional ``codes``)."""
    if not isinstance(value, list) or not value:
        raise Chao8Error(c.INVALID_PARAMS, "products不能为空")
    lines = []
    for line in value:
        if not isinstance(line, dict):
            raise Chao8Error(c.INVALID_PARAMS, "products必须为对象数组")
        quantity = line.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise Chao8Error(c.INVALID_PARAMS, "quantity必须为正整数")
        entry: dict[str, Any] = {"productCode": required_text(line, "productCode"), "quantity": quantity}
        if line.get("codes"):
            entry["codes"] = [str(code) for code in line["codes"]]
        lines.append(entry)
    return lines


def page_args(query: dict[str, Any]) -> tuple[int, int]:
    """``(pageNum, pageSize)`` of a query (1 and 20 when absent), checked."""
    try:
        page_num = int(query.get("pageNum") or 1)
        page_size = int(query.get("pageSize") or 20)
    except (TypeError, ValueError) as err:
        raise Chao8Error(c.INVALID_PARAMS, "pageNum/pageSize必须为整数") from err
    check_page(page_num, page_size)
    return page_num, page_size


def check_page(page_num: int, page_size: int) -> None:
    """``INVALID_PARAMS`` unless ``pageNum >= 1`` and ``1 <= pageSize <= 500``."""
    if page_num < 1 or not 1 <= page_size <= 500:
        raise Chao8Error(c.INVALID_PARAMS, "pageNum从1开始，pageSize为1到500")


def page_answer(rows: list[dict[str, Any]], page_num: int, page_size: int) -> dict[str, Any]:
    """One page of ``rows`` as the gateway answers it: ``{total, pageNum, pageSize, list}``."""
    start = (page_num - 1) * page_size
    return {
        "total": len(rows),
        "pageNum": page_num,
        "pageSize": page_size,
        "list": rows[start : start + page_size],
    }


def batch_answer(count: int, failures: list[dict[str, Any]]) -> dict[str, Any]:
    """A batch call's answer: ``{successCount, failCount, failList}``."""
    return {"successCount": count - len(failures), "failCount": len(failures), "failList": failures}
