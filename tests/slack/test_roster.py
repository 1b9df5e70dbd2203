"""Only the roster answers (issue 10, break 3), through the signed Slack endpoint: a guest who sees the
poll message, or gets hold of a survey modal, is refused privately and nothing is stored."""

from __future__ import annotations

import json

from tests.slack.harness import CHANNEL, MEMBERS, ORGANISER, SlackHarness
from tests.storage.dbdump import dump_all

GUEST = "UGUEST"  # a Slack Connect guest or a later joiner: not a member when the poll opened
SURVEY = """survey
title = "Two questions"
min_respondents = 3
[[questions]]
kind = "single"
text = "Pick"
options = ["A", "B"]
[[questions]]
kind = "text"
text = "Why?"
required = false"""


def refused(slack: SlackHarness, user: str) -> bool:
    return any("not on the list of people invited" in text for text in slack.ephemerals_to(user))


async def test_a_guest_clicking_the_poll_button_is_refused_until_added(slack: SlackHarness) -> None:
    await slack.command(ORGANISER, 'poll "Lunch?" "Pizza" "Salad" --k 3')
    survey = (await slack.core.service.list_surveys())[0]
    message = slack.last("chat.postMessage", channel=CHANNEL)
    url = slack.core.config.database_url
    before = dump_all(url)
    await slack.click(GUEST, message, "canvass_vote:0")
    assert refused(slack, GUEST)
    assert not any("recorded" in text for text in slack.ephemerals_to(GUEST))
    assert dump_all(url) == before  # nothing stored
    # The organiser invites the guest into the open poll; their vote then counts.
    await slack.command(ORGANISER, f"roster {survey.id} add <@{GUEST}>")
    reply = slack.fake.responses[-1]
    assert reply["response_type"] == "ephemeral" and "Added 1" in reply["text"], reply
    await slack.click(GUEST, message, "canvass_vote:0")
    assert "recorded" in slack.ephemerals_to(GUEST)[-1]
    for member in MEMBERS[:2]:
        await slack.click(member, message, "canvass_vote:1")
    progress = await slack.core.service.progress(survey.id)
    assert progress.invited == len(MEMBERS) + 1 and progress.respondents_stepped == 3  # members and the guest


async def test_a_guest_submitting_a_borrowed_modal_is_refused(slack: SlackHarness) -> None:
    await slack.command(ORGANISER, SURVEY)
    await slack.settle()
    survey = (await slack.core.service.list_surveys())[0]
    invitation = slack.last("chat.postMessage", channel=f"D{MEMBERS[0]}")
    await slack.click(MEMBERS[0], invitation, "canvass_open_answer")
    view = slack.opened_view()
    assert view["callback_id"] == "canvass_answer"
    url = slack.core.config.database_url
    before = dump_all(url)
    qids = [q.id for q in survey.questions]
    status, body = await slack.submit_view(GUEST, view, {f"q|{qids[0]}": "0", f"q|{qids[1]}": "hello"})
    assert status == 200
    shown = body + json.dumps(slack.fake.responses) + " ".join(slack.ephemerals_to(GUEST))
    assert "not on the list of people invited" in shown, shown
    assert "Traceback" not in shown
    await slack.close_view(GUEST, view, {f"q|{qids[0]}": "1"})  # closing saves a draft for members only
    assert dump_all(url) == before
