"""The in-memory holder of a participant's copy: one user, once, for minutes."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.slack.copies import LINK_SECONDS, OFFER_SECONDS, CopyDesk, Submission
from bot.domain import ResultsMode, Status, Survey


def _submission(survey_id: str = "s1") -> Submission:
    survey = Survey(survey_id, "T", Status.OPEN, (), (), ResultsMode.AFTER_CLOSE, 3, None, None, "UTC", "x")
    return Submission(survey, {"q": "answer"}, datetime(2026, 1, 1, tzinfo=UTC))


def test_a_copy_is_taken_once_by_its_author_only_and_expires() -> None:
    now = [0.0]
    desk = CopyDesk(monotonic=lambda: now[0])
    token = desk.offer("U1", _submission())
    assert desk.take(token, "U2") is None  # someone else's click (a forwarded token) finds nothing
    assert desk.take(token, "U1") is not None
    assert desk.take(token, "U1") is None  # once
    late = desk.offer("U1", _submission())
    now[0] += OFFER_SECONDS + 1
    assert desk.take(late, "U1") is None and desk.held == 0


def test_a_resubmission_replaces_the_earlier_offer_and_a_pdf_link_works_once() -> None:
    now = [0.0]
    desk = CopyDesk(monotonic=lambda: now[0])
    old = desk.offer("U1", _submission())
    new = desk.offer("U1", _submission())
    other = desk.offer("U1", _submission("s2"))
    assert desk.take(old, "U1") is None and desk.take(new, "U1") is not None and desk.take(other, "U1") is not None
    link = desk.hold_pdf(b"%PDF-1.4")
    assert desk.download(link) == b"%PDF-1.4" and desk.download(link) is None
    expired = desk.hold_pdf(b"%PDF-1.4")
    now[0] += LINK_SECONDS + 1
    assert desk.download(expired) is None and desk.held == 0
