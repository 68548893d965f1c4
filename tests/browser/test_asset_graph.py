"""
The HyperSKU orders asset in Airflow's UI (headless Chromium, a real api-server): the page of
``hypersku://hypersku_default/orders`` shows the flagship DAG producing it and
``supplier_orders_to_parcels`` scheduled on it. ``UPDATE_DOCS_IMAGES=1`` (``make docs-images``)
writes the screenshot to ``docs/images/asset-graph.png`` (docs/airflow3.md shows it).

Reuses the api-server, Chromium and helpers of the connection-form tests (their fixtures are
module-scoped: this module starts its own server).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from test_connection_forms import (  # fixtures and helpers of the browser tests
    FORM_WINDOW,
    AirflowServer,
    _publish,
    _save_failure,
    airflow_server,
    artifacts,
    browser,
    chromium,
    open_graph,
)

pytestmark = pytest.mark.browser
__all__ = ["airflow_server", "artifacts", "browser", "chromium"]  # fixtures used by name

SUPPLIER_ORDERS = "hypersku://hypersku_default/orders"
GRAPH_WINDOW = (1600, 700)


def asset_id(server: AirflowServer, uri: str) -> int:
    response = httpx.get(
        f"{server.url}/api/v2/assets",
        params={"uri_pattern": uri},
        headers={"Authorization": f"Bearer {server.token()}"},
        timeout=30,
    )
    response.raise_for_status()
    (asset,) = [a for a in response.json()["assets"] if a["uri"] == uri]
    return int(asset["id"])


def _text_and_picture(browser: WebDriver, path: Path) -> str:
    """The graph's text, and its picture written to ``path``; found again if React re-rendered it."""
    for attempt in range(3):
        try:
            graph = browser.find_element(By.CSS_SELECTOR, ".react-flow")
            text = graph.text
            path.write_bytes(graph.screenshot_as_png)
            return text
        except StaleElementReferenceException:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def test_the_supplier_orders_asset_graph(
    browser: WebDriver, airflow_server: AirflowServer, artifacts: Path
) -> None:
    airflow_server.wait_dags_serialized()
    browser.set_window_size(*GRAPH_WINDOW)
    try:
        open_graph(
            browser,
            f"{airflow_server.url}/assets/{asset_id(airflow_server, SUPPLIER_ORDERS)}",
            shows="supplier_orders_to_parcels",
            artifacts=artifacts,
            name="asset-graph",
        )
        path = artifacts / "asset-graph.png"
        text = _text_and_picture(browser, path)
    except Exception:
        _save_failure(browser, artifacts, "asset-graph")
        raise
    finally:  # the browser is shared: the connection-form tests lay their pages out at their size
        browser.set_window_size(*FORM_WINDOW)
    # the producer, the asset and the consumer are all on the picture
    assert "order_to_doorstep" in text
    assert "supplier_orders_to_parcels" in text
    assert SUPPLIER_ORDERS in text or "hypersku_default/orders" in text
    _publish(path, "asset-graph.png")
