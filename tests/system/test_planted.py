"""
Scenario ``planted`` (issue 22, item 6): no secret and no customer's personal data anywhere the
fleet writes.

300 HyperSKU orders and 300 SuperShip parcels carry distinctive names, addresses, phones,
e-mails, tax numbers and delivery notes (``tests/planted_values.py``); one in a hundred is
invalid in a personal field (an address line that is not a string, a phone that is not a
number), and the sandbox fails 3 % of calls and loses 1 % of answers, so the error, retry and
look-up paths log too. The fleet creates them with ``orders_from_file`` and
``parcels_from_file`` (the orders as a file: only its path is a template field), both at once;
the invalid ones fail the tasks, which Airflow retries once. The planted secrets are every
secret of the fleet's four connections and the tokens the sandbox handed out (read back from the
token store).

Then every file under the fleet's root (task logs on the workers, the triggerers', scheduler's,
dag-processor's and api-server's logs, Postgres' and Redis' files, the sandbox's log, results
files) and every cell of every table of the metadata database (``xcom``,
``rendered_task_instance_fields``, ``log``, ``task_instance``, ``trigger`` (decrypted),
``asset_event``, ...) and every metric the fleet sent (names and tags) are searched for each
planted value; the test fails naming where each was found. The outcome metrics of each run add
up to its orders.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken

from cluster.fleet import Fleet, wait_for
from cluster.statsd_listener import StatsdListener
from tests.planted_values import Person, Planted
from tests.system.fleet_db import table_texts
from tests.system.fleet_helpers import SANDBOX_SPEED, lifetimes, sandbox

pytestmark = pytest.mark.system
#: the scenario's name (``make system-test SCENARIOS=planted``)
SCENARIO = "planted"

ORDERS = 300
INVALID_EVERY = 100
PREFIX = "PV"
TIMEOUT = 900.0
#: the sandbox's faults during the runs: retries, lost answers and their look-ups log too
FAULTS = {"error_rate": 0.03, "lose_answer_rate": 0.01, "seed": 22}

#: the planted personal values, matched so that no random bytes (a Fernet token, compressed
#: data in Postgres' files) can match by chance: the marker with the word after it, the e-mail's
#: form, and a phone only as a whole number
_FLEET_PERSONAL = re.compile(
    r"zqx(?:first|last|street|flat|tax)[\w.@-]*|zqx\d{4}@[\w.-]*|(?<![0-9])0389\d{6}(?![0-9])",
    re.IGNORECASE,
)
#: the token store's Variables (``auth.token_store_key``): they hold the tokens, by design
_TOKEN_STORE_KEY = re.compile(r"^fulfillment_\w+_token_[0-9a-f]+")


class FleetPlanted(Planted):
    """:class:`Planted`, with the stricter personal pattern above (gigabytes of logs and binary
    database files are searched, not one run's text)."""

    def leaks(self, text: str) -> list[str]:
        found = [match.group(0) for match in _FLEET_PERSONAL.finditer(text)]
        return found + [secret[:6] + "…" for secret in self.secrets if secret in text]


def _hypersku_order(person: Person) -> dict[str, Any]:
    address: dict[str, Any] = {
        "firstName": person.first_name,
        "lastName": person.last_name,
        "countryCode": "US",
        "province": "CA",
        "city": "San Francisco",
        "address1": person.street,
        "address2": person.address2,
        "zipCode": "94105",
        "phone": person.phone,
        "email": person.email,
        "taxNo": person.tax_no,
    }
    if person.n % INVALID_EVERY == 7:
        address["address1"] = [person.street]  # not a string: the error must not quote it
    return {
        "thirdOrderId": _key(person),
        "logisticsId": "1002",
        "shippingAddress": address,
        "skuItems": [{"skuId": "SKU1001-BLK", "num": 1}],
    }


def _supership_parcel(person: Person) -> dict[str, Any]:
    from airflow_provider.sandbox.supership.seed import sample_order

    parcel = sample_order(_key(person), person.n)
    parcel.update(
        name=person.name, phone=person.phone, email=person.email, address=person.street, note=person.note
    )
    if person.n % INVALID_EVERY == 7:
        parcel["phone"] = f"{person.phone}zqx"  # not a phone number: the error must not quote it
    return parcel


def _key(person: Person) -> str:
    return f"{PREFIX}-{person.n:04d}"


@dataclass(frozen=True)
class Platform:
    """One platform's bulk create of planted orders: its DAG, its orders, its caller id field."""

    name: str
    dag_id: str
    order: Callable[[Person], dict[str, Any]]
    key_field: str


PLATFORMS = (
    Platform("hypersku", "orders_from_file", _hypersku_order, "thirdOrderId"),
    Platform("supership", "parcels_from_file", _supership_parcel, "soc"),
)


def test_planted(fleet: Fleet, statsd: StatsdListener, scenario_table: list[dict[str, Any]]) -> None:
    fleet.wait_for_dags([platform.dag_id for platform in PLATFORMS])
    row: dict[str, Any] = {
        "scenario": "planted",
        "orders": ORDERS * len(PLATFORMS),
        "seconds to recover": "-",
    }
    scenario_table.append(row)
    planted = FleetPlanted()
    for conn in fleet.connections.values():
        planted.add_connection_secrets(json.loads(conn))
    people = planted.people(ORDERS)
    invalid = {_key(p) for p in people if p.n % INVALID_EVERY == 7}
    inputs: dict[str, Path] = {}
    for platform in PLATFORMS:
        # retries, lost answers and their look-ups log too
        sandbox(fleet, platform.name, "faults", "POST", json={"clear": True, "include_auth": False})
        sandbox(fleet, platform.name, "faults", "POST", json={**FAULTS, "include_auth": False})
        sandbox(fleet, platform.name, "clock", "POST", json={"speed": SANDBOX_SPEED})
        sandbox(fleet, platform.name, "stats/reset", "POST")
        # the one file holding the planted values by design: the input the test writes
        inputs[platform.name] = path = fleet.root / "inputs" / f"planted_{platform.name}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(platform.order(p), ensure_ascii=False) + "\n" for p in people]
        path.write_text("".join(lines), encoding="utf-8")
    statsd.clear()
    t0 = time.monotonic()
    try:
        runs = {p.name: fleet.trigger(p.dag_id, {"orders_file": str(inputs[p.name])}) for p in PLATFORMS}
        for platform in PLATFORMS:
            wait_for(
                f"the {platform.name} run to end",
                lambda p=platform: fleet.dag_run(p.dag_id, runs[p.name])["state"] in ("success", "failed"),  # type: ignore[misc]
                timeout=TIMEOUT,
                every=2,
            )
    finally:
        for platform in PLATFORMS:
            sandbox(fleet, platform.name, "faults", "POST", json={"clear": True, "include_auth": False})
    wall_s = time.monotonic() - t0

    # ---- each run: the valid orders made once each, the invalid ones reported with their field
    states, tries, token_calls, reported_invalid = {}, {}, {}, {}
    duplicates = lost = 0
    for platform in PLATFORMS:
        run_id = runs[platform.name]
        states[platform.name] = fleet.dag_run(platform.dag_id, run_id)["state"]
        tries[platform.name] = fleet.task_instances(platform.dag_id, run_id)[0]["try_number"]
        per_id = Counter(
            str(order.get(platform.key_field))
            for order in _store_orders(fleet, platform.name)
            if str(order.get(platform.key_field, "")).startswith(PREFIX + "-")
        )
        results = _results(inputs[platform.name])
        reported_invalid[platform.name] = {
            key
            for key, result in results.items()
            if result["outcome"] == "invalid" and (result.get("error") or {}).get("message")
        }
        duplicates += sum(1 for n in per_id.values() if n > 1)
        lost += sum(
            1 for p in people if per_id.get(_key(p)) != 1 and _key(p) not in reported_invalid[platform.name]
        )
        stats = sandbox(fleet, platform.name, "stats")
        token_calls[platform.name] = (int(stats["token_calls"]), lifetimes(stats, wall_s) + 1)
    row["run state"] = f"{'/'.join(sorted(set(states.values())))} (by design: invalid orders)"
    row["tries"] = tries
    row.update(duplicates=duplicates, lost=lost)
    row["token calls"] = ", ".join(f"{name} {n} (<= {allowed})" for name, (n, allowed) in token_calls.items())

    # ---- the secrets the sandbox handed out: the tokens in the token store
    fernet = Fernet(fleet.fernet_key.encode())
    tokens = _issued_tokens(fleet, fernet)
    planted.add_secrets(*tokens)

    # ---- search everything
    found = _files_found(fleet, planted, exclude=set(inputs.values()))
    in_tables, naming_the_input = _tables_found(fleet, planted, fernet, str(inputs["hypersku"]))
    found += in_tables
    found += _metrics_found(statsd, planted)
    row["leaks"] = len(found)
    items = {platform.name: _outcomes(statsd, platform) for platform in PLATFORMS}
    print(f"\nPLANTED {json.dumps(row)} metrics {json.dumps(items)}", flush=True)

    # the search finds what is there: the planted values in the inputs, the connections' secrets
    # in the sandbox's banner, the input's path in the tables that keep the run's parameters
    for path in inputs.values():
        assert len(planted.findings("input", path.read_bytes())) >= ORDERS
    assert planted.findings("banner", fleet.components["sandbox"].text())
    assert {"dag_run", "rendered_task_instance_fields"} <= naming_the_input, naming_the_input
    assert tokens, "no token in the token store: nothing of the sandbox's secrets was planted"
    assert not found, f"{len(found)} planted value(s) found:\n  " + "\n  ".join(found[:40])
    assert states == dict.fromkeys(states, "failed"), states
    for platform in PLATFORMS:
        assert reported_invalid[platform.name] == invalid, (platform.name, reported_invalid[platform.name])
        # each attempt that reached its report counted every order once, the invalid ones too
        runs_counted = items[platform.name].pop("bulk_runs")
        assert sum(items[platform.name].values()) == ORDERS * runs_counted, items
        assert items[platform.name].get("invalid") == len(invalid) * runs_counted, items
    assert duplicates == 0
    assert lost == 0
    for name, (calls, allowed) in token_calls.items():
        assert calls <= allowed, (name, calls, allowed)


def _store_orders(fleet: Fleet, platform: str) -> list[dict[str, Any]]:
    rows = sandbox(fleet, platform, "store").get("orders", {})
    return list(rows.values()) if isinstance(rows, dict) else list(rows)


def _results(orders_file: Path) -> dict[str, dict[str, Any]]:
    path = orders_file.with_name(orders_file.name.removesuffix(".jsonl") + ".results.jsonl")
    results = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        result = json.loads(line)
        results[str(result["key"])] = result
    return results


def _issued_tokens(fleet: Fleet, fernet: Fernet) -> list[str]:
    """The token values in the token store (Variables, encrypted with the fleet's Fernet key)."""
    from tests.system.fleet_db import metadata_db

    with metadata_db(fleet) as db, db.cursor() as cursor:
        cursor.execute("SELECT key, val, is_encrypted FROM variable")
        rows = cursor.fetchall()
    tokens = []
    for key, val, encrypted in rows:
        if not _TOKEN_STORE_KEY.match(key):
            continue
        text = fernet.decrypt(val.encode()).decode() if encrypted else val
        try:
            record = json.loads(text)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("value"):
            tokens.append(str(record["value"]))
            tokens += [str(v) for v in (record.get("extra") or {}).values() if isinstance(v, str)]
    return tokens


def _files_found(fleet: Fleet, planted: Planted, exclude: set[Path]) -> list[str]:
    """Every file under the fleet's root but ``exclude`` (the test's own input). The sandbox's
    log starts with the connections it serves (``export AIRFLOW_CONN_...``, secrets included:
    how the fleet learns them, as a user of ``make sandbox`` does); those lines are left out,
    every other line of it is searched."""
    found: list[str] = []
    sandbox_log = fleet.components["sandbox"].log
    for path in sorted(fleet.root.rglob("*")):
        if not path.is_file() or path in exclude or path.is_socket():
            continue
        try:
            data = path.read_bytes()
        except OSError:  # a file gone meanwhile (a Postgres temp file)
            continue
        if path == sandbox_log:
            lines = data.decode("utf-8", "replace").splitlines()
            data = "\n".join(line for line in lines if not line.startswith("export AIRFLOW_CONN_")).encode()
        found += planted.findings(str(path.relative_to(fleet.root)), data)
    return found


def _tables_found(
    fleet: Fleet, planted: Planted, fernet: Fernet, input_path: str
) -> tuple[list[str], set[str]]:
    """The planted values in the metadata DB, and the tables naming ``input_path``."""

    def decrypt(text: str) -> str | None:
        try:
            return fernet.decrypt(text.encode()).decode("utf-8", "replace")
        except (InvalidToken, ValueError):
            return None

    def token_store(table: str, row: dict[str, Any]) -> bool:
        # the token store keeps the sandbox's tokens in Variables, by design (encrypted)
        return table == "variable" and bool(_TOKEN_STORE_KEY.match(str(row.get("key"))))

    found: list[str] = []
    naming: set[str] = set()
    for table, column, text in table_texts(fleet, decrypt, skip_row=token_store):
        found += planted.findings(f"table {table}.{column}", text)
        if input_path in text:
            naming.add(table)
    return list(dict.fromkeys(found)), naming


def _metrics_found(statsd: StatsdListener, planted: Planted) -> list[str]:
    lines = [f"{line.name} {json.dumps(dict(line.tags))}" for line in list(statsd.lines)]
    return planted.findings("statsd metrics", "\n".join(lines))


def _outcomes(statsd: StatsdListener, platform: Platform) -> dict[str, int]:
    """The bulk runs and the outcome counters of ``platform``'s run, as its workers sent them."""
    prefix = f"airflow.fulfillment.{platform.name}."
    wait_for(
        f"the {platform.name} create's counters",
        lambda: bool(statsd.counters(prefix + "bulk_runs", dag_id=platform.dag_id)),
        timeout=30,
    )
    runs = statsd.counters(prefix + "bulk_runs", dag_id=platform.dag_id)[prefix + "bulk_runs"]
    items = {
        name.removeprefix(prefix + "items."): n
        for name, n in statsd.counters(prefix + "items.", dag_id=platform.dag_id).items()
    }
    return {"bulk_runs": runs, **items}
