"""Outgoing content made inert. Titles, options and answers are written by people who do not own the
rooms they appear in, so nothing the bot sends may ping (`@room`, mentions), link or become a pill.

HTML is escaped where it is built (formatting.py); this is the last step before every send: a word
joiner (U+2060, invisible) is put where a client's linkifier or the legacy mention rules would
match, and `m.mentions: {}` tells clients and push rules that the event mentions nobody."""

from __future__ import annotations

import re
from typing import Any

JOINER = "\u2060"
# "@room", "@user:server", "#alias:server", "!room:server"; "https://", "matrix.to", "example.com".
# A bare "!" is left alone, so that a command the bot quotes ("!canvass close x") can be copied.
_SIGILS = re.compile(r"([@#+])(?=\S)|(!)(?=[^\s:]+:\S)")
_SCHEME = re.compile(r":(?=//)")
# A dot with a letter on either side (paypa1.com, bank2.example1.org), or inside a dotted quad
# (192.168.1.10): each would be linkified. Decimals such as "3.5" or "85.0" stay as they are.
_DOTS = re.compile(r"(?<=\w)\.(?=[^\W\d_])|(?<=[^\W\d_])\.(?=\w)")
_QUAD = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
TEXT_KEYS = frozenset({"body", "formatted_body", "org.matrix.msc1767.text"})
HTML_KEYS = frozenset({"formatted_body"})
# A character reference in HTML (html.escape writes "'" as &#x27;). Every "&" a person typed is escaped
# to &amp; where the HTML is built, so in HTML an entity is always the bot's own and stands for one character.
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def neutralise(text: str, html: bool = False) -> str:
    """`html`: the text is HTML, whose character references must stay whole (a joiner after the "#" of
    &#x27; would show "&#x27;" instead of an apostrophe). Only the sigil rule can match inside one (the
    others need a ":" or a "."), so it skips a "#" that begins an entity."""
    inside = {m.start() + 1 for m in _ENTITY.finditer(text)} if html and "&" in text else set()
    text = _SIGILS.sub(lambda m: m.group(0) if m.start() in inside else (m.group(1) or m.group(2)) + JOINER, text)
    text = _SCHEME.sub(":" + JOINER, text)
    text = _QUAD.sub(lambda m: m.group(0).replace(".", "." + JOINER), text)
    return _DOTS.sub("." + JOINER, text)


def _walk(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: neutralise(v, html=k in HTML_KEYS) if k in TEXT_KEYS and isinstance(v, str) else _walk(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_walk(v) for v in value]
    return value


def inert(content: dict[str, Any]) -> dict[str, Any]:
    """A copy of an outgoing event's content that cannot ping, link or mention anyone."""
    safe: dict[str, Any] = _walk(content)
    safe["m.mentions"] = {}
    return safe
