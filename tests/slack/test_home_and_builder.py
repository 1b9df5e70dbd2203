"""App Home for participants and organisers, and the survey builder's validation."""

from __future__ import annotations

import json
from typing import Any

from bot.domain import Participant, QuestionKind, QuestionSpec, ResultsMode, Status, SurveySpec, Target
from tests.slack.harness import CHANNEL, MEMBERS, ORGANISER, SlackHarness


async def open_survey(
    slack: SlackHarness, people: list[str], mode: ResultsMode = ResultsMode.AFTER_CLOSE
) -> str:
    spec = SurveySpec(
        title="Two questions",
        questions=(QuestionSpec(QuestionKind.SCALE, "How?"), QuestionSpec(QuestionKind.TEXT, "Why?")),
        targets=(Target("slack", CHANNEL),),
        k=3,
        roster=tuple(Participant("slack", u) for u in people),
        results_mode=mode,
    )
    survey = await slack.core.service.create_survey(slack.adapter.context.actor(ORGANISER), spec)
    await slack.core.delivery.open(None, survey.id)
    return survey.id


def home_of(slack: SlackHarness, user: str) -> str:
    return json.dumps(slack.last("views.publish", user_id=user).args["view"]["blocks"], ensure_ascii=False)


async def test_participant_home_lists_what_is_left_to_answer(slack: SlackHarness) -> None:
    survey_id = await open_survey(slack, MEMBERS[:3])
    await slack.home_opened("U0001", "Ev1")
    assert "Two questions" in home_of(slack, "U0001") and "canvass_open_answer" in home_of(slack, "U0001")
    assert "Your surveys" not in home_of(slack, "U0001")
    await slack.home_opened("U0009", "Ev2")  # not invited
    assert "Nothing to answer" in home_of(slack, "U0009")
    home_view = slack.last("views.publish", user_id="U0001").args["view"]
    await slack.block_action(
        "U0001",
        {
            "action_id": "canvass_open_answer",
            "block_id": f"pending|{survey_id}",
            "type": "button",
            "value": survey_id,
            "action_ts": "1",
        },
        view=dict(home_view, id="VHOME1"),
    )
    view = slack.opened_view()
    survey = await slack.core.service.get(survey_id)
    await slack.submit_view(
        "U0001", view, {f"q|{survey.questions[0].id}": "4", f"q|{survey.questions[1].id}": "ok"}
    )
    # Answered from App Home (no channel): the confirmation goes to the person's DM with the bot.
    assert slack.last("chat.postEphemeral", user="U0001").args["channel"] == "DU0001"
    await slack.home_opened("U0001", "Ev3")
    assert "Nothing to answer" in home_of(slack, "U0001")


async def test_organiser_home_manages_surveys(slack: SlackHarness) -> None:
    survey_id = await open_survey(slack, MEMBERS[:4])
    await slack.home_opened(ORGANISER, "Ev1")
    shown = home_of(slack, ORGANISER)
    assert "Your surveys" in shown and "fewer than 3 of 4 answered" in shown
    assert all(a in shown for a in ("canvass_home_close", "canvass_home_results", "canvass_home_remind"))
    home = dict(slack.last("views.publish", user_id=ORGANISER).args["view"], id="VHOME")

    async def press(user: str, action_id: str) -> None:
        await slack.block_action(
            user,
            {
                "action_id": action_id,
                "block_id": f"manage|{survey_id}",
                "type": "button",
                "value": survey_id,
                "action_ts": "1",
            },
            view=home,
        )

    await press(ORGANISER, "canvass_home_results")
    assert "after it closes" in home_of(slack, ORGANISER)
    await press("U0002", "canvass_home_close")  # not an organiser: refused, nothing changes
    assert "Only organisers" in home_of(slack, "U0002")
    assert (await slack.core.service.get(survey_id)).status is Status.OPEN
    await press(ORGANISER, "canvass_home_close")
    assert (await slack.core.service.get(survey_id)).status is Status.CLOSED
    assert "Closed “Two questions”" in home_of(slack, ORGANISER)
    assert any(
        "Results of" in c.args["text"]
        for c in slack.calls("chat.postMessage")
        if c.args["channel"] == CHANNEL
    )


