"""
HiShopping simulator: the web API (JWT) and the signed, encrypted open API, with a credit ledger.

- Web API ``/api/v1/web``: ``POST /login`` (3001 unknown e-mail, 3002 wrong password, 3003
  disabled user; a 24 h JWT on the sandbox clock), then ``Authorization: Bearer`` on every call
  (1004 when missing, 4001 when invalid or expired). Every answer is HTTP 200 with
  ``{code, message, data}``.
- Open API ``/api/v1/open``: every body an envelope; the signature is verified (1001), then the
  timestamp (+-5 min of real time, 1001) and the nonce (reused: 1001); unknown App ID 1002,
  disabled app 1003, data that does not decrypt 1005. Answers are sealed the same way with the
  app's keys; errors come plain as ``{code, message}``.
- Credit: every create is charged ``goods amount + fee`` (2001 when the balance is short);
  cancelled and failed orders are refunded; every movement is a ledger transaction.
- A second create with the same ``merchant_order`` answers 2002 (the documented answer), unless
  the duplicate-id mode is ``accept``: then it makes a second order.
- Orders move pending -> processing -> shipped (tracking number) -> completed on the sandbox
  clock. A ``merchant_order`` containing ``CANCEL`` is cancelled, one containing ``FAIL`` fails;
  a small deterministic share of the others does too (``cancel_rate``, ``fail_rate``).
- Account [seed endpoints, inferred fields]: ``POST /logout`` revokes the caller's JWT (4001
  after); ``GET /captcha`` (no auth) gives ``{captcha_id, image}`` (an SVG data URL showing the
  text), a login may then send ``captcha_id`` + ``captcha``; ``PUT /password``
  ``{old_password, new_password}`` (3002 when the old one is wrong).
- Keys: ``GET /apikey`` shows the app's Secret Key masked, ``POST /apikey`` replaces it,
  ``PUT /web/app/cert`` replaces the Sign Key; the open API refuses the old key at once (1005 /
  1001). A user without an app gets 1002.
- Merchant profile ``POST|GET|PUT /web/merchant`` and app ``GET|PUT /web/app``: the main account
  has both; ``SANDBOX_NEW_EMAIL`` has neither (its POST creates the profile).
- Not in the vendor's code table, sandbox choices: a malformed request is HTTP 400 with code
  400, an unknown order or goods item (or a missing merchant profile) HTTP 404 with code 404,
  creating a profile that exists HTTP 409 with code 409.

This module holds the backend (state and rules, no HTTP), composed of one part per resource:
:mod:`.accounts` (users, JWT, merchant profiles), :mod:`.apps` (apps, keys, the envelope check),
:mod:`.catalogue` (goods), :mod:`.orders` (orders and their lifecycle) and :mod:`.ledger`
(credit). :mod:`.routes` is the HTTP layer, :mod:`.crypto` the envelope code, :mod:`.wire` the
wire forms, :mod:`.seed` the accounts and catalogue.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from airflow_provider.sandbox.hishopping.apps import Apps
from airflow_provider.sandbox.hishopping.orders import OrderBook
from airflow_provider.sandbox.hishopping.seed import (
    JWT_TTL,
    SANDBOX_APP_ID,
    SANDBOX_APP_ID_2,
    SANDBOX_APP_NAME,
    SANDBOX_DISABLED_EMAIL,
    SANDBOX_EMAIL,
    SANDBOX_GOODS,
    SANDBOX_MERCHANT,
    SANDBOX_NEW_EMAIL,
    SANDBOX_PASSWORD,
    SANDBOX_SECRET_KEY,
    SANDBOX_SECRET_KEY_2,
    SANDBOX_SIGN_KEY,
    SANDBOX_SIGN_KEY_2,
    STARTING_CREDIT,
)
from airflow_provider.sandbox.hishopping.wire import SandboxAnswer
from airflow_provider.sandbox.kit import DuplicateIds, Faults, SandboxClock, TokenIssuer


class HiShoppingBackend(OrderBook, Apps):
    """
    State of the HiShopping simulator: accounts, apps, the goods catalogue, orders, the ledger.

    :param clock: the lifecycle and JWT clock (a new one at ``speed`` when omitted).
    :param faults: shared fault injection.
    :param speed: simulated seconds per real second when no clock is given.
    :param starting_credit: the merchant's credit at start.
    :param cancel_rate: share of orders (by ``merchant_order``) that end cancelled.
    :param fail_rate: share of orders that end failed.
    :param wall_clock: real time for envelope timestamps (not the sandbox clock).
    """

    #: the documented answer to a reused ``merchant_order`` is 2002
    default_duplicate_ids: ClassVar[DuplicateIds] = "refuse"

    platform = "hishopping"
    auth_paths = ("/api/v1/web/login",)

    def __init__(
        self,
        *,
        clock: SandboxClock | None = None,
        faults: Faults | None = None,
        duplicate_ids: DuplicateIds | None = None,
        speed: float = 1.0,
        starting_credit: Decimal | str | int = STARTING_CREDIT,
        cancel_rate: float = 0.02,
        fail_rate: float = 0.02,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(clock=clock or SandboxClock(speed), faults=faults, duplicate_ids=duplicate_ids)
        self.tokens = TokenIssuer(self.clock, JWT_TTL, issuer="hishopping-sandbox")
        self.wall_clock = wall_clock
        self.weights = {
            "ok": max(0.0, 1 - cancel_rate - fail_rate),
            "cancelled": cancel_rate,
            "failed": fail_rate,
        }
        self.users = {}
        self.apps = {}
        self.merchants = {}
        self.captchas = {}
        self._logged_out = set()
        self.add_user(SANDBOX_EMAIL, SANDBOX_PASSWORD, app_id=SANDBOX_APP_ID)
        self.add_user(SANDBOX_DISABLED_EMAIL, SANDBOX_PASSWORD, enabled=False)
        self.add_user(SANDBOX_NEW_EMAIL, SANDBOX_PASSWORD)
        self.add_app(SANDBOX_APP_ID, SANDBOX_SECRET_KEY, SANDBOX_SIGN_KEY, name=SANDBOX_APP_NAME)
        self.add_app(SANDBOX_APP_ID_2, SANDBOX_SECRET_KEY_2, SANDBOX_SIGN_KEY_2)
        now = self.clock.now()
        self.merchants[SANDBOX_EMAIL] = {
            **SANDBOX_MERCHANT,
            "status": "active",
            "_created": now,
            "_updated": now,
        }
        self.goods = {str(item["goods_id"]): item for item in SANDBOX_GOODS}
        self.balance = Decimal("0.00")
        self.transactions = []
        self._nonces = {}
        self._codes: deque[tuple[int, str | None]] = deque()
        self._sequence = 0
        self._refunds = []
        self._txn_sequence = 0
        self._ledger_lock = threading.RLock()
        self.top_up(starting_credit, remark="opening credit")

    def script_code(self, code: int, count: int = 1, path_contains: str | None = None) -> None:
        """Answer vendor ``code`` (e.g. 5001 internal error) to the next ``count`` matching calls."""
        for _ in range(count):
            self._codes.append((int(code), path_contains))

    def scripted_code(self, path: str) -> None:
        """Raise a vendor code scripted with :meth:`script_code` for this path, if any."""
        with self.lock:
            for index, (code, needle) in enumerate(self._codes):
                if needle is None or needle in path:
                    del self._codes[index]
                    raise SandboxAnswer(code, "internal error" if code == 5001 else "scripted error")
