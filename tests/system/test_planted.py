"""
Scenario ``planted`` (issue 22, item 6): no secret and no customer's personal data anywhere the
fleet writes.

300 HyperSKU orders carry distinctive names, addresses, phones, e-mails and tax numbers
(``tests/planted_values.py``); one in a hundred is invalid in a personal field (an address line
that is not a string), and the sandbox fails 3 % of calls and loses 1 % of answers, so the error,
retry and look-up paths log too. The fleet creates them with ``orders_from_file`` (the orders
as a file: only its path is a template field); the invalid ones fail the task, which Airflow
retries once. The planted secrets are every secret of the fleet's four connections and the
tokens the sandbox handed out (read back from the token store).

Then every file under the fleet's root (task logs on the workers, the triggerers', scheduler's,
dag-processor's and api-server's logs, Postgres' and Redis' files, the sandbox's log, results
files) and every cell of every table of the metadata database (``xcom``,
``rendered_task_instance_fields``, ``log``, ``task_instance``, ``trigger`` (decrypted),
``asset_event``, ...) and every metric the fleet sent (names and tags) are searched for each
planted value; the test fails naming where each was found. The metrics of the run add up to the
orders.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken

from cluster.fleet import Fleet, wait_for
from cluster.statsd_listener import StatsdListener
from tests.planted_values import Person, Planted
from tests.system.fleet_db import table_texts
from tests.system.fleet_helpers import SANDBOX_SPEED, hypersku_orders, lifetimes, sandbox

pytestmark = pytest.mark.system
#: the scenario's name (``make system-test SCENARIOS=planted``)
SCENARIO = "planted"

ORDERS = 300
INVALID_EVERY = 100
PREFIX = "PV"
TIMEOUT = 900.0
METRICS = "airflow.fulfillment.hypersku."

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


def _order(person: Person) -> dict[str, Any]:
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
        "thirdOrderId": f"{PREFIX}-{person.n:04d}",
        "logisticsId": "1002",
        "shippingAddress": address,
        "skuItems": [{"skuId": "SKU1001-BLK", "num": 1}],
    }


def test_planted(fleet: Fleet, statsd: StatsdListener, scenario_table: list[dict[str, Any]]) -> None:
    fleet.wait_for_dags(["orders_from_file"])
    row: dict[str, Any] = {"scenario": "planted", "orders": ORDERS, "seconds to recover": "-"}
    scenario_table.append(row)
    planted = FleetPlanted()
    for conn in fleet.connections.values():
        planted.add_connection_secrets(json.loads(conn))
    people = planted.people(ORDERS)
    invalid = {f"{PREFIX}-{p.n:04d}" for p in people if p.n % INVALID_EVERY == 7}

    sandbox(fleet, "hypersku", "faults", "POST", json={"clear": True, "include_auth": False})
    sandbox(
        fleet,
        "hypersku",
        "faults",
        "POST",
        json={"error_rate": 0.03, "lose_answer_rate": 0.01, "seed": 22, "include_auth": False},
    )
    sandbox(fleet, "hypersku", "clock", "POST", json={"speed": SANDBOX_SPEED})
    sandbox(fleet, "hypersku", "stats/reset", "POST")
    statsd.clear()
    # the one file holding the planted values by design: the input the test writes
    orders_file = fleet.root / "inputs" / "planted_orders.jsonl"
    orders_file.parent.mkdir(parents=True, exist_ok=True)
    orders_file.write_text(
        "".join(json.dumps(_order(p), ensure_ascii=False) + "\n" for p in people), encoding="utf-8"
    )
    t0 = time.monotonic()
    try:
        run_id = fleet.trigger("orders_from_file", {"orders_file": str(orders_file)})
        wait_for(
            "the run to end",
            lambda: fleet.dag_run("orders_from_file", run_id)["state"] in ("success", "failed"),
            timeout=TIMEOUT,
            every=2,
        )
    finally:
        sandbox(fleet, "hypersku", "faults", "POST", json={"clear": True, "include_auth": False})
    wall_s = time.monotonic() - t0

    # ---- the run: the valid orders made once each, the invalid ones reported with their field
    state = fleet.dag_run("orders_from_file", run_id)["state"]
    task = fleet.task_instances("orders_from_file", run_id)[0]
    row["run state"] = f"{state} (by design: {len(invalid)} invalid)"
    row["tries"] = task["try_number"]
    per_id = Counter(
        str(o["thirdOrderId"])
        for o in hypersku_orders(fleet)
        if str(o.get("thirdOrderId", "")).startswith(PREFIX)
    )
    results = _results(orders_file)
    reported_invalid = {
        key
        for key, r in results.items()
        if r["outcome"] == "invalid" and (r.get("error") or {}).get("message")
    }
    inputs = [f"{PREFIX}-{p.n:04d}" for p in people]
    row["duplicates"] = sum(1 for n in per_id.values() if n > 1)
    row["lost"] = sum(1 for key in inputs if per_id.get(key) != 1 and key not in reported_invalid)
    stats = sandbox(fleet, "hypersku", "stats")
    allowed = lifetimes(stats, wall_s) + 1
    row["token calls"] = f"{stats['token_calls']} (<= {allowed})"

    # ---- the secrets the sandbox handed out: the tokens in the token store
    fernet = Fernet(fleet.fernet_key.encode())
    tokens = _issued_tokens(fleet, fernet)
    planted.add_secrets(*tokens)

    # ---- search everything
    found = _files_found(fleet, planted, exclude={orders_file})
    found += _tables_found(fleet, planted, fernet)
    found += _metrics_found(statsd, planted)
    row["leaks"] = len(found)
    items = _check_metrics(statsd)
    print(f"\nPLANTED {json.dumps(row)} metrics {json.dumps(items)}", flush=True)

    assert state == "failed", fleet.task_instances("orders_from_file", run_id)
    assert reported_invalid == invalid, sorted(reported_invalid ^ invalid)
    assert row["duplicates"] == 0
    assert row["lost"] == 0
    assert int(stats["token_calls"]) <= allowed, stats
    assert tokens, "no token in the token store: nothing of the sandbox's secrets was planted"
    assert not found, f"{len(found)} planted value(s) found:\n  " + "\n  ".join(found[:40])
    assert items.get("invalid", 0) == len(invalid) * row["tries"], items


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


def _tables_found(fleet: Fleet, planted: Planted, fernet: Fernet) -> list[str]:
    def decrypt(text: str) -> str | None:
        try:
            return fernet.decrypt(text.encode()).decode("utf-8", "replace")
        except (InvalidToken, ValueError):
            return None

    def token_store(table: str, row: dict[str, Any]) -> bool:
        # the token store keeps the sandbox's tokens in Variables, by design (encrypted)
        return table == "variable" and bool(_TOKEN_STORE_KEY.match(str(row.get("key"))))

    found: list[str] = []
    for table, column, text in table_texts(fleet, decrypt, skip_row=token_store):
        found += planted.findings(f"table {table}.{column}", text)
    return list(dict.fromkeys(found))


def _metrics_found(statsd: StatsdListener, planted: Planted) -> list[str]:
    lines = [f"{line.name} {json.dumps(dict(line.tags))}" for line in list(statsd.lines)]
    return planted.findings("statsd metrics", "\n".join(lines))


def _check_metrics(statsd: StatsdListener) -> dict[str, int]:
    """Each attempt that reached its report counted every order once: the outcomes add up."""
    wait_for(
        "the create's counters",
        lambda: bool(statsd.counters(METRICS + "bulk_runs", dag_id="orders_from_file")),
        timeout=30,
    )
    runs = statsd.counters(METRICS + "bulk_runs", dag_id="orders_from_file")[METRICS + "bulk_runs"]
    items = {
        name.removeprefix(METRICS + "items."): n
        for name, n in statsd.counters(METRICS + "items.", dag_id="orders_from_file").items()
    }
    assert sum(items.values()) == ORDERS * runs, (runs, items)
    return {"bulk_runs": runs, **items}
