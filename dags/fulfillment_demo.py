"""
``python dags/fulfillment_demo.py`` (what ``make demo`` runs): the main job, end to end on one machine.

Starts the four simulators, points Airflow (an embedded SQLite metadata DB under ``.airflow``)
at them, runs the example DAGs of this folder with ``dag.test()`` in this one process
(Airflow's start-up is paid once; the docs show ``airflow dags test`` for single runs), prints
a summary and where the reports are, and stops the simulators. DAG task logs go to
``.airflow/demo-logs/``, the runs' working files to ``.airflow/work/``.

It lives beside the example DAGs, not in the provider's wheel: it is a way to run them, not
part of the provider. ``.airflowignore`` keeps the DAG processor from parsing it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

#: the flagship (several platforms) first, then each platform's own workflows from the registry
FLAGSHIP_DAG_IDS = ("order_to_doorstep",)
#: this folder: the example DAGs
DAGS_FOLDER = Path(__file__).resolve().parent


def demo_dag_ids() -> tuple[str, ...]:
    from airflow_provider.platforms import platforms

    return FLAGSHIP_DAG_IDS + tuple(dag_id for p in platforms() for dag_id in p.example_dag_ids)


DAG_IDS = demo_dag_ids()
#: the run whose data interval is 2026-11-20, the day of the sample orders in dags/data
DEMO_DATE = datetime(2026, 11, 21, tzinfo=UTC)
FAULT_PRESET = {
    "error_rate": 0.05,
    "rate_limit_rate": 0.03,
    "retry_after": 0.2,
    "lose_answer_rate": 0.03,
    "seed": 7,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python dags/fulfillment_demo.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--dags-folder", default=str(DAGS_FOLDER), help=f"folder of the example DAGs (default {DAGS_FOLDER})"
    )
    parser.add_argument("--home", default=".airflow", help="AIRFLOW_HOME for the demo (default ./.airflow)")
    parser.add_argument(
        "--reports", default="reports", help="where the DAGs write reports (default ./reports)"
    )
    parser.add_argument("--dag", action="append", choices=DAG_IDS, help="run only these DAGs (repeatable)")
    parser.add_argument("--speed", type=float, default=900.0, help="sandbox clock pace (default 900)")
    parser.add_argument("--faults", action="store_true", help="inject errors, 429s and lost answers")
    return parser.parse_args(argv)


def configure_environment(args: argparse.Namespace) -> dict[str, Path]:
    """Airflow settings must be in the environment before Airflow is imported."""
    home = Path(args.home).resolve()
    reports = Path(args.reports).resolve()
    dags = Path(args.dags_folder).resolve()
    if not dags.is_dir():
        raise SystemExit(f"DAGs folder {dags} not found: run from the repository root or pass --dags-folder")
    (home / "demo-logs").mkdir(parents=True, exist_ok=True)
    reports.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "FULFILLMENT_REPORTS_DIR": str(reports),
            "FULFILLMENT_WORK_DIR": str(home / "work"),
            "FULFILLMENT_POLL_SECONDS": "0.5",
        }
    )
    return {"home": home, "reports": reports, "dags": dags, "logs": home / "demo-logs"}


@contextmanager
def output_to(path: Path) -> Iterator[None]:
    """Send everything written to fds 1 and 2 (task logs included) to ``path``."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with path.open("w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def say(message: str, stream: TextIO = sys.stdout) -> None:
    print(message, file=stream, flush=True)


def run_dag(bag: Any, dag_id: str, log_path: Path) -> tuple[str, float, list[str]]:
    dag = bag.get_dag(dag_id)
    if dag is None:
        return "missing", 0.0, []
    started = time.monotonic()
    with output_to(log_path):
        try:
            dag_run = dag.test(logical_date=DEMO_DATE)
        except Exception as err:
            print(f"dag.test raised: {err!r}")
            return "error", time.monotonic() - started, []
    failed = sorted(
        {ti.task_id for ti in dag_run.get_task_instances() if str(ti.state) in ("failed", "upstream_failed")}
    )
    return str(dag_run.state), time.monotonic() - started, failed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    paths = configure_environment(args)
    say(f"Airflow home: {paths['home']} (SQLite)")

    from airflow_provider.sandbox.cluster import start_cluster

    cluster = start_cluster(speed=args.speed, faults=FAULT_PRESET if args.faults else None)
    os.environ.update(cluster.env())
    say("Sandbox: " + ", ".join(f"{p} {url}" for p, url in cluster.urls.items()))
    results: list[tuple[str, str, float, list[str]]] = []
    try:
        with output_to(paths["logs"] / "airflow-setup.log"):
            from airflow.dag_processing.dagbag import BundleDagBag
            from airflow.utils import db

            db.initdb()
            # as Airflow parses a DAG bundle: its folder on sys.path (the DAGs import their helpers)
            bag = BundleDagBag(str(paths["dags"]), bundle_path=paths["dags"])
        if bag.import_errors:
            for file, error in bag.import_errors.items():
                say(f"DAG import error in {file}:\n{error}", sys.stderr)
            return 1
        for dag_id in args.dag or DAG_IDS:
            say(f"Running {dag_id} ...")
            state, seconds, failed = run_dag(bag, dag_id, paths["logs"] / f"{dag_id}.log")
            results.append((dag_id, state, seconds, failed))
            note = f" (failed tasks: {', '.join(failed)})" if failed else ""
            say(f"  {state} in {seconds:.1f} s{note}; log: {paths['logs'] / (dag_id + '.log')}")
    finally:
        cluster.stop()

    say("")
    say("Summary")
    for dag_id, state, seconds, failed in results:
        say(
            f"  {dag_id:<32} {state:<8} {seconds:6.1f} s"
            + (f"  failed: {', '.join(failed)}" if failed else "")
        )
    say(f"Reports under {paths['reports']}:")
    for path in sorted(paths["reports"].rglob("*.md")):
        say(f"  {path}")
    flagship = sorted(paths["reports"].glob("order_to_doorstep/*/summary.md"))
    if flagship:
        say("")
        say(flagship[-1].read_text(encoding="utf-8"))
    say(f"Total time {time.monotonic() - started:.1f} s")
    return 0 if all(state == "success" for _, state, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
