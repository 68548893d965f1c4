"""超8 sandbox seed: the applications it accepts, organisations, products and dealers (``data/*.json``)."""

from __future__ import annotations

from typing import Any

from airflow_provider.sandbox.kit import load_json

_DATA = __package__ or "airflow_provider.sandbox.chao8"

# ---------------------------------------------------------------- credentials the sandbox accepts
#: the application key (login of a ``chao8`` connection pointed at the sandbox)
SANDBOX_ACCESS_KEY = "c8sbx5a1d0c7e9b2f4e03a8c61d2b7f9"
#: the application secret (password of that connection); the hook sends only its MD5
SANDBOX_SECRET = "chao8-sandbox-secret"  # noqa: S105 - the offline sandbox's published test secret
#: an application that exists but is disabled (21184032)
SANDBOX_DISABLED_ACCESS_KEY = "c8sbxdisabled0000000000000000000"
SANDBOX_APP_ID = "1575418076977623040"

# ---------------------------------------------------------------- token rules
#: ``tokenTtlSeconds`` the sandbox issues by default (the vendor's 8 hours)
TOKEN_TTL_SECONDS = 28800.0
#: one successful token call per application per this many sandbox seconds
TOKEN_RATE_WINDOW_SECONDS = 60.0
TOKEN_ISSUER = "yesno.com.cn"  # noqa: S105 - the JWT issuer name, not a secret

# ---------------------------------------------------------------- lifecycle timings (sandbox seconds)
#: a logistics order waits this long (status 0) before the warehouse starts scanning
LOGISTICS_CREATED_SECONDS = 120.0
#: scanning (status 1) lasts this long; scans appear evenly over it, then status 2
LOGISTICS_SCANNING_SECONDS = 600.0
#: a production order is pending (status 0) this long
PRODUCTION_PENDING_SECONDS = 300.0
#: production (status 1) lasts this long, then status 2
PRODUCTION_RUNNING_SECONDS = 900.0
#: the most items one batch call takes
MAX_BATCH = 200

# ---------------------------------------------------------------- seed data (data/*.json)
SANDBOX_FACTORY_CODE = "ORG-SH-FACTORY"
SANDBOX_WAREHOUSE_CODE = "ORG-SH-WH01"
#: organisations (组织) that ship: use one as ``sourceOrgCode``
SANDBOX_ORG_CODES = (SANDBOX_FACTORY_CODE, SANDBOX_WAREHOUSE_CODE)
SANDBOX_PRODUCTS: tuple[dict[str, Any], ...] = tuple(load_json(_DATA, "products"))
SANDBOX_PRODUCT_CODES = tuple(p["productCode"] for p in SANDBOX_PRODUCTS)
SANDBOX_DEALERS: tuple[dict[str, Any], ...] = tuple(load_json(_DATA, "dealers"))
SANDBOX_DEALER_CODES = tuple(d["code"] for d in SANDBOX_DEALERS)
SCAN_OPERATORS = ("仓库扫码员-01", "仓库扫码员-02", "PDA-SH-07")


def sandbox_connection(url: str) -> dict[str, Any]:
    """The Airflow connection (``AIRFLOW_CONN_CHAO8_DEFAULT`` JSON form) for a sandbox at ``url``."""
    return {"conn_type": "chao8", "host": url, "login": SANDBOX_ACCESS_KEY, "password": SANDBOX_SECRET}
