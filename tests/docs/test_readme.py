"""The README's quick example, run as written against the sandbox.

Its ``python`` block is the DAG file, its ``json`` block the day's orders file; the test puts
them where the README says (a DAG folder, the ``shop_exports`` Variable's folder), starts the
sandbox and runs ``airflow dags test`` twice for one day, as a user would, then reads the
simulated HyperSKU's store: one order, bought once.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
VENV_BIN = Path(sys.executable).parent
DAY = "2026-11-21"


def quick_example() -> tuple[str, str]:
    """The README's quick example: the DAG file's source and the orders file's lines."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Quick example") :]
    section = section[: section.index("\n## ", 1)]
    (dag,) = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    (orders,) = re.findall(r"```json\n(.*?)```", section, re.DOTALL)
    return dag, orders


def test_the_quick_example_is_a_dag_and_an_orders_file_of_sandbox_skus() -> None:
    from airflow_provider.sandbox.hypersku.seed import SANDBOX_SKUS

    dag, orders = quick_example()
    assert "dropship()" in dag
    assert "{{ var.value.shop_exports }}/orders-{{ ds }}.jsonl" in dag
    lines = [json.loads(line) for line in orders.splitlines() if line.strip()]
    assert lines
    for order in lines:
        assert order["thirdOrderId"]
        assert {item["skuId"] for item in order["skuItems"]} <= set(SANDBOX_SKUS)


SCRIPT = f"""\
set -euo pipefail
export PATH="{VENV_BIN}:$PATH"
export AIRFLOW_HOME="$PWD/airflow-home" AIRFLOW__CORE__LOAD_EXAMPLES=False
airflow db migrate > migrate.log 2>&1 || {{ cat migrate.log; exit 1; }}
python -m airflow_provider.sandbox --speed 600 > sandbox.log 2>&1 &
SANDBOX_PID=$!
trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  grep -q '^export AIRFLOW_CONN_HISHOPPING_DEFAULT' sandbox.log && break
  kill -0 $SANDBOX_PID || {{ cat sandbox.log; exit 1; }}
  sleep 1
done
eval "$(grep '^export AIRFLOW_CONN_' sandbox.log)"
mkdir -p "$AIRFLOW_HOME/dags" shop
cp dropship.py "$AIRFLOW_HOME/dags/"
cp orders.jsonl "shop/orders-{DAY}.jsonl"
export AIRFLOW_VAR_SHOP_EXPORTS="$PWD/shop"
airflow dags test dropship {DAY} > run-1.log 2>&1 || {{ tail -80 run-1.log; exit 1; }}
airflow dags test dropship {DAY} > run-2.log 2>&1 || {{ tail -80 run-2.log; exit 1; }}
HYPERSKU_URL=$(python -c 'import json, os; print(json.loads(os.environ["AIRFLOW_CONN_HYPERSKU_DEFAULT"])["host"])')
curl -fsS "$HYPERSKU_URL/_sandbox/store" > store.json
"""


def test_the_quick_example_runs_against_the_sandbox(tmp_path: Path) -> None:
    dag, orders = quick_example()
    (tmp_path / "dropship.py").write_text(dag, encoding="utf-8")
    (tmp_path / "orders.jsonl").write_text(orders, encoding="utf-8")
    (tmp_path / "home").mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
    }
    done = subprocess.run(
        ["bash", "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]

    wanted = [json.loads(line)["thirdOrderId"] for line in orders.splitlines() if line.strip()]
    store = json.loads((tmp_path / "store.json").read_text(encoding="utf-8"))
    bought = [order["thirdOrderId"] for order in store["orders"].values()]
    # every order of the file bought, once, over two runs of the same day (the simulator
    # accepts a reused thirdOrderId: a second create would have made a second order)
    assert sorted(bought) == sorted(wanted)
