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
from bot.invitation_text import mentions_deadline, reminder_text
from bot.ratelimit import RateLimiter
from bot.service import Canvass
from bot.timeparse import format_local

log = logging.getLogger(__name__)

KeepAlive = Callable[[], Awaitable[bool]]  # renews the claim; False once it is lost


def direct_text(survey: Survey, message: str) -> str:
    """A reminder DM's text: no raw survey id, the deadline once (not when the organiser's text gives it)."""
    return reminder_text(survey, message)


def channel_text(survey: Survey, message: str, progress: str) -> str:
    given = mentions_deadline(message, survey)
    closes = f", closes {format_local(survey.closes_at, survey.timezone)}" if survey.closes_at and not given else ""
    head = message or "Reminder: please answer"
    return f"{head} — “{survey.title}”{closes}. So far: {progress}."


class Sender:
    def __init__(self, service: Canvass, messengers: Messengers, limiter: RateLimiter) -> None:
        self.service = service
        self.messengers = messengers
        self.limiter = limiter

    async def to_non_respondents(self, survey: Survey, message: str, keep_alive: KeepAlive) -> int:
        sent = 0
        unconnected: set[str] = set()
        for participant in await self.service.non_respondents(survey.id):
            messenger = self.messengers.get(participant.platform)
            if messenger is None:
                unconnected.add(participant.platform)
                continue
            # The adapter adds the same Start/Answer button as the invitation where it has buttons.
            await self.limiter.call(
                participant.platform, partial(messenger.remind_participant, participant, survey, message)
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
