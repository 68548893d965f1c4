"""airflow-provider-fulfillment: HyperSKU, SuperShip, 超8 and HiShopping for Apache Airflow.

The version below is the package's only copy: the build (hatch, ``[tool.hatch.version]``) reads
it, and so does the provider info. Importing this package must stay cheap (every DAG parse pays
it): nothing here imports Airflow.
"""

from __future__ import annotations

import sys

__all__ = ["MIN_AIRFLOW_VERSION", "__version__"]

__version__ = "0.1.0"

#: the oldest Airflow this provider runs on (declarative connection forms arrived in 3.2)
MIN_AIRFLOW_VERSION = "3.2.2"


def _check_airflow_version() -> None:
    """Refuse to load under an Airflow older than :data:`MIN_AIRFLOW_VERSION`.

    Every Airflow process (scheduler, DAG processor, worker, triggerer, API server) has imported
    ``airflow`` before it reaches a provider, so its version is read from there; a process that
    has not (the sandbox, a plain script) is not running Airflow and is not checked, so that it
    does not pay Airflow's import.
    """
    airflow = sys.modules.get("airflow")
    version = getattr(airflow, "__version__", None)
    if not version:
        return
    from packaging.version import Version

    if Version(Version(str(version)).base_version) < Version(MIN_AIRFLOW_VERSION):
        raise RuntimeError(
            f"airflow-provider-fulfillment {__version__} needs Apache Airflow {MIN_AIRFLOW_VERSION} "
            f"or newer; this is Airflow {version}"
        )


_check_airflow_version()
