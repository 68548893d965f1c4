"""The 超8 sandbox speaks the documented wire format (raw httpx clients, no hook)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from airflow_provider.chao8 import constants as c
from airflow_provider.sandbox.chao8 import (
    LOGISTICS_CREATED_SECONDS,
    LOGISTICS_SCANNING_SECONDS,
    PRODUCTION_PENDING_SECONDS,
    PRODUCTION_RUNNING_SECONDS,
    SANDBOX_ACCESS_KEY,
    SANDBOX_DEALER_CODES,
    SANDBOX_DISABLED_ACCESS_KEY,
    SANDBOX_PRODUCT_CODES,
    SANDBOX_SECRET,
    SANDBOX_WAREHOUSE_CODE,
    Chao8Backend,
    create_app,
    iso_duration,
    sandbox_connection,
)
from airflow_provider.sandbox.kit import SandboxClock

pytestmark = pytest.mark.integration

SIGN = hashlib.md5(SANDBOX_SECRET.encode()).hexdigest()


@pytest.fixture
def backend() -> Chao8Backend:
    return Chao8Backend(clock=SandboxClock(speed=1.0))


@pytest.fixture
def client(backend: Chao8Backend, serve_app: Callable[[Any], str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=serve_app(create_app(backend)), timeout=10) as http:
        yield http


def token_call(
    client: httpx.Client, access_key: str = SANDBOX_ACCESS_KEY, sign: str = SIGN
) -> dict[str, Any]:
    answer = client.post(c.TOKEN_PATH, json={"accessKey": access_key, "secretKeySign": sign})
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def test_token_answer_matches_the_documented_envelope(client: httpx.Client, backend: Chao8Backend) -> None:
    body = token_call(client)
    assert set(body) == {"code", "message", "data", "timestamp", "traceId", "exception", "meta", "ext"}
    assert body["code"] == 200
    assert body["message"] == "success"
    assert body["exception"] is None
    assert body["meta"] is None
    assert body["ext"] is None
    assert isinstance(body["traceId"], str)
    assert len(body["traceId"]) >= 16
    assert abs(body["timestamp"] - backend.clock.now() * 1000) < 5000
    data = body["data"]
    assert data["tokenTtl"] == "PT8H"
    assert data["tokenTtlSeconds"] == 28800
    jwt = claims(data["accessToken"])
    assert jwt["iss"] == "yesno.com.cn"
    assert jwt["exp"] - jwt["iat"] == 28800 * 1000  # milliseconds
    assert jwt["iat"] > 1e12
    assert backend.token_calls == 1


@pytest.mark.parametrize(
    ("access_key", "sign", "code"),
    [
        (SANDBOX_ACCESS_KEY, SANDBOX_SECRET, c.WRONG_KEY_OR_SECRET),  # the plain secret is not the sign
        (SANDBOX_ACCESS_KEY, SIGN.upper(), c.WRONG_KEY_OR_SECRET),  # lowercase hex only
        (SANDBOX_ACCESS_KEY, hashlib.md5(b"other").hexdigest(), c.WRONG_KEY_OR_SECRET),
        ("unknown-key", SIGN, c.APP_NOT_FOUND),
        (SANDBOX_DISABLED_ACCESS_KEY, SIGN, c.APP_DISABLED),
        ("", SIGN, c.ACCESS_KEY_EMPTY),
        (SANDBOX_ACCESS_KEY, "", c.SECRET_EMPTY),
    ],
)
def test_token_call_enforces_the_md5_sign(
    client: httpx.Client, backend: Chao8Backend, access_key: str, sign: str, code: int
) -> None:
    body = token_call(client, access_key, sign)
    assert body["code"] == code
    assert body["message"] == c.TOKEN_ERROR_MESSAGES[code]
    assert body["data"] is None
    assert body["traceId"]
    assert backend.token_calls == 0


def test_one_token_call_per_minute_on_the_sandbox_clock(client: httpx.Client, backend: Chao8Backend) -> None:
    assert token_call(client)["code"] == 200
    limited = client.post(c.TOKEN_PATH, json={"accessKey": SANDBOX_ACCESS_KEY, "secretKeySign": SIGN})
    assert limited.json()["code"] == c.TOKEN_RATE_LIMITED
    assert limited.json()["message"] == "获取Token超出频率限制"
    assert 0 < float(limited.headers["Retry-After"]) <= 60
    backend.clock.advance(61)
    assert token_call(client)["code"] == 200
    assert backend.token_calls == 2
    assert backend.stats()["token_errors"] == {str(c.TOKEN_RATE_LIMITED): 1}


def test_business_calls_need_the_raw_token(client: httpx.Client, backend: Chao8Backend) -> None:
    token = token_call(client)["data"]["accessToken"]
    path = "/cncop/basic/v3/products/page"
    assert client.post(path, json={"pageNum": 1, "pageSize": 2}).json()["code"] == c.TOKEN_INVALID
    bearer = client.post(path, json={"pageNum": 1}, headers={"Authorization": f"Bearer {token}"})
    assert bearer.json()["code"] == c.TOKEN_INVALID
    good = client.post(path, json={"pageNum": 1, "pageSize": 2}, headers={"Authorization": token}).json()
    assert good["code"] == 200
    assert good["data"]["total"] == len(SANDBOX_PRODUCT_CODES)
    assert len(good["data"]["list"]) == 2
    backend.expire_tokens()
    assert client.post(path, json={}, headers={"Authorization": token}).json()["code"] == c.TOKEN_INVALID


def test_short_ttl_expires_tokens_on_the_sandbox_clock(serve_app: Callable[[Any], str]) -> None:
    backend = Chao8Backend(clock=SandboxClock(), token_ttl=90)
    with httpx.Client(base_url=serve_app(create_app(backend))) as client:
        data = token_call(client)["data"]
        assert (data["tokenTtl"], data["tokenTtlSeconds"]) == ("PT1M30S", 90)
        headers = {"Authorization": data["accessToken"]}
        assert (
            client.post("/cncop/org/v1/dealers/batch-query", json={"codes": ["x"]}, headers=headers).json()[
                "code"
            ]
            == 200
        )
        backend.clock.advance(91)
        expired = client.post("/cncop/org/v1/dealers/batch-query", json={"codes": ["x"]}, headers=headers)
        assert expired.json()["code"] == c.TOKEN_INVALID


def test_meta_401_style(serve_app: Callable[[Any], str]) -> None:
    backend = Chao8Backend(auth_error_style="meta")
    with httpx.Client(base_url=serve_app(create_app(backend))) as client:
        body = client.post("/cncop/org/v1/dealers/batch-query", json={"codes": ["x"]}).json()
        assert body["meta"] == {"status": 401}


def test_logistics_order_lifecycle_and_scans(client: httpx.Client, backend: Chao8Backend) -> None:
    headers = {"Authorization": token_call(client)["data"]["accessToken"]}
    order = {
        "orderNo": "LO-100",
        "orderType": 1,
        "sourceOrgCode": SANDBOX_WAREHOUSE_CODE,
        "targetOrgCode": SANDBOX_DEALER_CODES[0],
        "products": [
            {"productCode": SANDBOX_PRODUCT_CODES[0], "quantity": 3, "codes": ["A1", "A2"]},
            {"productCode": SANDBOX_PRODUCT_CODES[1], "quantity": 1},
        ],
    }
    base = "/cncop/trace/v1/logistics-orders"
    created = client.post(base, json=order, headers=headers).json()
    assert created["code"] == 200
    assert created["data"]["orderNo"] == "LO-100"
    assert created["data"]["status"] == 0
    duplicate = client.post(base, json=order, headers=headers).json()
    assert duplicate["code"] == c.ORDER_EXISTS
    assert "已存在" in duplicate["message"]

    def detail() -> dict[str, Any]:
        data: dict[str, Any] = client.get(f"{base}/LO-100", headers=headers).json()["data"]
        return data

    assert detail()["status"] == 0
    assert detail()["scannedCount"] == 0
    backend.clock.advance(LOGISTICS_CREATED_SECONDS + LOGISTICS_SCANNING_SECONDS / 2)
    assert detail()["status"] == 1
    assert detail()["scannedCount"] == 2
    scans = client.get(f"{base}/LO-100/scans", params={"pageNum": 1, "pageSize": 10}, headers=headers).json()
    assert scans["data"]["total"] == 2
    assert [s["code"] for s in scans["data"]["list"]] == ["A1", "A2"]
    assert set(scans["data"]["list"][0]) == {"code", "productCode", "scannedAt", "operator"}
    update = client.put(f"{base}/LO-100", json={"remark": "late"}, headers=headers).json()
    assert update["code"] == c.ORDER_STATE_CONFLICT  # scanning started
    backend.clock.advance(LOGISTICS_SCANNING_SECONDS)
    final = detail()
    assert final["status"] == 2
    assert final["scannedCount"] == 4
    assert final["completedAt"]
    scans = client.get(f"{base}/LO-100/scans", params={"pageNum": 2, "pageSize": 3}, headers=headers).json()
    assert scans["data"]["total"] == 4
    assert scans["data"]["list"][0]["productCode"] == SANDBOX_PRODUCT_CODES[1]
    assert client.delete(f"{base}/LO-100", headers=headers).json()["code"] == c.ORDER_STATE_CONFLICT
    outbound = client.post(
        f"{base}/outbound/page", json={"pageNum": 1, "pageSize": 10, "status": 2}, headers=headers
    )
    assert [o["orderNo"] for o in outbound.json()["data"]["list"]] == ["LO-100"]
    assert client.get(f"{base}/NOPE", headers=headers).json()["code"] == c.ORDER_NOT_FOUND


def test_complete_cancel_update_delete(client: httpx.Client, backend: Chao8Backend) -> None:
    headers = {"Authorization": token_call(client)["data"]["accessToken"]}
    base = "/cncop/trace/v1/logistics-orders"
    line = [{"productCode": SANDBOX_PRODUCT_CODES[0], "quantity": 10}]
    for order_no in ("LO-A", "LO-CANCEL-1", "LO-D"):
        order = {
            "orderNo": order_no,
            "orderType": 1,
            "sourceOrgCode": "S",
            "targetOrgCode": "T",
            "products": line,
        }
        assert client.post(base, json=order, headers=headers).json()["code"] == 200
    changed = client.put(f"{base}/LO-D", json={"remark": "改", "orderType": 3}, headers=headers).json()
    assert changed["code"] == 200
    assert changed["data"]["remark"] == "改"
    assert changed["data"]["orderType"] == 3
    assert client.delete(f"{base}/LO-D", headers=headers).json()["code"] == 200
    assert client.get(f"{base}/LO-D", headers=headers).json()["code"] == c.ORDER_NOT_FOUND
    done = client.post(f"{base}/LO-A/complete", headers=headers).json()
    assert done["data"] == {"orderNo": "LO-A", "status": 2}
    assert client.get(f"{base}/LO-A", headers=headers).json()["data"]["status"] == 2
    assert client.post(f"{base}/LO-A/complete", headers=headers).json()["code"] == c.ORDER_STATE_CONFLICT
    backend.clock.advance(LOGISTICS_CREATED_SECONDS)
    assert client.get(f"{base}/LO-CANCEL-1", headers=headers).json()["data"]["status"] == 3
    assert (
        client.post(f"{base}/LO-CANCEL-1/complete", headers=headers).json()["code"] == c.ORDER_STATE_CONFLICT
    )


def test_production_orders_products_dealers(client: httpx.Client, backend: Chao8Backend) -> None:
    headers = {"Authorization": token_call(client)["data"]["accessToken"]}
    order = {
        "orderNo": "PO-1",
        "productCode": SANDBOX_PRODUCT_CODES[2],
        "quantity": 100,
        "batchNo": "B2024",
        "productionDate": "2024-05-01",
    }
    created = client.post("/cncop/trace/v1/production-orders", json=order, headers=headers).json()
    assert created["code"] == 200
    assert created["data"]["status"] == 0
    assert client.post("/cncop/trace/v1/production-orders", json=order, headers=headers).json()["code"] == (
        c.ORDER_EXISTS
    )
    backend.clock.advance(PRODUCTION_PENDING_SECONDS + PRODUCTION_RUNNING_SECONDS)
    detail = client.get("/cncop/trace/v1/production-orders/PO-1", headers=headers).json()["data"]
    assert detail["status"] == 2
    assert detail["producedCount"] == 100
    page = client.post(
        "/cncop/trace/v1/production-orders/page", json={"pageNum": 1, "pageSize": 5}, headers=headers
    )
    assert page.json()["data"]["total"] == 1

    upsert = client.post(
        "/cncop/basic/v3/products/batch",
        json=[{"productCode": "NEW", "productName": "新品"}, {"productCode": "", "productName": "x"}],
        headers=headers,
    ).json()
    assert upsert["data"]["successCount"] == 1
    assert upsert["data"]["failCount"] == 1
    found = client.post(
        "/cncop/basic/v3/products/batch-query", json={"productCodes": ["NEW", "nope"]}, headers=headers
    )
    assert [p["productCode"] for p in found.json()["data"]] == ["NEW"]
    keyword = client.post(
        "/cncop/basic/v3/products/page", json={"pageNum": 1, "pageSize": 10, "keyword": "新"}, headers=headers
    )
    assert keyword.json()["data"]["total"] == 1
    too_many = client.post(
        "/cncop/basic/v3/products/batch", json=[{"productCode": "x"}] * 201, headers=headers
    )
    assert too_many.json()["code"] == c.INVALID_PARAMS

    dealers = client.post(
        "/cncop/org/v1/dealers/batch-query", json={"codes": list(SANDBOX_DEALER_CODES)}, headers=headers
    )
    assert [d["code"] for d in dealers.json()["data"]] == list(SANDBOX_DEALER_CODES)
    synced = client.post(
        "/cncop/org/v1/dealers/sync",
        json=[{"code": "DL-NEW", "name": "新经销商", "region": "320100"}],
        headers=headers,
    ).json()
    assert synced["code"] == 200
    assert backend.store.get("dealers", "DL-NEW")["region"] == "320100"


def test_iso_duration() -> None:
    assert [iso_duration(s) for s in (28800, 90, 5400, 0.5, 0)] == [
        "PT8H",
        "PT1M30S",
        "PT1H30M",
        "PT0.5S",
        "PT0S",
    ]


def test_sandbox_connection_reaches_the_sandbox(
    serve_app: Callable[[Any], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider.chao8.hooks import Chao8Hook

    backend = Chao8Backend(speed=600)
    assert backend.clock.speed == 600
    url = serve_app(create_app(backend))
    monkeypatch.setenv("AIRFLOW_CONN_CHAO8_DEMO", json.dumps(sandbox_connection(url)))
    ok, message = Chao8Hook("chao8_demo").test_connection()
    assert ok, message
    assert backend.token_calls == 1
