"""Whether a connection points at the provider's sandbox (the only place the doctor writes)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def points_at_sandbox(conn_id: str, hook_class: type[Any]) -> bool:
    """A loopback host whose ``/_sandbox/stats`` answers as a simulator of this platform."""
    hook = hook_class(conn_id)
    try:
        base_url = hook.settings.base_url
        if urlsplit(base_url).hostname not in LOOPBACK:
            return False
        answer = httpx.get(f"{base_url}/_sandbox/stats", timeout=5)
        body = answer.json() if answer.status_code == 200 else {}
        return isinstance(body, dict) and body.get("platform") == hook.platform
    except (httpx.HTTPError, ValueError):
        return False
    finally:
        hook.close()
