"""Seed data: JSON files shipped in each simulator's ``data/`` folder, read on first use."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_json(package: str, name: str) -> Any:
    """The parsed ``data/<name>.json`` of ``package`` (cached: treat it as read-only)."""
    text = resources.files(package).joinpath("data", f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)
