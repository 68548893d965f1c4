"""
The worked example of ``docs/adding-a-platform.md`` end to end: ACME Parcels, added with one
registry entry and nothing edited in ``common`` or in the sandbox kit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from acme import PLATFORM
from acme.hooks import AcmeHook
from acme.sensors import AcmeParcelShippedSensor
from airflow.exceptions import AirflowFailException

from airflow_provider.common.errors import DuplicateError
from airflow_provider.get_provider_info import get_provider_info
from airflow_provider.platforms import platform_names, registered
from airflow_provider.sandbox.cluster import SandboxCluster, start_cluster
from airflow_provider.sandbox.connections import env_vars
from airflow_provider.sandbox.registry import simulated_platforms

pytestmark = pytest.mark.integration


@pytest.fixture
def acme_registered() -> Iterator[None]:
    with registered(PLATFORM):
        yield
    assert "acme" not in platform_names()


@pytest.fixture
def cluster(acme_registered: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxCluster]:
    running = start_cluster(platforms=["acme"], speed=0)
    for name, value in env_vars(running.connections).items():
        monkeypatch.setenv(name, value)
    yield running
    running.stop()


def test_the_registry_entry_is_all_provider_info_needs(acme_registered: None) -> None:
    info = get_provider_info()
    (acme,) = [c for c in info["connection-types"] if c["connection-type"] == "acme"]
    assert acme["hook-class-name"] == "acme.hooks.AcmeHook"
    assert acme["conn-fields"]["api_secret"]["schema"]["format"] == "password"
    assert {"integration-name": "ACME Parcels", "python-modules": ["acme.sensors"]} in info["sensors"]
    assert not any(m["python-modules"] == ["acme.operators"] for m in info["operators"])
    assert "acme" in [p.name for p in simulated_platforms()]


def test_a_parcel_is_created_once_and_waited_for_through_the_sandbox(cluster: SandboxCluster) -> None:
    hook = AcmeHook("acme_default")
    assert hook.test_connection()[0] is True
    assert hook.create_parcel("P-1", 1200)["status"] == "new"
    with pytest.raises(DuplicateError):
        hook.create_parcel("P-1", 1200)
    sensor = AcmeParcelShippedSensor(
        task_id="wait", order_ids=["P-1"], conn_id="acme_default", deferrable=False
    )
    assert not sensor.poke({}).is_done
    url = cluster.urls["acme"]
    httpx.post(f"{url}/_sandbox/clock", json={"advance": 300}).raise_for_status()
    assert sensor.poke({}).is_done
    stats = httpx.get(f"{url}/_sandbox/stats").json()
    assert stats["token_calls"] == 1


def test_the_shared_control_api_works_for_the_new_platform(cluster: SandboxCluster) -> None:
    url = cluster.urls["acme"]
    hook = AcmeHook("acme_default")
    hook.create_parcel("P-LOST-1", 500)
    httpx.put(f"{url}/_sandbox/duplicate-ids", json={"mode": "accept"}).raise_for_status()
    hook.create_parcel("P-LOST-1", 500)
    store: dict[str, Any] = httpx.get(f"{url}/_sandbox/store").json()
    assert len(store["parcel_ids"]["P-LOST-1"]) == 2
    assert sorted(p["parcel_id"] for p in store["parcels"].values()) == ["P-LOST-1", "P-LOST-1"]
    httpx.post(f"{url}/_sandbox/clock", json={"advance": 300}).raise_for_status()
    sensor = AcmeParcelShippedSensor(
        task_id="wait", order_ids=["P-LOST-1"], conn_id="acme_default", deferrable=False
    )
    with pytest.raises(AirflowFailException, match="P-LOST-1"):
        sensor.poke({})
    assert json.loads(cluster.env()["AIRFLOW_CONN_ACME_DEFAULT"])["extra"] == {
        "api_secret": "acme-sandbox-secret"
    }
