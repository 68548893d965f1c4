"""
Tokens shared by every task on every worker.

A :class:`TokenManager` keeps one token per account: an in-process cache in front of a
:class:`TokenStore` that all workers see (Airflow Variables). Variables have no atomic
create-if-absent, so concurrent refreshers agree through a short *lease* written to the store
before fetching and re-read after a jittered wait; the losers wait for the winner's token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from airflow_provider.common.errors import RateLimitError
from airflow_provider.common.store_outage import StoreOutages, read_task_variable

log = logging.getLogger(__name__)

#: a token is refreshed when this share of its lifetime has passed (the 超8 vendor rule: TTL - TTL/10)
REFRESH_FRACTION = 0.9
#: refresh points are spread over this share of the lifetime AFTER the refresh fraction, never
#: before it (超8's seed: "60-6=54m ... 30m<54m, no refresh"), so workers do not refresh together
REFRESH_JITTER = 0.04


@dataclass
class Token:
    """
    An access token and when to stop using it.

    :param value: the token itself.
    :param fetched_at: epoch seconds when it was obtained.
    :param expires_at: epoch seconds when the platform stops accepting it (``None``: unknown).
    :param refresh_at: epoch seconds after which a new one is fetched (``None``: never).
    :param extra: other secrets issued with it (a rotated refresh token, for example).
    """

    value: str
    fetched_at: float = field(default_factory=time.time)
    expires_at: float | None = None
    refresh_at: float | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def with_ttl(cls, value: str, ttl: float | None, *, extra: dict[str, str] | None = None) -> Token:
        """A token valid ``ttl`` seconds from now, refreshed at :data:`REFRESH_FRACTION` of it."""
        now = time.time()
        if ttl is None or ttl <= 0:
            return cls(value=value, fetched_at=now, extra=extra or {})
        return cls(
            value=value,
            fetched_at=now,
            expires_at=now + ttl,
            refresh_at=refresh_point(now, ttl),
            extra=extra or {},
        )

    def usable(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return bool(self.value) and (self.refresh_at is None or now < self.refresh_at)

    def to_json(self) -> str:
        return json.dumps(
            {
                "value": self.value,
                "fetched_at": self.fetched_at,
                "expires_at": self.expires_at,
                "refresh_at": self.refresh_at,
                "extra": self.extra,
            }
        )

    @classmethod
    def from_json(cls, raw: str | None) -> Token | None:
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return cls(
                value=str(data["value"]),
                fetched_at=float(data.get("fetched_at") or 0),
                expires_at=data.get("expires_at"),
                refresh_at=data.get("refresh_at"),
                extra=dict(data.get("extra") or {}),
            )
        except (ValueError, KeyError, TypeError):
            return None


def refresh_point(fetched_at: float, ttl: float) -> float:
    """Epoch seconds at which a token fetched at ``fetched_at`` with lifetime ``ttl`` is renewed."""
    return fetched_at + ttl * REFRESH_FRACTION + random.uniform(0, ttl * REFRESH_JITTER)  # noqa: S311 - jitter spreading refreshes, not a secret


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT in epoch seconds (milliseconds are recognised), without verifying it."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
        exp = float(claims["exp"])
    except (ValueError, KeyError, TypeError):
        return None
    return exp / 1000 if exp > 1e11 else exp


def token_store_key(platform: str, host: str, login: str, secret: str) -> str:
    """
    Store key of one account's token: platform + host + a SHA-256 of the credentials.

    Never the conn id (two conn ids on one account share a token) and never a vendor-side
    derivative of the secret. The name contains ``token`` so Airflow masks its value.
    """
    digest = hashlib.sha256("\0".join((platform, host, login, secret)).encode()).hexdigest()[:32]
    return f"fulfillment_{platform}_token_{digest}"


class TokenStore(Protocol):
    """Where tokens live between processes: a string per key.

    A store may say ``shared = False`` (process-local): refreshers then skip the lease.
    """

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> None: ...


class MemoryTokenStore:
    """Process memory only: what a process without a metadata DB or task context can share.

    :param shared: pretend other processes see it too (tests of the lease protocol).
    """

    def __init__(self, *, shared: bool = False) -> None:
        self.shared = shared
        self._data: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._data.get(key)

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._data[key] = value

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)


class VariableTokenStore:
    """
    Airflow Variables, reached the way the current process can reach them.

    Inside a task or trigger: ``airflow.sdk.Variable`` (through the supervisor). Outside both
    (CLI, tests with a metadata DB): ``airflow.models.Variable``. With neither: process memory.
    """

    def __init__(self, fallback: TokenStore | None = None) -> None:
        self._fallback = fallback or _PROCESS_MEMORY
        self._db_usable: bool | None = None

    @property
    def shared(self) -> bool:
        """Whether other processes see this store (else no lease is needed between refreshers)."""
        return self._backend() != "memory"

    def _backend(self) -> str:
        if _in_task_context():
            return "sdk"
        if self._db_usable is None:
            self._db_usable = _metadata_db_usable()
        return "db" if self._db_usable else "memory"

    def get(self, key: str) -> str | None:
        backend = self._backend()
        if backend == "sdk":
            # not Variable.get: it answers None when the api-server is away, as if no token were stored
            return read_task_variable(key)
        if backend == "db":
            from airflow.models import Variable as DbVariable

            value = DbVariable.get(key, default_var=None)
            return None if value is None else str(value)
        return self._fallback.get(key)

    def set(self, key: str, value: str) -> None:
        backend = self._backend()
        description = "Access token cache of airflow-provider-fulfillment (safe to delete)."
        if backend == "sdk":
            from airflow.sdk import Variable

            Variable.set(key, value, description=description)
        elif backend == "db":
            from airflow.models import Variable as DbVariable

            DbVariable.set(key, value, description=description)
        else:
            self._fallback.set(key, value)

    def delete(self, key: str) -> None:
        backend = self._backend()
        if backend == "sdk":
            from airflow.sdk import Variable

            Variable.delete(key)
        elif backend == "db":
            from airflow.models import Variable as DbVariable

            DbVariable.delete(key)
        else:
            self._fallback.delete(key)


_PROCESS_MEMORY = MemoryTokenStore()


def _in_task_context() -> bool:
    try:
        from airflow.sdk.execution_time import task_runner
    except ImportError:  # pragma: no cover - task SDK always ships with Airflow 3
        return False
    return getattr(task_runner, "SUPERVISOR_COMMS", None) is not None


def _metadata_db_usable() -> bool:
    if os.environ.get("FULFILLMENT_TOKEN_STORE", "").lower() == "memory":
        return False
    try:
        from airflow.models import Variable as DbVariable

        DbVariable.get("fulfillment_token_store_probe", default_var=None)
    except Exception as err:
        log.debug("No metadata DB for the token store (%s): tokens stay in process memory", err)
        return False
    return True


class TokenManager:
    """
    One account's token: fetched once, reused until its refresh point by every caller.

    :param key: the store key (:func:`token_store_key`).
    :param fetch: obtains a new token from the platform (blocking).
    :param store: the shared store; Airflow Variables by default.
    :param lease_seconds: how long a refresher's claim holds others back.
    :param mask: called with every token value obtained (log masking).
    :param sleep: the waits between polls of the store while another refresher holds the lease.
    :param settle: the wait between writing a lease claim and re-reading it, which must outlast
        a rival's read-then-write of its own claim (default: a jittered 0.05-0.25 s sleep).
        Tests inject an event here so a race is decided by who wrote last, not by timing.
    :param clock: epoch seconds now (tests inject a fake one with ``sleep``).
    :param store_patience: how long a process with no usable token of its own retries a store
        that does not answer (an api-server restart) before it fetches a token anyway.
    """

    _local: dict[str, Token] = {}
    _locks: dict[str, threading.Lock] = {}
    _locks_guard = threading.Lock()

    def __init__(
        self,
        key: str,
        fetch: Callable[[], Token],
        *,
        store: TokenStore | None = None,
        lease_seconds: float = 30.0,
        mask: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        settle: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.time,
        store_patience: float = 60.0,
    ) -> None:
        self.key = key
        self.lease_key = f"{key}_lease"
        self._fetch = fetch
        self.store = store if store is not None else VariableTokenStore()
        self.lease_seconds = lease_seconds
        self._mask = mask or (lambda _value: None)
        self._sleep = sleep
        self._settle = settle or (lambda: sleep(random.uniform(0.05, 0.25)))  # noqa: S311 - jitter between lease claims, not a secret
        self._clock = clock
        self.store_patience = store_patience
        self._owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        with TokenManager._locks_guard:
            self._lock = TokenManager._locks.setdefault(key, threading.Lock())

    def cached(self, *, stale: str | None = None) -> Token | None:
        """The in-process token when it is still usable and not ``stale``; no I/O."""
        token = TokenManager._local.get(self.key)
        if token is not None and token.usable(self._clock()) and token.value != stale:
            return token
        return None

    def store_write_due(self) -> bool:
        """Whether a token fetched while the store was away is due for another write attempt."""
        outage = StoreOutages.get(self.key)
        return outage is not None and outage.due(self._clock())

    def get(self, *, stale: str | None = None) -> Token:
        """
        A usable token: process cache, then the shared store, else a new one from the platform.

        :param stale: a token value the platform just refused: never returned again.
        """
        token = self.cached(stale=stale)
        if token is not None:
            if self.store_write_due():
                self._retry_pending_write()
                return self.cached(stale=stale) or token
            return token
        with self._lock:
            token = self.cached(stale=stale) or self._from_store(stale)
            if token is not None:
                return token
            if StoreOutages.get(self.key) is not None:
                token = self._ride_out_outage(stale)
                if token is not None:
                    return token
            return self._refresh(stale)

    def peek(self) -> Token | None:
        """The token in the process cache or the store, without ever fetching or writing."""
        return self.cached() or self._from_store(None)

    def latest(self) -> Token | None:
        """The most recently fetched token in the process cache or the store, even if expired.

        For secrets issued with a token that outlive it (a rotated OAuth2 refresh token).
        """
        candidates = [TokenManager._local.get(self.key)]
        try:
            stored = Token.from_json(self.store.get(self.key))
        except Exception as err:
            StoreOutages.failed(self.key, "read", err, self._clock())
        else:
            if stored is not None:
                self._mask_token(stored)
                candidates.append(stored)
        return max((t for t in candidates if t is not None), key=lambda t: t.fetched_at, default=None)

    def invalidate(self, value: str) -> None:
        """Forget ``value`` everywhere (it was refused), unless a newer token replaced it."""
        local = TokenManager._local.get(self.key)
        if local is not None and local.value == value:
            TokenManager._local.pop(self.key, None)

    def _from_store(self, stale: str | None) -> Token | None:
        try:
            token = Token.from_json(self.store.get(self.key))
        except Exception as err:
            StoreOutages.failed(self.key, "read", err, self._clock())
            return None
        outage = StoreOutages.get(self.key)
        if outage is not None and outage.pending is not None:
            token = self._write_pending(token)
        else:
            StoreOutages.recovered(self.key)
        if token is None or not token.usable(self._clock()) or token.value == stale:
            return None
        self.remember(token)
        return token

    def _ride_out_outage(self, stale: str | None) -> Token | None:
        """The store does not answer: keep this process's token, else retry the store with backoff.

        A token past its refresh point but not yet expired beats a second token call (超8 allows one
        a minute). ``None``: the store answered with no usable token, or stayed away too long.
        """
        local = TokenManager._local.get(self.key)
        still_accepted = local is not None and (local.expires_at is None or self._clock() < local.expires_at)
        if local is not None and still_accepted and local.value and local.value != stale:
            return local
        deadline = self._clock() + self.store_patience
        while (outage := StoreOutages.get(self.key)) is not None:
            if self._clock() + outage.delay > deadline:
                log.warning("Token store away for %.0f s; fetching a token here", self.store_patience)
                return None
            self._sleep(outage.delay)
            token = self._from_store(stale)
            if token is not None:
                return token
        return None

    def _retry_pending_write(self) -> None:
        if not self._lock.acquire(blocking=False):
            return  # another thread is at it
        try:
            try:
                stored = Token.from_json(self.store.get(self.key))
            except Exception as err:
                StoreOutages.failed(self.key, "read", err, self._clock())
                return
            newer = self._write_pending(stored)
            if newer is not None and newer.usable(self._clock()):
                self.remember(newer)
        finally:
            self._lock.release()

    def _write_pending(self, stored: Token | None) -> Token | None:
        """Write the token fetched during the outage, unless ``stored`` is newer; the token now stored."""
        outage = StoreOutages.get(self.key)
        if outage is None or outage.pending is None:
            return stored
        if stored is not None and stored.fetched_at >= outage.pending_fetched_at:
            outage.pending = None  # another process refreshed after us: its token wins
        else:
            try:
                self.store.set(self.key, outage.pending)
            except Exception as err:
                outage.failed(self.key, "write", err, self._clock())
                return stored
            stored = Token.from_json(outage.pending)
            outage.pending = None
        StoreOutages.recovered(self.key)
        return stored

    def _mask_token(self, token: Token) -> None:
        self._mask(token.value)
        for secret in token.extra.values():
            self._mask(secret)

    def remember(self, token: Token) -> None:
        """Keep ``token`` in the process cache (masked in logs first); the store is not written."""
        self._mask_token(token)
        TokenManager._local[self.key] = token

    def _refresh(self, stale: str | None) -> Token:
        store_away = StoreOutages.get(self.key) is not None  # no lease can be agreed on
        if getattr(self.store, "shared", True) and not store_away:
            waited_for = self._wait_for_other_refresher(stale)
            if waited_for is not None:
                return waited_for
        try:
            token = self._fetch_respecting_rate_limit(stale)
            self.remember(token)  # masked before anything (a failed store write included) can print it
            # stored before the lease goes: a waiter that finds no lease then finds the token
            if not self._store_call(self.store.set, self.key, token.to_json()):
                outage = StoreOutages.get(self.key)
                if outage is not None:  # written later, when the store answers again
                    outage.pending, outage.pending_fetched_at = token.to_json(), token.fetched_at
        finally:
            if not store_away:
                self._store_call(self.store.delete, self.lease_key)
        return token

    def _fetch_respecting_rate_limit(self, stale: str | None) -> Token:
        attempts = 0
        while True:
            try:
                fetched = self._fetch()
            except RateLimitError as err:
                attempts += 1
                if attempts > 2:
                    raise
                # Someone else probably got a token a moment ago: wait, then read it.
                wait = err.retry_after if err.retry_after is not None else 10.0
                log.info("Token call rate-limited; waiting %.0f s for another worker's token", wait)
                deadline = time.time() + wait
                while time.time() < deadline:
                    self._sleep(min(1.0, max(0.0, deadline - time.time())))
                    token = self._from_store(stale)
                    if token is not None:
                        return token
            else:
                from airflow_provider.common.metrics import token_call

                token_call(self.key, refresh=stale is not None or self.key in TokenManager._local)
                return fetched

    def _wait_for_other_refresher(self, stale: str | None) -> Token | None:
        """Claim the lease, or wait while another process holds it; its token is returned."""
        deadline = time.time() + self.lease_seconds
        while True:
            lease = self._read_lease()
            if lease is not None and lease["owner"] != self._owner and lease["until"] > time.time():
                self._sleep(random.uniform(0.05, 0.2))  # noqa: S311 - jitter while polling the store, not a secret
                token = self._from_store(stale)
                if token is not None:
                    return token
                if time.time() > deadline:
                    log.warning(
                        "Token refresher did not finish in %.0f s; refreshing here", self.lease_seconds
                    )
                    return None
                continue
            claim = {"owner": self._owner, "until": time.time() + self.lease_seconds}
            self._store_call(self.store.set, self.lease_key, json.dumps(claim))
            self._settle()
            lease = self._read_lease()
            if lease is None or lease["owner"] == self._owner:
                token = self._from_store(stale)  # a refresher may have finished meanwhile
                if token is not None:
                    self._store_call(self.store.delete, self.lease_key)
                return token
            # another process wrote its claim after ours: it refreshes, we wait

    def _read_lease(self) -> dict[str, Any] | None:
        try:
            raw = self.store.get(self.lease_key)
            data = json.loads(raw) if raw else None
            if data is None:
                return None
            return {"owner": str(data["owner"]), "until": float(data["until"])}
        except Exception:
            return None

    def _store_call(self, fn: Callable[..., Any], key: str, *args: Any) -> bool:
        try:
            fn(key, *args)
        except Exception as err:
            StoreOutages.failed(self.key, "write", err, self._clock())
            return False
        return True

    @classmethod
    def clear_process_cache(cls) -> None:
        """Forget every in-process token (tests; a process that must start cold)."""
        cls._local.clear()
        StoreOutages.clear()
