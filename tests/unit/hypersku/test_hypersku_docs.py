"""The HyperSKU docs page covers every operator and the sensor, and its DAG example builds."""

from __future__ import annotations

import inspect
from pathlib import Path
from types import ModuleType

from airflow.sdk import BaseOperator

from airflow_provider.hypersku import operators, sensors

PAGE = Path(__file__).resolve().parents[3] / "docs" / "hypersku.md"


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
                and (name.endswith("Operator") or name.endswith("Sensor"))
                and "Base of" not in (value.__doc__ or "")  # the bases are left out
            ):
                found.add(name)
    return found


def test_every_operator_and_the_sensor_has_a_section() -> None:
    text = PAGE.read_text(encoding="utf-8")
    tasks = public_tasks()
    assert {"HyperSkuGetInventoryHistoryOperator", "HyperSkuGetStockOrdersOperator"} <= tasks
    missing = sorted(name for name in tasks if f"### {name}" not in text and f", {name}" not in text)
    missing = [name for name in missing if f"## Sensor: {name}" not in text]
    assert not missing, f"docs/hypersku.md has no section for {missing}"


def test_the_dag_example_builds() -> None:
    text = PAGE.read_text(encoding="utf-8")
    block = text.split("### Putting them together", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(compile(block.replace("return [...]", "return []"), str(PAGE), "exec"), namespace)
    assert {"create", "stock_used", "shipped", "track", "stock_orders"} <= set(namespace)
