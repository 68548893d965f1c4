"""
The four connection forms in a real browser: headless Chromium, Airflow 3's React UI, the sandbox.

For each connection type a user opens *Add Connection*, picks the type and fills only what they
must (the sandbox's base URL, login/password and the extras the sandbox connection carries that
differ from the form's defaults, secrets included); everything else is saved untouched. Then:

- what was stored works: a subprocess with the api-server's AIRFLOW_HOME loads the connection
  through Airflow's ``Connection`` model and runs the hook's ``test_connection()`` against the
  sandbox (must be True); no stored field holds Airflow's mask ``***`` (the form saves a
  masked default as that literal: HyperSKU's ``auth_header_prefix`` did) and every typed value is
  stored as typed;
- ``GET /api/v2/connections/<id>`` shows none of the secrets typed;
- the connection reopened for edit has none of them anywhere in the page.

The api-server, the sandbox and Chromium start once for the module. Screenshots (the filled forms
before saving, the flagship DAG's graph) go to the pytest tmp dir; ``UPDATE_DOCS_IMAGES=1`` (``make
docs-images``) also writes them to ``docs/images/``.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from airflow_provider.platforms import platform_names

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
DOCS_IMAGES = REPO / "docs" / "images"
CONN_TYPES = platform_names()
MASK = "***"
FLAGSHIP_DAG = "order_to_doorstep"

#: bounded waits (generous: CI machines are often shared and slow)
SERVER_START_S = 240.0
UI_WAIT_S = 90.0
GRAPH_LOAD_S = 45.0  # one load of a graph page; open_graph tries GRAPH_LOADS loads
GRAPH_LOADS = 3
SUBPROCESS_S = 300.0

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)
FORM_WINDOW = (1280, 2400)  # tall enough for the longest form (HyperSKU's extra fields) at once
GRAPH_WINDOW = (2200, 640)


# --------------------------------------------------------------------------------- what to fill
@dataclass
class FormPlan:
    """What a user types into one connection type's form, derived from the sandbox connection."""

    conn_type: str
    conn_id: str
    display_name: str
    hook_class: str
    standard: dict[str, str]  # host / login / password
    extras: dict[str, str]  # text and password extras
    selects: dict[str, str]  # enum extras set to a non-default option
    secrets: dict[str, str]  # field name -> secret value typed (password + format: password extras)
    not_in_form: list[str] = field(default_factory=list)  # sandbox extras the form has no field for

    @property
    def typed(self) -> dict[str, str]:
        return {**self.standard, **self.extras, **self.selects}


def _provider_connection_types() -> dict[str, dict[str, Any]]:
    from airflow_provider.get_provider_info import get_provider_info

    return {item["connection-type"]: item for item in get_provider_info()["connection-types"]}


def _sandbox_connection(conn_type: str, url: str, default: dict[str, Any]) -> dict[str, Any]:
    """The connection that reaches the sandbox; SuperShip in password mode, so its secret extras are filled."""
    if conn_type != "supership":
        return default
    module = importlib.import_module("airflow_provider.sandbox.supership.seed")
    conn: dict[str, Any] = module.sandbox_connection(url, auth_mode="password")
    return conn


def make_plan(conn_type: str, sandbox_conn: dict[str, Any], info: dict[str, Any]) -> FormPlan:
    fields: dict[str, Any] = info.get("conn-fields", {})
    standard = {
        name: str(sandbox_conn[name]) for name in ("host", "login", "password") if sandbox_conn.get(name)
    }
    secrets = {"password": standard["password"]} if "password" in standard else {}
    extras: dict[str, str] = {}
    selects: dict[str, str] = {}
    not_in_form = []
    for name, value in (sandbox_conn.get("extra") or {}).items():
        spec = fields.get(name)
        if spec is None:
            not_in_form.append(name)
            continue
        schema = spec.get("schema", {})
        if value in (None, "") or value == schema.get("default"):
            continue  # the form's default already says it: a user leaves it untouched
        if "enum" in schema:
            selects[name] = str(value)
        else:
            extras[name] = str(value)
        if schema.get("format") == "password":
            secrets[name] = str(value)
    return FormPlan(
        conn_type=conn_type,
        conn_id=f"browser_{conn_type}",
        display_name=info["hook-name"],
        hook_class=info["hook-class-name"],
        standard=standard,
        extras=extras,
        selects=selects,
        secrets=secrets,
        not_in_form=not_in_form,
    )


