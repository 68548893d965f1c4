"""
Riding out a shared token store that does not answer (the api-server or the metadata DB restarting).

In Airflow 3 a task reaches Variables through its supervisor and the api-server. While the
api-server restarts, the task SDK's ``Variable.get(key, default=None)`` answers ``None`` as if the
token had never been stored, and a token manager that believed it would fetch a second token
(超8 allows one token call a minute). :func:`read_task_variable` tells the two apart, and a
:class:`StoreOutage` per key keeps the process's token, retries the store with backoff and logs
the outage once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

log = logging.getLogger("airflow_provider.common.auth")

#: first wait before the store is tried again, doubled after each failure up to the cap
FIRST_RETRY_DELAY = 1.0
MAX_RETRY_DELAY = 30.0


class StoreUnavailable(RuntimeError):
    """The shared store did not answer (which is not the same as: the key is absent)."""


def read_task_variable(key: str) -> str | None:
    """A Variable's value inside a task or trigger; ``None`` only when the api-server says it is absent.

    :raises StoreUnavailable: the supervisor could not reach the api-server.
    """
    from airflow.sdk.execution_time.comms import ErrorResponse, GetVariable, VariableResult
    from airflow.sdk.execution_time.task_runner import SUPERVISOR_COMMS

    try:
        answer = SUPERVISOR_COMMS.send(GetVariable(key=key))
    except Exception as err:  # AirflowRuntimeError(API_SERVER_ERROR): the supervisor gave up
        raise StoreUnavailable(error_kind(err)) from None
    if isinstance(answer, VariableResult):
        return None if answer.value is None else str(answer.value)
    if isinstance(answer, ErrorResponse) and str(getattr(answer.error, "value", answer.error)) == (
        "VARIABLE_NOT_FOUND"
    ):
        return None
    raise StoreUnavailable(type(answer).__name__)


def error_kind(err: BaseException) -> str:
    """An error's class (and its driver error's class), never its text: that may quote SQL parameters."""
    kind = type(err).__name__
    orig = getattr(err, "orig", None)  # SQLAlchemy wraps the DB driver's error
    return f"{kind} ({type(orig).__name__})" if isinstance(orig, BaseException) else kind


@dataclass
class StoreOutage:
    """One store key's outage: the token not yet written, when to try the store again, what was logged.

    :param pending: the token (as stored JSON) fetched while the store could not be written.
    :param pending_fetched_at: when that token was fetched (a newer stored token wins over it).
    """

    failures: int = 0
    delay: float = 0.0
    retry_at: float = 0.0
    pending: str | None = None
    pending_fetched_at: float = 0.0

    def failed(self, key: str, action: str, err: BaseException, now: float) -> None:
        """Count a failed store call and schedule the next try; the first failure of an outage is logged."""
        self.failures += 1
        self.delay = FIRST_RETRY_DELAY if self.delay == 0 else min(self.delay * 2, MAX_RETRY_DELAY)
        self.retry_at = now + self.delay
        # Never the error's text: a database error carries the statement's parameters (the token).
        if self.failures == 1:
            log.warning(
                "Cannot %s the shared token store (key %s: %s); using process memory and retrying "
                "the store with backoff (logged once per outage)",
                action,
                key,
                error_kind(err),
            )
        else:
            log.debug("Token store still unreachable (key %s, failure %d)", key, self.failures)

    def due(self, now: float) -> bool:
        return self.pending is not None and now >= self.retry_at


class StoreOutages:
    """The process's outages, one per store key (every hook of one account shares it)."""

    _by_key: dict[str, StoreOutage] = {}
    _guard = threading.Lock()

    @classmethod
    def get(cls, key: str) -> StoreOutage | None:
        return cls._by_key.get(key)

    @classmethod
    def failed(cls, key: str, action: str, err: BaseException, now: float) -> StoreOutage:
        with cls._guard:
            outage = cls._by_key.setdefault(key, StoreOutage())
        outage.failed(key, action, err, now)
        return outage

    @classmethod
    def recovered(cls, key: str) -> None:
        """The store answered: the outage (if any) is over, unless a token still waits to be written."""
        outage = cls._by_key.get(key)
        if outage is None or outage.pending is not None:
            return
        with cls._guard:
            cls._by_key.pop(key, None)
        log.info("Shared token store reachable again (key %s, after %d failed calls)", key, outage.failures)

    @classmethod
    def clear(cls) -> None:
        with cls._guard:
            cls._by_key.clear()
