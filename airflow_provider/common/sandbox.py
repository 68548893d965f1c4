"""
Building blocks of the platform simulators (the sandbox).

- :class:`SandboxClock`: the lifecycle clock, speedable and advanceable by tests.
- :class:`MemoryStore`: the in-memory tables of one simulator.
- :class:`TokenIssuer`: signed tokens with an expiry on the sandbox clock, revocable at once.
- :class:`Lifecycle`: where an order stands on its status path at a given clock time.
- :class:`Faults` + :class:`FaultMiddleware`: errors, 429 + Retry-After, latency, dropped
  connections and "commit then lose the answer", by rate or scripted for the next N calls.
- :class:`SandboxBackend` + :func:`build_app`: the shared parts of each platform's FastAPI
  app (fault injection, request counters, the ``/_sandbox`` control routes).
- :func:`serve`: run an app on a free loopback port in a background thread.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import random
import secrets
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger(__name__)


class SandboxClock:
    """
    Simulated time: real time multiplied by ``speed``, plus whatever tests ``advance``.

    :param speed: simulated seconds per real second (``60`` = a minute a second).
    """

    def __init__(self, speed: float = 1.0, start: float | None = None) -> None:
        self.speed = speed
        self._start_real = time.monotonic()
        self._start = time.time() if start is None else start
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Simulated epoch seconds."""
        with self._lock:
            return self._start + (time.monotonic() - self._start_real) * self.speed + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def datetime(self, tz: timezone = UTC) -> datetime:
        return datetime.fromtimestamp(self.now(), tz)

    def set_speed(self, speed: float) -> None:
        with self._lock:
            now_real = time.monotonic()
            self._offset += (now_real - self._start_real) * self.speed
            self._start_real = now_real
            self.speed = speed


def tz_offset(hours: int) -> timezone:
    """A fixed UTC offset (SuperShip +07:00, 超8 and HyperSKU +08:00)."""
    return timezone(timedelta(hours=hours))


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

    def get(self, table: str, key: str) -> Any:
        with self.lock:
            return self.table(table).get(key)

    def values(self, table: str) -> list[Any]:
        with self.lock:
            return list(self.table(table).values())

    def delete(self, table: str, key: str) -> Any:
        with self.lock:
            return self.table(table).pop(key, None)


