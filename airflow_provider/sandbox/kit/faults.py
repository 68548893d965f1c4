"""
Fault injection: errors, 429 + Retry-After, latency, dropped connections and "commit then lose
the answer", by rate or scripted for the next N calls, applied by an ASGI middleware.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider.sandbox.kit.backend import SandboxBackend

FAULT_KINDS = ("error", "rate_limit", "drop", "lose_answer", "latency")
#: the settings a caller may change (``update`` and the control API)
FAULT_SETTINGS = (
    "error_rate",
    "rate_limit_rate",
    "retry_after",
    "drop_rate",
    "lose_answer_rate",
    "latency_ms",
    "include_auth",
    "seed",
)


@dataclass
class Faults:
    """
    Faults injected into business calls (token calls are spared unless ``include_auth``).

    Rates are probabilities per request; :meth:`script` queues exact faults for the next calls.

    :param error_rate: HTTP 500 answers.
    :param rate_limit_rate: HTTP 429 answers with ``Retry-After: retry_after``.
    :param drop_rate: the connection closes before the request is handled.
    :param lose_answer_rate: the request is handled (an order is committed), then the
        connection closes without the answer.
    :param latency_ms: added to every request.
    """

    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after: float = 1.0
    drop_rate: float = 0.0
    lose_answer_rate: float = 0.0
    latency_ms: float = 0.0
    include_auth: bool = False
    seed: int | None = None
    #: faults injected so far, by kind
    injected: Counter[str] = field(default_factory=Counter, repr=False)
    _scripted: deque[tuple[str, str | None]] = field(default_factory=deque, repr=False)
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if self.seed is not None:
            self._random.seed(self.seed)

    def script(self, kind: str, count: int = 1, path_contains: str | None = None) -> None:
        """Inject ``kind`` into the next ``count`` matching requests."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULT_KINDS}")
        for _ in range(count):
            self._scripted.append((kind, path_contains))

    def update(self, **settings: Any) -> None:
        for name, value in settings.items():
            if name not in FAULT_SETTINGS:
                raise ValueError(f"unknown fault setting {name!r}")
            current = getattr(self, name)
            setattr(self, name, type(current)(value) if current is not None and value is not None else value)
        if self.seed is not None:
            self._random.seed(self.seed)

    def clear(self) -> None:
        """No fault from now on: rates to zero, the script emptied."""
        self._scripted.clear()
        self.error_rate = self.rate_limit_rate = self.drop_rate = self.lose_answer_rate = 0.0
        self.latency_ms = 0.0

    def settings(self) -> dict[str, Any]:
        """The current rates and the scripted faults still queued."""
        return {
            **{name: getattr(self, name) for name in FAULT_SETTINGS},
            "script": [{"kind": kind, "path_contains": needle} for kind, needle in self._scripted],
        }

    def choose(self, path: str) -> str | None:
        """The fault for this request, if any (counted in :attr:`injected`)."""
        kind = self._choose(path)
        if kind is not None:
            self.injected[kind] += 1
        return kind

    def _choose(self, path: str) -> str | None:
        for index, (kind, needle) in enumerate(self._scripted):
            if needle is None or needle in path:
                del self._scripted[index]
                return kind
        roll = self._random.random()
        for kind, rate in (
            ("error", self.error_rate),
            ("rate_limit", self.rate_limit_rate),
            ("drop", self.drop_rate),
            ("lose_answer", self.lose_answer_rate),
        ):
            if roll < rate:
                return kind
            roll -= rate
        return None


class DroppedConnection(Exception):
    """Raised inside the app to make the server close the connection mid-answer."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


class FaultMiddleware:
    """ASGI middleware applying :class:`Faults`, counting requests and those in flight (``/_sandbox`` is exempt)."""

    def __init__(self, app: Callable[..., Awaitable[None]], backend: SandboxBackend) -> None:
        self.app = app
        self.backend = backend

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        self.backend.count(path)
        self.backend.request_started()
        try:
            await self._handle(path, scope, receive, send)
        finally:
            self.backend.request_finished()

    async def _handle(self, path: str, scope: dict[str, Any], receive: Any, send: Any) -> None:
        backend, faults = self.backend, self.backend.faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        spared = any(path.endswith(p) for p in backend.auth_paths) and not faults.include_auth
        kind = None if spared else faults.choose(path)
        if kind == "latency":
            await asyncio.sleep(max(faults.latency_ms, 200) / 1000)
            kind = None
        if kind == "error":
            await _send_json(send, 500, {"error": "injected server error"})
            return
        if kind == "rate_limit":
            headers = [(b"retry-after", str(faults.retry_after).encode())]
            await _send_json(send, 429, {"error": "injected rate limit"}, headers)
            return
        if kind == "drop":
            await _drop(send)
            return
        if kind == "lose_answer":

            async def swallow(message: dict[str, Any]) -> None:
                return None

            await self.app(scope, receive, swallow)
            await _drop(send)
            return
        await self.app(scope, receive, send)


async def _send_json(
    send: Any, status: int, body: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": raw})


async def _drop(send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})
    raise DroppedConnection("injected dropped connection")
