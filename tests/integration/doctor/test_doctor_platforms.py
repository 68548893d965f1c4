"""The doctor over each platform's sandbox, and ``--all`` over every provider connection."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from airflow_provider.doctor.cli import run
from airflow_provider.sandbox.cluster import SandboxCluster, start_cluster

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cluster() -> Iterator[SandboxCluster]:
    running = start_cluster(speed=60)
    yield running
    running.stop()


@pytest.fixture
def connections(cluster: SandboxCluster, monkeypatch: pytest.MonkeyPatch) -> SandboxCluster:
    for name, value in cluster.env().items():
        monkeypatch.setenv(name, value)
    return cluster


@pytest.mark.parametrize("platform", ["hypersku", "supership", "chao8", "hishopping"])
def test_every_read_of_a_clean_sandbox_is_ok(connections: SandboxCluster, platform: str) -> None:
    code, text = run(["--conn-id", f"{platform}_default", "--json"])
    (report,) = json.loads(text)["connections"]
    kinds = {row["operation"]: row["kind"] for row in report["operations"]}
    assert code == 0, text
    assert report["auth"]["kind"] == "ok"
    assert set(kinds.values()) <= {"ok", "not checked"}, kinds
    assert list(kinds.values()).count("ok") >= 5


def test_all_checks_every_provider_connection(connections: SandboxCluster) -> None:
    # 超8 grants one token a minute per application: the tests above took theirs moments ago
    connections.clock.advance(61)
    code, text = run(["--all"])
    assert code == 0, text
    for platform in ("hypersku", "supership", "chao8", "hishopping"):
        assert f"{platform} connection '{platform}_default'" in text
    assert text.count("the example DAGs' operations pass") == 4
