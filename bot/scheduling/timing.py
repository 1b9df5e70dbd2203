"""When a reminder fires: pure functions, so the rules are easy to test and the same everywhere."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain import ReminderSpec, Survey
from bot.errors import InvalidInput
from bot.scheduling.ports import Audience
from bot.timeparse import format_local, zone

MAX_MESSAGE = 1000


def first_fire(spec: ReminderSpec, closes_at: datetime | None) -> datetime:
    if spec.before_close_seconds is not None:
        if closes_at is None:
            raise InvalidInput(
                "a reminder relative to the close needs a closing time; give an absolute time instead"
            )
        return closes_at - timedelta(seconds=spec.before_close_seconds)
    if spec.at is None:
        raise InvalidInput("a reminder needs a time, or a duration before the close")
    return spec.at


def next_daily(previous: datetime, tz_name: str) -> datetime:
    """The same wall-clock time on the next local day (23 or 25 hours later across a DST change)."""
    tz = zone(tz_name)
    local = previous.astimezone(tz)
    following = (local.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=tz)
    # A wall time that falls into the spring-forward gap moves on by the gap, as zoneinfo normalises it.
    return following.astimezone(previous.tzinfo)


def next_occurrence(
    base: datetime, now: datetime, closes_at: datetime | None, tz_name: str, recurring: bool
) -> datetime | None:
    """The first firing at or after `now` (daily from `base` if recurring); None if none is left."""
    moment = base
    if recurring:
        while moment < now:
            moment = next_daily(moment, tz_name)
    if moment < now or (closes_at is not None and moment >= closes_at):
        return None
    return moment


def check_reminder(spec: ReminderSpec, survey: Survey, now: datetime) -> datetime:
    """Validate an organiser's reminder against the survey; returns its first firing time."""
    if (spec.at is None) == (spec.before_close_seconds is None):
        raise InvalidInput("give either a time or a duration before the close, not both")
    if spec.before_close_seconds is not None and spec.before_close_seconds <= 0:
        raise InvalidInput("the duration before the close must be positive")
    try:
        Audience(spec.audience)
    except ValueError:
        raise InvalidInput("the audience must be non_respondents or channel") from None
    if len(spec.message) > MAX_MESSAGE:
        raise InvalidInput(f"the message is longer than {MAX_MESSAGE} characters")
    when = first_fire(spec, survey.closes_at)
    shown = format_local(when, survey.timezone)
    opens, closes = (
        format_local(survey.opens_at, survey.timezone),
        format_local(survey.closes_at, survey.timezone),
    )
    if when <= now:
        raise InvalidInput(f"the reminder time ({shown}) is in the past")
    if survey.closes_at is not None and when >= survey.closes_at:
        raise InvalidInput(f"the reminder ({shown}) is not before the close ({closes})")
    if survey.opens_at is not None and when < survey.opens_at:
        raise InvalidInput(f"the reminder ({shown}) is before the survey opens ({opens})")
    return when


def describe_when(at: datetime | None, before_close_seconds: int | None, fire: datetime, tz_name: str) -> str:
    if before_close_seconds is not None:
        return f"{_duration(before_close_seconds)} before close ({format_local(fire, tz_name)})"
    return format_local(at or fire, tz_name)


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    return "".join(parts) or f"{seconds}s"
