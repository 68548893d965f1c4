"""The drift switch: ``--drift`` at start, ``/_sandbox/drift`` at run time, and what a sensor makes
of the undocumented status it answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_provider.common import drift
from airflow_provider.hypersku.hooks import HyperSkuHook
from airflow_provider.hypersku.sensors import HyperSkuOrderStatusSensor
from airflow_provider.sandbox.__main__ import describe, parse_args
from airflow_provider.sandbox.cluster import start_cluster
from airflow_provider.sandbox.hypersku import (
    SANDBOX_EXAMPLE_ORDER,
    HyperSkuBackend,
    create_app,
    sandbox_connection,
)

pytestmark = pytest.mark.integration
PRODUCTS = "/api/customer/admin/product/getProductInfo"


def test_drift_flag_starts_the_simulators_drifting(tmp_path: Any) -> None:
    assert parse_args(["--drift"]).drift is True
    assert parse_args([]).drift is False
    cluster = start_cluster(platforms=["hypersku"], drift=True)
    try:
        assert cluster.backends["hypersku"].drift.on
        assert "drift on" in describe(cluster, tmp_path / "c.json")
        state = httpx.get(f"{cluster.urls['hypersku']}/_sandbox/drift").json()
        assert state["on"] is True
        assert state["plan"]["moved_path"] == {"from": PRODUCTS, "to": f"{PRODUCTS}V2"}
    finally:
        cluster.stop()


def test_control_api_switches_drift_and_the_moved_path_follows(serve_app: Callable[[Any], str]) -> None:
    url = serve_app(create_app(HyperSkuBackend(failure_share=0)))
    http = httpx.Client(base_url=url)
    token = http.post("/api/auth/admin/token", json=_login()).json()["token"]
    headers = {"Authorization": token}
    body = {"page": 1, "limit": 1}
    assert http.post(PRODUCTS, json=body, headers=headers).json()["status"] == 200
    assert http.put("/_sandbox/drift", json={"on": True}).json()["on"] is True
    assert http.post(PRODUCTS, json=body, headers=headers).status_code == 404
    assert http.post(f"{PRODUCTS}V2", json=body, headers=headers).json()["status"] == 200
    assert http.get("/_sandbox/stats").json()["drift"] is True
    assert http.put("/_sandbox/drift", json={"on": False}).json()["on"] is False
    assert http.post(PRODUCTS, json=body, headers=headers).json()["status"] == 200


def _login() -> dict[str, str]:
    conn = sandbox_connection("http://x")
    return {"username": conn["login"], "password": conn["password"]}


def test_a_sensor_keeps_waiting_on_an_unknown_status_and_says_so_once(
    serve_app: Callable[[Any], str], make_conn: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    drift.reset_warnings()
    backend = HyperSkuBackend(failure_share=0)
    url = serve_app(create_app(backend))
    conn = sandbox_connection(url)
    conn_id = make_conn(
        "hs_drift", "hypersku", host=url, login=conn["login"], password=conn["password"], extra=conn["extra"]
    )
    hook = HyperSkuHook(conn_id)
    order_ids = [
        hook.create_order({**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"UNK-{n}"}).order_base_info.order_id
        for n in range(2)
    ]
    hook.close()
    backend.drift.set(True)
    every_status = [str(code) for code in range(0, 15)]
    sensor = HyperSkuOrderStatusSensor(
        task_id="wait",
        order_ids=order_ids,
        hypersku_conn_id=conn_id,
        success_statuses=every_status,
        failure_statuses=[],
    )
    with caplog.at_level("INFO"):
        first = sensor.poke({})
        seen = dict(sensor._statuses)
        second = sensor.poke({})
    assert first.is_done is False  # 99 is neither success nor failure: keep waiting
    assert set(seen.values()) == {"99"}
    assert sensor._label("99") == "unknown (99)"  # how its pending line names it
    assert second.is_done is True  # the next read gives the documented status
    assert all(status != "99" for status in second.xcom_value.values())
    unknown = [r.getMessage() for r in caplog.records if "unknown status: 99" in r.getMessage()]
    assert len(unknown) == 1, unknown
