"""The built wheel holds the product only: the provider package and its sandbox.

The demo runner, the example DAGs' helpers and report writers live beside the example DAGs
(``dags/``), not in the wheel: nothing a user installs imports them. The wheel is built with
the project's own build backend (hatchling) through the locked ``uv``, offline first (the
backend is in uv's cache once ``make install`` has installed the project).
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: the modules that moved out of the package (dags/fulfillment_*.py now)
MOVED_OUT = {
    "airflow_provider/demo.py",
    "airflow_provider/common/dag_helpers.py",
    "airflow_provider/common/reports.py",
}
#: module names that belong to the demo and the example DAGs, never to the product
NOT_PRODUCT = {
    "demo",
    "dag_helpers",
    "reports",
    "fulfillment_demo",
    "fulfillment_dag_helpers",
    "fulfillment_reports",
}


def _uv() -> str:
    local = ROOT / ".uv" / "bin" / "uv"
    if local.exists():
        return str(local)
    found = shutil.which("uv")
    if found is None:
        pytest.skip("uv is not installed (make install puts it in .uv/)")
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    command = [_uv(), "build", "--wheel", "--quiet", "--out-dir", str(out), str(ROOT)]
    built = subprocess.run([*command[:2], "--offline", *command[2:]], capture_output=True, text=True)
    if built.returncode != 0:  # the build backend not in uv's cache yet: from the index
        built = subprocess.run(command, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    (path,) = out.glob("*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_holds_only_the_provider_package(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    tops = {PurePosixPath(name).parts[0] for name in names}
    dist_info = {top for top in tops if top.endswith(".dist-info")}
    assert len(dist_info) == 1, tops
    assert tops - dist_info == {"airflow_provider"}, tops  # no dags/, tests/, docs/, benchmarks/, demo
    assert "airflow_provider/py.typed" in names
    assert "airflow_provider/get_provider_info.py" in names
    entry_points = wheel.read(f"{dist_info.pop()}/entry_points.txt").decode()
    assert "airflow_provider.get_provider_info:get_provider_info" in entry_points


def test_the_wheel_has_no_demo_dag_helpers_or_report_writers(wheel: zipfile.ZipFile) -> None:
    modules = [PurePosixPath(name) for name in wheel.namelist() if name.endswith(".py")]
    assert not MOVED_OUT & {str(module) for module in modules}
    assert not [str(m) for m in modules if m.stem in NOT_PRODUCT]
    for module in modules:
        source = wheel.read(str(module)).decode()
        assert "def write_run_report" not in source, module
        assert "def fail_run_on_failed_task" not in source, module


def test_the_wheel_ships_the_sandbox_with_its_data(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert "airflow_provider/sandbox/__main__.py" in names
    for platform in ("hypersku", "supership", "chao8", "hishopping"):
        assert f"airflow_provider/sandbox/{platform}/backend.py" in names
        assert any(
            n.startswith(f"airflow_provider/sandbox/{platform}/data/") and n.endswith(".json") for n in names
        )
