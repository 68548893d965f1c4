"""The SuperShip simulator's own place-name matching, checked against the client's on every area."""

from __future__ import annotations

import pytest

from airflow_provider.sandbox.supership import SANDBOX_AREAS
from airflow_provider.sandbox.supership.places import match
from airflow_provider.supership import areas

PROVINCES = [p["name"] for p in SANDBOX_AREAS.values()]
DISTRICTS_HCM = [d["name"] for d in SANDBOX_AREAS["79"]["districts"].values()]
EVERY_NAME = PROVINCES + [
    name
    for p in SANDBOX_AREAS.values()
    for d in p["districts"].values()
    for name in (d["name"], *d["communes"].values())
]


@pytest.mark.parametrize(
    ("name", "places", "expected"),
    [
        ("Hồ Chí Minh", PROVINCES, "Thành phố Hồ Chí Minh"),
        ("  thành  PHỐ hồ chí minh ", PROVINCES, "Thành phố Hồ Chí Minh"),
        ("Ho Chi Minh", PROVINCES, None),
        ("3", DISTRICTS_HCM, "Quận 3"),
        ("Quận 03", DISTRICTS_HCM, "Quận 3"),
        ("", PROVINCES, None),
    ],
)
def test_names_the_simulator_accepts(name: str, places: list[str], expected: str | None) -> None:
    assert match(name, places) == expected


def test_both_tone_placements_name_the_same_place() -> None:
    assert match("Yên Hoà", ["Phường Yên Hòa"]) == match("Yên Hòa", ["Phường Yên Hòa"]) == "Phường Yên Hòa"


def test_simulator_and_client_agree_on_every_sandbox_place() -> None:
    """Two implementations of one inferred rule: a bug in either shows here."""
    for name in EVERY_NAME:
        for places in (PROVINCES, DISTRICTS_HCM, EVERY_NAME):
            assert match(name, places) == areas.find(name, places), name
