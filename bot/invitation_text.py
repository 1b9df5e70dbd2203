"""What invitations and reminders say, shared by every adapter: the deadline (in the reader's own time zone
where the platform gives it), said once, never the raw survey id."""

from __future__ import annotations

import re

from bot.domain import Survey
from bot.errors import InvalidInput
from bot.timeparse import format_local, zone

_DEADLINE_WORDS = re.compile(r"\b(deadline|closes|closing|close[sd]? (at|on|by)|due|until|before)\b", re.IGNORECASE)


def mentions_deadline(text: str, survey: Survey) -> bool:
    """Whether an organiser's own text already gives the deadline, so the bot need not repeat it."""
    if not text or survey.closes_at is None:
        return False
    if _DEADLINE_WORDS.search(text):
        return True
    local = survey.closes_at.astimezone(zone(survey.timezone))
    lowered = text.lower()
    dates = {
        f"{local:%H:%M}",
        f"{local:%Y-%m-%d}",
        f"{local.day} {local:%b}".lower(),
        f"{local.day} {local:%B}".lower(),
        f"{local:%b} {local.day}".lower(),
        f"{local:%B} {local.day}".lower(),
    }
    return any(d in lowered for d in dates)


def deadline_phrase(survey: Survey, reader_zone: str | None = None) -> str:
    """ "closes Thu 03 Dec 2026 15:00 Europe/Brussels", in the reader's zone when known and valid."""
    if survey.closes_at is None:
        return "no deadline: it closes when an organiser closes it"
    tz = survey.timezone
    if reader_zone:
        try:
            zone(reader_zone)
            tz = reader_zone
        except InvalidInput:  # an unknown zone name from the platform: the survey's own
            tz = survey.timezone
    return f"closes {format_local(survey.closes_at, tz)}"


def question_count(survey: Survey) -> str:
    n = len(survey.questions)
    return f"{n} question{'s' if n != 1 else ''}"


def reminder_text(survey: Survey, message: str, reader_zone: str | None = None) -> str:
    """A reminder to someone who has not answered: the organiser's words (or ours), the deadline once."""
    head = message.strip() or f"Reminder: you have not answered “{survey.title}” yet."
    if message.strip() and survey.title not in message:
        head = f"{head} — “{survey.title}”"
    if mentions_deadline(message, survey):
        return head
    return f"{head.rstrip('.')}. It {deadline_phrase(survey, reader_zone)}."
