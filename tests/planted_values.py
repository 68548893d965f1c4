"""
Planted personal data and secrets, and where to look for them.

A test builds orders whose customers' names, addresses, phones, e-mails and tax numbers are
distinctive (:class:`Planted`), runs the provider, and hands everything the provider wrote (logs,
XCom values, results files, error messages, lineage events, metrics, metadata DB tables, a folder
of log files) to :meth:`Planted.assert_clean`, which names every planted value it finds.

Every planted personal value carries the marker ``zqx`` (any case) or is a phone ``0389xxxxxx``,
so even a value cut short or embedded in other text is found; secrets are matched exactly.

Usable from any test (``tests/`` is on ``sys.path``): ``from planted_values import Planted``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARKER = "zqx"
_PERSONAL = re.compile(rf"{MARKER}[\w.@-]*|0389\d{{6}}", re.IGNORECASE)
_SECRET_WORDS = ("password", "secret", "token", "key", "partner")
#: the metadata DB tables a value written by a task can end up in
METADATA_TABLES = ("xcom", "rendered_task_instance_fields", "log", "task_instance", "dag_run")


@dataclass(frozen=True)
class Person:
    """One customer's planted personal data (all distinctive, index ``n``)."""

    n: int

    @property
    def first_name(self) -> str:
        return f"Zqxfirst{self.n:04d}"

    @property
    def last_name(self) -> str:
        return f"Zqxlast{self.n:04d}"

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def street(self) -> str:
        return f"{self.n} Zqxstreet{self.n:04d} Lane"

    @property
    def address2(self) -> str:
        return f"Zqxflat {self.n:04d}"

    @property
    def phone(self) -> str:  # a valid Vietnamese mobile number too (SuperShip checks)
        return f"0389{self.n:06d}"

    @property
    def email(self) -> str:
        return f"zqx{self.n:04d}@planted.example"

    @property
    def tax_no(self) -> str:
        return f"ZQXTAX{self.n:06d}"

    @property
    def note(self) -> str:
        return f"Call Zqxfirst{self.n:04d} at 0389{self.n:06d} before delivery"


@dataclass
class Planted:
    """The planted values of one test, and the check that none of them leaked."""

    secrets: set[str] = field(default_factory=set)

    def people(self, count: int) -> list[Person]:
        return [Person(n) for n in range(count)]

    def add_secrets(self, *values: Any) -> None:
        """Secrets to find verbatim (connection passwords and secret extras, tokens issued)."""
        for value in values:
            if isinstance(value, str) and len(value) >= 8:
                self.secrets.add(value)

    def add_connection_secrets(self, conn: Mapping[str, Any]) -> None:
        """Every secret of a connection dict (password, and extras named as secrets)."""
        self.add_secrets(conn.get("password"))
        for key, value in (conn.get("extra") or {}).items():
            if any(word in key.lower() for word in _SECRET_WORDS):
                self.add_secrets(value)

    def leaks(self, text: str) -> list[str]:
        """The planted values (or parts of them) found in ``text``."""
        found = [match.group(0) for match in _PERSONAL.finditer(text)]
        found += [secret[:6] + "…" for secret in self.secrets if secret in text]
        return found

    def findings(self, where: str, value: Any) -> list[str]:
        """``["where: value", ...]`` for every leak in ``value`` (text, bytes, or anything JSON-able)."""
        text = _as_text(value)
        return [f"{where}: {leak}" for leak in dict.fromkeys(self.leaks(text))]

    def assert_clean(self, where: str, value: Any) -> None:
        """Fail naming each planted value found in ``value`` (the first 20)."""
        found = self.findings(where, value)
        assert not found, f"{len(found)} planted value(s) leaked:\n  " + "\n  ".join(found[:20])

    def scan_files(self, root: Path | str, pattern: str = "**/*") -> list[str]:
        """Leaks in every file under ``root`` (task log files, a results folder)."""
        found: list[str] = []
        for path in sorted(Path(root).glob(pattern)):
            if path.is_file():
                found += self.findings(str(path), path.read_bytes())
        return found

    def scan_metadata_db(self, tables: Iterable[str] = METADATA_TABLES) -> list[str]:
        """Leaks in every row of the metadata DB ``tables`` (as Airflow stored them)."""
        from airflow.settings import engine
        from sqlalchemy import inspect, text

        assert engine is not None, "no metadata DB"
        present = set(inspect(engine).get_table_names())
        found: list[str] = []
        with engine.connect() as connection:
            for table in tables:
                if table not in present:
                    continue
                for row in connection.execute(text(f"SELECT * FROM {table}")):
                    found += self.findings(f"table {table}", [_as_text(cell) for cell in row])
        return found


def _as_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


#: the loggers whose records :func:`logs_kept` keeps (besides the root's): the provider's, the
#: sandbox's server and the HTTP clients'
WATCHED_LOGGERS = (
    "airflow_provider",
    "airflow.task",
    "uvicorn",
    "uvicorn.error",
    "fastapi",
    "httpx",
    "httpcore",
)


class RecordsKept(logging.Handler):
    """Every record it sees, formatted with its arguments (once per record): ``lines``."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self._seen: set[int] = set()
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if id(record) not in self._seen:
            self._seen.add(id(record))
            self.lines.append(self.format(record))


@contextmanager
def logs_kept(records: RecordsKept | None = None, level: int = logging.DEBUG) -> Iterator[RecordsKept]:
    """
    Keep every log record at ``level`` and above during the block, whatever was configured.

    The handler sits on the provider's and the servers' loggers, not only the root's: Airflow
    replaces the root logger's handlers (pytest's ``caplog`` included) when it configures its
    logging during a task, so ``caplog`` alone can miss a whole run.
    """
    kept = records or RecordsKept()
    loggers = [logging.getLogger(name) for name in (None, *WATCHED_LOGGERS)]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.addHandler(kept)
        logger.setLevel(level)
    try:
        yield kept
    finally:
        for logger, old_level in saved:
            logger.removeHandler(kept)
            logger.setLevel(old_level)
