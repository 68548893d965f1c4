"""
超8 (Chao8) sandbox backend: :class:`Chao8Backend`, the state and business rules of one simulated
open platform (no HTTP: :mod:`.routes` serves it), composed of one part per resource.

- :mod:`.tokens`: the applications and the token call (MD5 ``secretKeySign``, one call per
  minute per application, 21185002, ``tokenTtl`` ``PT8H``);
- :mod:`.logistics_orders`, :mod:`.production_orders`, :mod:`.products`, :mod:`.organisation`
  (dealers, stores), :mod:`.reports`, :mod:`.audits`: the resources it keeps state for;
- every other operation of the catalogue is answered by a stored echo (:meth:`Chao8Backend.echo`).

The business paths and shapes are the inferred ones of ``api/chao8.md`` (the hook's endpoint
table). A reused ``orderNo`` is refused (the answer ``api/chao8.md`` gives) unless the
duplicate-id mode is ``accept``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from airflow_provider.chao8 import constants as c
from airflow_provider.chao8.constants import OPERATIONS
from airflow_provider.sandbox.chao8.audits import Audits
from airflow_provider.sandbox.chao8.organisation import Organisation
from airflow_provider.sandbox.chao8.products import Products
from airflow_provider.sandbox.chao8.report_queries import Reports
from airflow_provider.sandbox.chao8.seed import (
    SANDBOX_DEALERS,
    SANDBOX_PRODUCTS,
    TOKEN_RATE_WINDOW_SECONDS,
    TOKEN_TTL_SECONDS,
)
from airflow_provider.sandbox.chao8.tokens import Applications
from airflow_provider.sandbox.kit import DuplicateIds, Faults, SandboxClock

OPERATIONS_BY_KEY = {op.key: op for op in OPERATIONS}


class Chao8Backend(Audits, Reports, Products, Organisation, Applications):
    """
    The state of one 超8 sandbox: applications, tokens, orders, products, dealers and stores,
    audits, and the stored echoes of the operations it has no rules for.

    :param clock: the sandbox clock (speed it up to run lifecycles in seconds).
    :param faults: injected faults (token calls are spared unless ``include_auth``).
    :param duplicate_ids: ``refuse`` (the default: a reused ``orderNo`` is answered ORDER_EXISTS)
        or ``accept`` (it makes a second order).
    :param speed: clock speed when no ``clock`` is given (simulated seconds per real second).
    :param token_ttl: lifetime of issued tokens, sandbox seconds (8 hours by default).
    :param token_rate_window: one successful token call per application per this many sandbox
        seconds (60 by default; tests shorten it).
    :param auth_error_style: ``"code"`` answers a bad token with code 20324012; ``"meta"`` with
        ``meta.status == 401`` (as some gateways do).
    :param seed: load the seed products and dealers.
    """

    platform = "chao8"
    #: a reused ``orderNo`` is answered ORDER_EXISTS (``api/chao8.md``)
    default_duplicate_ids: ClassVar[DuplicateIds] = "refuse"
    auth_paths = (c.TOKEN_PATH,)

    def __init__(
        self,
        *,
        clock: SandboxClock | None = None,
        faults: Faults | None = None,
        duplicate_ids: DuplicateIds | None = None,
        speed: float | None = None,
        token_ttl: float = TOKEN_TTL_SECONDS,
        token_rate_window: float = TOKEN_RATE_WINDOW_SECONDS,
        auth_error_style: str = "code",
        seed: bool = True,
    ) -> None:
        super().__init__(
            clock=clock,
            faults=faults,
            duplicate_ids=duplicate_ids,
            speed=speed,
            token_ttl=token_ttl,
            token_rate_window=token_rate_window,
            auth_error_style=auth_error_style,
        )
        if seed:
            for product in SANDBOX_PRODUCTS:
                self.store.insert("products", product["productCode"], dict(product))
            for dealer in SANDBOX_DEALERS:
                self.store.insert("dealers", dealer["code"], dict(dealer))

    # ------------------------------------------------------------------ every catalogue operation
    def operation(self, key: str, path: dict[str, str], params: dict[str, str], body: Any) -> Any:
        """
        Answer catalogue operation ``key``: its ``op_<key>`` rule when the sandbox keeps state for
        it, else the generic stored echo (the request is stored and answered back with an id).
        """
        handler = getattr(self, f"op_{key}", None)
        if handler is not None:
            return handler(path, params, body)
        return self.echo(key, path, params, body)

    def echo(self, key: str, path: dict[str, str], params: dict[str, str], body: Any) -> dict[str, Any]:
        """Store a request to an operation the sandbox has no rules for, and answer it back."""
        op = OPERATIONS_BY_KEY[key]
        record = {
            "id": self.new_id(),
            "operation": op.name,
            "key": key,
            "pathParams": dict(path),
            "params": dict(params),
            "body": body,
            "receivedAt": self.now_text(),
        }
        self.store.insert(f"echo:{key}", record["id"], record)
        return record
