"""
SuperShip sandbox: the partner API ``/v1/partner`` simulated in memory (a FastAPI app).

It answers exactly as ``api/supership.md`` describes: ``Authorization: Bearer <token>``
(a personal access token constant or a password-grant token), the ``Success`` / ``Error``
envelope, place NAMES checked against realistic Vietnamese area data, every order endpoint
(plus the PHP SDK forms: POST for the price, ``GET /v1/partner/orders/label``,
``POST /v1/partner/warehouses/update``), and the 0-27 status lifecycle with journeys on the
sandbox clock. Shared faults (500, 429, dropped connections, lost answers, expired tokens) come
from the sandbox kit's control API.

Inferred behaviour (not documented by SuperShip) is marked where it happens; besides the order
rules of :mod:`.orders`: unknown order code / soc is HTTP 404 Error, and the areas and status
lists need no token (SuperShip's own examples send none; a token sent there is ignored).

:class:`SuperShipBackend` is the state and business rules (no HTTP), one class per resource:
:mod:`.accounts` (tokens, login, register), :mod:`.pricing` (fee quote, fees), :mod:`.orders`
(create, info, statuses, cancel; paths in :mod:`.lifecycle`), :mod:`.labels`, :mod:`.warehouses`
and :mod:`.webhooks`; :mod:`.areas` resolves place names. :mod:`.routes` is the HTTP layer and
:mod:`.seed` the account and ``data/*.json``. Run it alone with
``python -m airflow_provider.sandbox --platform supership``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from airflow_provider.sandbox.kit import DuplicateIds, Faults, SandboxClock, TokenIssuer
from airflow_provider.sandbox.supership.accounts import SuperShipAccounts
from airflow_provider.sandbox.supership.answers import error_answer, success_answer, text_of
from airflow_provider.sandbox.supership.areas import communes, districts, provinces, resolve_place
from airflow_provider.sandbox.supership.drift import DRIFT_PLAN
from airflow_provider.sandbox.supership.labels import SuperShipLabels
from airflow_provider.sandbox.supership.lifecycle import (
    DEFAULT_OUTCOME_WEIGHTS,
    LIFECYCLES,
    PATHS,
    SECONDS_TO_DELIVERED,
    SECONDS_TO_FINAL,
    STEP_SECONDS,
)
from airflow_provider.sandbox.supership.orders import SuperShipOrders
from airflow_provider.sandbox.supership.pricing import SuperShipPricing
from airflow_provider.sandbox.supership.seed import (
    SANDBOX_EMAIL,
    SANDBOX_PASSWORD,
    SANDBOX_WAREHOUSES,
    SHOP_ID,
    TOKEN_TTL,
)
from airflow_provider.sandbox.supership.warehouses import SuperShipWarehouses
from airflow_provider.sandbox.supership.webhooks import SuperShipWebhooks

__all__ = [
    "DEFAULT_OUTCOME_WEIGHTS",
    "LIFECYCLES",
    "PATHS",
    "SECONDS_TO_DELIVERED",
    "SECONDS_TO_FINAL",
    "STEP_SECONDS",
    "SuperShipBackend",
]

# the envelope helpers under the names the HTTP layer (:mod:`.routes`) imports
_success = success_answer
_error = error_answer
_text = text_of


class SuperShipBackend(
    SuperShipAccounts,
    SuperShipPricing,
    SuperShipOrders,
    SuperShipLabels,
    SuperShipWarehouses,
    SuperShipWebhooks,
):
    """
    State of the SuperShip simulator: areas, warehouses, orders, tokens, webhook, clock, faults.

    :param clock: the sandbox clock (speed it up or ``advance`` it to move orders along).
    :param faults: shared fault injection.
    :param duplicate_ids: the answer to a reused ``soc`` (``accept``, SuperShip's, by default).
    :param token_ttl: lifetime of password-grant tokens in seconds.
    :param outcome_weights: share of each path for orders whose soc carries no keyword.
    """

    platform = "supership"
    drift_plan = DRIFT_PLAN
    #: SuperShip documents no refusal of a reused ``soc``: a second create makes a second order
    default_duplicate_ids: ClassVar[DuplicateIds] = "accept"
    auth_paths = ("/v1/partner/auth/login", "/v1/partner/auth/register")

    # the areas hold no state: the seed's data (:mod:`.areas`)
    provinces = staticmethod(provinces)
    districts = staticmethod(districts)
    communes = staticmethod(communes)
    resolve_place = staticmethod(resolve_place)

    def __init__(
        self,
        *,
        clock: SandboxClock | None = None,
        faults: Faults | None = None,
        duplicate_ids: DuplicateIds | None = None,
        token_ttl: float = TOKEN_TTL,
        outcome_weights: Mapping[str, float] | None = None,
    ) -> None:
        super().__init__(clock=clock, faults=faults, duplicate_ids=duplicate_ids)
        self.tokens = TokenIssuer(self.clock, ttl=token_ttl, issuer="supership-sandbox")
        self.outcome_weights = dict(outcome_weights or DEFAULT_OUTCOME_WEIGHTS)
        unknown = set(self.outcome_weights) - set(PATHS)
        if unknown:
            raise ValueError(f"unknown outcomes {sorted(unknown)}; known: {sorted(PATHS)}")
        self.personal_token_revoked = False
        self.refresh_tokens = set()
        #: request path -> its Accept and Content-Type headers (tests check what the hook sent)
        self.last_headers: dict[str, dict[str, str]] = {}
        self._sequence = 810000000
        self._webhook_pushed = {}
        self.accounts = {
            SANDBOX_EMAIL: {"code": "S" + SHOP_ID, "email": SANDBOX_EMAIL, "password": SANDBOX_PASSWORD}
        }
        self._account_sequence = 748145
        for warehouse in SANDBOX_WAREHOUSES:
            self._add_warehouse(dict(warehouse), created=self.clock.now() - 86400 * 30)
