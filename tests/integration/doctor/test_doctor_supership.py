"""The doctor and a status read against SuperShip's drifting sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from airflow_provider.common import drift
from airflow_provider.doctor.cli import run
from airflow_provider.sandbox.cluster import SandboxCluster, start_cluster
from airflow_provider.sandbox.supership import sample_order
from airflow_provider.supership.hooks import SuperShipHook

pytestmark = pytest.mark.integration


@pytest.fixture
def drifting(monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxCluster]:
    drift.reset_warnings()
    cluster = start_cluster(platforms=["supership"], drift=True)
    for name, value in cluster.env().items():
        monkeypatch.setenv(name, value)
    yield cluster
    cluster.stop()


def test_each_difference_named_and_the_moved_path_fixed(
    drifting: SandboxCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, text = run(["--conn-id", "supership_default", "--json"])
    (report,) = json.loads(text)["connections"]
    rows = {row["operation"]: row for row in report["operations"]}
    assert rows["communes"]["kind"] == "path not found"
    assert rows["communes"]["fix"]["endpoints"] == {"communes": "/v2/partner/areas/commune"}
    assert rows["warehouses"]["kind"] == "fields differ"
    assert "code" in rows["warehouses"]["missing"]
    assert "warehouse_code" in rows["warehouses"]["unknown"]
    assert rows["webhooks"]["kind"] == "business error"
    assert "E_WEBHOOK_OFF" in rows["webhooks"]["detail"]
    assert rows["statuses"]["kind"] == "envelope differs"
    assert "'status' is 'OK'" in rows["statuses"]["detail"]
    assert code == 0  # none of them is an operation of the example DAG

    # the override pasted into the connection's extra: the next run reads communes again
    conn = json.loads(drifting.env()["AIRFLOW_CONN_SUPERSHIP_DEFAULT"])
    conn["extra"] = {**conn.get("extra", {}), "endpoints": rows["communes"]["fix"]["endpoints"]}
    monkeypatch.setenv("AIRFLOW_CONN_SUPERSHIP_DEFAULT", json.dumps(conn))
    _code, text = run(["--conn-id", "supership_default", "--json"])
    (report,) = json.loads(text)["connections"]
    assert {row["operation"]: row["kind"] for row in report["operations"]}["communes"] == "ok"


def test_an_undocumented_status_is_kept_raw_and_logged_once(
    drifting: SandboxCluster, caplog: pytest.LogCaptureFixture
) -> None:
    drifting.set_drift(False)
    hook = SuperShipHook()
    code = hook.create_order(sample_order("DRIFT-STATUS-1")).code
    drifting.set_drift(True)
    with caplog.at_level("WARNING"):
        first = hook.fetch_statuses([code])
        second = hook.fetch_statuses([code])
    hook.close()
    assert first == {code: "99"}
    assert second[code] != "99"
    warned = [r.getMessage() for r in caplog.records if "unknown status: 99" in r.getMessage()]
    assert warned == [
        "supership order_info: unknown status: 99 is in no documented status table; "
        "reported as 'unknown' with its raw value"
    ]
