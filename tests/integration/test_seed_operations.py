"""
Every operation of the seed documents, per platform, over HTTP against its sandbox.

``tests/seed_operations/<platform>.json`` lists the operations of that platform's seed (and api
notes): ``{"platform", "source", "operations": [{"name" (the seed's own name), "method", "path"
(as the api notes write it, ``{param}`` for path parameters), "hook_method", "kwargs" (JSON
arguments that work against a fresh sandbox), "operator" (or null), "deprecated" (true for the
seed's 作废/废弃 pages: listed, not implemented), "expect_error" (optional: the ``ApiError`` kind
the sandbox answers by design)}], "sandbox": {keyword arguments of the simulator's backend}}``. For every operation that is not deprecated this test
checks that the hook has the method, the sandbox serves the route, and the method's call reaches
that route over HTTP. Operations run in file order on one sandbox per platform, so a later one
may use what an earlier one made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider.common.errors import ApiError
from airflow_provider.platforms import get_platform
from airflow_provider.sandbox.registry import load_simulator

pytestmark = pytest.mark.integration

CATALOGUES = sorted((Path(__file__).resolve().parents[1] / "seed_operations").glob("*.json"))


def _catalogue(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _cases() -> Iterator[Any]:
    for path in CATALOGUES:
        catalogue = _catalogue(path)
        for index, op in enumerate(catalogue["operations"]):
            marks = [
                pytest.mark.skip(reason="deprecated in the seed (作废/废弃): listed, not implemented")
            ] * bool(op.get("deprecated"))
            yield pytest.param(
                catalogue["platform"], op, id=f"{catalogue['platform']}-{index:03d}-{op['name']}", marks=marks
            )


def _template(path: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", path.split("?")[0])
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in parts) + "$")


class Sandbox:
    """One platform's simulator on loopback for the whole module, and a hook reaching it."""

    def __init__(self, platform: str) -> None:
        from airflow_provider.sandbox.kit import start_server

        self.platform = platform
        simulator = load_simulator(platform)
        # a catalogue may set the simulator up for a walk of every operation (e.g. 超8's one token
        # call a minute, which a walk that starts each test with cold caches would wait on)
        settings = next(
            (c.get("sandbox", {}) for c in map(_catalogue, CATALOGUES) if c["platform"] == platform), {}
        )
        self.backend = simulator.new_backend(**settings)
        self.app = simulator.create_app(self.backend)
        self.server = start_server(self.app)
        self.connection = simulator.connection(self.server.url)
        self.hook: Any = None

    def connect(self, make_conn: Callable[..., str]) -> Any:
        """The connection as an env var for this test, and the module's one hook using it."""
        conn = self.connection
        conn_id = make_conn(
            f"{self.platform}_seed_ops",
            conn["conn_type"],
            host=conn.get("host"),
            login=conn.get("login"),
            password=conn.get("password"),
            extra={**(conn.get("extra") or {}), "retry_base_delay": 0},
        )
        if self.hook is None:
            from airflow.sdk.module_loading import import_string

            self.hook = import_string(get_platform(self.platform).hook_class)(conn_id)
        return self.hook

    def serves(self, method: str, path: str) -> bool:
        wanted = _template(path)
        for route in self.app.routes:
            route_path = getattr(route, "path", "")
            methods = getattr(route, "methods", None) or set()
            if method.upper() in methods and wanted.match(re.sub(r"\{[^}]+\}", "x", route_path)):
                return True
        return False

    def reached(self, path: str) -> bool:
        wanted = _template(path)
        return any(wanted.match(seen) for seen in self.backend.requests)


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[str, Sandbox]]:
    running: dict[str, Sandbox] = {}
    yield running
    for sandbox in running.values():
        if sandbox.hook is not None:
            sandbox.hook.close()
        sandbox.server.stop()


@pytest.fixture
def sandbox_for(sandboxes: dict[str, Sandbox], make_conn: Callable[..., str]) -> Callable[[str], Sandbox]:
    def get(platform: str) -> Sandbox:
        sandbox = sandboxes.get(platform) or sandboxes.setdefault(platform, Sandbox(platform))
        sandbox.connect(make_conn)
        return sandbox

    return get


@pytest.mark.parametrize(("platform", "op"), list(_cases()))
def test_seed_operation_has_a_hook_method_a_sandbox_route_and_reaches_it(
    platform: str, op: dict[str, Any], sandbox_for: Callable[[str], Sandbox]
) -> None:
    sandbox = sandbox_for(platform)
    method = getattr(sandbox.hook, op["hook_method"], None)
    assert callable(method), f"{type(sandbox.hook).__name__} has no method {op['hook_method']}"
    assert sandbox.serves(op["method"], op["path"]), f"the sandbox serves no {op['method']} {op['path']}"
    before = sum(sandbox.backend.requests.values())
    if op.get("expect_error"):
        with pytest.raises(ApiError) as raised:
            method(**op.get("kwargs", {}))
        assert raised.value.kind == op["expect_error"], f"{op['name']}: {raised.value}"
    else:
        method(**op.get("kwargs", {}))
    assert sum(sandbox.backend.requests.values()) > before
    assert sandbox.reached(op["path"]), f"{op['name']}: no request reached {op['path']}"


def test_every_catalogue_names_real_operators() -> None:
    from airflow.sdk.module_loading import import_string

    assert CATALOGUES, "no seed operation catalogue under tests/seed_operations"
    for path in CATALOGUES:
        catalogue = _catalogue(path)
        package = get_platform(catalogue["platform"]).package_name
        for op in catalogue["operations"]:
            if op.get("operator"):
                import_string(f"{package}.operators.{op['operator']}")
