"""
The 超8 simulator: :mod:`.backend` (state and rules, composed of one module per resource:
:mod:`.tokens`, :mod:`.logistics_orders`, :mod:`.production_orders`, :mod:`.products`,
:mod:`.organisation`, :mod:`.reports`, :mod:`.audits`, on :mod:`.state` and :mod:`.rules`),
:mod:`.routes` (HTTP), :mod:`.seed` (applications and ``data/*.json``), :mod:`.wire` (its own
time format code).
``SIMULATOR`` is what the cluster and the registry use.
"""

from airflow_provider.sandbox.chao8.backend import Chao8Backend
from airflow_provider.sandbox.chao8.routes import create_app
from airflow_provider.sandbox.chao8.rules import Chao8Error
from airflow_provider.sandbox.chao8.seed import (
    LOGISTICS_CREATED_SECONDS,
    LOGISTICS_SCANNING_SECONDS,
    MAX_BATCH,
    PRODUCTION_PENDING_SECONDS,
    PRODUCTION_RUNNING_SECONDS,
    SANDBOX_ACCESS_KEY,
    SANDBOX_APP_ID,
    SANDBOX_DEALER_CODES,
    SANDBOX_DEALERS,
    SANDBOX_DISABLED_ACCESS_KEY,
    SANDBOX_FACTORY_CODE,
    SANDBOX_ORG_CODES,
    SANDBOX_PRODUCT_CODES,
    SANDBOX_PRODUCTS,
    SANDBOX_SECRET,
    SANDBOX_WAREHOUSE_CODE,
    TOKEN_ISSUER,
    TOKEN_RATE_WINDOW_SECONDS,
    TOKEN_TTL_SECONDS,
    sandbox_connection,
)
from airflow_provider.sandbox.chao8.tokens import SandboxApp, iso_duration, md5_hex
from airflow_provider.sandbox.kit import Simulator

SIMULATOR: Simulator[Chao8Backend] = Simulator(
    platform="chao8",
    backend=Chao8Backend,
    routes=create_app,
    connection=sandbox_connection,
)

__all__ = [
    "LOGISTICS_CREATED_SECONDS",
    "LOGISTICS_SCANNING_SECONDS",
    "MAX_BATCH",
    "PRODUCTION_PENDING_SECONDS",
    "PRODUCTION_RUNNING_SECONDS",
    "SANDBOX_ACCESS_KEY",
    "SANDBOX_APP_ID",
    "SANDBOX_DEALERS",
    "SANDBOX_DEALER_CODES",
    "SANDBOX_DISABLED_ACCESS_KEY",
    "SANDBOX_FACTORY_CODE",
    "SANDBOX_ORG_CODES",
    "SANDBOX_PRODUCTS",
    "SANDBOX_PRODUCT_CODES",
    "SANDBOX_SECRET",
    "SANDBOX_WAREHOUSE_CODE",
    "SIMULATOR",
    "TOKEN_ISSUER",
    "TOKEN_RATE_WINDOW_SECONDS",
    "TOKEN_TTL_SECONDS",
    "Chao8Backend",
    "Chao8Error",
    "SandboxApp",
    "create_app",
    "iso_duration",
    "md5_hex",
    "sandbox_connection",
]
