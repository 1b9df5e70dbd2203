"""What stays in the DMs (issue 10, breaks 1 and 10): a DM is stored by Slack, so no answer ever goes
by DM (confirmations are ephemeral), and a survey's invitations and reminders are deleted at close."""

from __future__ import annotations

import json

import pytest

from adapters.slack import dm_trail
from adapters.slack.dm_trail import chunk_key, state_key
from bot.domain import Participant, QuestionKind, QuestionSpec, SurveySpec, Target
from bot.scheduling.sending import direct_text
from tests.slack.harness import CHANNEL, MEMBERS, ORGANISER, SlackHarness

PEOPLE = MEMBERS[:5]
OPTIONS = ("Keep the budget", "Cut the budget", "Double the budget")


async def open_survey(slack: SlackHarness, title: str, people: list[str]) -> str:
    spec = SurveySpec(
        title=title,
        questions=(
            QuestionSpec(QuestionKind.SINGLE, "Budget?", OPTIONS),
            QuestionSpec(QuestionKind.TEXT, "Why?"),
        ),
        targets=(Target("slack", CHANNEL),),
        k=3,
        roster=tuple(Participant("slack", u) for u in people),
    )
    survey = await slack.core.service.create_survey(slack.adapter.context.actor(ORGANISER), spec)
    await slack.core.delivery.open(None, survey.id)
    return survey.id


async def answer(slack: SlackHarness, survey_id: str, user: str, choice: int, why: str, draft: bool = False) -> None:
    survey = await slack.core.service.get(survey_id)
    invitation = next(
        c
        for c in reversed(slack.calls("chat.postMessage"))
        if c.args["channel"] == f"D{user}" and survey_id in json.dumps(c.args["blocks"])
    )
    await slack.click(user, invitation, "canvass_open_answer")
    view = slack.opened_view()
    answers = {f"q|{survey.questions[0].id}": str(choice), f"q|{survey.questions[1].id}": why}
    if draft:
        await slack.close_view(user, view, answers)  # closing the modal keeps a draft
        await slack.click(user, invitation, "canvass_open_answer")
        view = slack.opened_view()
    await slack.submit_view(user, view, answers)


def dms(slack: SlackHarness) -> list[tuple[str, str]]:
    return [
        (c.args["channel"], c.response["ts"])
        for c in slack.calls("chat.postMessage")
        if c.args["channel"].startswith("D")
    ]


async def test_no_answer_goes_by_dm_only_in_ephemerals_to_the_voter(slack: SlackHarness) -> None:
    survey_id = await open_survey(slack, "Budget review", PEOPLE)
    whys = [f"because reason-{i}" for i in range(len(PEOPLE))]
    for i, user in enumerate(PEOPLE):
        await answer(slack, survey_id, user, i % 3, whys[i], draft=i == 0)
    stored = json.dumps([c.args for c in slack.calls("chat.postMessage") + slack.calls("chat.update")])
    assert not any(why in stored for why in whys)
    assert not any(option in stored.replace("Budget?", "") for option in OPTIONS[1:])
    ephemerals = [c for c in slack.calls("chat.postEphemeral") if c.args["user"] in PEOPLE]
    assert len(ephemerals) == len(PEOPLE)  # one confirmation each, visible to that person alone
    assert all(c.args["channel"] == f"D{c.args['user']}" for c in ephemerals)


async def test_a_surveys_invitations_and_reminders_are_deleted_at_close(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dm_trail, "CHUNK", 4)  # several state rows for one survey
    survey_id = await open_survey(slack, "Budget review", PEOPLE)
    other_id = await open_survey(slack, "Other survey", PEOPLE[:3])
    survey = await slack.core.service.get(survey_id)
    await answer(slack, survey_id, PEOPLE[0], 0, "fine")
    # Reminders: the scheduler's DM (the port call it makes) and the organiser's App Home button.
    for user in PEOPLE[1:]:
        await slack.adapter.messenger.send_direct(Participant("slack", user), direct_text(survey, ""))
    await slack.home_opened(ORGANISER, "EvHome1")
    home = slack.last("views.publish", user_id=ORGANISER).args["view"]
    await slack.block_action(
        ORGANISER,
        {
            "action_id": "canvass_home_remind",
            "block_id": f"manage|{survey_id}",
            "type": "button",
            "value": survey_id,
            "action_ts": "1",
        },
        view=dict(home, id="VHOME"),
    )
    sent = dms(slack)
    others = sent[5:8]  # the other survey's invitations
    ours = [ref for ref in sent if ref not in others]
    assert len(ours) == 5 + 4 + 4  # invitations, scheduler reminders, App Home reminders
    assert await slack.core.state.get_state(state_key(survey_id)) == "13"
    already_gone = ours[-1]
    slack.fake.messages.pop(already_gone)  # the person deleted it themselves: that must not stop the rest

    await slack.command(ORGANISER, f"close {survey_id}")
    deleted = {(c.args["channel"], c.args["ts"]) for c in slack.calls("chat.delete")}
    assert deleted == set(ours) - {already_gone}
    assert not any(ref in slack.fake.messages for ref in ours)
    assert all(ref in slack.fake.messages for ref in others)  # only the closed survey's DMs go
    for key in [state_key(survey_id), *(chunk_key(survey_id, n) for n in range(4))]:
        assert not await slack.core.state.get_state(key)  # the record is gone too
    assert await slack.core.state.get_state(state_key(other_id)) == "3"


async def test_the_record_survives_a_restart_of_the_process(slack: SlackHarness) -> None:
    survey_id = await open_survey(slack, "Budget review", PEOPLE)
    sent = dms(slack)
    slack.adapter.trail._memory.clear()  # what a restarted process would have: only bot_state
    await slack.command(ORGANISER, f"close {survey_id}")
    assert {(c.args["channel"], c.args["ts"]) for c in slack.calls("chat.delete")} == set(sent)
