"""The in-memory holder of a participant's copy: one user, once, for minutes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import aiohttp

from adapters.slack import ids
from adapters.slack.copies import LINK_SECONDS, MAX_HELD, OFFER_SECONDS, CopyDesk, Submission
from bot.domain import ResultsMode, Status, Survey
from charts.renderer import MatplotlibChartRenderer
from tests.slack.conftest import Start
from tests.slack.fake_slack import Call
from tests.slack.harness import ORGANISER
from tests.slack.test_participant import PEOPLE, WHY, get_copy, open_survey


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
    link = desk.hold_pdf(b"%PDF-1.4", "s1")
    assert desk.download(link) == b"%PDF-1.4" and desk.download(link) is None
    expired = desk.hold_pdf(b"%PDF-1.4", "s1")
    now[0] += LINK_SECONDS + 1
    assert desk.download(expired) is None and desk.held == 0


async def test_at_close_the_copies_links_and_pending_edits_of_that_survey_are_forgotten(start_slack: Start) -> None:
    """A copy on offer holds a user id next to their answers; a pending edit holds them too. They must not
    outlive the survey by their timeouts: the close forgets them, and another survey's stay."""
    renderer = MatplotlibChartRenderer(max_workers=1)
    slack = await start_slack(renderer=renderer, modal_block_limit=9)  # pages, so an edit waits in memory
    slack.adapter.context.public_url = slack.url
    closing, staying = await open_survey(slack), await open_survey(slack)
    first, second, third = PEOPLE[:3]

    def invitation(user: str, survey_id: str) -> Call:
        return next(
            c for c in reversed(slack.calls("chat.postMessage"))
            if c.args["channel"] == f"D{user}" and survey_id in json.dumps(c.args.get("blocks", []))
        )  # fmt: skip

    async def submitted(user: str, survey_id: str) -> str:
        q = [f"q|{question.id}" for question in (await slack.core.service.get(survey_id)).questions]
        answers = {q[0]: ["1"], q[1]: "3", f"{q[2]}|0": "0", f"{q[2]}|1": "1", f"{q[2]}|2": "2", q[4]: WHY}
        await slack.click(user, invitation(user, survey_id), ids.OPEN_ANSWER)
        view = slack.opened_view()
        while True:  # each page, then the last one's submit
            _, body = await slack.submit_view(user, view, answers)
            reply = json.loads(body) if body else {}
            if "view" not in reply:
                assert reply.get("response_action") == "clear", reply
                break
            view = dict(reply["view"], id="VNEXT")
        await slack.settle()
        confirmation = slack.calls("chat.postEphemeral")[-1].args
        return next(e["value"] for b in confirmation["blocks"] if b["type"] == "actions" for e in b["elements"])

    kept = await submitted(first, closing)  # an offer not taken yet
    await get_copy(slack, second, await submitted(second, closing))  # taken: its PDF link waits
    link = re.search(r"<(http[^|>]+)\|Download the PDF>", json.dumps(slack.calls("views.update")[-1].args["view"]))
    assert link
    await submitted(third, closing)
    await slack.click(third, invitation(third, closing), ids.OPEN_ANSWER)  # reopens to change; passes page 1
    _, body = await slack.submit_view(third, slack.opened_view(), {})
    assert "view" in json.loads(body)
    other = await submitted(first, staying)
    desk, edits = slack.adapter.context.copies, slack.adapter.context.edits
    assert desk.held_for(closing) == 3 and edits.held_for(closing) == 1 and desk.held_for(staying) == 1

    await slack.command(ORGANISER, f"close {closing}")
    await get_copy(slack, first, kept)
    assert "no longer available" in json.dumps(slack.calls("views.open")[-1].args["view"])
    async with aiohttp.ClientSession() as http:
        async with http.get(link.group(1)) as response:
            assert response.status == 404
    assert desk.held_for(closing) == 0 and edits.held_for(closing) == 0
    await get_copy(slack, first, other)  # the open survey's copy is still there
    assert "Your contribution to" in json.dumps(slack.calls("views.update")[-1].args["view"])
    renderer.close()


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


def test_no_offer_is_held_for_a_survey_forgotten_at_close() -> None:
    """A confirmation built after the close (it goes after the ack) must not put the voter's answers
    back in memory next to their user id."""
    desk = CopyDesk()
    desk.forget_survey("s1")
    assert desk.offer("U1", _submission("s1")) is None
    assert desk.held == 0
    assert desk.offer("U1", _submission("s2")) is not None  # other surveys are not affected
