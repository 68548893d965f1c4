"""Import cost of the provider on top of ``import airflow.sdk`` (what every DAG parse pays).

Each measurement is a fresh interpreter: ``airflow.sdk`` is imported first, then the timer runs
around ``import airflow_provider`` and every operator and sensor module. The median of several
runs is printed, with the slowest of our own modules from ``python -X importtime``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from airflow_provider.platforms import platforms

ROOT = Path(__file__).resolve().parent.parent
MODULES = ["airflow_provider"] + [
    p.module(kind)
    for p in platforms()
    for kind in p.modules
    if (ROOT / Path(*p.module(kind).split("."))).with_suffix(".py").exists()
]
BUDGET_MS = 50.0
RUNS = 7

TIMED = """
import time, importlib, airflow.sdk
t = time.perf_counter()
for name in {modules!r}:
    importlib.import_module(name)
print((time.perf_counter() - t) * 1000)
"""


# What a deployed DAG processor sees: bytecode cached (some shells set PYTHONDONTWRITEBYTECODE,
# which would make every run measure compilation instead).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure() -> float:
    out = subprocess.run(
        [sys.executable, "-c", TIMED.format(modules=MODULES)],
        capture_output=True,
        text=True,
        check=True,
        env=ENV,
    )
    return float(out.stdout.strip().splitlines()[-1])


def own_modules_importtime() -> list[tuple[int, str]]:
    code = "import airflow.sdk\n" + "".join(f"import {m}\n" for m in MODULES)
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True, env=ENV
    )
    rows = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "airflow_provider" not in line:
            continue
        _self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
        rows.append((int(cumulative_us), name.strip()))
    return sorted(rows, reverse=True)[:8]


def main() -> None:
    measure()  # warm-up: writes the bytecode caches
    samples = sorted(measure() for _ in range(RUNS))
    median = statistics.median(samples)
    print(f"modules measured: {len(MODULES)} ({', '.join(MODULES)})")
    print(
        f"import cost on top of airflow.sdk: median {median:.1f} ms (min {samples[0]:.1f}, max {samples[-1]:.1f}, {RUNS} runs)"
    )
    print(
        f"budget {BUDGET_MS:.0f} ms -> {'OK' if median <= BUDGET_MS else 'OVER BUDGET'} ({median / BUDGET_MS:.0%} of budget)"
    )
    print("largest cumulative import times of our modules (-X importtime, us):")
    for cumulative, name in own_modules_importtime():
        print(f"  {cumulative:>8}  {name}")


if __name__ == "__main__":
    main()
