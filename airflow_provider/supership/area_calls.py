"""
SuperShip's areas API (provinces, districts, communes; cached for the life of the hook) and the
check of an address's place names against it (name matching: :mod:`~airflow_provider.supership.areas`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, Literal

from pydantic import BaseModel

from airflow_provider.common.api_call import ApiCall
from airflow_provider.supership import areas as place_names
from airflow_provider.supership.area_models import Commune, District, Province
from airflow_provider.supership.base_hook import SuperShipBaseHook, list_of

AreaLevel = Literal["provinces", "districts", "communes"]

#: the areas paths (a connection's extra ``endpoints`` may override any)
AREA_ENDPOINTS: dict[str, str] = {
    "provinces": "/v1/partner/areas/province",
    "districts": "/v1/partner/areas/district",
    "communes": "/v1/partner/areas/commune",
}

#: areas endpoint -> (query parameter naming the parent area's code, answer model)
_AREA_LEVELS: dict[str, tuple[str | None, type[BaseModel]]] = {
    "provinces": (None, Province),
    "districts": ("province", District),
    "communes": ("district", Commune),
}


@dataclass
class PlaceCheck:
    """
    The outcome of checking one address's place names against the areas API.

    :param names: field -> the place name SuperShip lists (canonical spelling).
    :param problems: ``(field, message)`` for each name SuperShip does not know, with suggestions.
    :param codes: field -> the area code of each matched place.
    """

    names: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)


class SuperShipAreaCalls(SuperShipBaseHook):
    """The area lists of ``SuperShipHook`` and its place check."""

    @cached_property
    def _area_cache(self) -> dict[tuple[str, str], list[Any]]:
        """``(level, parent code)`` -> the areas SuperShip listed (read once per hook)."""
        return {}

    def _area_call(self, level: AreaLevel, parent: str | None = None) -> ApiCall[list[Any]]:
        """``GET /v1/partner/areas/<level>``, of a parent area's CODE for districts and communes."""
        param, model = _AREA_LEVELS[level]
        params = {param: str(parent)} if param else None
        return ApiCall("GET", self.endpoint(level), partial(list_of, model), params=params)

    def _areas(self, level: AreaLevel, parent: str | None = None) -> list[Any]:
        key = (level, str(parent or ""))
        if key not in self._area_cache:
            self._area_cache[key] = self.call(self._area_call(level, parent))
        return self._area_cache[key]

    def get_provinces(self) -> list[Province]:
        """Provinces/cities SuperShip serves (cached for the life of the hook)."""
        return self._areas("provinces")

    def get_districts(self, province_code: str) -> list[District]:
        """Districts of a province, by the province's CODE (``79``); cached."""
        return self._areas("districts", province_code)

    def get_communes(self, district_code: str) -> list[Commune]:
        """Communes/wards of a district, by the district's CODE (``767``); cached."""
        return self._areas("communes", district_code)

    def check_place(
        self,
        province: str | None,
        district: str | None,
        commune: str | None = None,
        *,
        fields: tuple[str, str, str] = ("province", "district", "commune"),
        resolve: bool = False,
        check_commune: bool = True,
    ) -> PlaceCheck:
        """
        Check place NAMES against the areas API, province -> district -> commune.

        A name matches when it is SuperShip's name or that name without its prefix
        (``Hồ Chí Minh``); otherwise the problem names the field and suggests the closest names
        (accent-insensitive: ``Ho Chi Minh`` -> ``Thành phố Hồ Chí Minh``).

        :param fields: the field names used in problems (``pickup_province``, ...).
        :param resolve: also accept a unique accent-insensitive match and report its spelling.
        :param check_commune: whether to check the commune (fee quotes have none).
        """
        check = PlaceCheck()
        found = self._match_area(province, self.get_provinces(), fields[0], "province", None, resolve, check)
        if found is None:
            return check
        district_found = self._match_area(
            district, self.get_districts(found.code), fields[1], "district", found.name, resolve, check
        )
        if district_found is None or not check_commune:
            return check
        self._match_area(
            commune,
            self.get_communes(district_found.code),
            fields[2],
            "commune",
            district_found.name,
            resolve,
            check,
        )
        return check

    def _match_area(
        self,
        name: str | None,
        candidates: Sequence[Province | District | Commune],
        field_name: str,
        level: str,
        parent: str | None,
        resolve: bool,
        check: PlaceCheck,
    ) -> Province | District | Commune | None:
        where = f" in {parent!r}" if parent else ""
        if not name or not str(name).strip():
            check.problems.append((field_name, f"a {level} name is required"))
            return None
        names = [area.name for area in candidates]
        hit = place_names.find(name, names) or (place_names.find_folded(name, names) if resolve else None)
        if hit is not None:
            area = candidates[names.index(hit)]
            check.names[field_name] = area.name
            check.codes[field_name] = area.code
            return area
        by_code = [area for area in candidates if area.code == str(name).strip()]
        if by_code:
            check.problems.append(
                (
                    field_name,
                    f"{name!r} is a {level} code; SuperShip takes names: did you mean {by_code[0].name!r}?",
                )
            )
            return None
        hint = place_names.did_you_mean(place_names.suggest(name, names))
        if not candidates:
            hint = f"SuperShip lists no {level} there"
        elif not hint:
            hint = f"no close match among the {len(candidates)} {level} names SuperShip lists{where}"
        check.problems.append((field_name, f"unknown {level} {name!r}{where}; {hint}"))
        return None
