"""ACME Parcels sensor: the shared StatusSensor with ACME's hook and status sets."""

from __future__ import annotations

from typing import ClassVar

from acme.constants import FAILURE_STATUSES, SUCCESS_STATUSES
from airflow_provider.common.sensors import StatusSensor


class AcmeParcelShippedSensor(StatusSensor):
    """Wait until every parcel is shipped; fail at once on a lost one (see :class:`StatusSensor`)."""

    registry_key = "acme"  # the registry entry names the hook class
    default_success_statuses: ClassVar[frozenset[str]] = SUCCESS_STATUSES
    default_failure_statuses: ClassVar[frozenset[str]] = FAILURE_STATUSES
