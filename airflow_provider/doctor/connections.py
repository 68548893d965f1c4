"""Which connections the doctor can see, and which platform each one is."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from airflow_provider.platforms import Platform, get_platform, platforms

log = logging.getLogger(__name__)
_PREFIX = "AIRFLOW_CONN_"


def platform_of(conn_id: str) -> Platform:
    """The registered platform of connection ``conn_id`` (its connection type)."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    return get_platform(str(conn.conn_type))


def provider_connections() -> list[tuple[str, str]]:
    """``(conn id, platform)`` of every connection of a provider type: environment variables
    (``AIRFLOW_CONN_*``) and, when there is one, the metadata database."""
    types = {p.conn_type: p.name for p in platforms()}
    found: dict[str, str] = {}
    for name, value in os.environ.items():
        if not name.startswith(_PREFIX):
            continue
        conn_type = _type_of(value)
        if conn_type in types:
            found[name[len(_PREFIX) :].lower()] = types[conn_type]
    for conn_id, conn_type in _from_database():
        if conn_type in types:
            found.setdefault(conn_id, types[conn_type])
    return sorted(found.items())


def _type_of(value: str) -> str:
    value = value.strip()
    if value.startswith("{"):
        try:
            parsed: Any = json.loads(value)
        except ValueError:
            return ""
        return str(parsed.get("conn_type", "")) if isinstance(parsed, dict) else ""
    return value.partition("://")[0].replace("-", "_")


def _from_database() -> list[tuple[str, str]]:
    try:
        from airflow.models import Connection
        from airflow.utils.session import create_session

        with create_session() as session:
            return [(str(c.conn_id), str(c.conn_type)) for c in session.query(Connection).all()]
    except Exception as err:  # no metadata database here: environment variables only
        log.debug("metadata database not readable: %s", type(err).__name__)
        return []
