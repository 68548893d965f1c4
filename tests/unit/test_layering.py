"""
The rooms stay clean: checked on the import statements of every module (AST, nothing imported).

- product code (``common``, the platform packages, provider info, the registry) never imports
  the sandbox, and no platform folder has a ``sandbox.py``;
- the sandbox never imports a platform's client modules (hooks, models, envelope, operators...)
  nor ``common``: only the kit, the registry and the neutral vendor-fact modules below;
- those neutral modules import nothing of the package but each other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider.platforms import BUILTIN_PLATFORMS

PACKAGE = Path(__file__).resolve().parents[2] / "airflow_provider"
#: vendor facts that a client and its simulator both read: constants only, no client code
NEUTRAL_MODULES = frozenset(
    {
        "airflow_provider.hypersku.constants",
        "airflow_provider.supership.statuses",
        "airflow_provider.chao8.constants",
        "airflow_provider.chao8.operations",
    }
)
PLATFORM_PACKAGES = tuple(p.package_name for p in BUILTIN_PLATFORMS)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[str]:
    """Every module ``path`` imports (``from a import b`` yields ``a`` and ``a.b``), relative ones resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def modules_under(*packages: str) -> list[Path]:
    found: list[Path] = []
    for package in packages:
        root = PACKAGE.parent.joinpath(*package.split("."))
        found += sorted(root.rglob("*.py")) if root.is_dir() else [root.with_suffix(".py")]
    return found


PRODUCT = modules_under(
    "airflow_provider.common",
    *PLATFORM_PACKAGES,
    "airflow_provider.get_provider_info",
    "airflow_provider.platforms",
)
SANDBOX = modules_under("airflow_provider.sandbox")


def test_the_walk_sees_the_modules() -> None:
    assert len(PRODUCT) > 20
    assert len(SANDBOX) > 20
    assert set(imports(PACKAGE / "sandbox" / "hypersku" / "routes.py")) >= {
        "airflow_provider.sandbox.hypersku.backend",
        "airflow_provider.sandbox.kit.build_app",
    }


@pytest.mark.parametrize("path", PRODUCT, ids=lambda p: module_name(p))
def test_product_code_never_imports_the_sandbox(path: Path) -> None:
    bad = sorted(
        m
        for m in imports(path)
        if m == "airflow_provider.sandbox" or m.startswith("airflow_provider.sandbox.")
    )
    assert bad == [], f"{module_name(path)} imports the sandbox: {bad}"


def test_no_platform_folder_has_a_sandbox_module() -> None:
    for package in PLATFORM_PACKAGES:
        folder = PACKAGE.parent.joinpath(*package.split("."))
        assert not (folder / "sandbox.py").exists(), folder


def allowed_for_sandbox(module: str) -> bool:
    if not module.startswith("airflow_provider"):
        return True
    if module.startswith(("airflow_provider.sandbox", "airflow_provider.platforms")):
        return True
    if (
        module in NEUTRAL_MODULES or module in PLATFORM_PACKAGES
    ):  # the package itself: only its neutral modules
        return True
    # ``from airflow_provider.chao8.constants import X`` yields ``...constants.X``
    return module.rpartition(".")[0] in NEUTRAL_MODULES


@pytest.mark.parametrize("path", SANDBOX, ids=lambda p: module_name(p))
def test_the_sandbox_imports_no_client_module(path: Path) -> None:
    bad = sorted({m for m in imports(path) if not allowed_for_sandbox(m)})
    assert bad == [], f"{module_name(path)} imports client code: {bad}"


@pytest.mark.parametrize("module", sorted(NEUTRAL_MODULES))
def test_neutral_modules_import_no_client_code(module: str) -> None:
    path = PACKAGE.parent.joinpath(*module.split(".")).with_suffix(".py")
    ours = {m for m in imports(path) if m.startswith("airflow_provider")}
    assert all(m in NEUTRAL_MODULES or m.rpartition(".")[0] in NEUTRAL_MODULES for m in ours), ours


def test_the_rule_catches_a_client_import() -> None:
    assert not allowed_for_sandbox("airflow_provider.hishopping.envelope")
    assert not allowed_for_sandbox("airflow_provider.chao8.models.BEIJING")
    assert not allowed_for_sandbox("airflow_provider.common.errors")
    assert allowed_for_sandbox("airflow_provider.chao8.constants.TOKEN_PATH")


#: catalogue data (the 超8 operation tables), allowed to be long
LONG_DATA_MODULES = frozenset({"airflow_provider.chao8.constants", "airflow_provider.chao8.operations"})
MAX_MODULE_LINES = 600
ALL_MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def runtime_imports(path: Path) -> set[str]:
    """The package's modules ``path`` imports when it runs (module level or inside functions),
    leaving out ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    found = set(_imports_of(tree, path))
    return {name for name in found if name in ALL_MODULES and name != module_name(path)}


def _imports_of(tree: ast.AST, path: Path) -> Iterator[str]:
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_cycles() -> list[list[str]]:
    """Every cycle of the package's runtime import graph (one per strongly connected group)."""
    graph = {name: runtime_imports(path) for name, path in ALL_MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycles_anywhere_in_the_package() -> None:
    assert import_cycles() == []


def test_the_cycle_check_sees_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = "airflow_provider.common.errors", "airflow_provider.common.retry"
    real = runtime_imports

    def with_a_cycle(path: Path) -> set[str]:
        found = real(path)
        if module_name(path) == first:
            found.add(second)
        if module_name(path) == second:
            found.add(first)
        return found

    monkeypatch.setitem(globals(), "runtime_imports", with_a_cycle)
    assert [first, second] in import_cycles()


@pytest.mark.parametrize("name", sorted(ALL_MODULES))
def test_no_module_is_over_600_lines(name: str) -> None:
    if name in LONG_DATA_MODULES:
        pytest.skip("catalogue data")
    lines = len(ALL_MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name}: {lines} lines"
