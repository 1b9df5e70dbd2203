"""Text helpers shared by figures, alt text and tables: wrapping by display width, numbers, times."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def char_width(ch: str) -> int:
    """Display columns of one character: CJK and emoji take two."""
    if unicodedata.combining(ch) or ch in "\u200d\ufe0f":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(c) for c in text)


def wrap(text: str, columns: int, max_lines: int | None = None) -> list[str]:
    """Wrap on spaces by display width; words longer than a line (or CJK runs) are split anywhere."""
    columns = max(columns, 4)
    lines: list[str] = []
    line, width = "", 0
    for word in " ".join(text.split()).split(" "):
        w = display_width(word)
        if line and width + 1 + w <= columns:
            line, width = f"{line} {word}", width + 1 + w
            continue
        if line:
            lines.append(line)
        line, width = "", 0
        for ch in word:  # split an over-long word by characters
            cw = char_width(ch)
            if width + cw > columns and line:
                lines.append(line)
                line, width = "", 0
            line, width = line + ch, width + cw
    if line or not lines:
        lines.append(line)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(len(lines[-1]) - 1, 0)].rstrip() + "…"
    return lines


def pct(value: float) -> str:
    """52.2% / 50% / 100%: one decimal, trailing zero dropped."""
    return f"{value:.1f}".rstrip("0").rstrip(".") + "%"


def number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def when(moment: datetime, tz_name: str) -> str:
    """`10 Mar 2026 15:00 CET`, with fixed English month names (independent of the process locale)."""
    local = moment.astimezone(zone(tz_name))
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year} {local:%H:%M} {local.tzname() or tz_name}"
