from __future__ import annotations

import base64
import json
import threading
import time

import pytest

from airflow_provider.common.auth import (
    MemoryTokenStore,
    Token,
    TokenManager,
    jwt_expiry,
    token_store_key,
)
from airflow_provider.common.errors import TokenRateLimitError


def _jwt(claims: dict) -> str:
    def enc(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{enc({'alg': 'HS256'})}.{enc(claims)}.sig"


def test_jwt_expiry_seconds_and_milliseconds() -> None:
    assert jwt_expiry(_jwt({"exp": 1_700_000_000})) == 1_700_000_000
    assert jwt_expiry(_jwt({"exp": 1_677_766_229_697})) == pytest.approx(1_677_766_229.697)
    assert jwt_expiry("opaque-token") is None
    assert jwt_expiry(_jwt({"sub": "x"})) is None


def test_refresh_point_is_inside_the_last_tenth_never_before_it() -> None:
    for _ in range(200):
        token = Token.with_ttl("t", 3600)
        assert token.expires_at == pytest.approx(token.fetched_at + 3600)
        assert token.fetched_at + 3600 * 0.9 <= token.refresh_at <= token.fetched_at + 3600 * 0.95
    assert token.usable()
    assert not token.usable(now=token.refresh_at + 1)


def test_store_key_depends_on_account_not_conn_id() -> None:
    a = token_store_key("chao8", "https://h", "key", "secret")
    assert a == token_store_key("chao8", "https://h", "key", "secret")
    assert a != token_store_key("chao8", "https://h", "key", "secret2")
    assert a != token_store_key("chao8", "https://other", "key", "secret")
    assert "token" in a
    assert "secret" not in a
    import hashlib

    assert hashlib.md5(b"secret").hexdigest() not in a


def _counting_fetch(counter: list[int], ttl: float = 3600, delay: float = 0.0):
    def fetch() -> Token:
        time.sleep(delay)
        counter.append(1)
        return Token.with_ttl(f"token-{len(counter)}", ttl)

    return fetch


def test_many_managers_share_one_fetch() -> None:
    store, calls = MemoryTokenStore(), []
    values = {TokenManager("k", _counting_fetch(calls), store=store).get().value for _ in range(20)}
    assert values == {"token-1"}
    assert len(calls) == 1


def test_threads_racing_on_an_empty_cache_fetch_once() -> None:
    store, calls, seen = MemoryTokenStore(), [], []

    def worker() -> None:
        seen.append(TokenManager("k", _counting_fetch(calls, delay=0.05), store=store).get().value)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert set(seen) == {"token-1"}


def test_a_second_process_reuses_the_stored_token() -> None:
    store, calls = MemoryTokenStore(), []
    TokenManager("k", _counting_fetch(calls), store=store).get()
    TokenManager.clear_process_cache()  # what a new process starts with
    assert TokenManager("k", _counting_fetch(calls), store=store).get().value == "token-1"
    assert len(calls) == 1


def test_stale_token_is_refreshed_once() -> None:
    store, calls = MemoryTokenStore(), []
    manager = TokenManager("k", _counting_fetch(calls), store=store)
    first = manager.get().value
    second = manager.get(stale=first).value
    assert (first, second) == ("token-1", "token-2")
    assert Token.from_json(store.get("k")).value == "token-2"
    # another worker that saw the old token refused picks up the new one without fetching
    other = TokenManager("k", _counting_fetch(calls), store=store)
    TokenManager.clear_process_cache()
    assert other.get(stale=first).value == "token-2"
    assert len(calls) == 2


def test_expired_token_in_store_is_replaced() -> None:
    store, calls = MemoryTokenStore(), []
    store.set("k", Token(value="old", refresh_at=time.time() - 1).to_json())
    assert TokenManager("k", _counting_fetch(calls), store=store).get().value == "token-1"


def test_lease_holder_in_another_process_is_waited_for() -> None:
    store, calls = MemoryTokenStore(shared=True), []
    store.set("k_lease", json.dumps({"owner": "other-process", "until": time.time() + 600}))
    waits: list[float] = []

    def other_process_finishes_while_we_wait(seconds: float) -> None:
        waits.append(seconds)
        store.set("k", Token.with_ttl("from-other", 3600).to_json())
        store.delete("k_lease")

    manager = TokenManager(
        "k", _counting_fetch(calls), store=store, sleep=other_process_finishes_while_we_wait
    )
    assert manager.get().value == "from-other"
    assert calls == []
    assert len(waits) == 1  # it waited for the lease holder once, then read its token


def test_rate_limited_token_call_waits_and_reads_the_store() -> None:
    store, calls = MemoryTokenStore(), []

    def fetch() -> Token:
        calls.append(1)
        # another worker won the race a moment ago
        store.set("k", Token.with_ttl("winner", 3600).to_json())
        raise TokenRateLimitError("chao8", "token requested too often", code=21185002, retry_after=3)

    slept: list[float] = []
    manager = TokenManager("k", fetch, store=store, sleep=slept.append)
    assert manager.get().value == "winner"
    assert calls == [1]
    assert slept  # it waited instead of calling again


def test_masking_every_token_obtained() -> None:
    masked: list[str] = []
    manager = TokenManager(
        "k",
        lambda: Token.with_ttl("tok-123456", 60, extra={"refresh_token": "rt-abcdef"}),
        store=MemoryTokenStore(),
        mask=masked.append,
    )
    manager.get()
    assert masked == ["tok-123456", "rt-abcdef"]


def test_peek_never_fetches() -> None:
    calls: list[int] = []
    assert TokenManager("k", _counting_fetch(calls), store=MemoryTokenStore()).peek() is None
    assert calls == []


class _Decided:
    """The lease's settle wait as an event: a claimant re-reads the lease only once every racer
    has claimed or seen a rival's lease, so the last claim written wins, however threads run."""

    def __init__(self, racers: int) -> None:
        self.racers = racers
        self.decided: set[int] = set()
        self.changed = threading.Condition()

    def _decide(self) -> None:
        with self.changed:
            self.decided.add(threading.get_ident())
            self.changed.notify_all()

    def settle(self) -> None:
        self._decide()
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.decided) >= self.racers, 600)  # safety net

    def sleep(self, seconds: float) -> None:
        self._decide()
        time.sleep(min(seconds, 0.01))  # a poll of the store while the lease holder fetches


