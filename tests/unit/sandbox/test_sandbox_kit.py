"""The sandbox kit on its own: clock, store, faults, duplicate switch, control routes in process."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from airflow_provider.sandbox.hypersku import SIMULATOR as HYPERSKU
from airflow_provider.sandbox.kit import (
    Faults,
    MemoryStore,
    SandboxBackend,
    SandboxClock,
    Simulator,
    backend_of,
)
from airflow_provider.sandbox.registry import load_simulator, simulated_platforms


class FakeMonotonic:
    """A real-time source the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_clock_speed_advance_and_freeze_on_an_injected_time_source() -> None:
    real = FakeMonotonic()
    clock = SandboxClock(speed=60, start=0, monotonic=real)
    real.now += 2
    assert clock.now() == 120
    clock.advance(30)
    assert clock.now() == 150
    clock.set_speed(0)
    real.now += 1000
    assert clock.now() == 150
    clock.set_speed(1)
    real.now += 5
    assert clock.now() == 155


def test_store_dump_is_plain_json() -> None:
    from decimal import Decimal

    store = MemoryStore()
    store.insert("orders", "1", {"amount": Decimal("1.50"), "lines": ("a",)})
    assert not store.insert("orders", "1", {})
    assert store.dump() == {"orders": {"1": {"amount": "1.50", "lines": ["a"]}}}


def test_faults_settings_script_and_clear() -> None:
    faults = Faults(seed=3)
    faults.update(error_rate=0.5, retry_after=2)
    faults.script("drop", 2, path_contains="/create")
    assert faults.settings()["script"] == [{"kind": "drop", "path_contains": "/create"}] * 2
    assert faults.choose("/status") in (None, "error")
    assert faults.choose("/create") == "drop"
    with pytest.raises(ValueError, match="unknown fault setting"):
        faults.update(injected=3)
    faults.clear()
    assert faults.settings()["script"] == []
    assert faults.error_rate == 0


def test_duplicate_mode_defaults_per_platform_and_is_checked() -> None:
    defaults = {p.name: load_simulator(p.name).new_backend().duplicate_ids for p in simulated_platforms()}
    assert defaults == {
        "hypersku": "accept",
        "supership": "accept",
        "chao8": "refuse",
        "hishopping": "refuse",
    }
    backend = SandboxBackend(duplicate_ids="accept")
    assert not backend.refuses_duplicates
    with pytest.raises(ValueError, match="duplicate-id mode"):
        backend.set_duplicate_ids("sometimes")


def test_every_simulator_has_the_typed_interface() -> None:
    for platform in simulated_platforms():
        simulator = load_simulator(platform.name)
        assert isinstance(simulator, Simulator)
        connection = simulator.connection("http://127.0.0.1:1")
        assert connection["conn_type"] == platform.conn_type
        assert set(connection.get("extra", {})) - {"partner", "sign_key"} <= set(platform.conn_fields) | {
            "print_url"
        }


def test_control_routes_in_process_and_the_python_handle() -> None:
    clock = SandboxClock(speed=0, start=1_000_000)
    app = HYPERSKU.create_app(clock=clock, duplicate_ids="refuse")
    backend = backend_of(app)
    with TestClient(app) as client:
        assert client.get("/_sandbox/openapi.json").status_code == 200
        assert client.get("/_sandbox/duplicate-ids").json() == {"mode": "refuse"}
        backend.set_duplicate_ids("accept")  # the in-process switch
        assert client.get("/_sandbox/duplicate-ids").json() == {"mode": "accept"}
        assert client.post("/_sandbox/clock", json={"advance": 60}).json() == {"now": 1_000_060, "speed": 0}
        client.post("/_sandbox/faults", json={"error_rate": 1})
        assert client.get("/api/customer/admin/logistics/getCountryCode").status_code == 500
        assert backend.stats()["faults_injected"] == {"error": 1}
        assert client.delete("/_sandbox/faults").json()["error_rate"] == 0
