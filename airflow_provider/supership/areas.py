"""
Vietnamese place names as SuperShip takes them: matching and "did you mean" suggestions.

SuperShip's order, warehouse and fee calls take province / district / commune **names**
(``Thành phố Hồ Chí Minh``, ``Quận 3``, ``Phường 6``), not codes. Its own documentation uses
both the full names and the short forms (``Hồ Chí Minh``, ``Bình Chánh``), so a name matches a
place when it equals the full name or the name without its administrative prefix, ignoring case,
spacing, leading zeros of numbered wards (``Phường 06``) and the two ways of placing tone marks
(``Hoà`` / ``Hòa``). Accents otherwise matter: ``Ho Chi Minh`` is not accepted but is suggested
(accent-insensitive, with :mod:`difflib`).

Standard library only: the hook, the operators' validation and the sandbox share it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence

#: administrative prefixes, longest first (accent-sensitive keys)
PREFIXES = (
    "thành phố ",
    "thị trấn ",
    "thị xã ",
    "huyện ",
    "phường ",
    "quận ",
    "tỉnh ",
    "tp. ",
    "tp ",
    "xã ",
)
#: the same prefixes without accents (for suggestions)
FOLDED_PREFIXES = ("thanh pho ", "thi tran ", "thi xa ", "huyen ", "phuong ", "quan ", "tinh ", "tp ", "xa ")

# Old-style tone placement ("hoà", "thuỷ") -> new style ("hòa", "thủy"): both are in use.
_OLD_STYLE = re.compile(r"o[àáảãạ]|o[èéẻẽẹ]|u[ỳýỷỹỵ]")


def _new_tone_style(match: re.Match[str]) -> str:
    pair = match.group(0)
    first, second = pair[0], pair[1]
    decomposed = unicodedata.normalize("NFD", second)
    base, marks = decomposed[0], decomposed[1:]
    return unicodedata.normalize("NFC", first + marks) + base


def key(name: str) -> str:
    """Accent-sensitive comparison key: NFC, case-folded, single spaces, no leading zeros."""
    text = unicodedata.normalize("NFC", str(name)).casefold()
    text = " ".join(text.replace("-", " - ").split()).replace(" - ", "-")
    text = _OLD_STYLE.sub(_new_tone_style, text)
    return re.sub(r"\b0+(\d)", r"\1", text)


def fold(name: str) -> str:
    """Accent-insensitive key: no diacritics (``đ`` -> ``d``), lower case, no punctuation."""
    text = str(name).replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    text = re.sub(r"[^\w\s]", " ", text)
    text = re.sub(r"\b0+(\d)", r"\1", text)
    return " ".join(text.split())


def strip_prefix(text: str, prefixes: Sequence[str] = PREFIXES) -> str:
    """``text`` without its administrative prefix (``quận 3`` -> ``3``)."""
    for prefix in prefixes:
        if text.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix) :]
    return text


def find(name: str, candidates: Iterable[str]) -> str | None:
    """
    The candidate that ``name`` designates, or ``None``.

    Exact match of :func:`key` first, else a unique match of the names without their
    administrative prefix (``Hồ Chí Minh`` -> ``Thành phố Hồ Chí Minh``).
    """
    wanted = key(name)
    if not wanted:
        return None
    names = list(candidates)
    for candidate in names:
        if key(candidate) == wanted:
            return candidate
    core = strip_prefix(wanted)
    by_core = [candidate for candidate in names if strip_prefix(key(candidate)) == core]
    return by_core[0] if len(by_core) == 1 else None


def find_folded(name: str, candidates: Iterable[str]) -> str | None:
    """The unique candidate equal to ``name`` once accents and prefixes are ignored, else ``None``."""
    wanted = fold(name)
    names = list(candidates)
    exact = [c for c in names if fold(c) == wanted]
    if len(exact) == 1:
        return exact[0]
    core = strip_prefix(wanted, FOLDED_PREFIXES)
    by_core = [c for c in names if strip_prefix(fold(c), FOLDED_PREFIXES) == core]
    return by_core[0] if len(by_core) == 1 else None


def suggest(name: str, candidates: Iterable[str], *, limit: int = 3, cutoff: float = 0.6) -> list[str]:
    """
    The closest candidates to ``name``, best first (accent- and prefix-insensitive difflib ratio).

    ``Ho Chi Minh`` suggests ``Thành phố Hồ Chí Minh``; ``Quan Tan Phu`` suggests ``Quận Tân Phú``.
    """
    folded = fold(name)
    core = strip_prefix(folded, FOLDED_PREFIXES)
    scored: list[tuple[float, str]] = []
    for candidate in dict.fromkeys(candidates):
        other = fold(candidate)
        other_core = strip_prefix(other, FOLDED_PREFIXES)
        score = max(
            difflib.SequenceMatcher(None, folded, other).ratio(),
            difflib.SequenceMatcher(None, core, other_core).ratio(),
        )
        if score >= cutoff:
            scored.append((score, candidate))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    if not scored:
        return []
    # a near-certain match hides the distant ones
    floor = scored[0][0] - 0.2
    return [candidate for score, candidate in scored[:limit] if score >= floor]


def did_you_mean(suggestions: Sequence[str]) -> str:
    """``did you mean 'A' or 'B'?`` (empty when there is nothing to suggest)."""
    if not suggestions:
        return ""
    quoted = [repr(s) for s in suggestions]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"did you mean {listed}?"
