"""
The HyperSKU simulator: :mod:`.backend` (state and rules), :mod:`.routes` (HTTP), :mod:`.seed`
(accounts and ``data/*.json``). ``SIMULATOR`` is what the cluster and the registry use.
"""

from airflow_provider.sandbox.hypersku.backend import (
    LIFECYCLE_SECONDS,
    LIFECYCLES,
    OUTCOME_MARKERS,
    SHIPPED_AFTER,
    HyperSkuBackend,
    SandboxInputError,
    sandbox_outcome,
)
from airflow_provider.sandbox.hypersku.routes import create_app
from airflow_provider.sandbox.hypersku.seed import (
    SANDBOX_API_KEY,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_COUNTRIES,
    SANDBOX_CURRENCY,
    SANDBOX_EXAMPLE_ORDER,
    SANDBOX_INVENTORY,
    SANDBOX_LOGISTICS,
    SANDBOX_PASSWORD,
    SANDBOX_PRIVATE_PRODUCTS,
    SANDBOX_PRODUCTS,
    SANDBOX_REDIRECT_URI,
    SANDBOX_REFRESH_TOKEN,
    SANDBOX_SKUS,
    SANDBOX_STORE_CODE,
    SANDBOX_TOKEN_TTL,
    SANDBOX_USERNAME,
    sandbox_connection,
)
from airflow_provider.sandbox.kit import Simulator

SIMULATOR: Simulator[HyperSkuBackend] = Simulator(
    platform="hypersku",
    backend=HyperSkuBackend,
    routes=create_app,
    connection=sandbox_connection,
)

__all__ = [
    "LIFECYCLES",
    "LIFECYCLE_SECONDS",
    "OUTCOME_MARKERS",
    "SANDBOX_API_KEY",
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "SANDBOX_COUNTRIES",
    "SANDBOX_CURRENCY",
    "SANDBOX_EXAMPLE_ORDER",
    "SANDBOX_INVENTORY",
    "SANDBOX_LOGISTICS",
    "SANDBOX_PASSWORD",
    "SANDBOX_PRIVATE_PRODUCTS",
    "SANDBOX_PRODUCTS",
    "SANDBOX_REDIRECT_URI",
    "SANDBOX_REFRESH_TOKEN",
    "SANDBOX_SKUS",
    "SANDBOX_STORE_CODE",
    "SANDBOX_TOKEN_TTL",
    "SANDBOX_USERNAME",
    "SHIPPED_AFTER",
    "SIMULATOR",
    "HyperSkuBackend",
    "SandboxInputError",
    "create_app",
    "sandbox_connection",
    "sandbox_outcome",
]
