"""What stays in the DMs (issue 10, breaks 1 and 10): a DM is stored by Slack, so no answer ever goes
by DM (confirmations are ephemeral), and a survey's invitations and reminders are deleted at close."""

from __future__ import annotations

import json

import pytest

from adapters.slack import dm_trail
from adapters.slack.dm_trail import chunk_key, state_key
from bot.bootstrap import build_core
from bot.domain import Participant, QuestionKind, QuestionSpec, SurveySpec, Target
from bot.scheduling.sending import direct_text
from tests.slack.harness import CHANNEL, MEMBERS, ORGANISER, SlackHarness
from tests.storage.rawfiles import holding, raw_bytes

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
        await slack.adapter.messenger.send_direct(Participant("slack", user), direct_text(survey, ""), survey.id)
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


async def test_a_close_made_by_another_process_is_cleared_by_the_sweep(slack: SlackHarness) -> None:
    """`canvass close ID` publishes SurveyClosed in the CLI's process, not the bot's: the sweep finds it."""
    survey_id = await open_survey(slack, "Budget review", PEOPLE)
    sent = dms(slack)
    cli = await build_core(slack.core.config, with_charts=False)
    try:
        await cli.service.close_survey(None, survey_id)
    finally:
        await cli.close()
    assert not slack.calls("chat.delete")  # this process never heard of the close
    await slack.adapter.trail.sweep(slack.adapter._is_closed)
    assert {(c.args["channel"], c.args["ts"]) for c in slack.calls("chat.delete")} == set(sent)
    assert await slack.core.state.state_with_prefix(f"cleanup:{survey_id}:") == {}


async def test_dms_that_could_not_be_deleted_are_kept_and_retried(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    survey_id = await open_survey(slack, "Budget review", PEOPLE)
    sent = dms(slack)
    real_delete = slack.adapter.client.chat_delete

    async def slack_is_down(**_kwargs: object) -> None:
        raise ConnectionError("Slack is unreachable")

    monkeypatch.setattr(slack.adapter.client, "chat_delete", slack_is_down)
    await slack.command(ORGANISER, f"close {survey_id}")
    await slack.settle()
    assert all(ref in slack.fake.messages for ref in sent)
    assert await slack.core.state.get_state(state_key(survey_id)) == str(len(sent))  # not forgotten

    monkeypatch.setattr(slack.adapter.client, "chat_delete", real_delete)
    await slack.adapter.trail.sweep(slack.adapter._is_closed)
    assert not any(ref in slack.fake.messages for ref in sent)
    assert await slack.core.state.state_with_prefix(f"cleanup:{survey_id}:") == {}


async def test_the_deleted_record_leaves_no_dm_channel_in_the_database_files(slack: SlackHarness) -> None:
    """The refs name who was invited: once the DMs are gone, the file bytes forget them as well."""
    survey_id = await open_survey(slack, "Budget review", PEOPLE)
    channels = sorted({channel for channel, _ts in dms(slack)})
    await slack.command(ORGANISER, f"close {survey_id}")
    await slack.settle()
    assert await slack.core.state.state_with_prefix(f"cleanup:{survey_id}:") == {}
    assert holding(raw_bytes(slack.core.config.database_url), [f"{survey_id}:slack.dms", *channels]) == []


async def test_a_reminder_is_filed_under_its_own_survey_whatever_its_text_names(slack: SlackHarness) -> None:
    """A reminder quoting another survey's id ("as in [abc123]") must still go with its own survey."""
    first = await open_survey(slack, "Budget review", PEOPLE)
    assert slack.core.scheduler is not None
    second = await open_survey(slack, "Other survey", PEOPLE[:3])
    survey = await slack.core.service.get(second)

    async def still_claimed() -> bool:
        return True

    await slack.core.scheduler.sender.to_non_respondents(survey, f"Same questions as [{first}].", still_claimed)
    reminders = dms(slack)[-3:]
    await slack.command(ORGANISER, f"close {first}")
    await slack.settle()
    assert all(ref in slack.fake.messages for ref in reminders)  # not taken for the first survey's
    await slack.command(ORGANISER, f"close {second}")
    await slack.settle()
    assert not any(ref in slack.fake.messages for ref in reminders)