def test_two_refreshers_on_a_shared_store_agree_through_the_lease() -> None:
    store, calls, seen = MemoryTokenStore(shared=True), [], []
    race = _Decided(4)
    start = threading.Barrier(4)

    def process() -> None:
        # a separate manager instance with its own lock stands for another process
        manager = TokenManager(
            "k", _counting_fetch(calls, delay=0.05), store=store, sleep=race.sleep, settle=race.settle
        )
        manager._lock = threading.Lock()
        start.wait(600)
        seen.append(manager.get().value)

    TokenManager.clear_process_cache()
    threads = [threading.Thread(target=process) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert set(seen) == {"token-1"}
    assert store.get("k_lease") is None


def test_the_settle_wait_defaults_to_a_short_jittered_sleep() -> None:
    store, slept = MemoryTokenStore(shared=True), []
    manager = TokenManager("k", lambda: Token.with_ttl("t", 60), store=store, sleep=slept.append)
    assert manager.get().value == "t"
    (wait,) = slept
    assert 0.05 <= wait <= 0.25


def test_latest_returns_the_newest_token_even_when_expired() -> None:
    store = MemoryTokenStore()
    manager = TokenManager("k", lambda: Token.with_ttl("unused", 60), store=store)
    assert manager.latest() is None
    old = Token(value="old", fetched_at=100, refresh_at=101, extra={"refresh_token": "rt-1"})
    store.set("k", old.to_json())
    assert manager.latest().extra == {"refresh_token": "rt-1"}
    TokenManager._local["k"] = Token(
        value="newer", fetched_at=200, refresh_at=201, extra={"refresh_token": "rt-2"}
    )
    assert manager.latest().value == "newer"


class _DriverError(Exception):
    """Stands for the DB driver's error SQLAlchemy wraps (``err.orig``)."""


class _ReadOnlyStore(MemoryTokenStore):
    """A Variables table that cannot be written: the error quotes the statement's parameters."""

    def __init__(self, masked: list[str]) -> None:
        super().__init__()
        self.masked = masked
        self.masked_before_write: list[str] = []

    def set(self, key: str, value: str) -> None:
        self.masked_before_write = list(self.masked)
        err = RuntimeError(
            "(sqlite3.OperationalError) attempt to write a readonly database "
            f"[SQL: INSERT INTO variable (key, val) VALUES (?, ?)] [parameters: ('{key}', '{value}')]"
        )
        err.orig = _DriverError("attempt to write a readonly database")  # type: ignore[attr-defined]
        raise err


def test_store_write_warning_names_the_key_and_error_kind_but_no_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    masked: list[str] = []
    store = _ReadOnlyStore(masked)
    manager = TokenManager(
        "fulfillment_token_k",
        lambda: Token.with_ttl("tok-SECRET-1", 60, extra={"refresh_token": "rt-SECRET-2"}),
        store=store,
        mask=masked.append,
    )
    with caplog.at_level("WARNING", logger="airflow_provider.common.auth"):
        assert manager.get().value == "tok-SECRET-1"  # kept in process memory
    assert "Cannot write the shared token store" in caplog.text
    assert "fulfillment_token_k" in caplog.text
    assert "RuntimeError (_DriverError)" in caplog.text
    assert "tok-SECRET-1" not in caplog.text
    assert "rt-SECRET-2" not in caplog.text
    assert "parameters" not in caplog.text
    # registered with log masking before the write was even tried
    assert {"tok-SECRET-1", "rt-SECRET-2"} <= set(store.masked_before_write)


def test_store_read_warning_carries_no_error_text(caplog: pytest.LogCaptureFixture) -> None:
    class Unreadable(MemoryTokenStore):
        def get(self, key: str) -> str | None:
            raise RuntimeError("[parameters: ('rt-SECRET-3',)]")

    manager = TokenManager("k", lambda: Token.with_ttl("t", 60), store=Unreadable())
    with caplog.at_level("WARNING", logger="airflow_provider.common.auth"):
        assert manager.latest() is None
        assert manager.peek() is None
    assert "Cannot read the shared token store" in caplog.text
    assert "rt-SECRET-3" not in caplog.text


def test_latest_masks_what_it_reads_from_the_store() -> None:
    masked: list[str] = []
    store = MemoryTokenStore()
    store.set(
        "k", Token(value="old-tok-1", fetched_at=1, refresh_at=2, extra={"refresh_token": "rt-9"}).to_json()
    )
    TokenManager("k", lambda: Token.with_ttl("t", 60), store=store, mask=masked.append).latest()
    assert masked == ["old-tok-1", "rt-9"]
