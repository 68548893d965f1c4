"""Run in a subprocess by ``test_connection_forms.py`` with the api-server's AIRFLOW_HOME.

Reads each connection the browser saved through Airflow's own ``Connection`` model (metadata DB
behind the secrets backends), then runs its hook's ``test_connection()`` on exactly that stored
connection, handed over as a transient ``AIRFLOW_CONN_*`` variable the way Airflow's own Test
button does. Prints one JSON line: per conn id the hook's verdict, which stored fields hold
Airflow's mask ``***``, and SHA-256 digests of the stored values (no secret leaves this process).

Started early with the hook classes as arguments: it imports Airflow and the hooks while the
browser works, then reads ``[{"conn_id": ..., "hook_class": "package.module.Class"}, ...]`` from
stdin.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
from typing import Any

MASK = "***"


def _digest(value: Any) -> str | None:
    return None if value is None else hashlib.sha256(str(value).encode()).hexdigest()


def check(conn_id: str, hook_class: str) -> dict[str, Any]:
    from airflow.models.connection import Connection

    conn = Connection.get_connection_from_secrets(conn_id)
    extra = conn.extra_dejson
    fields = {"host": conn.host, "login": conn.login, "password": conn.password, **extra}
    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(
        {
            "conn_type": conn.conn_type,
            "host": conn.host,
            "login": conn.login,
            "password": conn.password,
            "schema": conn.schema,
            "port": conn.port,
            "extra": extra,
        }
    )
    module, _, name = hook_class.rpartition(".")
    hook = getattr(importlib.import_module(module), name)(conn_id)
    ok, message = hook.test_connection()
    return {
        "conn_type": conn.conn_type,
        "ok": bool(ok),
        "message": str(message),
        "masked_fields": sorted(key for key, value in fields.items() if value == MASK),
        "digests": {key: _digest(value) for key, value in fields.items()},
    }


def main() -> int:
    from airflow.models.connection import Connection  # noqa: F401  (the slow imports, done up front)

    for hook_class in sys.argv[1:]:
        importlib.import_module(hook_class.rpartition(".")[0])
    results: dict[str, Any] = {}
    for item in json.load(sys.stdin):
        try:
            results[item["conn_id"]] = check(item["conn_id"], item["hook_class"])
        except Exception as err:
            results[item["conn_id"]] = {"error": f"{type(err).__name__}: {err}"}
    print("RESULT " + json.dumps(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
