"""Text helpers shared by tables, alt text and charts: display width, numbers, times."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.results import SurveyResults, hidden_reason

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def char_width(ch: str) -> int:
    """Display columns of one character: CJK and emoji take two."""
    if unicodedata.combining(ch) or ch in "\u200d\ufe0f":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(c) for c in text)


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


def hidden_text(k: int, results: SurveyResults) -> str:
    """Why a question shows nothing. While the survey is open more answers may come; after the close it is final,
    and "not enough responses yet" would promise what cannot happen."""
    return hidden_reason(k) if results.live else f"closed with fewer than {k} responses"


def status_line(results: SurveyResults) -> str:
    if results.live:
        return f"live, as of {when(results.as_of, results.timezone)}" if results.as_of else "live"
    moment = results.closes_at or results.as_of
    return f"closed {when(moment, results.timezone)}" if moment else "closed"
