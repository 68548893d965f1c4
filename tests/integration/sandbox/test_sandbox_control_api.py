"""
The ``/_sandbox`` control API over HTTP, against a real ``python -m airflow_provider.sandbox``.

One sandbox process serves the four simulators on free loopback ports for the module; each
test freezes the clock (speed 0) first, so nothing depends on wall-clock timing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from airflow_provider.hishopping import envelope
from airflow_provider.platforms import get_platform, platform_names
from airflow_provider.sandbox.hypersku import LIFECYCLE_SECONDS, SANDBOX_EXAMPLE_ORDER
from airflow_provider.sandbox.supership import SECONDS_TO_DELIVERED, sample_order

pytestmark = pytest.mark.integration

HSK_CREATE = "/api/customer/admin/orders/create"
HSK_STATUS = "/api/customer/admin/orders/status"
CHAO8_ORDERS = "/cncop/trace/v1/logistics-orders"


class Sandbox:
    """The running command: its connections (as exported) and one HTTP client."""

    def __init__(self, connections: dict[str, dict[str, Any]], connections_file: Path) -> None:
        self.connections = connections
        self.connections_file = connections_file
        self.http = httpx.Client(timeout=10)

    def url(self, platform: str) -> str:
        return str(self.connections[platform]["host"])

    def control(self, platform: str, method: str, route: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{self.url(platform)}/_sandbox/{route}", **kwargs)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    connections_file = tmp_path_factory.mktemp("sandbox") / "connections.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airflow_provider.sandbox",
            "--speed",
            "0",
            "--connections-file",
            str(connections_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        for line in process.stdout:  # blocks until the command has printed its banner
            lines.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl-C"):
                break
        assert lines, "the sandbox printed nothing"
        assert lines[-1].startswith("Press Ctrl-C"), "\n".join(lines)
        exports = {
            line.split("=", 1)[0].removeprefix("export "): json.loads(line.split("=", 1)[1].strip("'"))
            for line in lines
            if line.startswith("export AIRFLOW_CONN_")
        }
        connections = {
            name: exports[f"AIRFLOW_CONN_{get_platform(name).default_conn_id.upper()}"]
            for name in platform_names()
        }
        running = Sandbox(connections, connections_file)
        yield running
        running.http.close()
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
        assert process.returncode == 0, rest
    finally:
        if process.poll() is None:
            process.kill()


@pytest.fixture(autouse=True)
def frozen(sandbox: Sandbox) -> None:
    """Every simulator: clock frozen, no fault, counters at zero."""
    for platform in sandbox.connections:
        sandbox.control(platform, "POST", "clock", json={"speed": 0})
        sandbox.control(platform, "DELETE", "faults")
        sandbox.control(platform, "POST", "stats/reset")


# ----------------------------------------------------------------------------- wire helpers
def hypersku_token(sandbox: Sandbox) -> str:
    conn = sandbox.connections["hypersku"]
    answer = sandbox.http.post(
        f"{conn['host']}/api/auth/admin/token", json={"username": conn["login"], "password": conn["password"]}
    ).json()
    return str(answer["token"])


def hypersku_call(sandbox: Sandbox, token: str, path: str, body: Any) -> httpx.Response:
    return sandbox.http.post(f"{sandbox.url('hypersku')}{path}", json=body, headers={"Authorization": token})


def hypersku_create(sandbox: Sandbox, token: str, third: str) -> httpx.Response:
    return hypersku_call(sandbox, token, HSK_CREATE, {**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": third})


def chao8_token(sandbox: Sandbox) -> str:
    import hashlib

    sandbox.control("chao8", "POST", "clock", json={"advance": 61})  # 超8 allows one token call a minute
    conn = sandbox.connections["chao8"]
    sign = hashlib.md5(conn["password"].encode()).hexdigest()
    answer = sandbox.http.post(
        f"{conn['host']}/cncop/ca/v1/applications/get-token",
        json={"accessKey": conn["login"], "secretKeySign": sign},
    ).json()
    assert answer["code"] == 200, answer
    return str(answer["data"]["accessToken"])


def chao8_create(sandbox: Sandbox, token: str, order_no: str) -> dict[str, Any]:
    body = {
        "orderNo": order_no,
        "orderType": 1,
        "sourceOrgCode": "ORG-SH-WH01",
        "targetOrgCode": "DL-BJ-001",
        "products": [{"productCode": "P-TEA-001", "quantity": 2}],
    }
    response = sandbox.http.post(
        f"{sandbox.url('chao8')}{CHAO8_ORDERS}", json=body, headers={"Authorization": token}
    )
    return dict(response.json())


def supership_create(sandbox: Sandbox, soc: str) -> httpx.Response:
    conn = sandbox.connections["supership"]
    return sandbox.http.post(
        f"{conn['host']}/v1/partner/orders/add",
        json=sample_order(soc),
        headers={"Authorization": f"Bearer {conn['password']}", "Accept": "application/json"},
    )


def hishopping_open(sandbox: Sandbox, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    conn = sandbox.connections["hishopping"]
    extra = conn["extra"]
    sealed = envelope.seal(
        payload, app_id=extra["app_id"], secret_key=extra["secret_key"], sign_key=extra["sign_secret"]
    )
    answer = dict(sandbox.http.post(f"{conn['host']}/api/v1/open{path}", json=sealed).json())
    if answer.get("code") == 0:
        answer["data"] = envelope.open_envelope(
            answer, secret_key=extra["secret_key"], sign_key=extra["sign_secret"]
        )
    return answer


def hishopping_order(merchant_order: str) -> dict[str, Any]:
    from airflow_provider.sandbox.hishopping import GOODS_CHARGER, SANDBOX_RECEIVER, SKU_CHARGER_US

    return {
        "merchant_order": merchant_order,
        "goods_id": GOODS_CHARGER,
        "sku_id": SKU_CHARGER_US,
        "quantity": 1,
        "receiver": SANDBOX_RECEIVER,
    }


# ----------------------------------------------------------------------------- docs and connections
@pytest.mark.parametrize("platform", platform_names())
def test_docs_page_and_openapi_list_every_control_route(sandbox: Sandbox, platform: str) -> None:
    page = sandbox.http.get(f"{sandbox.url(platform)}/_sandbox/docs")
    assert page.status_code == 200
    assert "swagger" in page.text.lower()
    spec = sandbox.control(platform, "GET", "openapi.json")
    routes = {path for path in spec["paths"] if path.startswith("/_sandbox/")}
    assert {
        "/_sandbox/stats",
        "/_sandbox/stats/reset",
        "/_sandbox/faults",
        "/_sandbox/clock",
        "/_sandbox/expire-tokens",
        "/_sandbox/duplicate-ids",
        "/_sandbox/drift",
        "/_sandbox/store",
    } <= routes


def test_connections_file_is_private_and_matches_the_exports(sandbox: Sandbox) -> None:
    assert sandbox.connections_file.stat().st_mode & 0o077 == 0
    stored = json.loads(sandbox.connections_file.read_text(encoding="utf-8"))
    assert stored == {get_platform(p).default_conn_id: conn for p, conn in sandbox.connections.items()}
    assert sandbox.connections["hishopping"]["extra"]["sign_secret"]
    assert sandbox.connections["supership"]["extra"]["auth_mode"] == "token"


# ----------------------------------------------------------------------------- faults
def test_a_fault_scripted_at_run_time_hits_the_next_business_call_only(sandbox: Sandbox) -> None:
    token = hypersku_token(sandbox)  # token calls are spared
    settings = sandbox.control(
        "hypersku",
        "POST",
        "faults",
        json={"script": [{"kind": "error", "count": 1, "path_contains": HSK_CREATE}]},
    )
    assert settings["script"] == [{"kind": "error", "path_contains": HSK_CREATE}]
    assert hypersku_create(sandbox, token, "FAULT-1").status_code == 500
    assert hypersku_create(sandbox, token, "FAULT-1").json()["status"] == 200
    stats = sandbox.control("hypersku", "GET", "stats")
    assert stats["faults_injected"] == {"error": 1}
    assert sandbox.control("hypersku", "GET", "faults")["script"] == []


def test_fault_rates_apply_until_cleared(sandbox: Sandbox) -> None:
    token = hypersku_token(sandbox)
    sandbox.control("hypersku", "POST", "faults", json={"rate_limit_rate": 1.0, "retry_after": 7})
    limited = hypersku_call(sandbox, token, HSK_STATUS, [])
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "7.0"
    assert sandbox.control("hypersku", "GET", "faults")["rate_limit_rate"] == 1.0
    cleared = sandbox.control("hypersku", "DELETE", "faults")
    assert cleared["rate_limit_rate"] == 0.0
    assert hypersku_call(sandbox, token, HSK_STATUS, []).status_code == 200


def test_a_bad_fault_setting_is_a_422(sandbox: Sandbox) -> None:
    response = sandbox.http.post(
        f"{sandbox.url('chao8')}/_sandbox/faults", json={"script": [{"kind": "meteor"}]}
    )
    assert response.status_code == 422
    response = sandbox.http.post(f"{sandbox.url('chao8')}/_sandbox/faults", json={"error_rate": 2})
    assert response.status_code == 422


# ----------------------------------------------------------------------------- stats
def test_stats_count_calls_and_token_calls(sandbox: Sandbox) -> None:
    token = hypersku_token(sandbox)
    for _ in range(3):
        hypersku_call(sandbox, token, HSK_STATUS, [])
    stats = sandbox.control("hypersku", "GET", "stats")
    assert stats["requests"] == {"/api/auth/admin/token": 1, HSK_STATUS: 3}
    assert stats["calls"] == 4
    assert stats["token_calls"] == 1
    reset = sandbox.control("hypersku", "POST", "stats/reset")
    assert (reset["calls"], reset["token_calls"]) == (0, 0)


# ----------------------------------------------------------------------------- clock
def test_clock_freezes_and_advancing_it_moves_an_order_along(sandbox: Sandbox) -> None:
    first = sandbox.control("hypersku", "GET", "clock")
    assert first["speed"] == 0
    assert sandbox.control("hypersku", "GET", "clock")["now"] == first["now"]
    token = hypersku_token(sandbox)
    order_id = hypersku_create(sandbox, token, "CLOCK-DELIVER-1").json()["data"]["orderBaseInfo"]["orderId"]
    assert hypersku_call(sandbox, token, HSK_STATUS, [order_id]).json()["data"][0]["status"] == 8
    moved = sandbox.control("hypersku", "POST", "clock", json={"advance": LIFECYCLE_SECONDS})
    assert moved["now"] == pytest.approx(first["now"] + LIFECYCLE_SECONDS)
    assert hypersku_call(sandbox, token, HSK_STATUS, [order_id]).json()["data"][0]["status"] == 5


def test_the_clock_speed_can_change_at_run_time(sandbox: Sandbox) -> None:
    assert sandbox.control("supership", "POST", "clock", json={"speed": 600})["speed"] == 600
    assert sandbox.control("supership", "POST", "clock", json={"speed": 0})["speed"] == 0
    code = supership_create(sandbox, "CLOCK-DELIVER-SS-1").json()["results"]["code"]
    sandbox.control("supership", "POST", "clock", json={"advance": SECONDS_TO_DELIVERED})
    conn = sandbox.connections["supership"]
    info = sandbox.http.get(
        f"{conn['host']}/v1/partner/orders/info",
        params={"code": code},
        headers={"Authorization": f"Bearer {conn['password']}"},
    ).json()
    assert info["results"]["status"] == "12"


# ----------------------------------------------------------------------------- tokens
def test_expire_tokens_makes_the_next_call_answer_the_auth_error(sandbox: Sandbox) -> None:
    hsk = hypersku_token(sandbox)
    chao8 = chao8_token(sandbox)
    assert hypersku_call(sandbox, hsk, HSK_STATUS, []).json()["status"] == 200
    for platform in ("hypersku", "chao8"):
        assert sandbox.control(platform, "POST", "expire-tokens") == {"ok": True}
    assert hypersku_call(sandbox, hsk, HSK_STATUS, []).json()["status"] == 40101
    assert chao8_create(sandbox, chao8, "EXPIRED-1")["code"] == 20324012


# ----------------------------------------------------------------------------- duplicate ids
@pytest.mark.parametrize(
    ("platform", "default"),
    [("hypersku", "accept"), ("supership", "accept"), ("chao8", "refuse"), ("hishopping", "refuse")],
)
def test_each_platform_starts_with_its_documented_duplicate_answer(
    sandbox: Sandbox, platform: str, default: str
) -> None:
    assert sandbox.control(platform, "GET", "duplicate-ids") == {"mode": default}


def test_hypersku_duplicate_switch_refuses_then_accepts_a_reused_third_order_id(sandbox: Sandbox) -> None:
    token = hypersku_token(sandbox)
    assert sandbox.control("hypersku", "PUT", "duplicate-ids", json={"mode": "refuse"}) == {"mode": "refuse"}
    first = hypersku_create(sandbox, token, "DUP-H-1").json()
    refused = hypersku_create(sandbox, token, "DUP-H-1").json()
    assert refused["status"] != 200
    assert "exists" in refused["message"]
    sandbox.control("hypersku", "PUT", "duplicate-ids", json={"mode": "accept"})
    second = hypersku_create(sandbox, token, "DUP-H-1").json()
    assert second["data"]["orderBaseInfo"]["orderId"] != first["data"]["orderBaseInfo"]["orderId"]
    store = sandbox.control("hypersku", "GET", "store")
    assert len(store["third_order_ids"]["DUP-H-1"]) == 2
    found = hypersku_call(
        sandbox,
        token,
        "/api/customer/admin/orders/getOrdersByExternalOrderId",
        {"storeCode": sandbox.connections["hypersku"]["extra"]["store_code"], "storeOrderId": "DUP-H-1"},
    ).json()
    assert len(found["data"]) == 2


def test_chao8_accepts_a_reused_order_no_only_when_switched(sandbox: Sandbox) -> None:
    token = chao8_token(sandbox)
    assert chao8_create(sandbox, token, "DUP-C-1")["code"] == 200
    assert chao8_create(sandbox, token, "DUP-C-1")["code"] != 200
    sandbox.control("chao8", "PUT", "duplicate-ids", json={"mode": "accept"})
    try:
        second = chao8_create(sandbox, token, "DUP-C-1")
    finally:
        sandbox.control("chao8", "PUT", "duplicate-ids", json={"mode": "refuse"})
    assert second["code"] == 200
    rows = sandbox.control("chao8", "GET", "store")["logistics_orders"]
    assert sorted(key for key in rows if key.startswith("DUP-C-1")) == ["DUP-C-1", "DUP-C-1#2"]


def test_supership_refuses_a_reused_soc_only_when_switched(sandbox: Sandbox) -> None:
    assert supership_create(sandbox, "DUP-S-1").status_code == 200
    assert supership_create(sandbox, "DUP-S-1").status_code == 200  # default: a second order
    sandbox.control("supership", "PUT", "duplicate-ids", json={"mode": "refuse"})
    try:
        refused = supership_create(sandbox, "DUP-S-1")
    finally:
        sandbox.control("supership", "PUT", "duplicate-ids", json={"mode": "accept"})
    assert refused.status_code == 422
    assert len(sandbox.control("supership", "GET", "store")["socs"]["DUP-S-1"]) == 2


def test_hishopping_duplicate_switch_and_its_own_control_routes(sandbox: Sandbox) -> None:
    topped = sandbox.control("hishopping", "POST", "hishopping/topup", json={"amount": "100"})
    assert topped["ok"] is True
    assert hishopping_open(sandbox, "/order/create", hishopping_order("DUP-HS-1"))["code"] == 0
    assert hishopping_open(sandbox, "/order/create", hishopping_order("DUP-HS-1"))["code"] == 2002
    sandbox.control("hishopping", "PUT", "duplicate-ids", json={"mode": "accept"})
    try:
        second = hishopping_open(sandbox, "/order/create", hishopping_order("DUP-HS-1"))
    finally:
        sandbox.control("hishopping", "PUT", "duplicate-ids", json={"mode": "refuse"})
    assert second["code"] == 0
    orders = sandbox.control("hishopping", "GET", "store")["orders"].values()
    assert sum(order["merchant_order"] == "DUP-HS-1" for order in orders) == 2
    sandbox.control("hishopping", "POST", "hishopping/codes", json={"code": 5001, "path_contains": "/credit"})
    assert hishopping_open(sandbox, "/credit/balance", {})["code"] == 5001
    assert hishopping_open(sandbox, "/credit/balance", {})["code"] == 0


def test_an_unknown_duplicate_mode_is_a_422(sandbox: Sandbox) -> None:
    response = sandbox.http.put(f"{sandbox.url('chao8')}/_sandbox/duplicate-ids", json={"mode": "maybe"})
    assert response.status_code == 422
