"""SuperShip's area schemas: provinces, districts and communes (``/v1/partner/areas/*``)."""

from __future__ import annotations

from airflow_provider.supership.model_fields import CodeStr, SuperShipAnswer


class Province(SuperShipAnswer):
    """One of ``GET /v1/partner/areas/province`` (``79`` = Thành phố Hồ Chí Minh)."""

    code: CodeStr
    name: str


class District(SuperShipAnswer):
    """One of ``GET /v1/partner/areas/district?province=..``; ``province`` is its province's name."""

    code: CodeStr
    name: str
    province: str | None = None


class Commune(SuperShipAnswer):
    """One of ``GET /v1/partner/areas/commune?district=..``."""

    code: CodeStr
    name: str
    district: str | None = None
    province: str | None = None
