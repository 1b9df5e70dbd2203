"""The in-memory holder of a participant's copy: one user, once, for minutes."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.slack.copies import LINK_SECONDS, MAX_HELD, OFFER_SECONDS, CopyDesk, Submission
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


def test_the_oldest_offers_go_first_beyond_the_bound_and_a_replaced_offer_stays_gone() -> None:
    now = [0.0]
    desk = CopyDesk(monotonic=lambda: now[0])
    first = desk.offer("U0", _submission())
    tokens = [desk.offer(f"U{i}", _submission()) for i in range(1, MAX_HELD + 1)]
    assert desk.take(first, "U0") is None  # pushed out by the newer ones
    assert desk.take(tokens[0], "U1") is not None and desk.held == MAX_HELD - 1
    # Taking, then resubmitting, then the old offer's time passing: only the newest is held.
    again = desk.offer("U2", _submission())
    assert desk.take(tokens[1], "U2") is None
    now[0] += OFFER_SECONDS / 2
    newest = desk.offer("U2", _submission())
    assert desk.take(again, "U2") is None
    now[0] += OFFER_SECONDS / 2 + 1
    assert desk.held == 1 and desk.take(newest, "U2") is not None and desk.held == 0