# --------------------------------------------------------------------------------- servers
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stop_group(process: subprocess.Popen[Any]) -> None:
    """Stop a process started here in its own session, with whatever it spawned."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, PermissionError):
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@dataclass
class AirflowServer:
    url: str
    env: dict[str, str]
    log: Path
    reserialize: subprocess.Popen[Any]
    reserialize_log: Path

    def wait_dags_serialized(self) -> None:
        """``airflow dags reserialize`` runs beside the form tests; the graph needs it finished."""
        try:
            code = self.reserialize.wait(timeout=SUBPROCESS_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"airflow dags reserialize still running after {SUBPROCESS_S:.0f}s")
        if code != 0:
            pytest.fail(f"airflow dags reserialize failed ({code}):\n{_tail(self.reserialize_log)}")

    def token(self) -> str:
        """A JWT from the simple auth manager (all users are admins)."""
        response = httpx.get(f"{self.url}/auth/token", timeout=30)
        response.raise_for_status()
        return str(response.json()["access_token"])

    def get_connection(self, conn_id: str) -> httpx.Response:
        return httpx.get(
            f"{self.url}/api/v2/connections/{conn_id}",
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=30,
        )


def airflow_env(home: Path) -> dict[str, str]:
    """A clean environment for the api-server and the CLI: nothing from this test process's Airflow."""
    from cryptography.fernet import Fernet

    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW__", "AIRFLOW_CONN_", "AIRFLOW_VAR_"))
    }
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        AIRFLOW__CORE__AUTH_MANAGER="airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="True",
        AIRFLOW__CORE__TEST_CONNECTION="Enabled",
        AIRFLOW__CORE__FERNET_KEY=Fernet.generate_key().decode(),
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
        FULFILLMENT_TOKEN_STORE="memory",
        PYTHONUNBUFFERED="1",
    )
    return env


def _airflow(*args: str) -> list[str]:
    return [sys.executable, "-m", "airflow", *args]


def _run(command: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("w") as out:
        done = subprocess.run(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=SUBPROCESS_S, check=False
        )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command[2:])} failed ({done.returncode}):\n{_tail(log)}")


def _wait_healthy(url: str, process: subprocess.Popen[Any], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"airflow api-server exited with {process.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(f"{url}/api/v2/monitor/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)  # poll interval, bounded by the deadline
    pytest.fail(f"airflow api-server not healthy after {SERVER_START_S:.0f}s:\n{_tail(log)}")


