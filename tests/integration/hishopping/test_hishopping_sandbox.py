"""The HiShopping sandbox on loopback: its wire format, and the hook's resilience against it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from airflow_provider.common.auth import MemoryTokenStore, jwt_expiry
from airflow_provider.common.errors import (
    ConfigurationError,
    DuplicateError,
    InsufficientCreditError,
)
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.hishopping import envelope
from airflow_provider.hishopping.hooks import HiShoppingHook
from airflow_provider.sandbox import hishopping as sb

pytestmark = pytest.mark.integration

FAST = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05)


def order(
    merchant_order: str, *, goods: int = sb.GOODS_EARBUDS, sku: int = sb.SKU_EARBUDS_WHITE, qty: int = 1
) -> dict[str, Any]:
    return {
        "merchant_order": merchant_order,
        "goods_id": goods,
        "sku_id": sku,
        "quantity": qty,
        "receiver": dict(sb.SANDBOX_RECEIVER),
    }


@pytest.fixture
def backend() -> sb.HiShoppingBackend:
    return sb.HiShoppingBackend(cancel_rate=0, fail_rate=0)


@pytest.fixture
def url(backend: sb.HiShoppingBackend, serve_app: Callable[[Any], str]) -> str:
    return serve_app(sb.create_app(backend))


@pytest.fixture
def conn(make_conn: Callable[..., str], url: str) -> str:
    return make_conn(
        "hishopping_it",
        "hishopping",
        host=url,
        login=sb.SANDBOX_EMAIL,
        password=sb.SANDBOX_PASSWORD,
        extra={
            "app_id": sb.SANDBOX_APP_ID,
            "secret_key": sb.SANDBOX_SECRET_KEY,
            "sign_secret": sb.SANDBOX_SIGN_KEY,
        },
    )


@pytest.fixture
def store() -> MemoryTokenStore:
    return MemoryTokenStore()


@pytest.fixture
def hook(conn: str, store: MemoryTokenStore) -> HiShoppingHook:
    return HiShoppingHook(conn, token_store=store, retry_policy=FAST)


def raw_open(url: str, path: str, payload: Any, **overrides: Any) -> dict[str, Any]:
    """Post an envelope built by hand; ``overrides`` replace envelope fields or keys."""
    keys = {
        "app_id": overrides.pop("app_id", sb.SANDBOX_APP_ID),
        "secret_key": overrides.pop("secret_key", sb.SANDBOX_SECRET_KEY),
        "sign_key": overrides.pop("sign_key", sb.SANDBOX_SIGN_KEY),
    }
    body = envelope.seal(
        payload, **keys, **{k: overrides.pop(k) for k in ("nonce", "timestamp") if k in overrides}
    )
    body.update(overrides)
    response = httpx.post(f"{url}/api/v1/open{path}", json=body)
    return {"http": response.status_code, **response.json()}


# ----------------------------------------------------------------------------- tokens
def test_one_login_serves_many_calls_and_hooks(
    conn: str, store: MemoryTokenStore, backend: sb.HiShoppingBackend
) -> None:
    first = HiShoppingHook(conn, token_store=store, retry_policy=FAST)
    for _ in range(5):
        first.get_credit()
    first.list_goods_categories()
    second = HiShoppingHook(conn, token_store=store, retry_policy=FAST)
    second.get_goods(sb.GOODS_BOTTLE)
    assert backend.token_calls == 1
    assert backend.requests["/api/v1/web/login"] == 1


def test_expired_token_mid_run_logs_in_again_once(
    hook: HiShoppingHook, backend: sb.HiShoppingBackend
) -> None:
    hook.get_credit()
    backend.expire_tokens()
    for _ in range(3):
        assert hook.get_credit().balance == sb.STARTING_CREDIT
    assert backend.token_calls == 2


def test_jwt_lives_24_hours_on_the_sandbox_clock(hook: HiShoppingHook, backend: sb.HiShoppingBackend) -> None:
    token = hook.get_token()
    exp = jwt_expiry(token)
    assert exp is not None
    assert exp - backend.clock.now() == pytest.approx(sb.JWT_TTL, abs=5)
    backend.clock.advance(sb.JWT_TTL + 60)
    assert hook.get_credit().balance == sb.STARTING_CREDIT  # 4001, then a new login
    assert backend.token_calls == 2


# ----------------------------------------------------------------------------- faults
def test_5xx_and_429_bursts_on_reads_are_retried(hook: HiShoppingHook, backend: sb.HiShoppingBackend) -> None:
    backend.faults.retry_after = 0.01
    backend.faults.script("error", 3, path_contains="/web/credit")
    assert hook.get_credit().balance == sb.STARTING_CREDIT
    backend.faults.script("rate_limit", 3, path_contains="/open/credit/balance")
    assert hook.get_credit_balance().balance == sb.STARTING_CREDIT
    assert backend.requests["/api/v1/web/credit"] == 4
    assert backend.requests["/api/v1/open/credit/balance"] == 4


def test_5001_burst_is_retried(hook: HiShoppingHook, backend: sb.HiShoppingBackend) -> None:
    backend.script_code(5001, 2, path_contains="/open/goods/detail")
    assert hook.open_get_goods(sb.GOODS_TSHIRT).unit_price(sb.SKU_TSHIRT_XL) == Decimal("7.90")
    backend.script_code(5001, 2, path_contains="/web/orders")
    assert list(hook.iter_orders()) == []
    assert backend.requests["/api/v1/open/goods/detail"] == 3


# ----------------------------------------------------------------------------- web API wire
def test_web_login_codes_come_with_http_200(url: str) -> None:
    cases = [
        ({"email": "nobody@example.com", "password": "x"}, 3001),
        ({"email": sb.SANDBOX_EMAIL, "password": "wrong"}, 3002),
        ({"email": sb.SANDBOX_DISABLED_EMAIL, "password": sb.SANDBOX_PASSWORD}, 3003),
    ]
    for body, code in cases:
        response = httpx.post(f"{url}/api/v1/web/login", json=body)
        assert response.status_code == 200
        assert response.json()["code"] == code
    good = httpx.post(
        f"{url}/api/v1/web/login", json={"email": sb.SANDBOX_EMAIL, "password": sb.SANDBOX_PASSWORD}
    )
    assert good.json()["code"] == 0
    assert good.json()["message"] == "success"
    token = good.json()["data"]["token"]
    credit = httpx.get(f"{url}/api/v1/web/credit", headers={"Authorization": f"Bearer {token}"})
    assert credit.json()["data"]["balance"] == "500.00"
    assert httpx.get(f"{url}/api/v1/web/credit").json()["code"] == 1004
    assert (
        httpx.get(f"{url}/api/v1/web/credit", headers={"Authorization": "Bearer nope"}).json()["code"] == 4001
    )
    assert httpx.get(f"{url}/api/v1/web/credit", headers={"Authorization": token}).json()["code"] == 4001


def test_wrong_password_is_a_configuration_error_not_retried(
    make_conn: Callable[..., str], url: str, backend: sb.HiShoppingBackend
) -> None:
    make_conn("hs_bad_pw", "hishopping", host=url, login=sb.SANDBOX_EMAIL, password="wrong")
    hook = HiShoppingHook("hs_bad_pw", token_store=MemoryTokenStore(), retry_policy=FAST)
    with pytest.raises(ConfigurationError) as err:
        hook.get_credit()
    assert err.value.code == 3002
    assert backend.requests["/api/v1/web/login"] == 1
    assert backend.token_calls == 0


def test_catalogue_through_both_apis(hook: HiShoppingHook) -> None:
    categories = {c.category_id: c.name for c in hook.list_goods_categories()}
    assert categories[sb.CATEGORY_HOME] == "Home & Kitchen"
    web = list(hook.iter_goods(category_id=sb.CATEGORY_CLOTHING, page_size=1))
    opened = list(hook.open_iter_goods(category_id=sb.CATEGORY_CLOTHING, page_size=1))
    assert (
        {g.goods_id for g in web} == {g.goods_id for g in opened} == {sb.GOODS_TSHIRT, sb.GOODS_RAIN_JACKET}
    )
    jacket = hook.get_goods(sb.GOODS_RAIN_JACKET)
    assert {s.sku_id for s in jacket.skus} == {sb.SKU_RAIN_JACKET_S, sb.SKU_RAIN_JACKET_M}
    assert len(list(hook.iter_goods(page_size=4))) == len(sb.SANDBOX_GOODS)


# ----------------------------------------------------------------------------- open API wire
def test_open_answers_are_signed_and_encrypted(url: str) -> None:
    body = raw_open(url, "/goods/detail", {"goods_id": sb.GOODS_BOTTLE})
    assert body["code"] == 0
    assert {"app_id", "nonce", "timestamp", "data", "sign"} <= set(body)
    payload = envelope.open_envelope(body, secret_key=sb.SANDBOX_SECRET_KEY, sign_key=sb.SANDBOX_SIGN_KEY)
    assert payload["goods_id"] == sb.GOODS_BOTTLE
    assert not envelope.verify(body, "not-the-sign-key")


def test_open_api_refuses_bad_envelopes(url: str, backend: sb.HiShoppingBackend) -> None:
    nonce = envelope.new_nonce()
    assert raw_open(url, "/credit/balance", {}, nonce=nonce)["code"] == 0
    assert raw_open(url, "/credit/balance", {}, nonce=nonce)["code"] == 1001  # reused nonce
    assert raw_open(url, "/credit/balance", {}, timestamp=int(time.time()) - 400)["code"] == 1001
    assert raw_open(url, "/credit/balance", {}, timestamp=int(time.time()) + 400)["code"] == 1001
    assert raw_open(url, "/credit/balance", {}, timestamp=int(time.time()) - 200)["code"] == 0
    assert raw_open(url, "/credit/balance", {}, app_id="hs_unknown")["code"] == 1002
    assert raw_open(url, "/credit/balance", {}, sign_key="wrong")["code"] == 1001
    assert raw_open(url, "/credit/balance", {}, secret_key="w" * 32)["code"] == 1005
    assert raw_open(url, "/credit/balance", {}, sign="0" * 64)["code"] == 1001
    backend.add_app("hs_off", "k" * 32, "s", enabled=False)
    assert (
        raw_open(url, "/credit/balance", {}, app_id="hs_off", secret_key="k" * 32, sign_key="s")["code"]
        == 1003
    )
    plain = httpx.post(f"{url}/api/v1/open/credit/balance", json={"app_id": sb.SANDBOX_APP_ID})
    assert plain.json() == {"code": 1001, "message": "invalid signature"}


def test_open_api_app_with_64_hex_secret(make_conn: Callable[..., str], url: str) -> None:
    make_conn(
        "hs_app2",
        "hishopping",
        host=url,
        extra={
            "app_id": sb.SANDBOX_APP_ID_2,
            "secret_key": sb.SANDBOX_SECRET_KEY_2,
            "sign_secret": sb.SANDBOX_SIGN_KEY_2,
        },
    )
    hook = HiShoppingHook("hs_app2", token_store=MemoryTokenStore(), retry_policy=FAST)
    assert hook.get_credit_balance().balance == sb.STARTING_CREDIT
    assert hook.test_connection()[0]


def test_hook_rejects_sandbox_answers_signed_with_other_keys(
    make_conn: Callable[..., str], url: str, backend: sb.HiShoppingBackend
) -> None:
    make_conn(
        "hs_wrong_sign",
        "hishopping",
        host=url,
        extra={"app_id": sb.SANDBOX_APP_ID, "secret_key": sb.SANDBOX_SECRET_KEY, "sign_secret": "wrong"},
    )
    hook = HiShoppingHook("hs_wrong_sign", token_store=MemoryTokenStore(), retry_policy=FAST)
    with pytest.raises(ConfigurationError) as err:
        hook.get_credit_balance()
    assert err.value.code == 1001
    assert backend.requests["/api/v1/open/credit/balance"] == 1


def test_create_duplicate_and_insufficient_credit(
    hook: HiShoppingHook, backend: sb.HiShoppingBackend
) -> None:
    created = hook.create_order(order("M-1", qty=2))
    assert created.total_charge == Decimal("26.76")  # 2 x 12.99 + 3 % fee
    assert created.status == "pending"
    with pytest.raises(DuplicateError):
        hook.create_order(order("M-1", qty=2))
    big = order("M-BIG", goods=sb.GOODS_RAIN_JACKET, sku=sb.SKU_RAIN_JACKET_M, qty=50)
    with pytest.raises(InsufficientCreditError) as err:
        hook.create_order(big)
    assert err.value.code == 2001
    assert len(backend.store.values("orders")) == 1
    assert hook.get_credit_balance().balance == sb.STARTING_CREDIT - Decimal("26.76")


def test_sandbox_validates_the_payload(url: str, backend: sb.HiShoppingBackend) -> None:
    bad = order("M-BAD")
    bad["receiver"].pop("zip")
    answer = raw_open(url, "/order/create", bad)
    assert (answer["http"], answer["code"]) == (400, 400)
    assert "receiver.zip" in answer["message"]
    answer = raw_open(url, "/order/create", {**order("M-BAD"), "quantity": 0})
    assert answer["code"] == 400
    answer = raw_open(url, "/order/detail", {"merchant_order": "nope"})
    assert (answer["http"], answer["code"]) == (404, 404)
    assert backend.store.values("orders") == []


def test_lifecycle_tracking_and_refunds(hook: HiShoppingHook, backend: sb.HiShoppingBackend) -> None:
    ok = hook.create_order(order("M-OK"))
    cancelled = hook.create_order(order("M-CANCEL-1"))
    failed = hook.create_order(order("M-FAIL-1"))
    charge = ok.total_charge
    assert charge is not None
    assert hook.get_credit().balance == sb.STARTING_CREDIT - 3 * charge

    def statuses() -> dict[str, str]:
        return hook.fetch_statuses([ok.order_no, cancelled.order_no, failed.order_no])

    assert set(statuses().values()) == {"pending"}
    backend.clock.advance(sb.PENDING_SECONDS + 1)
    assert statuses() == {
        ok.order_no: "processing",
        cancelled.order_no: "cancelled",
        failed.order_no: "processing",
    }
    backend.clock.advance(sb.PROCESSING_SECONDS)
    assert statuses() == {ok.order_no: "shipped", cancelled.order_no: "cancelled", failed.order_no: "failed"}
    assert hook.get_order(ok.order_no).tracking_no
    backend.clock.advance(sb.SHIPPED_SECONDS)
    assert hook.open_get_order(merchant_order="M-OK").status == "completed"
    assert hook.get_credit().balance == sb.STARTING_CREDIT - charge
    ledger = list(hook.iter_credit_transactions(page_size=2))
    kinds = sorted(t.type for t in ledger)
    assert kinds == ["charge", "charge", "charge", "recharge", "refund", "refund"]
    for txn in ledger:
        assert txn.balance_after == txn.balance_before + txn.amount
    refunds = {t.order_no for t in ledger if t.type == "refund"}
    assert refunds == {cancelled.order_no, failed.order_no}


def test_top_up_control_route(url: str, hook: HiShoppingHook) -> None:
    answer = httpx.post(f"{url}/_sandbox/hishopping/topup", json={"amount": "25.50"}).json()
    assert answer["ok"]
    assert answer["balance"] == "525.50"
    assert hook.get_credit_balance().balance == Decimal("525.50")
    httpx.post(
        f"{url}/_sandbox/hishopping/codes", json={"code": 4002, "count": 1, "path_contains": "/web/credit"}
    )
    with pytest.raises(ConfigurationError) as err:
        hook.get_credit()
    assert err.value.code == 4002


def test_deterministic_failure_share(backend: sb.HiShoppingBackend) -> None:
    mixed = sb.HiShoppingBackend(cancel_rate=0.3, fail_rate=0.3)
    paths = [mixed.path_of(f"ORDER-{i}") for i in range(200)]
    assert paths == [mixed.path_of(f"ORDER-{i}") for i in range(200)]
    assert {"ok", "cancelled", "failed"} == set(paths)
    assert backend.path_of("x-cancel-y") == "cancelled"
    assert backend.path_of("X-FAIL") == "failed"
    assert {backend.path_of(f"ORDER-{i}") for i in range(200)} == {"ok"}


def test_open_list_filters_by_time_and_status(hook: HiShoppingHook, backend: sb.HiShoppingBackend) -> None:
    hook.create_order(order("M-A"))
    middle = backend.clock.now() + 30
    backend.clock.advance(60)
    hook.create_order(order("M-B"))
    later = list(hook.open_iter_orders(start_time=middle))
    assert [o.merchant_order for o in later] == ["M-B"]
    assert {o.merchant_order for o in hook.iter_orders(end_time=middle)} == {"M-A"}
    backend.clock.advance(sb.PENDING_SECONDS - 30)  # M-A is 150 s old, M-B 90 s
    processing = list(hook.open_iter_orders(status="processing"))
    assert [o.merchant_order for o in processing] == ["M-A"]
    assert json.loads(json.dumps(backend.stats()))["token_calls"] == 1


def test_sandbox_connection_reaches_both_apis(
    url: str, monkeypatch: pytest.MonkeyPatch, backend: sb.HiShoppingBackend
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_HS_DEMO", json.dumps(sb.sandbox_connection(url)))
    ok, message = HiShoppingHook("hs_demo", token_store=MemoryTokenStore()).test_connection()
    assert ok, message
    assert "web API credit 500.00" in message
    assert "open API credit 500.00" in message
    assert backend.store.values("orders") == []
