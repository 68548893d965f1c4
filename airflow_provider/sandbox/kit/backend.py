"""The state every simulator has: clock, tables, faults, counters, the duplicate-id answer."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any, ClassVar, Literal, get_args

from airflow_provider.sandbox.kit.clock import SandboxClock
from airflow_provider.sandbox.kit.drift import DriftPlan, DriftSwitch
from airflow_provider.sandbox.kit.faults import Faults
from airflow_provider.sandbox.kit.store import MemoryStore
from airflow_provider.sandbox.kit.tokens import TokenIssuer

#: how a create answers when it reuses the caller's own order id
DuplicateIds = Literal["refuse", "accept"]
DUPLICATE_ID_MODES: tuple[str, ...] = get_args(DuplicateIds)


def check_duplicate_mode(mode: str) -> DuplicateIds:
    if mode not in DUPLICATE_ID_MODES:
        raise ValueError(f"duplicate-id mode must be one of {DUPLICATE_ID_MODES}, not {mode!r}")
    return mode  # type: ignore[return-value]


class SandboxBackend:
    """
    State shared by one platform simulator: clock, tables, faults, counters.

    Platform backends subclass it, set ``platform``, ``auth_paths`` and
    ``default_duplicate_ids``, and add their data and business rules (no HTTP here).

    :param clock: the sandbox clock (a new real-time one if omitted).
    :param faults: fault injection (none if omitted).
    :param duplicate_ids: ``refuse`` (a create reusing the caller's id is answered "duplicate")
        or ``accept`` (it makes a second order); the platform's default if omitted.
    """

    platform = "sandbox"
    #: paths of token calls: spared by faults unless ``faults.include_auth``
    auth_paths: tuple[str, ...] = ()
    #: the platform's documented answer to a reused caller id
    default_duplicate_ids: ClassVar[DuplicateIds] = "refuse"
    #: how the simulator differs from its documents when drift is on (``None``: no drift mode)
    drift_plan: ClassVar[DriftPlan | None] = None

    def __init__(
        self,
        *,
        clock: SandboxClock | None = None,
        faults: Faults | None = None,
        duplicate_ids: DuplicateIds | None = None,
    ) -> None:
        self.clock = clock or SandboxClock()
        self.faults = faults or Faults()
        self.store = MemoryStore()
        self.requests: Counter[str] = Counter()
        self.token_calls = 0
        #: business calls being handled now, and the most at once since the last stats reset
        self.in_flight = 0
        self.peak_in_flight = 0
        self.lock = threading.RLock()
        self.duplicate_ids: DuplicateIds = check_duplicate_mode(duplicate_ids or self.default_duplicate_ids)
        self.drift = DriftSwitch(type(self).drift_plan)

    @property
    def refuses_duplicates(self) -> bool:
        """True when a create reusing the caller's id must be answered "duplicate"."""
        return self.duplicate_ids == "refuse"

    def set_duplicate_ids(self, mode: str) -> None:
        self.duplicate_ids = check_duplicate_mode(mode)

    # ------------------------------------------------------------------ the caller's own ids
    def id_refused(self, index: str, caller_id: str) -> bool:
        """Whether a create reusing ``caller_id`` must be refused (hold ``store.lock`` around the create)."""
        return self.refuses_duplicates and bool(self.store.get(index, caller_id))

    def index_id(self, index: str, caller_id: str, order_key: str) -> None:
        """Record that the order ``order_key`` was created with the caller's ``caller_id``."""
        with self.store.lock:
            self.store.table(index).setdefault(caller_id, []).append(order_key)

    def orders_by_id(self, index: str, table: str, caller_id: str) -> list[Any]:
        """Every order of ``table`` created with ``caller_id``, oldest first (several only when accepted)."""
        with self.store.lock:
            return [self.store.get(table, key) for key in self.store.get(index, caller_id) or []]

    def count(self, path: str) -> None:
        with self.lock:
            self.requests[path] += 1

    def request_started(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def request_finished(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def stats(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "requests": dict(self.requests),
            "calls": sum(self.requests.values()),
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
            "token_calls": self.token_calls,
            "token_ttl": self.token_ttl_seconds(),
            "clock": {"now": self.clock.now(), "speed": self.clock.speed},
            "faults_injected": dict(self.faults.injected),
            "duplicate_ids": self.duplicate_ids,
            "drift": self.drift.on,
        }

    def token_ttl_seconds(self) -> float | None:
        """Lifetime (sandbox seconds) of the tokens this simulator issues, when it issues any."""
        from airflow_provider.sandbox.kit.tokens import TokenIssuer

        for value in vars(self).values():
            if isinstance(value, TokenIssuer):
                return float(value.ttl)
        return None

    def reset_stats(self) -> None:
        """Counters back to zero (the store keeps its orders)."""
        with self.lock:
            self.requests.clear()
            self.token_calls = 0
            self.peak_in_flight = self.in_flight
            self.faults.injected.clear()

    def dump(self) -> dict[str, Any]:
        """The whole store as plain JSON."""
        return self.store.dump()

    def expire_tokens(self) -> None:
        """Refuse every token issued so far (override where the platform has more issuers)."""
        for issuer in self.issuers():
            issuer.revoke_all()

    def issuers(self) -> list[TokenIssuer]:
        return [value for value in vars(self).values() if isinstance(value, TokenIssuer)]
