"""
HyperSKU sandbox: the customer API simulated in memory, wire format as ``api/hypersku.md``.

- AG-Admin envelopes (``{"status": 200, "message", "data", "rel"}``, tables as
  ``{"data": {"total", "rows"}}``), errors as HTTP 200 with a non-200 ``status``
  (:mod:`.answers`).
- Password tokens (``POST /api/auth/admin/token``) and OAuth2 (authorise page at
  ``/application/auth``, code exchange, refresh with rotation): JWTs with ``exp`` on the sandbox
  clock, sent raw in ``Authorization`` (``Bearer `` accepted too); ``40101`` for a missing, bad
  or expired token, ``40102`` for a wrong username or password, ``40131`` for a wrong client
  (:mod:`.accounts`).
- Orders advance 8 -> 1 -> 9 -> 2 -> 3 -> 4 -> 5 on the sandbox clock; some end in 6 (closed),
  11 (returned), 7 (refunding) or 10 (overdue), chosen by ``thirdOrderId`` (see
  :func:`~.lifecycle.sandbox_outcome`). Tracking events appear from status 4 (:mod:`.orders`).
- A second create with the same ``thirdOrderId`` makes a second order by default (HyperSKU does
  not document a refusal); with ``duplicate_ids="refuse"`` it is refused (``status`` 500,
  "... already exists"), the answer ``api/hypersku.md`` infers.
- Seeded countries, products/SKUs, logistics channels and stock: :mod:`.seed` (``data/*.json``),
  served by :mod:`.logistics` and :mod:`.stock`.

:class:`HyperSkuBackend` is the state and business rules (no HTTP), one class per resource;
:mod:`.routes` is the HTTP layer.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, ClassVar

from airflow_provider.sandbox.hypersku.accounts import HyperSkuAccounts
from airflow_provider.sandbox.hypersku.answers import Envelope, SandboxInputError, fail
from airflow_provider.sandbox.hypersku.drift import DRIFT_PLAN
from airflow_provider.sandbox.hypersku.lifecycle import (
    LIFECYCLE_SECONDS,
    LIFECYCLES,
    OUTCOME_MARKERS,
    SANDBOX_FAILURE_SHARE,
    SHIPPED_AFTER,
    sandbox_outcome,
)
from airflow_provider.sandbox.hypersku.logistics import HyperSkuLogistics
from airflow_provider.sandbox.hypersku.orders import HyperSkuOrders
from airflow_provider.sandbox.hypersku.seed import (
    SANDBOX_API_KEY,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_INVENTORY,
    SANDBOX_PASSWORD,
    SANDBOX_REFRESH_TOKEN,
    SANDBOX_REFRESH_TOKEN_TTL,
    SANDBOX_STORE_CODE,
    SANDBOX_TOKEN_TTL,
    SANDBOX_USERNAME,
)
from airflow_provider.sandbox.kit import DuplicateIds, Faults, SandboxClock, TokenIssuer

__all__ = [
    "LIFECYCLES",
    "LIFECYCLE_SECONDS",
    "OUTCOME_MARKERS",
    "SHIPPED_AFTER",
    "Envelope",
    "HyperSkuBackend",
    "SandboxInputError",
    "fail",
    "sandbox_outcome",
]


class HyperSkuBackend(HyperSkuAccounts, HyperSkuLogistics, HyperSkuOrders):
    """
    In-memory HyperSKU: accounts, OAuth2 clients, tokens, orders, stock.

    :param clock: the sandbox clock (or give ``speed``).
    :param faults: shared fault injection.
    :param duplicate_ids: the answer to a reused ``thirdOrderId`` (``accept`` by default).
    :param speed: simulated seconds per real second when no clock is given.
    :param token_ttl: access token lifetime (sandbox seconds).
    :param users: ``{username: password}`` (default: the sandbox account).
    :param clients: ``{clientId: clientSecret}`` (default: the sandbox app).
    :param store_code: the account's store code.
    :param require_api_key: refuse token calls whose ``Authorization`` is not ``api_key``.
    :param rotate_refresh_tokens: a refresh answers a new refresh token and revokes the old one.
    :param failure_share: share of unmarked orders ending closed or returned.
    """

    platform = "hypersku"
    drift_plan = DRIFT_PLAN
    default_duplicate_ids: ClassVar[DuplicateIds] = "accept"
    auth_paths = (
        "/api/auth/admin/token",
        "/api/auth/admin/token/access_token",
        "/api/auth/admin/token/refresh_token",
        "/application/auth",
    )

    def __init__(
        self,
        *,
        clock: SandboxClock | None = None,
        faults: Faults | None = None,
        duplicate_ids: DuplicateIds | None = None,
        speed: float | None = None,
        token_ttl: float = SANDBOX_TOKEN_TTL,
        users: Mapping[str, str] | None = None,
        clients: Mapping[str, str] | None = None,
        store_code: str = SANDBOX_STORE_CODE,
        require_api_key: bool = False,
        api_key: str = SANDBOX_API_KEY,
        rotate_refresh_tokens: bool = True,
        failure_share: float = SANDBOX_FAILURE_SHARE,
    ) -> None:
        if clock is None and speed is not None:
            clock = SandboxClock(speed=speed)
        super().__init__(clock=clock, faults=faults, duplicate_ids=duplicate_ids)
        self.tokens = TokenIssuer(self.clock, token_ttl, issuer="hypersku-sandbox")
        self.users = dict(users or {SANDBOX_USERNAME: SANDBOX_PASSWORD})
        self.clients = dict(clients or {SANDBOX_CLIENT_ID: SANDBOX_CLIENT_SECRET})
        self.forbidden_clients = set()
        self.store_code = store_code
        self.require_api_key = require_api_key
        self.api_key = api_key
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.failure_share = failure_share
        self.api_keys_seen = []
        self._seq = 0
        self._seq_lock = threading.Lock()
        self.inventory = {
            sku: {"warehouseName": wh, "available": n, "locked": 0}
            for sku, (wh, n) in SANDBOX_INVENTORY.items()
        }
        self.store.insert(
            "refresh_tokens",
            SANDBOX_REFRESH_TOKEN,
            {
                "client": SANDBOX_CLIENT_ID,
                "subject": SANDBOX_USERNAME,
                "expires": self.clock.now() + SANDBOX_REFRESH_TOKEN_TTL,
            },
        )

    def stats(self) -> dict[str, Any]:
        """The kit's counters and the number of orders."""
        return {**super().stats(), "orders": len(self.store.table("orders"))}
