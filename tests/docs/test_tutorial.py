"""The tutorial, run as written: every fenced ``bash`` block of docs/tutorial.md, in order.

The blocks run as one bash script (``set -euo pipefail``) in a temporary folder, so ``cd`` and
``export`` carry over as they do in the reader's terminal. A block preceded by the comment
``<!-- tutorial-test: substitute ... -->`` is replaced by the quicker equivalent in
:data:`SUBSTITUTES`, keyed by the block's exact text: change such a block and this test fails
until its substitute is updated, so the page cannot drift from what is tested. Everything else
(``airflow db migrate``, both ``airflow dags test`` runs, the report) runs verbatim.

The clone is a local ``git clone`` of this checkout (its committed HEAD: no network); the
checkout's locked virtualenv stands in for the reader's fresh one.

§6's claim is checked on what the reader sees: the second run of the same day's summary says
it created nothing on any platform and found every order of the first run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorial.md"
VENV_BIN = Path(sys.executable).parent
BLOCK = re.compile(r"(?P<mark><!-- tutorial-test: substitute[^>]*-->\n)?```bash\n(?P<body>.*?)```", re.DOTALL)

INSTALL = """\
git clone https://github.com/airflow-provider-fulfillment/airflow-provider-fulfillment.git
cd airflow-provider-fulfillment
python3 -m venv venv && . venv/bin/activate
pip install .
"""
SANDBOX = "python -m airflow_provider.sandbox --speed 600 | tee sandbox.log\n"

SUBSTITUTES = {
    # minutes of resolving and installing Airflow: the checkout's own environment instead
    INSTALL: f"""\
git clone --quiet {ROOT} airflow-provider-fulfillment
cd airflow-provider-fulfillment
export PATH="{VENV_BIN}:$PATH"
""",
    # the reader's second terminal: in the background, stopped when the script ends
    SANDBOX: """\
python -m airflow_provider.sandbox --speed 600 > sandbox.log 2>&1 &
SANDBOX_PID=$!
trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  grep -q '^export AIRFLOW_CONN_HISHOPPING_DEFAULT' sandbox.log && break
  kill -0 $SANDBOX_PID || { cat sandbox.log; exit 1; }
  sleep 1
done
""",
}


def tutorial_script() -> str:
    """The tutorial's bash blocks as one script, the marked ones substituted."""
    parts = ["set -euo pipefail"]
    substituted = set()
    for match in BLOCK.finditer(TUTORIAL.read_text(encoding="utf-8")):
        body = match["body"]
        if match["mark"]:
            assert body in SUBSTITUTES, (
                f"docs/tutorial.md changed a substituted block; update SUBSTITUTES in {__file__}:\n{body}"
            )
            substituted.add(body)
            parts.append(SUBSTITUTES[body])
        else:
            assert body not in SUBSTITUTES, f"this block lost its substitute mark in the tutorial:\n{body}"
            parts.append(body)
    assert substituted == set(SUBSTITUTES), "a substitute no longer matches any block of the tutorial"
    return "\n".join(parts)


#: the line of the flagship's summary.md naming what a run created (tutorial §5 and §6)
FIRST_RUN = (
    "- Orders created by this run: 6 HyperSKU, 5 SuperShip, 6 超8; "
    "found already there (not created again): 0 HyperSKU, 0 SuperShip, 0 超8"
)
SECOND_RUN = (
    "- Orders created by this run: 0 HyperSKU, 0 SuperShip, 0 超8; "
    "found already there (not created again): 6 HyperSKU, 5 SuperShip, 6 超8"
)


def test_every_bash_block_is_run_or_substituted_explicitly() -> None:
    script = tutorial_script()
    assert script.count("airflow dags test order_to_doorstep 2026-11-21") == 2  # §4 and §6: twice
    text = TUTORIAL.read_text(encoding="utf-8")
    assert FIRST_RUN in text
    assert SECOND_RUN in text
    assert "pip install airflow-provider-fulfillment" not in TUTORIAL.read_text(encoding="utf-8")


def test_the_tutorial_runs_to_the_report(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
    }
    done = subprocess.run(
        ["bash", "-c", tutorial_script()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert "airflow-provider-fulfillment" in done.stdout  # airflow providers list | grep fulfillment
    assert "6 customer order(s); 4 delivered to the doorstep" in done.stdout
    assert "**DTD-2004-CANCEL**" in done.stdout
    # §6: the grep over both runs' summaries, first run then second; the second created nothing
    created = [line for line in done.stdout.splitlines() if "created by this run" in line]
    assert created[-2:] == [FIRST_RUN, SECOND_RUN], created
    reports = list(
        (tmp_path / "airflow-provider-fulfillment" / "reports" / "order_to_doorstep").glob("*/doorstep.csv")
    )
    assert len(reports) == 2  # one folder per run
