"""
The areas the SuperShip simulator serves (``data/areas.json``) and how it resolves place NAMES
(full or without their prefix, see :mod:`.places`) into them.
"""

from __future__ import annotations

from typing import Any

from airflow_provider.sandbox.supership.answers import text_of
from airflow_provider.sandbox.supership.places import match
from airflow_provider.sandbox.supership.seed import SANDBOX_AREAS, SANDBOX_PROVINCE_NAMES


def provinces() -> list[dict[str, str]]:
    """``GET /v1/partner/areas/province``: ``[{code, name}]``."""
    return [{"code": code, "name": data["name"]} for code, data in SANDBOX_AREAS.items()]


def districts(province_code: str) -> list[dict[str, str]]:
    """``GET /v1/partner/areas/district?province=<code>``: ``[{code, name, province}]``."""
    province = SANDBOX_AREAS.get(province_code.strip())
    if province is None:
        return []
    return [
        {"code": code, "name": d["name"], "province": province["name"]}
        for code, d in province["districts"].items()
    ]


def communes(district_code: str) -> list[dict[str, str]]:
    """``GET /v1/partner/areas/commune?district=<code>``: ``[{code, name, district, province}]``."""
    for province in SANDBOX_AREAS.values():
        district = province["districts"].get(district_code.strip())
        if district is not None:
            return [
                {"code": code, "name": name, "district": district["name"], "province": province["name"]}
                for code, name in district["communes"].items()
            ]
    return []


def resolve_place(
    province: Any, district: Any, commune: Any = None, *, with_commune: bool = True
) -> tuple[dict[str, str], dict[str, str]]:
    """``(codes and canonical names, errors)`` for place names (full or without prefix)."""
    found: dict[str, str] = {}
    errors: dict[str, str] = {}
    p_name = text_of(province)
    p_hit = match(p_name, SANDBOX_PROVINCE_NAMES.values()) if p_name else None
    if p_hit is None:
        errors["province"] = f"Tên Tỉnh/Thành Phố không hợp lệ: {p_name or '(trống)'}."
        return found, errors
    p_key = next(code for code, name in SANDBOX_PROVINCE_NAMES.items() if name == p_hit)
    found.update(province_code=p_key, province=p_hit)
    district_areas = SANDBOX_AREAS[p_key]["districts"]
    d_name = text_of(district)
    d_hit = match(d_name, [d["name"] for d in district_areas.values()]) if d_name else None
    if d_hit is None:
        errors["district"] = f"Tên Quận/Huyện không hợp lệ: {d_name or '(trống)'}."
        return found, errors
    d_key = next(code for code, d in district_areas.items() if d["name"] == d_hit)
    found.update(district_code=d_key, district=d_hit)
    if not with_commune:
        return found, errors
    c_name = text_of(commune)
    commune_names = district_areas[d_key]["communes"]
    c_hit = match(c_name, commune_names.values()) if c_name else None
    if c_hit is None:
        errors["commune"] = f"Tên Phường/Xã không hợp lệ: {c_name or '(trống)'}."
        return found, errors
    found.update(
        commune_code=next(code for code, name in commune_names.items() if name == c_hit), commune=c_hit
    )
    return found, errors
