"""Invisible characters that change how *other* text displays: bidi embeddings, overrides and isolates
(an option ending in U+202E reverses the numbers after it in a results table), zero-width spaces, the
byte-order mark, and C0/C1 control characters. Joiners used by emoji (U+200D) and the directional marks
that right-to-left scripts need (U+200E, U+200F) are kept."""

from __future__ import annotations

import re

_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_invisible(text: str) -> bool:
    return _INVISIBLE.search(text) is not None


def strip_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)
