"""
One report shape, one way to read it (issue 17): a DAG maps a HyperSKU bulk create over three
batches, one of them writing its results to a file, and a downstream TaskFlow task reads every
map index through ``airflow_provider.common.read_report`` and gets every result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dag_states import task_states

pytestmark = pytest.mark.dags

DAG_FILE = """
from airflow.sdk import DAG, task

from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator
from airflow_provider.sandbox.hypersku.seed import SANDBOX_EXAMPLE_ORDER

OUT = {out!r}
batches = [
    [{{**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"RD-{{b}}-{{n}}", "thirdOrderName": f"RD-{{b}}-{{n}}"}} for n in range(4)]
    for b in range(3)
]

with DAG(dag_id="read_report_of_a_mapped_create", schedule=None) as dag:
    created = HyperSkuCreateOrdersOperator.partial(task_id="create").expand_kwargs(
        [
            {{"orders": batches[0], "results_path": None}},
            {{"orders": batches[1], "results_path": OUT + "/batch1.results.jsonl"}},
            {{"orders": batches[2], "results_path": None}},
        ]
    )

    @task
    def collect(reports):
        import json

        from airflow_provider.common import read_report

        made = read_report(reports)
        seen = {{
            "counts": made.counts,
            "total": made.total,
            "keys": [r["key"] for r in made.results()],
            "shapes": [sorted(report) for report in reports],
            "in_file": [report["results_file"] is not None for report in reports],
        }}
        with open(OUT + "/seen.json", "w") as handle:
            json.dump(seen, handle)

    collect(created.output)
"""


def test_a_mapped_create_is_read_whole_with_and_without_a_results_file(
    sandbox_cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "read_report_dag.py").write_text(DAG_FILE.format(out=str(tmp_path)), encoding="utf-8")
    bundle = {"name": "report-reader", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle"}
    bundle["kwargs"] = {"path": str(folder), "refresh_interval": 0}  # type: ignore[assignment]
    monkeypatch.setenv("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", json.dumps([bundle]))

    dag = DagBag(str(folder)).get_dag("read_report_of_a_mapped_create")
    run = dag.test()

    assert task_states(run)["collect"] == "success"
    seen = json.loads((tmp_path / "seen.json").read_text())
    assert seen["total"] == 12
    assert seen["counts"] == {"created": 12}
    assert seen["keys"] == [f"RD-{b}-{n}" for b in range(3) for n in range(4)]
    assert seen["in_file"] == [False, True, False]
    assert seen["shapes"][0] == seen["shapes"][1] == seen["shapes"][2]  # the same keys, file or not
    assert (tmp_path / "batch1.results.jsonl").read_text().count("\n") == 4
