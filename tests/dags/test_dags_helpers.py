"""The example DAGs' helpers (dags/fulfillment_dag_helpers.py), without a DAG run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import fulfillment_dag_helpers as helpers
import pytest

pytestmark = pytest.mark.dags
DAGS = Path(helpers.__file__).resolve().parent


@pytest.fixture
def no_variable(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Airflow Variables as a dict the test fills (outside a task the SDK cannot read them)."""
    from airflow.sdk import Variable

    variables: dict[str, str] = {}
    monkeypatch.setattr(Variable, "get", lambda key, default=None: variables.get(key, default))
    for _kind, (_param, _variable, env, _default) in helpers.FOLDERS.items():
        monkeypatch.delenv(env, raising=False)
    return variables


def test_folders_are_read_at_run_time_param_variable_env_then_airflow_home(
    no_variable: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "home"))
    assert helpers.configured_dir("reports", {}) == str(tmp_path / "home" / "fulfillment" / "reports")
    assert helpers.configured_dir("work", {"work_dir": None}) == str(
        tmp_path / "home" / "fulfillment" / "work"
    )
    monkeypatch.setenv("FULFILLMENT_WORK_DIR", "/env/work")
    assert helpers.configured_dir("work", {}) == "/env/work"
    no_variable["fulfillment_work_dir"] = "s3://bucket/work"
    assert helpers.configured_dir("work", {}) == "s3://bucket/work"
    assert helpers.configured_dir("work", {"work_dir": "/param/work"}) == "/param/work"
    # the reports folder has its own settings
    assert helpers.configured_dir("reports", {}) == str(tmp_path / "home" / "fulfillment" / "reports")


def test_no_dag_resolves_a_folder_at_parse_time() -> None:
    """Every example DAG's output_dir / work_dir param defaults to None: decided when a task runs."""
    from airflow.dag_processing.dagbag import BundleDagBag

    for path in DAGS.glob("*.py"):
        assert "os.getcwd()" not in path.read_text(encoding="utf-8"), path.name
    bag = BundleDagBag(str(DAGS), bundle_path=DAGS)
    assert len(bag.dags) == 7  # the five daily ones, the asset-scheduled one, the event-driven one
    for dag in bag.dags.values():
        assert dag.params.get("output_dir") is None, dag.dag_id
        assert dag.params.get("work_dir") is None, dag.dag_id


def test_orders_are_written_in_batches_and_read_back(tmp_path: Path) -> None:
    rows = [{"id": n, "name": f"Người nhận {n}"} for n in range(5)]
    paths = helpers.write_jsonl(tmp_path, "orders", rows, batch_size=2)
    assert [Path(p).name for p in paths] == ["orders-000.jsonl", "orders-001.jsonl", "orders-002.jsonl"]
    assert list(helpers.read_jsonl(paths)) == rows
    assert [json.loads(line)["id"] for line in Path(paths[2]).read_text(encoding="utf-8").splitlines()] == [4]
    # no rows, no batch: a mapped task over the list is skipped
    assert helpers.write_jsonl(tmp_path, "none", [], batch_size=2) == []
    # without batch_size: one file, empty or not
    (single,) = helpers.write_jsonl(tmp_path, "all", rows)
    assert list(helpers.read_jsonl(single)) == rows
    assert list(helpers.read_jsonl(None)) == []


def test_a_path_with_spaces_is_refused_with_its_reason(tmp_path: Path) -> None:
    folder = tmp_path / "my work"
    folder.mkdir()
    with pytest.raises(ValueError, match="without spaces"):
        helpers.write_jsonl(folder, "orders", [{"id": 1}])


def test_every_map_index_reads_by_index_and_merged_joins_dicts() -> None:
    class Lazy(list[Any]):
        """Like Airflow's lazy sequence: iterating it would ask for one index too many."""

        def __iter__(self) -> Any:
            raise AssertionError("iterated")

    assert helpers.every_map_index(Lazy([{"a": "1"}, None, {"b": "2"}])) == [{"a": "1"}, None, {"b": "2"}]
    assert helpers.merged(Lazy([{"a": "1"}, None, {"b": "2"}])) == {"a": "1", "b": "2"}


def test_the_watcher_is_a_leaf_downstream_of_every_task() -> None:
    from airflow.sdk import dag, task

    @dag(schedule=None)
    def watched() -> None:
        @task
        def one() -> None: ...

        @task(trigger_rule="all_done")
        def report() -> None: ...

        one() >> report()
        helpers.fail_run_on_failed_task()

    built = watched()
    watcher = built.get_task(helpers.WATCHER_TASK_ID)
    assert watcher.trigger_rule == "one_failed"
    assert watcher.retries == 0
    assert watcher.upstream_task_ids == {"one", "report"}
    assert not watcher.downstream_task_ids


def test_the_watcher_needs_a_dag() -> None:
    with pytest.raises(RuntimeError, match="while a DAG is being defined"):
        helpers.fail_run_on_failed_task()
