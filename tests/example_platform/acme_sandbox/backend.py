"""ACME Parcels backend: accounts, tokens and parcels on the sandbox clock (no HTTP here)."""

from __future__ import annotations

from typing import Any, ClassVar

from acme.constants import DUPLICATE, LOST, NEW, PACKED, SHIPPED, TOKEN_PATH

from airflow_provider.sandbox.kit import DuplicateIds, Lifecycle, SandboxBackend, TokenIssuer, load_json

ACCOUNT, SECRET = "acme-sandbox", "acme-sandbox-secret"
TOKEN_TTL = 3600.0
#: a parcel is new for 60 s, packed for 240 s, then shipped (or lost: its id contains LOST)
SHIPPED_AFTER = 300.0
LIFECYCLES = {
    "shipped": Lifecycle(((NEW, 60.0), (PACKED, 240.0), (SHIPPED, 0.0))),
    "lost": Lifecycle(((NEW, 60.0), (PACKED, 240.0), (LOST, 0.0))),
}


class AcmeError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class AcmeBackend(SandboxBackend):
    """State and rules of the ACME Parcels simulator."""

    platform = "acme"
    auth_paths = (TOKEN_PATH,)
    default_duplicate_ids: ClassVar[DuplicateIds] = "refuse"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tokens = TokenIssuer(self.clock, TOKEN_TTL, issuer="acme-sandbox")
        #: the seed: parcel size limits, from data/limits.json
        self.limits: dict[str, int] = load_json(__package__ or "acme_sandbox", "limits")

    def issue_token(self, account: Any, secret: Any) -> dict[str, Any]:
        if (account, secret) != (ACCOUNT, SECRET):
            raise AcmeError(403, "wrong account or secret")
        with self.lock:
            self.token_calls += 1
        return {"token": self.tokens.issue(ACCOUNT), "ttl": TOKEN_TTL}

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        parcel_id, weight = str(body.get("parcel_id") or ""), body.get("weight_g")
        if not parcel_id or not isinstance(weight, int) or not 0 < weight <= self.limits["max_weight_g"]:
            raise AcmeError(400, "parcel_id and weight_g (1 to max_weight_g grams) are required")
        with self.store.lock:
            if self.id_refused("parcel_ids", parcel_id):
                raise AcmeError(DUPLICATE, f"parcel {parcel_id} exists")
            key = f"parcel-{len(self.store.table('parcels')) + 1}"
            path = "lost" if "LOST" in parcel_id.upper() else "shipped"
            parcel = {"parcel_id": parcel_id, "weight_g": weight, "created": self.clock.now(), "path": path}
            self.store.insert("parcels", key, parcel)
            self.index_id("parcel_ids", parcel_id, key)
        return {"parcel_id": parcel_id, "status": self.status(parcel_id)}

    def status(self, parcel_id: str) -> str:
        parcel = self.orders_by_id("parcel_ids", "parcels", parcel_id)[0]
        return str(LIFECYCLES[parcel["path"]].status_at(parcel["created"], self.clock.now()))

    def statuses(self, ids: list[Any]) -> dict[str, str]:
        return {str(i): self.status(str(i)) for i in ids if self.store.get("parcel_ids", str(i))}
