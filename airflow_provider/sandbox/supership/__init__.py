"""
The SuperShip simulator: :mod:`.backend` (state and rules), :mod:`.routes` (HTTP), :mod:`.seed`
(account, areas and ``data/*.json``). ``SIMULATOR`` is what the cluster and the registry use.
"""

from airflow_provider.sandbox.kit import Simulator
from airflow_provider.sandbox.supership.backend import (
    DEFAULT_OUTCOME_WEIGHTS,
    LIFECYCLES,
    PATHS,
    SECONDS_TO_DELIVERED,
    SECONDS_TO_FINAL,
    STEP_SECONDS,
    SuperShipBackend,
)
from airflow_provider.sandbox.supership.routes import create_app
from airflow_provider.sandbox.supership.seed import (
    DA_NANG,
    HA_NOI,
    HO_CHI_MINH,
    SANDBOX_AREAS,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_EMAIL,
    SANDBOX_PARTNER,
    SANDBOX_PASSWORD,
    SANDBOX_PERSONAL_TOKEN,
    SANDBOX_PICKUP_CODE,
    SANDBOX_PICKUP_CODE_HANOI,
    SANDBOX_PRODUCTS,
    SANDBOX_RECEIVERS,
    SANDBOX_USERNAME,
    SANDBOX_WAREHOUSES,
    sample_order,
    sandbox_connection,
)

SIMULATOR: Simulator[SuperShipBackend] = Simulator(
    platform="supership",
    backend=SuperShipBackend,
    routes=create_app,
    connection=sandbox_connection,
)

__all__ = [
    "DA_NANG",
    "DEFAULT_OUTCOME_WEIGHTS",
    "HA_NOI",
    "HO_CHI_MINH",
    "LIFECYCLES",
    "PATHS",
    "SANDBOX_AREAS",
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "SANDBOX_EMAIL",
    "SANDBOX_PARTNER",
    "SANDBOX_PASSWORD",
    "SANDBOX_PERSONAL_TOKEN",
    "SANDBOX_PICKUP_CODE",
    "SANDBOX_PICKUP_CODE_HANOI",
    "SANDBOX_PRODUCTS",
    "SANDBOX_RECEIVERS",
    "SANDBOX_USERNAME",
    "SANDBOX_WAREHOUSES",
    "SECONDS_TO_DELIVERED",
    "SECONDS_TO_FINAL",
    "SIMULATOR",
    "STEP_SECONDS",
    "SuperShipBackend",
    "create_app",
    "sample_order",
    "sandbox_connection",
]
