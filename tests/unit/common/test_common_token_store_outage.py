"""The shared token store away (an api-server restart): no failed run, no second token call, one log line."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from airflow_provider.common.auth import MemoryTokenStore, Token, TokenManager, VariableTokenStore
from airflow_provider.common.store_outage import StoreUnavailable, read_task_variable

KEY = "fulfillment_chao8_token_outage"
T0 = 1_000_000.0


class Clock:
    """Fake epoch seconds; ``sleep`` advances them and runs what was scheduled for that time."""

    def __init__(self) -> None:
        self.now = T0
        self.sleeps: list[float] = []
        self.at: list[tuple[float, Any]] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        for when, action in list(self.at):
            if self.now >= when:
                self.at.remove((when, action))
                action()


class FlakyStore(MemoryTokenStore):
    """A shared store that raises while ``down`` (as a Variable call does while the api-server restarts)."""

    def __init__(self) -> None:
        super().__init__(shared=True)
        self.down = False
        self.failed_calls = 0

    def _check(self) -> None:
        if self.down:
            self.failed_calls += 1
            raise StoreUnavailable("AirflowRuntimeError")

    def get(self, key: str) -> str | None:
        self._check()
        return super().get(key)

    def set(self, key: str, value: str) -> None:
        self._check()
        super().set(key, value)

    def delete(self, key: str) -> None:
        self._check()
        super().delete(key)


class OncePerMinute:
    """超8's token call: one a minute per application; a second one inside the minute is refused."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.calls: list[float] = []

    def __call__(self) -> Token:
        if self.calls and self.clock() - self.calls[-1] < 60:
            raise AssertionError("a second token call inside the minute (超8 answers 21185002)")
        self.calls.append(self.clock())
        n = len(self.calls)
        return Token(
            value=f"tok-{n}",
            fetched_at=self.clock(),
            expires_at=self.clock() + 3600,
            refresh_at=self.clock() + 3240,
        )


def _manager(store: FlakyStore, clock: Clock, fetch: OncePerMinute) -> TokenManager:
    return TokenManager(KEY, fetch, store=store, sleep=clock.sleep, settle=lambda: None, clock=clock)


def _another_process() -> None:
    TokenManager.clear_process_cache()


def test_a_token_past_its_refresh_point_is_kept_while_the_store_is_away(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, store = Clock(), FlakyStore()
    fetch = OncePerMinute(clock)
    manager = _manager(store, clock, fetch)
    assert manager.get().value == "tok-1"
    clock.now += 3300  # past the refresh point (3240 s), before expiry (3600 s)
    store.down = True
    with caplog.at_level(logging.DEBUG, logger="airflow_provider.common.auth"):
        for _ in range(20):
            assert manager.get().value == "tok-1"
    assert len(fetch.calls) == 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "Cannot read the shared token store" in warnings[0].getMessage()
    assert "logged once per outage" in warnings[0].getMessage()

    store.down = False
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="airflow_provider.common.auth"):
        assert manager.get().value == "tok-2"  # the store answers: the refresh happens normally
    assert "reachable again" in caplog.text
    assert len(fetch.calls) == 2


def test_a_new_process_retries_the_store_with_backoff_instead_of_fetching() -> None:
    clock, store = Clock(), FlakyStore()
    fetch = OncePerMinute(clock)
    assert _manager(store, clock, fetch).get().value == "tok-1"  # another worker stored it
    _another_process()
    store.down = True
    clock.at.append((T0 + 6, lambda: setattr(store, "down", False)))  # a short api-server restart
    assert _manager(store, clock, fetch).get().value == "tok-1"
    assert len(fetch.calls) == 1
    assert clock.sleeps == [1.0, 2.0, 4.0]  # backoff between tries of the store
    assert store.failed_calls == 3


def test_a_token_fetched_while_the_store_is_away_is_written_when_it_returns() -> None:
    clock, store = Clock(), FlakyStore()
    fetch = OncePerMinute(clock)
    store.down = True
    manager = TokenManager(
        KEY, fetch, store=store, sleep=clock.sleep, settle=lambda: None, clock=clock, store_patience=10
    )
    assert manager.get().value == "tok-1"  # the store stayed away past the patience: fetched here
    store.down = False
    assert manager.get().value == "tok-1"  # not due yet: nothing written
    assert MemoryTokenStore.get(store, KEY) is None
    clock.now += 60
    assert manager.get().value == "tok-1"  # due: written now
    assert Token.from_json(MemoryTokenStore.get(store, KEY)).value == "tok-1"  # type: ignore[union-attr]

    _another_process()
    assert _manager(store, clock, fetch).get().value == "tok-1"
    assert len(fetch.calls) == 1


def test_the_write_is_retried_with_backoff_while_the_store_stays_away() -> None:
    clock, store = Clock(), FlakyStore()
    fetch = OncePerMinute(clock)
    store.down = True
    manager = TokenManager(
        KEY, fetch, store=store, sleep=clock.sleep, settle=lambda: None, clock=clock, store_patience=0
    )
    manager.get()
    failed = store.failed_calls
    for _ in range(100):  # a busy bulk run: one call per fake tenth of a second
        clock.now += 0.1
        assert manager.get().value == "tok-1"
    # 10 s of calls, 100 token uses: the store is tried again at +2 s and +6 s (the backoff doubles
    # after the failed read and the failed write), not once per use
    assert store.failed_calls - failed == 2
    assert len(fetch.calls) == 1


def test_a_newer_token_stored_by_another_process_is_not_overwritten() -> None:
    clock, store = Clock(), FlakyStore()
    fetch = OncePerMinute(clock)
    store.down = True
    manager = TokenManager(
        KEY, fetch, store=store, sleep=clock.sleep, settle=lambda: None, clock=clock, store_patience=0
    )
    assert manager.get().value == "tok-1"
    store.down = False
    newer = Token(
        value="tok-other", fetched_at=clock() + 1, expires_at=clock() + 3600, refresh_at=clock() + 3000
    )
    MemoryTokenStore.set(store, KEY, newer.to_json())
    clock.now += 120
    assert manager.get().value == "tok-other"
    assert Token.from_json(MemoryTokenStore.get(store, KEY)).value == "tok-other"  # type: ignore[union-attr]


class _Comms:
    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def send(self, msg: Any) -> Any:
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


def test_inside_a_task_an_api_server_away_is_not_taken_for_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.sdk.exceptions import AirflowRuntimeError, ErrorType
    from airflow.sdk.execution_time import task_runner
    from airflow.sdk.execution_time.comms import ErrorResponse, VariableResult

    monkeypatch.setattr(
        task_runner, "SUPERVISOR_COMMS", _Comms(VariableResult(key=KEY, value="{}")), raising=False
    )
    assert read_task_variable(KEY) == "{}"
    monkeypatch.setattr(
        task_runner,
        "SUPERVISOR_COMMS",
        _Comms(ErrorResponse(error=ErrorType.VARIABLE_NOT_FOUND)),
        raising=False,
    )
    assert read_task_variable(KEY) is None
    away = AirflowRuntimeError(ErrorResponse(error=ErrorType.API_SERVER_ERROR, detail={"message": "refused"}))
    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", _Comms(away), raising=False)
    with pytest.raises(StoreUnavailable):
        read_task_variable(KEY)
    # and the Variables store reports it, so the manager keeps its token instead of fetching one
    with pytest.raises(StoreUnavailable):
        VariableTokenStore().get(KEY)
