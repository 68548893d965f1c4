"""The doctor's words for errors (shared by the doctor, the Test button and the run logs), and
the override the doctor proposes when no usual variant of a path answers."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from airflow_provider.common import drift
from airflow_provider.common.auth import MemoryTokenStore
from airflow_provider.common.errors import (
    AuthError,
    BadRequestError,
    ConfigurationError,
    NotFoundError,
    RateLimitError,
    ResponseError,
    TransientError,
    TransportError,
)
from airflow_provider.doctor.run import diagnose
from airflow_provider.hypersku.hooks import HyperSkuHook


@pytest.mark.parametrize(
    ("error", "word"),
    [
        (AuthError("p", "token refused", http_status=401), "auth refused"),
        (ConfigurationError("p", "wrong password", code=40102), "auth refused"),
        (ConfigurationError("p", "store_code missing"), "configuration"),
        (NotFoundError("p", "Not Found", http_status=404), "path not found"),
        (NotFoundError("p", "no such order", http_status=200, code=404), "business error"),
        (BadRequestError("p", "Method Not Allowed", http_status=405), "method refused"),
        (ResponseError("p", "answer has no 'status'"), "envelope differs"),
        (ResponseError("p", "p create: fields differ: expected but missing: id (required)"), "fields differ"),
        (BadRequestError("p", "stock orders are read elsewhere", code=40999), "business error"),
        (TransportError("p", "refused", sent=False), "unreachable"),
        (TransientError("p", "HTTP 503", http_status=503), "unreachable"),
        (RateLimitError("p", "HTTP 429", http_status=429), "unreachable"),
        (ValueError("a bug"), "error"),
    ],
)
def test_word_for(error: Exception, word: str) -> None:
    assert drift.word_for(error) == word
    assert word in (*drift.KINDS, "error")


def test_no_variant_answers_so_the_fix_is_a_placeholder(make_conn: Callable[..., str]) -> None:
    make_conn("hs", "hypersku", host="https://hs.test", login="a", password="b", extra={"store_code": "S"})

    def nothing_but_the_token(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/auth/admin/token":
            return httpx.Response(200, json={"status": 200, "message": "ok", "token": "tok"})
        return httpx.Response(404, json={"detail": "Not Found"})

    report = diagnose(
        "hs",
        HyperSkuHook,
        "hypersku",
        transport=httpx.MockTransport(nothing_but_the_token),
        token_store=MemoryTokenStore(),
    )
    rows = {row.operation: row for row in report.rows}
    assert rows["getProductInfo"].kind == "path not found"
    assert rows["getProductInfo"].fix == {
        "endpoints": {"getProductInfo": "<the path of getProductInfo in your platform's documentation>"},
        "verified": False,
    }
    assert [row.operation for row in report.failed_for_examples][:2] == ["getLogisticsSku", "getOrdersStatus"]