# --------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def chromium() -> tuple[str, str]:
    """Debian's chromium and chromedriver; missing ones fail under CI=true and skip elsewhere."""
    found = {name: shutil.which(name) for name in ("chromium", "chromedriver")}
    missing = [name for name, path in found.items() if not path]
    if missing:
        message = (
            f"{' and '.join(missing)} not installed: run `make browser-deps` "
            "(apt-get install -y chromium chromium-driver)"
        )
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return str(found["chromium"]), str(found["chromedriver"])


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screenshots and logs of this run (pytest's tmp dir)."""
    path = tmp_path_factory.mktemp("browser-artifacts")
    print(f"browser test artifacts: {path}")
    return path


@pytest.fixture(scope="module")
def airflow_server(
    chromium: tuple[str, str], artifacts: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AirflowServer]:
    """``airflow api-server`` on a free loopback port, SQLite metadata DB in a temp AIRFLOW_HOME."""
    env = airflow_env(tmp_path_factory.mktemp("airflow-home"))
    _run(_airflow("db", "migrate"), env, artifacts / "db-migrate.log")
    url = f"http://127.0.0.1:{_free_port()}"
    log = artifacts / "api-server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            _airflow("api-server", "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1]),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    # the flagship DAG's graph needs the DAG serialized (no dag-processor runs here): in parallel
    reserialize_log = artifacts / "dags-reserialize.log"
    with reserialize_log.open("w") as out:
        reserialize = subprocess.Popen(
            _airflow("dags", "reserialize"),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(url, server, log)
        yield AirflowServer(
            url=url, env=env, log=log, reserialize=reserialize, reserialize_log=reserialize_log
        )
    finally:
        _stop_group(reserialize)
        _stop_group(server)


@pytest.fixture(scope="module")
def sandbox_connections() -> Iterator[dict[str, dict[str, Any]]]:
    """All four simulators in this process on loopback; conn type -> the connection reaching it."""
    from airflow_provider.sandbox.cluster import start_cluster

    cluster = start_cluster()
    try:
        yield {
            conn_type: _sandbox_connection(conn_type, cluster.urls[conn_type], cluster.connections[conn_type])
            for conn_type in CONN_TYPES
        }
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def browser(
    chromium: tuple[str, str],
    airflow_server: AirflowServer,  # set up first: torn down after the browser's keep-alive sockets close
    artifacts: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[WebDriver]:
    binary, driver_path = chromium
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument(f"--window-size={FORM_WINDOW[0]},{FORM_WINDOW[1]}")
    service = Service(executable_path=driver_path, log_output=str(artifacts / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(UI_WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


@dataclass
class SavedForm:
    plan: FormPlan
    error: str | None = None  # what went wrong in the browser while adding it
    stored: dict[str, Any] | None = None  # stored_connections.py's answer
    screenshots: list[Path] = field(default_factory=list)


@pytest.fixture(scope="module")
def saved_forms(
    browser: WebDriver,
    airflow_server: AirflowServer,
    sandbox_connections: dict[str, dict[str, Any]],
    artifacts: Path,
) -> dict[str, SavedForm]:
    """Every form filled and saved in the browser once, then every stored connection tested at once."""
    infos = _provider_connection_types()
    checker = subprocess.Popen(  # imports Airflow and the hooks while the browser works
        [sys.executable, str(Path(__file__).with_name("stored_connections.py"))]
        + [infos[conn_type]["hook-class-name"] for conn_type in CONN_TYPES],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=airflow_server.env,
        text=True,
    )
    forms: dict[str, SavedForm] = {}
    for conn_type in CONN_TYPES:
        form = SavedForm(plan=make_plan(conn_type, sandbox_connections[conn_type], infos[conn_type]))
        forms[conn_type] = form
        try:
            form.screenshots = add_connection(browser, airflow_server.url, form.plan, artifacts)
        except Exception:
            form.error = traceback.format_exc(limit=4)
            _save_failure(browser, artifacts, f"add-{conn_type}")
    items = [
        {"conn_id": f.plan.conn_id, "hook_class": f.plan.hook_class} for f in forms.values() if not f.error
    ]
    try:
        stdout, stderr = checker.communicate(json.dumps(items), timeout=SUBPROCESS_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"stored_connections.py still running after {SUBPROCESS_S:.0f}s")
    finally:
        if checker.poll() is None:
            checker.kill()
            checker.wait(timeout=10)
    (artifacts / "stored-connections.log").write_text(stderr)
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    if checker.returncode != 0 or not lines:
        pytest.fail(f"stored_connections.py failed ({checker.returncode}):\n{stderr[-3000:]}")
    results = json.loads(lines[-1].removeprefix("RESULT "))
    for form in forms.values():
        form.stored = results.get(form.plan.conn_id)
    return forms


# --------------------------------------------------------------------------------- browser steps
def _wait(driver: WebDriver, timeout: float = UI_WAIT_S) -> WebDriverWait[WebDriver]:
    # React replaces nodes while a condition inspects them: a stale node means "look again", not failure
    return WebDriverWait(
        driver, timeout, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException,)
    )


def _click(driver: WebDriver, by: str, selector: str) -> WebElement:
    return _click_when_ready(driver, lambda: driver.find_element(by, selector))


def _click_when_ready(driver: WebDriver, locate: Callable[[], WebElement]) -> WebElement:
    """Find and click until the click lands: React re-renders nodes (stale) and Chakra's accordions
    and dialogs animate over them (intercepted) for a moment after every change."""

    def attempt(_: WebDriver) -> WebElement | bool:
        element = locate()
        if not (element.is_displayed() and element.is_enabled()):
            return False
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()
        return element

    clicked = WebDriverWait(
        driver,
        UI_WAIT_S,
        poll_frequency=0.2,
        ignored_exceptions=(StaleElementReferenceException, ElementClickInterceptedException),
    ).until(attempt)
    assert isinstance(clicked, WebElement)
    return clicked


def _type(driver: WebDriver, selector: str, value: str) -> WebElement:
    element: WebElement = _wait(driver).until(EC.element_to_be_clickable((By.CSS_SELECTOR, selector)))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.clear()
    element.send_keys(value)
    _wait(driver).until(lambda _: element.get_attribute("value") == value)
    return element


def _choose(driver: WebDriver, locate: Callable[[], WebElement], search: str, option: str) -> None:
    """Pick ``option`` in a react-select box: type to filter, click the option with that exact text."""
    combobox = _click_when_ready(driver, locate)
    combobox.send_keys(search)
    _click(driver, By.XPATH, f"//*[@role='option'][normalize-space(.)={_xpath_literal(option)}]")


def _xpath_literal(text: str) -> str:
    assert '"' not in text, text
    return f'"{text}"'


def _text_changed(element: WebElement, before: str) -> Callable[[WebDriver], bool]:
    return lambda _: element.text != before


def _has_value(selector: str, value: str) -> Callable[[WebDriver], bool]:
    def check(driver: WebDriver) -> bool:
        return driver.find_element(By.CSS_SELECTOR, selector).get_attribute("value") == value

    return check


def _dialog_shot(driver: WebDriver, path: Path) -> Path:
    dialog = driver.find_element(By.CSS_SELECTOR, "[role=dialog]")
    driver.execute_script(
        "document.activeElement.blur(); arguments[0].scrollIntoView({block: 'start'});", dialog
    )
    path.write_bytes(dialog.screenshot_as_png)
    return path


def _save_failure(driver: WebDriver, artifacts: Path, name: str) -> None:
    try:
        driver.save_screenshot(str(artifacts / f"FAILED-{name}.png"))
        (artifacts / f"FAILED-{name}.html").write_text(driver.page_source)
    except Exception:
        pass


def _open_connections(driver: WebDriver, base_url: str) -> None:
    """The connection list; reloaded only when elsewhere or a dialog was left open (a failed step)."""
    driver.set_window_size(*FORM_WINDOW)
    here = driver.current_url.split("?")[0].rstrip("/") == f"{base_url}/connections"
    if not here or driver.find_elements(By.CSS_SELECTOR, "[role=dialog]"):
        driver.get(f"{base_url}/connections")
    _wait(driver).until(EC.element_to_be_clickable((By.XPATH, "//button[contains(., 'Add Connection')]")))


def add_connection(driver: WebDriver, base_url: str, plan: FormPlan, artifacts: Path) -> list[Path]:
    """Fill and save the Add Connection form as a user would; returns the screenshots taken."""
    _open_connections(driver, base_url)
    _click(driver, By.XPATH, "//button[contains(., 'Add Connection')]")
    _type(driver, "[role=dialog] input[name=connection_id]", plan.conn_id)
    _choose(
        driver,
        lambda: driver.find_element(By.CSS_SELECTOR, "[role=dialog] input[role=combobox]"),
        plan.conn_type,
        plan.display_name,
    )
    for name, value in plan.standard.items():
        _type(driver, f"[role=dialog] input[name={name}]", value)
    if "password" in plan.standard:
        kind = driver.find_element(By.CSS_SELECTOR, "[role=dialog] input[name=password]").get_attribute(
            "type"
        )
        assert kind == "password", f"{plan.conn_type}: the password field is a {kind!r} box"
    shots = [_dialog_shot(driver, artifacts / f"{plan.conn_type}.png")]

    if plan.extras or plan.selects:
        _click(driver, By.CSS_SELECTOR, "[role=dialog] [id$='trigger:Extra Fields']")
        for name, value in plan.selects.items():
            select_box = f"//input[@name='element_{name}']/ancestor::div[@data-part='root'][1]//input[@role='combobox']"
            _choose(driver, partial(driver.find_element, By.XPATH, select_box), value, value)
            _wait(driver).until(_has_value(f"input[name=element_{name}]", value))
        for name, value in plan.extras.items():
            box = _type(driver, f"[role=dialog] input[name=element_{name}]", value)
            if name in plan.secrets:
                kind = box.get_attribute("type")
                assert kind == "password", f"{plan.conn_type}: secret extra {name} is a {kind!r} box"
        shots.append(_dialog_shot(driver, artifacts / f"{plan.conn_type}-extras.png"))

    _click(driver, By.XPATH, "//*[@role='dialog']//button[normalize-space(.)='Save']")
    _wait(driver).until(EC.invisibility_of_element_located((By.CSS_SELECTOR, "[role=dialog]")))
    return shots


def edit_page_texts(driver: WebDriver, base_url: str, plan: FormPlan) -> list[str]:
    """The connection reopened for edit: page HTML, text and every field's value, per accordion section."""
    _open_connections(driver, base_url)
    _click(
        driver,
        By.XPATH,
        f"//tr[.//*[normalize-space(text())={_xpath_literal(plan.conn_id)}]]//button[@aria-label='Edit Connection']",
    )
    host = plan.standard.get("host", "")
    _wait(driver).until(
        lambda d: (
            d.find_element(By.CSS_SELECTOR, "[role=dialog] input[name=host]").get_attribute("value") == host
        )
    )

    def snapshot() -> str:
        values = driver.execute_script(
            "return Array.from(document.querySelectorAll('input, textarea, select')).map(e => e.value)"
        )
        text = driver.execute_script("return document.documentElement.textContent")
        return "\n".join([driver.page_source, str(text), *map(str, values)])

    texts = [snapshot()]
    _click(driver, By.CSS_SELECTOR, "[role=dialog] [id$='trigger:extraJson']")
    # The JSON editor (Monaco) renders only the lines in view: page down through it, one
    # snapshot per page, until its closing brace has been on screen.
    lines = driver.find_element(By.CSS_SELECTOR, "[id$='content:extraJson'] .monaco-editor .view-lines")
    _wait(driver).until(lambda _: "{" in lines.text)
    ActionChains(driver).click(lines).perform()
    for _ in range(50):
        texts.append(snapshot())
        shown = lines.text
        if "}" in (line.strip() for line in shown.splitlines()):
            break
        ActionChains(driver).send_keys(Keys.PAGE_DOWN).perform()
        try:
            _wait(driver, 5).until(_text_changed(lines, shown))
        except TimeoutException:  # the key went nowhere (the editor had not taken focus): again
            ActionChains(driver).click(lines).perform()
    else:
        pytest.fail(f"{plan.conn_id}: never saw the end of the extra JSON in the edit form")
    _click(driver, By.CSS_SELECTOR, "[role=dialog] [id$='trigger:Extra Fields']")
    texts.append(snapshot())
    _click(driver, By.CSS_SELECTOR, "[role=dialog] button[aria-label=Close]")
    _wait(driver).until(EC.invisibility_of_element_located((By.CSS_SELECTOR, "[role=dialog]")))
    return texts


def _publish(path: Path, docs_name: str) -> None:
    """Copy a screenshot into docs/images when asked (UPDATE_DOCS_IMAGES=1)."""
    if os.environ.get("UPDATE_DOCS_IMAGES", "").lower() in ("1", "true", "yes"):
        target = DOCS_IMAGES / docs_name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _leaked(plan: FormPlan, texts: list[str]) -> list[str]:
    return sorted(name for name, secret in plan.secrets.items() if any(secret in text for text in texts))


def _form(saved_forms: dict[str, SavedForm], conn_type: str) -> SavedForm:
    form = saved_forms[conn_type]
    if form.error:
        pytest.fail(f"{conn_type}: adding the connection in the browser failed:\n{form.error}")
    return form


# --------------------------------------------------------------------------------- tests
@pytest.mark.parametrize("conn_type", CONN_TYPES)
def test_saved_form_is_a_working_connection(saved_forms: dict[str, SavedForm], conn_type: str) -> None:
    form = _form(saved_forms, conn_type)
    plan, stored = form.plan, form.stored
    assert stored is not None, f"{conn_type}: {plan.conn_id} was not checked"
    assert "error" not in stored, f"{conn_type}: {plan.conn_id} not readable back: {stored['error']}"
    problems = []
    if stored["masked_fields"]:
        problems.append(
            f"the form saved Airflow's mask {MASK!r} as the value of {stored['masked_fields']} "
            "(a field whose name Airflow treats as sensitive, shown masked and saved back as '***')"
        )
    wrong = [name for name, value in plan.typed.items() if stored["digests"].get(name) != _sha(value)]
    if wrong:
        problems.append(f"stored differently from what was typed: {wrong}")
    if not stored["ok"]:
        problems.append(f"test_connection() failed: {stored['message']}")
    assert not problems, f"{conn_type} ({plan.conn_id}): " + "; ".join(problems)
    for shot in form.screenshots:
        _publish(shot, f"forms/{shot.name}")


@pytest.mark.parametrize("conn_type", CONN_TYPES)
def test_rest_api_shows_no_secret(
    saved_forms: dict[str, SavedForm], airflow_server: AirflowServer, conn_type: str
) -> None:
    plan = _form(saved_forms, conn_type).plan
    response = airflow_server.get_connection(plan.conn_id)
    assert response.status_code == 200, response.text[:500]
    body = response.json()
    assert body["conn_type"] == conn_type
    assert body["host"] == plan.standard["host"]
    extra = json.loads(body["extra"] or "{}")
    texts = [response.text, json.dumps(body, ensure_ascii=False), json.dumps(extra, ensure_ascii=False)]
    leaked = _leaked(plan, texts)
    assert not leaked, f"GET /api/v2/connections/{plan.conn_id} shows the secret(s) {leaked} in clear"


@pytest.mark.parametrize("conn_type", CONN_TYPES)
def test_edit_form_shows_no_secret(
    saved_forms: dict[str, SavedForm],
    browser: WebDriver,
    airflow_server: AirflowServer,
    artifacts: Path,
    conn_type: str,
) -> None:
    plan = _form(saved_forms, conn_type).plan
    try:
        texts = edit_page_texts(browser, airflow_server.url, plan)
    except Exception:
        _save_failure(browser, artifacts, f"edit-{conn_type}")
        raise
    leaked = _leaked(plan, texts)
    assert not leaked, f"the edit form of {plan.conn_id} holds the secret(s) {leaked} in its page"


def test_flagship_dag_graph(browser: WebDriver, airflow_server: AirflowServer, artifacts: Path) -> None:
    airflow_server.wait_dags_serialized()
    browser.set_window_size(*GRAPH_WINDOW)

    def show_graph() -> None:
        _click(browser, By.CSS_SELECTOR, "button[value=graph]")
        _click(browser, By.CSS_SELECTOR, "button[aria-label='Collapse Details Panel']")

    try:
        open_graph(
            browser,
            f"{airflow_server.url}/dags/{FLAGSHIP_DAG}",
            shows="doorstep_report",
            artifacts=artifacts,
            name="flagship-graph",
            steps=show_graph,
        )
        path = artifacts / "flagship-graph.png"
        path.write_bytes(browser.find_element(By.CSS_SELECTOR, ".react-flow").screenshot_as_png)
    except Exception:
        _save_failure(browser, artifacts, "flagship-graph")
        raise
    nodes = browser.find_elements(By.CSS_SELECTOR, ".react-flow__node")
    assert len(nodes) >= 10, f"the graph of {FLAGSHIP_DAG} shows {len(nodes)} nodes"
    _publish(path, "flagship-graph.png")


def open_graph(
    driver: WebDriver,
    url: str,
    *,
    shows: str,
    artifacts: Path,
    name: str,
    steps: Callable[[], None] = lambda: None,
) -> None:
    """Load ``url``, run ``steps`` and wait until the graph shows ``shows``, then until it stops moving.

    On a loaded machine Airflow's UI now and then never lays a graph out (seen once in CI: 90 s with
    no node), and a fresh load of the page gets it: up to GRAPH_LOADS loads, a bounded wait each,
    every stalled load's screenshot and page kept as ``FAILED-<name>-load<n>``.
    """
    for load in range(1, GRAPH_LOADS + 1):
        driver.get(url)
        try:
            steps()
            _wait(driver, GRAPH_LOAD_S).until(
                lambda d: shows in d.find_element(By.CSS_SELECTOR, ".react-flow").text
            )
            break
        except TimeoutException:
            _save_failure(driver, artifacts, f"{name}-load{load}")
            if load == GRAPH_LOADS:
                raise
    _wait(driver).until(_settled(driver))


def _settled(driver: WebDriver) -> Callable[[WebDriver], bool]:
    """True once the graph's node count and viewport transform are the same on two polls in a row."""
    last: list[Any] = [None]

    def check(_: WebDriver) -> bool:
        state = driver.execute_script(
            "const v = document.querySelector('.react-flow__viewport');"
            "return [document.querySelectorAll('.react-flow__node').length, v && v.style.transform];"
        )
        settled = state == last[0] and bool(state[0])
        last[0] = state
        return settled

    return check
