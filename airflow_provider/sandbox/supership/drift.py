"""What the SuperShip simulator changes with drift on (``--drift``, ``PUT /_sandbox/drift``)."""

from __future__ import annotations

from typing import Any

from airflow_provider.sandbox.kit.drift import DriftPlan

PARTNER = "/v1/partner"


def _other_envelope(body: Any) -> Any:
    """``{status: "Success", message, results}`` as ``{status: "OK", code: 0, data}``."""
    if not isinstance(body, dict):
        return body
    return {"status": "OK", "code": 0, "data": body.get("results")}


DRIFT_PLAN = DriftPlan(
    renamed=("code", "warehouse_code"),
    rename_paths=(f"{PARTNER}/warehouses",),
    moved=(f"{PARTNER}/areas/commune", "/v2/partner/areas/commune"),
    status_path=f"{PARTNER}/orders/info",
    status_key="status",
    status_id_key="code",
    status_value="99",
    status_drop=("status_name",),
    business_path=f"{PARTNER}/webhooks",
    business_answer={
        "status": "Error",
        "message": "Webhook API chưa được bật cho đối tác này.",
        "errors": {"webhook": "E_WEBHOOK_OFF"},
    },
    business_http_status=400,
    envelope_path=f"{PARTNER}/orders/status",
    rewrap=_other_envelope,
)
