"""Sending what the scheduler fires, through the per-platform rate limiter.

Who gets a non-respondent reminder is asked of the service at the moment of sending (roster members
without a responded marker), so someone who answered a minute ago is not reminded.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial

from bot.delivery import Messengers
from bot.domain import Survey
from bot.ratelimit import RateLimiter
from bot.service import Canvass
from bot.timeparse import format_local, zone

log = logging.getLogger(__name__)

KeepAlive = Callable[[], Awaitable[bool]]  # renews the claim; False once it is lost


_DEADLINE_WORDS = ("deadline", "closes", "close ", "closing", "due ", "until ", "before ")


def mentions_deadline(survey: Survey, message: str) -> bool:
    """Whether an organiser's custom text already gives the deadline, so that it is not said twice."""
    if survey.closes_at is None:
        return False
    lowered = message.lower()
    local = survey.closes_at.astimezone(zone(survey.timezone))
    named = (f"{local:%H:%M}", f"{local.day} {local:%b}".lower(), f"{local:%A}".lower(), f"{local:%Y-%m-%d}")
    return any(word in lowered for word in (*_DEADLINE_WORDS, *named))


def direct_text(survey: Survey, message: str) -> str:
    """A reminder in a DM. The title names the survey: participants never see its internal id."""
    about = f"“{survey.title}”"
    closes = f" It closes {format_local(survey.closes_at, survey.timezone)}." if survey.closes_at else ""
    if message and mentions_deadline(survey, message):
        closes = ""
    return (
        f"{message} — {about}.{closes}"
        if message
        else f"Reminder: you have not answered {about} yet.{closes}"
    )


def channel_text(survey: Survey, message: str, progress: str) -> str:
    closes = f", closes {format_local(survey.closes_at, survey.timezone)}" if survey.closes_at else ""
    head = message or "Reminder: please answer"
    return f"{head} — “{survey.title}”{closes}. So far: {progress}."  # participants read it: no internal id


class Sender:
    def __init__(self, service: Canvass, messengers: Messengers, limiter: RateLimiter) -> None:
        self.service = service
        self.messengers = messengers
        self.limiter = limiter

    async def to_non_respondents(self, survey: Survey, message: str, keep_alive: KeepAlive) -> int:
        text = direct_text(survey, message)
        sent = 0
        unconnected: set[str] = set()
        for participant in await self.service.non_respondents(survey.id):
            messenger = self.messengers.get(participant.platform)
            if messenger is None:
                unconnected.add(participant.platform)
                continue
            await self.limiter.call(
                participant.platform, partial(messenger.send_direct, participant, text, survey.id)
            )
            sent += 1
            if not await keep_alive():
                log.warning("survey %s: lost the claim on a reminder while sending; stopping", survey.id)
                break
        if unconnected:
            # One line per platform, never per person: a count of lines would be the exact number of
            # non-respondents, which the k-steps hide.
            log.warning("survey %s: participants on %s cannot be reminded (not connected)",
                        survey.id, ", ".join(sorted(unconnected)))  # fmt: skip
        return sent

    async def to_channels(self, survey: Survey, text: str, keep_alive: KeepAlive) -> int:
        sent = 0
        for target in survey.targets:
            messenger = self.messengers.get(target.platform)
            if messenger is None:
                log.warning("survey %s targets %s, which is not connected", survey.id, target.platform)
                continue
            await self.limiter.call(target.platform, partial(messenger.post_text, target, text))
            sent += 1
            if not await keep_alive():
                break
        return sent

    async def reminder_to_channels(self, survey: Survey, message: str, keep_alive: KeepAlive) -> int:
        progress = (await self.service.progress(survey.id)).describe()  # stepped by k
        return await self.to_channels(survey, channel_text(survey, message, progress), keep_alive)
