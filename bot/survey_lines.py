"""Where a field of a survey's TOML sits in the file, so each error can give the line the organiser sees.

tomllib keeps no positions, so this is a small scan of the TOML text: table headers (`[[questions]]`), the
keys of each table, and the first line of each element of an array value (`options = [...]` over several
lines). It only has to be good enough to point at a line; the parsing itself is tomllib's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SEGMENT = re.compile(r"([A-Za-z0-9_-]+)(?:\[(\d+)\])?")
Table = tuple[str, int]  # ("questions", 2) is the third [[questions]]; ("", 0) is the top level


@dataclass
class _Key:
    line: int
    elements: list[int] = field(default_factory=list)


@dataclass
class _Index:
    tables: dict[Table, int] = field(default_factory=lambda: {("", 0): 1})
    keys: dict[tuple[Table, str], _Key] = field(default_factory=dict)


def locate(text: str, path: str | None) -> int | None:
    """The 1-based line of `path` ("questions[1].options[3]", "timezone") in `text`, or None if unknown."""
    if not path:
        return None
    segments = [(m.group(1), int(m.group(2)) if m.group(2) else None) for m in _SEGMENT.finditer(path)]
    index = _scan(text)
    (name, position), rest = segments[0], segments[1:]
    table = (name, position or 0)
    if table in index.tables and (position is not None or name not in _root_keys(index)):
        if not rest:
            return index.tables[table]
        key, element = rest[0]
        found = index.keys.get((table, key))
        return _line(found, element) if found else index.tables[table]
    found = index.keys.get((("", 0), name))
    return _line(found, position) if found else None


def _root_keys(index: _Index) -> set[str]:
    return {key for (table, key) in index.keys if table == ("", 0)}


def _line(key: _Key, element: int | None) -> int:
    if element is not None and element < len(key.elements):
        return key.elements[element]
    return key.line


def _scan(text: str) -> _Index:
    index = _Index()
    counts: dict[str, int] = {}
    current: Table = ("", 0)
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif c == "#":
            i = _end_of_line(text, i)
        elif c == "[":
            array = text.startswith("[[", i)
            end = text.find("]]" if array else "]", i)
            if end < 0:
                break
            name = text[i + (2 if array else 1) : end].strip().strip("\"'")
            position = counts.get(name, 0) if array else 0
            counts[name] = position + 1
            current = (name, position)
            index.tables[current] = line
            i = end + (2 if array else 1)
        else:
            eq = text.find("=", i, _end_of_line(text, i))
            if eq < 0:
                i = _end_of_line(text, i)
                continue
            key = _Key(line)
            index.keys.setdefault((current, text[i:eq].strip().strip("\"'")), key)
            i, line = _skip_value(text, eq + 1, line, key.elements)
    return index


def _end_of_line(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def _skip_value(text: str, i: int, line: int, elements: list[int]) -> tuple[int, int]:
    """Skip one value (strings, nested arrays and inline tables); note where each top-level array element starts."""
    depth, expect, n = 0, False, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            if depth == 0:
                return i, line
            line += 1
            i += 1
            continue
        if c == "#":
            i = _end_of_line(text, i)
            continue
        if depth == 1 and expect and c not in " \t\r,]":
            elements.append(line)
            expect = False
        if text.startswith(('"""', "'''"), i):
            end = text.find(text[i : i + 3], i + 3)
            end = n if end < 0 else end + 3
            line += text.count("\n", i, end)
            i = end
        elif c in "\"'":
            i = _end_of_string(text, i)
        else:
            if c in "[{":
                depth += 1
                expect = expect or (depth == 1 and c == "[")
            elif c in "]}":
                depth -= 1
            elif c == "," and depth == 1:
                expect = True
            i += 1
    return i, line


def _end_of_string(text: str, i: int) -> int:
    quote, j = text[i], i + 1
    while j < len(text) and text[j] not in (quote, "\n"):
        j += 2 if quote == '"' and text[j] == "\\" else 1
    return j + 1