class TokenIssuer:
    """
    HS256 JWTs whose expiry is on the sandbox clock; ``revoke_all`` expires every token at once.

    :param ttl: lifetime in seconds.
    :param exp_in_ms: write ``exp``/``iat`` in milliseconds (超8 does).
    """

    def __init__(self, clock: SandboxClock, ttl: float, *, issuer: str = "sandbox", exp_in_ms: bool = False):
        self.clock = clock
        self.ttl = ttl
        self.issuer = issuer
        self.exp_in_ms = exp_in_ms
        self._key = secrets.token_bytes(32)
        self._live: set[str] = set()
        self._revoked: set[str] = set()
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self, subject: str, ttl: float | None = None) -> str:
        now = self.clock.now()
        lifetime = self.ttl if ttl is None else ttl
        scale = 1000 if self.exp_in_ms else 1
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "iat": int(now * scale),
            "exp": int((now + lifetime) * scale),
            "jti": secrets.token_hex(8),
        }
        with self._lock:
            self.issued += 1
            self._live.add(str(claims["jti"]))
        return _jwt_encode(claims, self._key)

    def check(self, token: str | None) -> dict[str, Any] | None:
        """The token's claims when it is ours, unexpired and not revoked; else ``None``."""
        if not token:
            return None
        claims = _jwt_decode(token, self._key)
        if claims is None:
            return None
        scale = 1000 if self.exp_in_ms else 1
        now = self.clock.now()
        if claims["exp"] / scale <= now or claims.get("jti") in self._revoked:
            return None
        return claims

    def revoke_all(self) -> None:
        """Every token issued so far is refused from now on (a token-expiry fault)."""
        with self._lock:
            self._revoked |= self._live
            self._live = set()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt_encode(claims: dict[str, Any], key: bytes) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _jwt_decode(token: str, key: bytes) -> dict[str, Any] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    expected = _b64(hmac.new(key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, parts[2]):
        return None
    try:
        claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    return claims


@dataclass(frozen=True)
class Lifecycle:
    """
    A status path: ``steps[i] = (status, seconds spent in it before the next step)``.

    The last step is terminal (its duration is ignored).
    """

    steps: Sequence[tuple[Any, float]]

    def status_at(self, started: float, now: float) -> Any:
        elapsed = now - started
        for status, duration in self.steps[:-1]:
            if elapsed < duration:
                return status
            elapsed -= duration
        return self.steps[-1][0]

    def history(self, started: float, now: float) -> list[tuple[Any, float]]:
        """``(status, entered at)`` for every step reached by ``now``."""
        events: list[tuple[Any, float]] = []
        at = started
        for status, duration in self.steps:
            if at > now:
                break
            events.append((status, at))
            at += duration
        return events


def pick(key: str, weights: dict[str, float]) -> str:
    """A deterministic weighted choice for ``key`` (which path an order takes)."""
    roll = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    total = sum(weights.values())
    upto = 0.0
    for name, weight in weights.items():
        upto += weight / total
        if roll <= upto:
            return name
    return next(reversed(weights))


FAULT_KINDS = ("error", "rate_limit", "drop", "lose_answer", "latency")


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
            if name.startswith("_") or not hasattr(self, name):
                raise ValueError(f"unknown fault setting {name!r}")
            setattr(
                self, name, type(getattr(self, name))(value) if getattr(self, name) is not None else value
            )
        if self.seed is not None:
            self._random.seed(self.seed)

    def clear(self) -> None:
        self._scripted.clear()
        self.error_rate = self.rate_limit_rate = self.drop_rate = self.lose_answer_rate = 0.0
        self.latency_ms = 0.0

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


class SandboxBackend:
    """
    State shared by one platform simulator: clock, tables, faults, counters.

    Platform backends subclass it, set ``platform`` and ``auth_paths``, and add their data.
    """

    platform = "sandbox"
    #: paths of token calls: spared by faults unless ``faults.include_auth``
    auth_paths: tuple[str, ...] = ()

    def __init__(self, *, clock: SandboxClock | None = None, faults: Faults | None = None) -> None:
        self.clock = clock or SandboxClock()
        self.faults = faults or Faults()
        self.store = MemoryStore()
        self.requests: Counter[str] = Counter()
        self.token_calls = 0
        self.lock = threading.RLock()

    def count(self, path: str) -> None:
        with self.lock:
            self.requests[path] += 1

    def stats(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "token_calls": self.token_calls,
            "faults_injected": dict(self.faults.injected),
        }

    def expire_tokens(self) -> None:
        """Refuse every token issued so far (override where the platform has more issuers)."""
        for issuer in self.issuers():
            issuer.revoke_all()

    def issuers(self) -> list[TokenIssuer]:
        return [value for value in vars(self).values() if isinstance(value, TokenIssuer)]


class FaultMiddleware:
    """ASGI middleware applying :class:`Faults` and counting requests."""

    def __init__(self, app: Callable[..., Awaitable[None]], backend: SandboxBackend) -> None:
        self.app = app
        self.backend = backend

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        backend, faults = self.backend, self.backend.faults
        backend.count(path)
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


def build_app(backend: SandboxBackend, title: str) -> FastAPI:
    """A FastAPI app with the fault middleware and the ``/_sandbox`` control routes."""
    from fastapi import FastAPI, Request

    app = FastAPI(
        title=title, docs_url="/_sandbox/docs", openapi_url="/_sandbox/openapi.json", redoc_url=None
    )
    app.state.backend = backend

    @app.get("/_sandbox/stats")
    def stats() -> dict[str, Any]:
        return backend.stats()

    @app.post("/_sandbox/faults")
    async def set_faults(request: Request) -> dict[str, Any]:
        body = await request.json()
        script = body.pop("script", [])
        backend.faults.update(**body)
        for entry in script:
            backend.faults.script(entry["kind"], int(entry.get("count", 1)), entry.get("path_contains"))
        return {"ok": True}

    @app.post("/_sandbox/expire-tokens")
    def expire_tokens() -> dict[str, Any]:
        backend.expire_tokens()
        return {"ok": True}

    @app.post("/_sandbox/clock")
    async def clock(request: Request) -> dict[str, Any]:
        body = await request.json()
        if "advance" in body:
            backend.clock.advance(float(body["advance"]))
        if "speed" in body:
            backend.clock.set_speed(float(body["speed"]))
        return {"now": backend.clock.now(), "speed": backend.clock.speed}

    app.add_middleware(FaultMiddleware, backend=backend)  # type: ignore[arg-type]
    return app


@dataclass
class RunningServer:
    """An app served on loopback; ``url`` has no trailing slash."""

    url: str
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def free_port_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def start_server(
    app: Any, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"
) -> RunningServer:
    """Serve ``app`` with uvicorn in a daemon thread; returns once it accepts connections."""
    import uvicorn

    sock = free_port_socket(host, port)
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level=log_level, lifespan="off", access_log=False, timeout_keep_alive=30)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"sandbox-{bound_port}"
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("sandbox server did not start")
        time.sleep(0.01)
    return RunningServer(url=f"http://{host}:{bound_port}", server=server, thread=thread)


@contextmanager
def serve(app: Any, **kwargs: Any) -> Iterator[RunningServer]:
    """``with serve(app) as server: ...``: the app on a free loopback port for the block."""
    running = start_server(app, **kwargs)
    try:
        yield running
    finally:
        running.stop()
