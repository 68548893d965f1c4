"""docs/supership.md names every SuperShip operator and sensor, and every hook method of the seed catalogue."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from types import ModuleType

from airflow.sdk import BaseOperator

from airflow_provider.supership import operators, sensors

ROOT = Path(__file__).resolve().parents[3]
PAGE = ROOT / "docs" / "supership.md"
CATALOGUE = ROOT / "tests" / "seed_operations" / "supership.json"


def exported(module: ModuleType) -> dict[str, object]:
    """A module's public names: its ``__all__`` (the operators module re-exports the classes of
    its per-resource modules), else the names it defines itself."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, v in vars(module).items() if getattr(v, "__module__", None) == module.__name__]
    return {name: getattr(module, name) for name in names}


def public_tasks() -> set[str]:
    found = set()
    for module in (operators, sensors):
        for name, value in exported(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseOperator)
                and value.__name__ == name
                and not (inspect.getdoc(value) or "").startswith("Base of")
            ):
                found.add(name)
    return found


def test_every_operator_and_sensor_is_documented() -> None:
    text = PAGE.read_text(encoding="utf-8")
    tasks = public_tasks()
    assert "SuperShipRegisterWebhookOperator" in tasks
    assert not sorted(name for name in tasks if f"`{name}`" not in text)


def test_every_seed_operation_is_in_the_catalogue_and_its_hook_method_documented() -> None:
    text = PAGE.read_text(encoding="utf-8")
    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    operations = catalogue["operations"]
    assert len(operations) == 17
    assert len({(op["method"], op["path"]) for op in operations}) == 17
    assert not [op["hook_method"] for op in operations if f"`{op['hook_method']}(" not in text]
    named = {op["operator"] for op in operations if op["operator"]}
    assert named <= public_tasks()
