"""The presenter page's core: links for organisers (mint, verify, revoke) and what the page may show.

A link carries a random 256-bit token; only its SHA-256 is stored, so a copy of the database opens
no page. A token works until the survey closes plus `ttl_after_close`, or until it is revoked. The
page shows exactly what the chat shows (`Canvass.results(None, ...)` and `Canvass.progress`): the
k-steps are the core's, never re-implemented here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot.domain import Actor, ResultsMode, Status, Survey
from bot.errors import NotAuthorised, NotFound
from bot.ports import Clock
from bot.present_ports import PresentTokenStore
from bot.results import SurveyResults
from bot.service import Canvass, Progress

TOKEN_BYTES = 32  # 256 bits; the issue asks for at least 128
DEFAULT_TTL = timedelta(hours=24)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def may_present(service: Canvass, survey: Survey, actor: Actor | None) -> bool:
    """"An organiser of the survey": whoever may manage it (its creator or a configured organiser; None is
    the operator's CLI). Room power elsewhere gives no link to this survey's page."""
    return service.rights.may_manage(actor, survey)


@dataclass(frozen=True)
class PresentView:
    """Everything the page may show: aggregates the chat would show, and nothing else."""

    survey: Survey
    progress: Progress
    results: SurveyResults | None  # None: results are not published (yet) in this mode
    notice: str  # why there are no results, or ""

    @property
    def closed(self) -> bool:
        return self.survey.status is Status.CLOSED


class Presenter:
    def __init__(self, service: Canvass, store: PresentTokenStore, clock: Clock,
                 ttl_after_close: timedelta = DEFAULT_TTL) -> None:  # fmt: skip
        self.service = service
        self.store = store
        self.clock = clock
        self.ttl_after_close = ttl_after_close

    @property
    def ttl_text(self) -> str:
        return _hours(self.ttl_after_close)

    async def mint(self, actor: Actor | None, survey_id: str) -> str:
        """A new link token for an organiser of the survey; shown once, stored only as a hash."""
        survey = await self.service.get(survey_id)
        if not may_present(self.service, survey, actor):
            raise NotAuthorised("Only an organiser of this survey can get its presenter link.")
        if survey.results_mode is ResultsMode.ORGANISERS:
            raise NotAuthorised(
                f"Results of [{survey.id}] are for organisers only, so they are never put on a shared screen."
            )
        if self._expired(survey):
            raise NotFound(f"Survey {survey.id} closed more than {self.ttl_text} ago.")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        await self.store.add(token_hash(token), survey.id, self.clock.now())
        return token

    async def revoke(self, actor: Actor | None, survey_id: str) -> int:
        survey = await self.service.get(survey_id)
        if not may_present(self.service, survey, actor):
            raise NotAuthorised("Only an organiser of this survey can revoke its presenter links.")
        return await self.store.revoke(survey.id, self.clock.now())

    async def verify(self, token: str) -> str | None:
        """The survey id a token opens, or None (unknown, revoked or expired: all look the same)."""
        if not 20 <= len(token) <= 100:
            return None
        wanted = token_hash(token)
        record = await self.store.find(wanted)
        # The lookup is by hash, so its timing says nothing about the token; compare in constant time anyway.
        if record is None or not hmac.compare_digest(record.token_hash, wanted) or record.revoked_at is not None:
            return None
        try:
            survey = await self.service.get(record.survey_id)
        except NotFound:
            return None
        return None if self._expired(survey) else survey.id

    def _expired(self, survey: Survey) -> bool:
        if survey.status is not Status.CLOSED or survey.closes_at is None:
            return False
        return self.clock.now() >= survey.closes_at + self.ttl_after_close

    async def view(self, survey_id: str) -> PresentView:
        survey = await self.service.get(survey_id)
        progress = await self.service.progress(survey.id)
        if survey.results_mode is ResultsMode.ORGANISERS:
            return PresentView(survey, progress, None, "The results of this survey are for organisers only.")
        if survey.status is Status.CLOSED or survey.results_mode is ResultsMode.LIVE:
            return PresentView(survey, progress, await self.service.results(None, survey.id), "")
        if survey.status is Status.OPEN:
            return PresentView(survey, progress, None, "Results appear here when the survey closes.")
        return PresentView(survey, progress, None, "This survey has not opened yet.")


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} hour" if hours == 1 else f"{hours:g} hours"
