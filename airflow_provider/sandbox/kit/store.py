"""The in-memory tables of one simulator."""

from __future__ import annotations

import json
import threading
from typing import Any


class MemoryStore:
    """Tables of dicts keyed by id, safe across the server's threads."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, Any]] = {}
        self.lock = threading.RLock()

    def table(self, name: str) -> dict[str, Any]:
        with self.lock:
            return self._tables.setdefault(name, {})

    def insert(self, table: str, key: str, value: Any) -> bool:
        """Insert unless ``key`` exists; False when it did (the caller answers 'duplicate')."""
        with self.lock:
            rows = self.table(table)
            if key in rows:
                return False
            rows[key] = value
            return True

    def put(self, table: str, key: str, value: Any) -> None:
        """Insert or replace."""
        with self.lock:
            self.table(table)[key] = value

    def get(self, table: str, key: str) -> Any:
        with self.lock:
            return self.table(table).get(key)

    def values(self, table: str) -> list[Any]:
        with self.lock:
            return list(self.table(table).values())

    def delete(self, table: str, key: str) -> Any:
        with self.lock:
            return self.table(table).pop(key, None)

    def dump(self) -> dict[str, Any]:
        """Every table as plain JSON (decimals and other values as strings)."""
        with self.lock:
            return dict(json.loads(json.dumps(self._tables, default=str)))
