"""The planted scenario's search (``tests/system/test_planted.py``): it finds every planted
personal value of a customer, whole or inside other text, and nothing in random bytes (it reads
gigabytes of logs and Postgres' binary files, where the looser in-process pattern would match
by chance)."""

from __future__ import annotations

import base64
import random

from tests.planted_values import Person
from tests.system.test_planted import FleetPlanted

FIELDS = ("first_name", "last_name", "street", "address2", "phone", "email", "tax_no", "note")


def test_every_planted_personal_value_is_found_whole_or_embedded() -> None:
    planted = FleetPlanted()
    for person in (Person(0), Person(7), Person(299), Person(9999)):
        for field in FIELDS:
            value = getattr(person, field)
            assert planted.leaks(value), (field, value)
            assert planted.leaks(f'{{"receiver": "{value}", "x": 1}}'), (field, value)
            assert planted.leaks(value.upper()), (field, value)


def test_a_secret_is_found_verbatim_only() -> None:
    planted = FleetPlanted()
    planted.add_connection_secrets(
        {"password": "sandbox-password", "extra": {"client_secret": "s3cr3t-value"}}
    )
    assert planted.leaks("login failed for sandbox-password") == ["sandbo…"]
    assert planted.leaks("x s3cr3t-value y") == ["s3cr3t…"]
    assert planted.leaks("sandbox-pass") == []


def test_random_bytes_and_longer_numbers_match_nothing() -> None:
    planted = FleetPlanted()
    noise = random.Random(22).randbytes(4_000_000)
    assert planted.leaks(base64.b64encode(noise).decode()) == []
    assert planted.leaks(noise.decode("utf-8", "replace")) == []
    # a timestamp or an id whose digits contain a planted phone's form is no phone
    assert planted.leaks("1764903890389000123 20389000123") == []
