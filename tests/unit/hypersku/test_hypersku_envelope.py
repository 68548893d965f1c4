"""HyperSKU envelope, error classes and retries (no sockets)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_provider.common.auth import MemoryTokenStore, Token
from airflow_provider.common.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConfigurationError,
    DuplicateError,
    NotFoundError,
    RateLimitError,
    ResponseError,
    TransientError,
    TransportError,
)
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.hypersku.envelope import check_envelope, check_token_answer
from airflow_provider.hypersku.hooks import HyperSkuHook

CREATE = "/api/customer/admin/orders/create"
PRODUCTS = "/api/customer/admin/product/getProductInfo"
FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.01)
ORDER = {
    "thirdOrderId": "T-1",
    "logisticsId": "1002",
    "shippingAddress": {
        "firstName": "An",
        "lastName": "Nguyen",
        "countryCode": "VN",
        "province": "HN",
        "city": "Ha Noi",
        "address1": "1 Trang Tien",
        "zipCode": "100000",
        "phone": "0900000000",
    },
    "skuItems": [{"skuId": "SKU1", "num": 2}],
}


@pytest.mark.parametrize(
    ("body", "data"),
    [
        ({"status": 200, "message": "success", "data": {"a": 1}, "rel": True}, {"a": 1}),
        ({"status": 0, "message": "string", "data": [1]}, [1]),
        ({"status": "200", "data": None}, None),
        (
            {"status": 200, "message": "success", "data": {"total": 1, "rows": [{}]}},
            {"total": 1, "rows": [{}]},
        ),
    ],
)
def test_success_envelopes(body: dict[str, Any], data: Any) -> None:
    assert check_envelope(body, http_status=200) == data


@pytest.mark.parametrize(
    ("body", "http_status", "kind", "code"),
    [
        ({"status": 40101, "message": "Token expired"}, 200, AuthError, 40101),
        ({"status": 40101, "message": "Token expired"}, 401, AuthError, 40101),
        ({"status": 40102, "message": "User invalid"}, 200, ConfigurationError, 40102),
        ({"status": 40131, "message": "Client invalid"}, 200, ConfigurationError, 40131),
        ({"status": 40331, "message": "Client forbidden"}, 403, ConfigurationError, 40331),
        ({"status": 500, "message": "SKU not found"}, 200, BadRequestError, 500),
        ({"status": 200, "message": "refused", "rel": False}, 200, BadRequestError, 200),
        ({"status": 404, "message": "order not found"}, 200, NotFoundError, 404),
        ({"error": "Unauthorized"}, 401, AuthError, None),
        ({"error": "Not Found"}, 404, NotFoundError, None),
    ],
)
def test_error_envelopes(
    body: dict[str, Any], http_status: int, kind: type[ApiError], code: int | None
) -> None:
    with pytest.raises(kind) as caught:
        check_envelope(body, http_status=http_status)
    assert type(caught.value) is kind
    assert caught.value.code == code
    assert caught.value.http_status == http_status
    assert caught.value.platform == "hypersku"


def test_error_keeps_vendor_message_and_trace_id() -> None:
    with pytest.raises(BadRequestError) as caught:
        check_envelope(
            {"status": 500, "message": "库存不足 (out of stock)"},
            http_status=200,
            headers={"x-trace-id": "trace-42"},
        )
    assert caught.value.message == "库存不足 (out of stock)"
    assert caught.value.trace_id == "trace-42"
    assert "trace_id=trace-42" in str(caught.value)
    assert caught.value.to_dict()["code"] == 500


def test_answers_that_are_no_envelope() -> None:
    with pytest.raises(ResponseError):
        check_envelope({"data": 1}, http_status=200)
    with pytest.raises(ResponseError):
        check_envelope([1, 2], http_status=200)


def test_token_answer_rules() -> None:
    assert (
        check_token_answer({"status": 0, "token": "t", "message": "string"}, http_status=200)["token"] == "t"
    )
    assert check_token_answer({"status": 200, "token": "t"}, http_status=200)["token"] == "t"
    with pytest.raises(ConfigurationError):
        check_token_answer({"status": 40102, "message": "User invalid!"}, http_status=200)
    with pytest.raises(BadRequestError):
        check_token_answer({"status": 500, "message": "x", "token": "t"}, http_status=200)


class Scripted:
    """Answers business calls from a script; the token call always succeeds."""

    def __init__(self, answers: list[httpx.Response]) -> None:
        self.answers = answers
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/auth/admin/token":
            return httpx.Response(200, json={"status": 200, "message": "ok", "token": "tok"})
        self.calls.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def hook_for(make_conn: Callable[..., str], script: Scripted) -> HyperSkuHook:
    make_conn("hs", "hypersku", host="https://hs.test", login="a", password="b", extra={"store_code": "S1"})
    return HyperSkuHook(
        "hs", transport=httpx.MockTransport(script), token_store=MemoryTokenStore(), retry_policy=FAST
    )


PAGE = {"status": 200, "message": "success", "data": {"total": 1, "rows": [{"productId": "P1", "skus": []}]}}


def test_http_5xx_and_429_are_retried_for_reads(make_conn: Callable[..., str]) -> None:
    script = Scripted(
        [
            httpx.Response(503, text="busy"),
            httpx.Response(429, headers={"Retry-After": "0"}, json={}),
            httpx.Response(200, json=PAGE),
        ]
    )
    hook = hook_for(make_conn, script)
    assert [p.product_id for p in hook.get_product_info().items] == ["P1"]
    assert len(script.calls) == 3


def test_status_500_inside_http_200_is_a_business_error_not_retried(make_conn: Callable[..., str]) -> None:
    script = Scripted([httpx.Response(200, json={"status": 500, "message": "keyword too long"})])
    hook = hook_for(make_conn, script)
    with pytest.raises(BadRequestError, match="keyword too long"):
        hook.get_product_info(keyword="x" * 300)
    assert len(script.calls) == 1


def test_create_is_not_resent_after_a_lost_answer(make_conn: Callable[..., str]) -> None:
    script = Scripted([httpx.Response(502, text="bad gateway")])
    hook = hook_for(make_conn, script)
    with pytest.raises(TransientError):
        hook.create_order(ORDER)
    assert len(script.calls) == 1
    reset = Scripted([httpx.ReadError("connection reset")])  # type: ignore[list-item]
    hook = hook_for(make_conn, reset)
    with pytest.raises(TransportError) as caught:
        hook.create_order(ORDER)
    assert caught.value.sent is True
    assert len(reset.calls) == 1


def test_create_is_resent_after_429_and_connect_failure(make_conn: Callable[..., str]) -> None:
    created = {"status": 200, "data": {"orderBaseInfo": {"orderId": "9", "storeOrderId": "T-1", "status": 8}}}
    script = Scripted(
        [
            httpx.Response(429, headers={"Retry-After": "0"}, json={}),
            httpx.ConnectError("refused"),  # type: ignore[list-item]
            httpx.Response(200, json=created),
        ]
    )
    hook = hook_for(make_conn, script)
    assert hook.create_order(ORDER).order_base_info.order_id == "9"
    assert len(script.calls) == 3


def test_rate_limit_is_raised_when_it_never_ends(make_conn: Callable[..., str]) -> None:
    script = Scripted([httpx.Response(429, headers={"Retry-After": "0"}, json={})])
    hook = hook_for(make_conn, script)
    with pytest.raises(RateLimitError):
        hook.get_product_info()
    assert len(script.calls) == FAST.max_attempts


def test_duplicate_third_order_id_becomes_duplicate_error(make_conn: Callable[..., str]) -> None:
    script = Scripted([httpx.Response(200, json={"status": 500, "message": "Order T-1 already exists"})])
    hook = hook_for(make_conn, script)
    with pytest.raises(DuplicateError) as caught:
        hook.create_order(ORDER)
    assert caught.value.code == 500
    assert "T-1" in caught.value.message
    other = Scripted([httpx.Response(200, json={"status": 500, "message": "SKU1 is out of stock"})])
    with pytest.raises(BadRequestError) as plain:
        hook_for(make_conn, other).create_order(ORDER)
    assert type(plain.value) is BadRequestError


def test_create_sends_the_documented_body(make_conn: Callable[..., str]) -> None:
    created = {"status": 200, "data": {"orderBaseInfo": {"orderId": 77, "storeOrderId": "T-1", "status": 8}}}
    script = Scripted([httpx.Response(200, json=created)])
    hook = hook_for(make_conn, script)
    answer = hook.create_order(ORDER)
    assert answer.order_base_info.order_id == "77"
    (request,) = script.calls
    assert request.method == "POST"
    assert request.url.path == CREATE
    assert request.headers["authorization"] == "tok"
    assert json.loads(request.content) == {**ORDER, "thirdOrderName": "T-1"}


def test_non_json_answer_is_a_response_error(make_conn: Callable[..., str]) -> None:
    script = Scripted([httpx.Response(200, text="<html>maintenance</html>")])
    with pytest.raises(ResponseError):
        hook_for(make_conn, script).get_product_info()


def test_token_is_refreshed_when_expired_locally(make_conn: Callable[..., str]) -> None:
    script = Scripted([httpx.Response(200, json=PAGE)])
    store = MemoryTokenStore()
    make_conn("hs2", "hypersku", host="https://hs.test", login="a", password="b")
    hook = HyperSkuHook("hs2", transport=httpx.MockTransport(script), token_store=store, retry_policy=FAST)
    store.set(hook.token_manager.key, Token(value="old", refresh_at=0).to_json())
    hook.get_product_info()
    assert script.calls[0].headers["authorization"] == "tok"


def test_unreadable_answers(make_conn: Callable[..., str], caplog: pytest.LogCaptureFixture) -> None:
    # a row missing a required field is left out (named with its operation), the others are kept
    rows = [{"title": "no id"}, {"productId": "P1", "title": "kept"}]
    odd = Scripted([httpx.Response(200, json={"status": 200, "data": {"total": 2, "rows": rows}})])
    with caplog.at_level("WARNING"):
        page = hook_for(make_conn, odd).get_product_info()
    assert [product.product_id for product in page.items] == ["P1"]
    assert "hypersku getProductInfo: fields differ: expected but missing: productId" in caplog.text
    # a create accepted with an unreadable answer is treated as a lost answer (looked up, not resent)
    created = Scripted([httpx.Response(200, json={"status": 200, "data": {"something": "else"}})])
    with pytest.raises(TransportError) as caught:
        hook_for(make_conn, created).create_order(ORDER)
    assert caught.value.sent is True
