"""Shared test set-up: a private Airflow home per test process, connections, sandbox servers."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Each test process (xdist workers included) gets its own Airflow home and SQLite DB, set before
# anything imports Airflow. Tests never touch the user's own AIRFLOW_HOME.
REPO = Path(__file__).resolve().parent.parent
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="fulfillment-airflow-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
# Tokens stay in process memory unless a test asks for the Variables store explicitly.
os.environ["FULFILLMENT_TOKEN_STORE"] = "memory"

import pytest  # noqa: E402

from airflow_provider.common import auth  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_token_caches() -> Iterator[None]:
    auth.TokenManager.clear_process_cache()
    auth._PROCESS_MEMORY._data.clear()
    yield
    auth.TokenManager.clear_process_cache()
    auth._PROCESS_MEMORY._data.clear()


@pytest.fixture(scope="session")
def airflow_db() -> str:
    """An initialised SQLite metadata DB for this test process (Variables, dag.test())."""
    from airflow.utils import db

    db.initdb()
    return os.environ["AIRFLOW_HOME"]


def _forget_stored_tokens() -> None:
    from airflow.models import Variable
    from airflow.utils.session import create_session

    with create_session() as session:
        session.query(Variable).filter(Variable.key.like("fulfillment_%")).delete(synchronize_session=False)


@pytest.fixture
def variables_store(airflow_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Use the Airflow Variables token store (metadata DB), empty, instead of process memory.

    Other tests of the session (DAG runs) may have left tokens of other accounts there.
    """
    monkeypatch.delenv("FULFILLMENT_TOKEN_STORE", raising=False)
    _forget_stored_tokens()
    yield
    _forget_stored_tokens()


ConnFactory = Callable[..., str]


@pytest.fixture
def make_conn(monkeypatch: pytest.MonkeyPatch) -> ConnFactory:
    """``make_conn(conn_id, conn_type, host=..., login=..., password=..., extra={...})`` -> conn id.

    The connection is an ``AIRFLOW_CONN_*`` environment variable, as users set them.
    """

    def factory(
        conn_id: str,
        conn_type: str,
        *,
        host: str | None = None,
        login: str | None = None,
        password: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        payload = {
            "conn_type": conn_type,
            "host": host,
            "login": login,
            "password": password,
            "extra": extra or {},
        }
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(payload))
        return conn_id

    return factory


@pytest.fixture
def serve_app() -> Iterator[Callable[[Any], str]]:
    """``url = serve_app(app)``: serve a sandbox app on a free loopback port for this test."""
    from airflow_provider.sandbox.kit import start_server

    servers = []

    def start(app: Any) -> str:
        server = start_server(app)
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


class FakeTI:
    """Records ``xcom_push`` like a task instance; ``try_number`` says which attempt runs."""

    def __init__(self, try_number: int = 1) -> None:
        self.xcom: dict[str, Any] = {}
        self.try_number = try_number
        self.dag_id = "dag"
        self.task_id = "task"
        self.map_index = -1

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


TaskContext = Callable[..., dict[str, Any]]


@pytest.fixture
def task_context() -> TaskContext:
    """``task_context(try_number=1, **keys)`` -> a context dict whose ``ti`` is a :class:`FakeTI`.

    The one shared stand-in for Airflow's task context in unit and integration tests.
    """

    def factory(try_number: int = 1, **keys: Any) -> dict[str, Any]:
        return {"ti": FakeTI(try_number), "run_id": "manual__2024-01-01T00:00:00+00:00", **keys}

    return factory
