"""
How the SuperShip simulator reads Vietnamese place names (its own code, not the client's).

A name designates a place when it equals the place's full name (``Thành phố Hồ Chí Minh``) or,
uniquely, its name without the administrative prefix (``Hồ Chí Minh``, ``3`` for ``Quận 3``),
ignoring case, spacing, leading zeros (``Phường 06``) and where a syllable carries its tone mark
(``Hoà`` / ``Hòa``). Other accents count: ``Ho Chi Minh`` is not ``Hồ Chí Minh``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

#: combining tone marks: grave, acute, tilde, hook above, dot below
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_UNIT_WORDS = ("thành phố", "thị trấn", "thị xã", "huyện", "phường", "quận", "tỉnh", "tp.", "tp", "xã")


def _syllable(word: str) -> str:
    """A syllable with its tone mark moved to the end: the same key for both tone placements."""
    marks = "".join(ch for ch in word if ch in _TONES)
    bare = unicodedata.normalize("NFC", "".join(ch for ch in word if ch not in _TONES))
    return f"{bare}~{marks}" if marks else bare


def canonical(name: str) -> str:
    text = unicodedata.normalize("NFD", str(name)).casefold()
    text = re.sub(r"\s*-\s*", "-", " ".join(text.split()))
    text = re.sub(r"(?<!\d)0+(?=\d)", "", text)
    return " ".join(_syllable(word) for word in text.split(" ") if word)


_UNITS = tuple(sorted((canonical(w) for w in _UNIT_WORDS), key=len, reverse=True))


def without_unit(key: str) -> str:
    for unit in _UNITS:
        if key.startswith(unit + " ") and len(key) > len(unit) + 1:
            return key[len(unit) + 1 :]
    return key


def match(name: str, places: Iterable[str]) -> str | None:
    """The place ``name`` designates among ``places`` (full names), or ``None``."""
    wanted = canonical(name)
    if not wanted:
        return None
    keyed = [(place, canonical(place)) for place in places]
    for place, key in keyed:
        if key == wanted:
            return place
    core = without_unit(wanted)
    hits = [place for place, key in keyed if without_unit(key) == core]
    return hits[0] if len(hits) == 1 else None
