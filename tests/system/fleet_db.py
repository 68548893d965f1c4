"""The fleet's metadata database read directly (psycopg2): what the REST API does not show."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from cluster.fleet import Fleet

#: a Fernet token (what Airflow stores for an encrypted value): decrypted before it is searched
FERNET_PREFIX = "gAAAAA"


@contextmanager
def metadata_db(fleet: Fleet) -> Iterator[Any]:
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=fleet.pg_port, user="postgres", dbname="airflow")
    try:
        yield connection
    finally:
        connection.close()


def watcher_cursor(fleet: Fleet, platform: str) -> dict[str, Any] | None:
    """The order status cursor a watcher of ``platform`` keeps in ``asset_state_store`` (3.3)."""
    with metadata_db(fleet) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT value FROM asset_state_store WHERE key LIKE %s",
            (f"order_status_cursor:{platform}:%",),
        )
        row = cursor.fetchone()
    if row is None:
        return None
    value: Any = row[0]
    while isinstance(value, str):  # the store keeps the value as JSON text
        value = json.loads(value)
    return dict(value)


def trigger_holders(fleet: Fleet, classpath_part: str) -> list[int | None]:
    """The triggerer job id holding each trigger whose classpath contains ``classpath_part``."""
    with metadata_db(fleet) as db, db.cursor() as cursor:
        cursor.execute("SELECT triggerer_id FROM trigger WHERE classpath LIKE %s", (f"%{classpath_part}%",))
        return [row[0] for row in cursor.fetchall()]


def table_texts(
    fleet: Fleet,
    decrypt: Callable[[str], str | None],
    skip_row: Callable[[str, dict[str, Any]], bool] = lambda table, row: False,
) -> Iterator[tuple[str, str, str]]:
    """``(table, column, text)`` of every non-empty cell of every table of the metadata DB (but
    the rows ``skip_row`` names); a Fernet-encrypted value (trigger kwargs, Variables) comes
    decrypted too, a binary one decoded as UTF-8 (decompressed when it is zlib data)."""
    with metadata_db(fleet) as db, db.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # the names come from pg_tables
            columns = [column.name for column in cursor.description or ()]
            for values in cursor:
                row = dict(zip(columns, values, strict=True))
                if skip_row(table, row):
                    continue
                for column, cell in row.items():
                    if cell is None:
                        continue
                    text = _as_text(cell)
                    yield table, column, text
                    if text.startswith(FERNET_PREFIX):
                        plain = decrypt(text)
                        if plain is not None:
                            yield table, f"{column} (decrypted)", plain


def _as_text(cell: Any) -> str:
    if isinstance(cell, bytes | bytearray | memoryview):
        raw = bytes(cell)
        try:
            import zlib

            raw = zlib.decompress(raw)  # the serialized DAGs are stored compressed
        except zlib.error:
            pass
        return raw.decode("utf-8", "replace")
    if isinstance(cell, str):
        return cell
    return json.dumps(cell, ensure_ascii=False, default=str)


def live_triggerers(fleet: Fleet) -> int:
    """Triggerer jobs running whose last heartbeat is recent (within the health threshold)."""
    with metadata_db(fleet) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM job WHERE job_type = 'TriggererJob' AND state = 'running' "
            "AND latest_heartbeat > now() - interval '10 seconds'"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0
