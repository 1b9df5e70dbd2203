"""A participant's own copy of a submission, on request, leaving as little behind as Slack allows.

The ephemeral confirmation carries a "Get my copy" button whose value is a random token. Until the
click (or for OFFER_SECONDS at most) the submission in hand waits here, in this process's memory only,
under that token and the id of the one user who may take it; the click takes it (once) and the modal
shows the copy's text. In HTTP mode, with a public URL, the modal also carries a one-time download
link: the PDF is rendered then and held in memory under a second random token, deleted on the first
download or after LINK_SECONDS. Nothing of either is written to the database, a log or a file, and
both go when their survey closes (forget_survey, adapters/slack/forget.py).

Socket Mode has no public listener, so it gets no link; a DM upload would stay in the workspace's
history (exports can read DMs), so there is no PDF there: the modal's text is the copy.
With several HTTP replicas, a link is served only by the replica that made it (sticky routing, or ask
again).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.domain import Answer, Survey

OFFER_SECONDS = 600.0
LINK_SECONDS = 600.0
MAX_HELD = 2000  # a flood of submissions cannot grow memory without bound: the oldest offers go first
COPY_PATH = "/slack/copy/"


@dataclass(frozen=True)
class Submission:
    survey: Survey
    answers: Mapping[str, Answer]
    submitted_at: datetime


class CopyDesk:
    """Expiry and replacement cost O(1) per offer (this runs on every vote): entries are kept in
    insertion order, which is their expiry order (a monotonic clock plus a constant), so expiring
    pops from the front; an index from (user, survey) to the token finds the offer a resubmission
    replaces. Both live only in this process's memory, as the offers themselves."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._now = monotonic
        self._offers: dict[str, tuple[float, str, Submission]] = {}
        self._pdfs: dict[str, tuple[float, str, bytes]] = {}  # token -> (until, survey id, PDF)
        self._latest: dict[tuple[str, str], str] = {}  # (user, survey id) -> token of their offer
        self._closed: dict[str, None] = {}  # surveys forgotten at close, oldest first (at most MAX_HELD)

    def _expire(self) -> None:
        now = self._now()
        while self._offers and (len(self._offers) > MAX_HELD or next(iter(self._offers.values()))[0] <= now):
            token = next(iter(self._offers))
            self._drop_offer(token)
        while self._pdfs and (len(self._pdfs) > MAX_HELD or next(iter(self._pdfs.values()))[0] <= now):
            self._pdfs.pop(next(iter(self._pdfs)))

    def _drop_offer(self, token: str) -> Submission | None:
        held = self._offers.pop(token, None)
        if held is None:
            return None
        key = (held[1], held[2].survey.id)
        if self._latest.get(key) == token:
            del self._latest[key]
        return held[2]

    def offer(self, user: str, submission: Submission) -> str | None:
        """Hold a submission for its author's click; returns the button's token, or None once its survey
        closed. An earlier offer of the same person for the same survey is dropped: it no longer is
        what they submitted."""
        if submission.survey.id in self._closed:
            return None
        self._expire()
        key = (user, submission.survey.id)
        earlier = self._latest.get(key)
        if earlier is not None:
            self._drop_offer(earlier)
        token = secrets.token_urlsafe(24)
        self._offers[token] = (self._now() + OFFER_SECONDS, user, submission)
        self._latest[key] = token
        return token

    def take(self, token: str, user: str) -> Submission | None:
        """The held submission, once, and only for the user who made it."""
        self._expire()
        held = self._offers.get(token)
        if held is None or not secrets.compare_digest(held[1], user):
            return None
        return self._drop_offer(token)

    def hold_pdf(self, pdf: bytes, survey_id: str) -> str:
        self._expire()
        token = secrets.token_urlsafe(32)
        self._pdfs[token] = (self._now() + LINK_SECONDS, survey_id, pdf)
        return token

    def download(self, token: str) -> bytes | None:
        """The PDF, once: deleted as it is handed out."""
        self._expire()
        held = self._pdfs.pop(token, None)
        return held[2] if held is not None else None

    def forget_survey(self, survey_id: str) -> None:
        """At close: its offers (a user id next to their answers) and PDFs go, not minutes later, and
        none is taken for it afterwards (a confirmation built after the close)."""
        self._closed[survey_id] = None
        while len(self._closed) > MAX_HELD:
            self._closed.pop(next(iter(self._closed)))
        for token in [t for t, v in self._offers.items() if v[2].survey.id == survey_id]:
            self._drop_offer(token)  # keeps the (user, survey) index in step
        self._pdfs = {t: v for t, v in self._pdfs.items() if v[1] != survey_id}

    def held_for(self, survey_id: str) -> int:
        """How many offers and PDFs of this survey are held (for tests and checks)."""
        self._expire()
        offers = sum(1 for v in self._offers.values() if v[2].survey.id == survey_id)
        return offers + sum(1 for v in self._pdfs.values() if v[1] == survey_id)

    @property
    def held(self) -> int:
        self._expire()
        return len(self._offers) + len(self._pdfs)
