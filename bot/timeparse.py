"""Times as organisers type them, converted to UTC (DESIGN.md: stored in UTC, entered in a zone)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import InvalidInput

_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$", re.IGNORECASE)
_ZONE_SUFFIX = re.compile(r"^(.*?)\s+([A-Za-z_]+(?:/[A-Za-z0-9_+-]+)+|UTC)$")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidInput(f"unknown time zone {name!r} (use a name such as Europe/Brussels)") from error


def parse_duration(text: str) -> timedelta:
    """'24h', '1h30m', '2d', '90m'."""
    match = _DURATION.match(text)
    if not match or not any(match.groups()):
        raise InvalidInput(f"cannot read {text!r} as a duration (examples: 90m, 24h, 2d, 1h30m)")
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """Attach a zone, refusing wall-clock times that do not exist (the spring-forward gap) or that happen twice
    (the hour repeated when the clocks go back): there, only an explicit offset says which one is meant."""
    aware = naive.replace(tzinfo=tz, fold=0)
    round_trip = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != naive:
        raise InvalidInput(f"{naive:%Y-%m-%d %H:%M} does not exist in {tz.key} (the clocks skip it)")
    first, second = aware.utcoffset(), naive.replace(tzinfo=tz, fold=1).utcoffset()
    if first != second:
        raise InvalidInput(
            f"{naive:%Y-%m-%d %H:%M} happens twice in {tz.key} (the clocks go back): add the offset,"
            f" {naive:%Y-%m-%d %H:%M}{_offset(first)} for the first or {naive:%Y-%m-%d %H:%M}{_offset(second)}"
            " for the second"
        )
    return aware.astimezone(UTC)


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_time(text: str, default_zone: str, now: datetime) -> datetime:
    """Parse an absolute or relative time into an aware UTC datetime.

    Accepted: ISO 8601 with an offset; 'YYYY-MM-DD HH:MM' optionally followed by a zone name;
    'HH:MM' (today, or tomorrow if that has passed); 'in 2h' / '+2h'. A date without a time is refused.
    """
    raw = text.strip()
    if not raw:
        raise InvalidInput("the time is empty")
    lowered = raw.lower()
    if lowered.startswith(("in ", "+")):
        return now + parse_duration(raw[3:] if lowered.startswith("in ") else raw[1:])
    tz_name = default_zone
    suffix = _ZONE_SUFFIX.match(raw)
    if suffix:
        raw, tz_name = suffix.group(1), suffix.group(2)
    tz = zone(tz_name)
    try:
        clock = time.fromisoformat(raw)
    except ValueError:
        pass
    else:
        local_today = now.astimezone(tz).date()
        candidate = localize(datetime.combine(local_today, clock), tz)
        if candidate <= now:
            candidate = localize(datetime.combine(local_today + timedelta(days=1), clock), tz)
        return candidate
    if _is_date(raw):
        # A date alone would silently mean midnight, rarely what an organiser means by "the 20th".
        raise InvalidInput(f"{text.strip()!r} has no time of day: write one, e.g. {raw} 15:00")
    try:
        parsed = datetime.fromisoformat(raw.replace(" ", "T", 1) if "T" not in raw else raw)
    except ValueError as error:
        raise InvalidInput(
            f"cannot read {text!r} as a time (examples: 2026-12-08 15:00, 2026-12-08 15:00 Europe/Brussels,"
            " 15:00, in 2h)"
        ) from error
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return localize(parsed, tz)


def _is_date(raw: str) -> bool:
    try:
        date.fromisoformat(raw)
    except ValueError:
        return False
    return True


def format_local(moment: datetime | None, tz_name: str) -> str:
    if moment is None:
        return "not set"
    local = moment.astimezone(zone(tz_name))
    return f"{local:%a %d %b %Y %H:%M} {tz_name}"
