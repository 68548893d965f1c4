"""The HyperSKU docs page covers every operator and the sensor, and its DAG example builds."""

from __future__ import annotations

import inspect
from pathlib import Path

from airflow.sdk import BaseOperator

from airflow_provider.hypersku import operators, sensors

PAGE = Path(__file__).resolve().parents[3] / "docs" / "hypersku.md"


def public_tasks() -> set[str]:
    found = set()
    for module in (operators, sensors):
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseOperator)
                and value.__module__ == module.__name__
                and value.__name__ == name  # deprecated aliases and base names are left out
                and (name.endswith("Operator") or name.endswith("Sensor"))
                and not (value.__doc__ or "").startswith("Deprecated alias")
                and "Base of" not in (value.__doc__ or "")
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
