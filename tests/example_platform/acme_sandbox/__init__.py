"""The ACME Parcels simulator: ``SIMULATOR`` is what the registry entry names."""

from acme_sandbox.backend import ACCOUNT, SECRET, AcmeBackend
from acme_sandbox.routes import create_app
from airflow_provider.sandbox.kit import Simulator


def sandbox_connection(url: str) -> dict[str, object]:
    """The ``AIRFLOW_CONN_ACME_DEFAULT`` JSON form reaching a simulator at ``url``."""
    return {"conn_type": "acme", "host": url, "login": ACCOUNT, "extra": {"api_secret": SECRET}}


SIMULATOR: Simulator[AcmeBackend] = Simulator(
    platform="acme", backend=AcmeBackend, routes=create_app, connection=sandbox_connection
)