async def test_organisers_only_results_never_go_to_the_channel_from_app_home(slack: SlackHarness) -> None:
    survey_id = await open_survey(slack, MEMBERS[:4], ResultsMode.ORGANISERS)
    survey = await slack.core.service.get(survey_id)
    for voter in MEMBERS[:3]:
        answers = {survey.questions[0].id: 4, survey.questions[1].id: "fine"}
        await slack.core.service.submit(Participant("slack", voter), survey_id, answers)
    await slack.core.service.close_survey(None, survey_id)
    await slack.settle()
    before = [c.args for c in slack.calls("chat.postMessage") if c.args["channel"] == CHANNEL]
    await slack.home_opened(ORGANISER, "Ev9")
    home = dict(slack.last("views.publish", user_id=ORGANISER).args["view"], id="VHOME")
    action = {"action_id": "canvass_home_results", "block_id": f"manage|{survey_id}", "type": "button",
              "value": survey_id, "action_ts": "1"}  # fmt: skip
    await slack.block_action(ORGANISER, action, view=home)
    assert "for organisers only" in home_of(slack, ORGANISER)
    assert [c.args for c in slack.calls("chat.postMessage") if c.args["channel"] == CHANNEL] == before


async def test_results_to_another_channel_by_mention(slack: SlackHarness) -> None:
    survey_id = await open_survey(slack, MEMBERS[:4])
    await slack.core.service.close_survey(None, survey_id)
    await slack.settle()
    await slack.command(ORGANISER, f"results {survey_id} <#COTHER|other-room>")
    assert any(
        "Results of" in c.args["text"]
        for c in slack.calls("chat.postMessage")
        if c.args["channel"] == "COTHER"
    )


async def builder_view(slack: SlackHarness) -> dict[str, Any]:
    await slack.command(ORGANISER, "new")
    return slack.opened_view()


async def test_builder_reports_errors_on_the_offending_field(slack: SlackHarness) -> None:
    view = await builder_view(slack)
    base = {
        "b_title": "Poll",
        "b_q0_kind": "single",
        "b_q0_text": "Which?",
        "b_mode": "after_close",
        "b_k": "5",
    }
    cases = [
        ({"b_q0_options": "Only one"}, "b_q0_options", "at least 2 options"),
        ({"b_q0_options": "A\nB", "b_closes": "yesterday at noon"}, "b_closes", "cannot read"),
        ({"b_q0_options": "A\n" + "B" * 76}, "b_q0_options", "at most 75 characters"),
        ({"b_q0_options": "A\nB", "b_k": "2"}, "b_k", "at least 3"),
        ({"b_q0_kind": "scale", "b_q0_details": "one to five"}, "b_q0_details", "range like 1-5"),
        (
            {"b_q0_options": "A\nB", "b_q0_kind": "multi", "b_q0_details": "5"},
            "b_q0_details",
            "between 1 and",
        ),
    ]
    for extra, block, message in cases:
        status, body = await slack.submit_view(ORGANISER, view, {**base, **extra})
        reply = json.loads(body)
        assert status == 200 and reply["response_action"] == "errors", body
        assert list(reply["errors"]) == [block] and message in reply["errors"][block], reply
    assert await slack.core.service.list_surveys() == []


async def test_builder_poll_is_posted_with_buttons_in_the_channel(slack: SlackHarness) -> None:
    view = await builder_view(slack)
    values = {
        "b_title": "Coffee?",
        "b_q0_kind": "single",
        "b_q0_text": "Coffee?",
        "b_q0_options": "Yes\nNo",
        "b_mode": "live",
        "b_k": "3",
    }
    status, body = await slack.submit_view(ORGANISER, view, values)
    assert status == 200 and body == ""
    message = slack.last("chat.postMessage", channel=CHANNEL)
    assert "canvass_vote:0" in json.dumps(message.args["blocks"])
    survey = (await slack.core.service.list_surveys())[0]
    assert survey.status is Status.OPEN and survey.invited_count == 30  # minus the bot and the organiser


async def test_a_home_opened_event_without_a_user_is_acknowledged_and_ignored(
    slack: SlackHarness, caplog: Any
) -> None:
    status, _ = await slack.home_opened("", "EvNoUser")  # found by the signed-body fuzz test
    assert status == 200
    assert slack.calls("views.publish") == []
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
