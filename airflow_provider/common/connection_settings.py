"""
What a connection says about reaching a platform: base URL, timeouts, TLS, proxy, concurrency,
endpoint overrides and the retry budget, read from the connection's fields and extras.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from airflow_provider.common.errors import ConfigurationError
from airflow_provider.common.retry import RetryPolicy

if TYPE_CHECKING:
    from airflow.sdk import Connection

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 16
#: extras of every connection type that may hold a secret (a proxy URL can carry a password)
COMMON_SECRET_EXTRAS: tuple[str, ...] = ("proxy",)
#: what Airflow's form saves for a field whose name it masks: never a real setting
MASK_PLACEHOLDER = "***"


@dataclass(frozen=True)
class HookSettings:
    """What a connection says about how to reach the platform."""

    base_url: str
    timeout: httpx.Timeout
    verify: bool | str = True
    proxy: str | None = None
    max_concurrency: int = DEFAULT_CONCURRENCY
    endpoints: Mapping[str, str] = field(default_factory=dict)


def read_settings(
    platform: str,
    conn: Connection,
    extra: Mapping[str, Any],
    *,
    endpoints: Mapping[str, str],
    default_base_url: str,
    max_concurrency: int | None = None,
) -> HookSettings:
    """
    :class:`HookSettings` from a connection and its (alias-resolved) extras.

    :param endpoints: the platform's documented paths; extra ``endpoints`` may override them.
    :param max_concurrency: a caller's override of the extra ``max_concurrency``.
    """
    overrides = extra.get("endpoints") or {}
    if not isinstance(overrides, Mapping):
        raise ConfigurationError(platform, "connection extra 'endpoints' must be a JSON object")
    unknown = sorted(set(overrides) - set(endpoints))
    if unknown:
        raise ConfigurationError(
            platform,
            f"connection extra 'endpoints' names unknown endpoints {unknown}; known: {sorted(endpoints)}",
        )
    return HookSettings(
        base_url=base_url_from(conn.host, schema=conn.schema, port=conn.port, default=default_base_url),
        timeout=timeout_from(extra.get("timeout")),
        verify=bool_or_path(extra.get("verify", True)),
        proxy=extra.get("proxy") or None,
        max_concurrency=max(1, int(max_concurrency or extra.get("max_concurrency") or DEFAULT_CONCURRENCY)),
        endpoints={**endpoints, **overrides},
    )


def retry_policy_from(extra: Mapping[str, Any]) -> RetryPolicy:
    """Extras ``max_attempts`` (5), ``retry_base_delay`` (0.5 s) and ``retry_max_seconds`` (120 s)."""
    return RetryPolicy(
        max_attempts=int(extra.get("max_attempts", 5)),
        base_delay=float(extra.get("retry_base_delay", 0.5)),
        max_total=float(extra.get("retry_max_seconds", 120)),
    )


def base_url_from(host: str | None, *, schema: str | None, port: int | None, default: str) -> str:
    """
    Base URL from a connection's host: a full URL (with an optional path prefix) or a bare host.

    An empty host means the platform's production URL ``default``.
    """
    host = (host or "").strip()
    if not host:
        return default.rstrip("/")
    if "://" not in host:
        scheme = schema if schema in ("http", "https") else "https"
        host = f"{scheme}://{host}"
    parts = urlsplit(host)
    netloc = parts.netloc
    if port and parts.port is None:
        netloc = f"{netloc}:{port}"
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def host_of(base_url: str) -> str:
    """``host[:port]`` of a base URL: what logs and errors name (never credentials or a path)."""
    parts = urlsplit(base_url)
    host = parts.hostname or base_url
    if ":" in host:
        host = f"[{host}]"  # IPv6
    return f"{host}:{parts.port}" if parts.port else host


def timeout_from(value: Any) -> httpx.Timeout:
    """``timeout`` extra: seconds (read/write/pool), or ``{connect, read, write, pool}``."""
    if isinstance(value, Mapping):
        return httpx.Timeout(
            connect=float(value.get("connect", 10)),
            read=float(value.get("read", 30)),
            write=float(value.get("write", 30)),
            pool=float(value.get("pool", 30)),
        )
    seconds = float(value) if value not in (None, "") else 30.0
    return httpx.Timeout(seconds, connect=min(10.0, seconds))


def bool_or_path(value: Any) -> bool | str:
    """``verify`` extra: a boolean (also as text) or a CA bundle path."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.lower() in ("true", "1", "yes")
    return str(value) if value else True


def resolve_extra_aliases(extra: dict[str, Any], aliases: Mapping[str, str], where: str) -> dict[str, Any]:
    """Fill each renamed extra (``aliases``: new -> old name) from its old name when only that is set."""
    for new, old in aliases.items():
        if old not in extra:
            continue
        if extra[old] == MASK_PLACEHOLDER:
            deprecated(
                f"{where}: extra {old!r} holds Airflow's mask {MASK_PLACEHOLDER!r} (saved by the form), "
                f"not a value: ignored; set {new!r} instead"
            )
        elif extra.get(new) is None:
            extra[new] = extra[old]
            deprecated(f"{where}: extra {old!r} is deprecated; rename it to {new!r}")
        else:
            deprecated(f"{where}: extra {new!r} is used and the deprecated {old!r} ignored; remove it")
    return extra


def deprecated(message: str) -> None:
    """A deprecation both as a Python warning and in the task log (where users look)."""
    try:
        from airflow.exceptions import AirflowProviderDeprecationWarning as category
    except ImportError:  # pragma: no cover - a worker without airflow-core
        category = DeprecationWarning  # type: ignore[assignment,misc]
    warnings.warn(message, category, stacklevel=4)
    log.warning(message)


class MergedUrls:
    """A path on a client's base URL, merged once per path: httpx parses a relative path on every
    request (an eighth of a create's client CPU in a profile). A hook's sync and async clients share
    its base URL."""

    #: paths kept (paths that carry ids, such as 超8's order numbers, are many)
    kept = 256

    def __init__(self) -> None:
        self._urls: dict[str, httpx.URL] = {}

    def __call__(self, client: httpx.Client | httpx.AsyncClient, path: str) -> httpx.URL:
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) >= self.kept:
                self._urls.clear()
            url = self._urls[path] = client.build_request("GET", path).url
        return url
