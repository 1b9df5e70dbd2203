"""Quick polls in a channel: created by slash command, answered by button, confirmed privately."""

from __future__ import annotations

import json

from bot.domain import Status
from tests.slack.harness import CHANNEL, ORGANISER, SlackHarness

VOTERS = [f"U{i:04d}" for i in range(1, 8)]


async def make_poll(slack: SlackHarness, text: str = 'poll "Lunch?" "Pizza" "Salad" "Soup" --k 3') -> str:
    status, _ = await slack.command(ORGANISER, text)
    assert status == 200
    surveys = await slack.core.service.list_surveys()
    assert len(surveys) == 1
    return surveys[0].id


async def test_poll_command_posts_buttons_deadline_and_notice(slack: SlackHarness) -> None:
    status, body = await slack.command(ORGANISER, 'poll "Lunch?" "Pizza" "Salad" --closes "in 2h"')
    assert status == 200 and body == ""  # acked at once, nothing shown to the channel by the ack
    message = slack.last("chat.postMessage", channel=CHANNEL)
    flat = json.dumps(message.args["blocks"])
    assert "Pizza" in flat and "Salad" in flat
    assert "Anonymous" in flat and "<!date^" in flat  # the notice and the deadline
    assert "fewer than 5" in flat
    survey = (await slack.core.service.list_surveys())[0]
    assert survey.status is Status.OPEN
    reply = slack.fake.responses[-1]
    assert reply["response_type"] == "ephemeral" and survey.id in reply["text"]


async def test_vote_is_confirmed_to_the_voter_only(slack: SlackHarness) -> None:
    survey_id = await make_poll(slack)
    message = slack.last("chat.postMessage", channel=CHANNEL)
    await slack.click("U0001", message, "canvass_vote:1")
    assert len(slack.ephemerals_to("U0001")) == 1
    assert "recorded" in slack.ephemerals_to("U0001")[0]
    assert [c.args["user"] for c in slack.calls("chat.postEphemeral")] == ["U0001"]
    assert (await slack.core.service.progress(survey_id)).describe().startswith("fewer than 3")
    assert await slack.core.service.has_responded(slack.adapter.context.participant("U0001"), survey_id)


async def test_a_rate_limited_confirmation_is_retried_and_reaches_the_voter_once(slack: SlackHarness) -> None:
    await make_poll(slack)
    message = slack.last("chat.postMessage", channel=CHANNEL)
    sender = slack.adapter.messenger.ephemerals
    await slack.click("U0001", message, "canvass_vote:1")
    assert sender.lean_sent == 1  # the lean path carried the ordinary confirmation
    slack.fake.rate_limit(1)
    await slack.click("U0002", message, "canvass_vote:0")
    # The 429 went to the lean call; the SDK's retry handler waited and sent it again.
    assert sender.lean_sent == 1
    assert len(slack.ephemerals_to("U0002")) == 1
    assert [
        c.status for c in slack.fake.calls if c.method == "chat.postEphemeral" and c.args.get("user") == "U0002"
    ] == [
        429,
        200,
    ]


async def test_double_click_counts_and_confirms_once(slack: SlackHarness) -> None:
    survey_id = await make_poll(slack)
    message = slack.last("chat.postMessage", channel=CHANNEL)
    for _ in range(3):
        await slack.click("U0001", message, "canvass_vote:0")
    assert len(slack.ephemerals_to("U0001")) == 1
    assert await slack.core.repository.respondent_count(survey_id) == 1
    counts = await slack.core.repository.answer_counts(
        slack.core.service._open_cache[survey_id][0].questions[0].id, False
    )
    assert counts == [("0", 1)]


async def test_changed_vote_replaces_the_first(slack: SlackHarness) -> None:
    survey_id = await make_poll(slack)
    survey = await slack.core.service.get(survey_id)
    message = slack.last("chat.postMessage", channel=CHANNEL)
    await slack.click("U0001", message, "canvass_vote:0")
    await slack.click("U0001", message, "canvass_vote:2")
    assert "changed" in slack.ephemerals_to("U0001")[-1]
    assert await slack.core.repository.answer_counts(survey.questions[0].id, False) == [("2", 1)]


async def test_forged_option_and_closed_poll_get_clear_ephemeral_errors(slack: SlackHarness) -> None:
    survey_id = await make_poll(slack)
    survey = await slack.core.service.get(survey_id)
    message = slack.last("chat.postMessage", channel=CHANNEL)
    forged = {
        "action_id": "canvass_vote:9",
        "block_id": f"vote|{survey_id}",
        "type": "button",
        "value": f"{survey_id}|{survey.questions[0].id}|9",
        "action_ts": "1.0",
    }
    status, _ = await slack.block_action(
        "U0002", forged, channel=CHANNEL, message={"ts": message.response["ts"]}
    )
    assert status == 200
    assert "there is no option 10" in slack.ephemerals_to("U0002")[-1]
    await slack.core.service.close_survey(None, survey_id)
    await slack.settle()
    await slack.click("U0003", message, "canvass_vote:0")
    assert "closed" in slack.ephemerals_to("U0003")[-1]
    assert await slack.core.repository.answer_counts(survey.questions[0].id, True) == []


async def test_multi_choice_with_checkboxes_and_submit(slack: SlackHarness) -> None:
    survey_id = await make_poll(slack, 'poll "Topics?" "A" "B" "C" --multi 2 --k 3')
    survey = await slack.core.service.get(survey_id)
    message = slack.last("chat.postMessage", channel=CHANNEL)
    block_id = f"multi|{survey_id}"

    def ticked(values: list[str]) -> dict[str, object]:
        options = [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values]
        return {block_id: {"canvass_multi_pick": {"type": "checkboxes", "selected_options": options}}}

    await slack.click("U0001", message, "canvass_multi_submit", state=ticked(["0", "2"]))
    assert "recorded" in slack.ephemerals_to("U0001")[-1]
    await slack.click("U0002", message, "canvass_multi_submit", state=ticked(["0", "1", "2"]))
    assert "at most 2" in slack.ephemerals_to("U0002")[-1]
    await slack.click("U0003", message, "canvass_multi_submit", state=ticked([]))
    assert "at least one" in slack.ephemerals_to("U0003")[-1]
    assert await slack.core.repository.answer_counts(survey.questions[0].id, False) == [("[0,2]", 1)]


async def test_text_poll_answers_in_a_modal_and_rejects_overlong_text(slack: SlackHarness) -> None:
    survey_id = await make_poll(slack, 'poll "Any comments?" --text --k 3')
    message = slack.last("chat.postMessage", channel=CHANNEL)
    await slack.click("U0001", message, "canvass_open_answer")
    view = slack.opened_view()
    survey = await slack.core.service.get(survey_id)
    block = f"q|{survey.questions[0].id}"
    status, body = await slack.submit_view("U0001", view, {block: "x" * 2001})
    assert status == 200
    reply = json.loads(body)
    assert reply["response_action"] == "errors" and "2000" in reply["errors"][block]
    assert await slack.core.repository.respondent_count(survey_id) == 0
    status, body = await slack.submit_view("U0001", view, {block: "More breaks please"})
    assert json.loads(body) == {"response_action": "clear"}
    assert "recorded" in slack.ephemerals_to("U0001")[-1]
    assert slack.last("chat.postEphemeral", user="U0001").args["channel"] == CHANNEL


async def test_ranking_poll_modal_reports_an_incomplete_ranking_on_its_block(slack: SlackHarness) -> None:
    survey_id = await make_poll(slack, 'poll "Rank" "A" "B" "C" --ranking --k 3')
    survey = await slack.core.service.get(survey_id)
    qid = survey.questions[0].id
    message = slack.last("chat.postMessage", channel=CHANNEL)
    await slack.click("U0001", message, "canvass_open_answer")
    view = slack.opened_view()
    _status, body = await slack.submit_view(
        "U0001", view, {f"q|{qid}|0": "2", f"q|{qid}|1": "2", f"q|{qid}|2": "0"}
    )
    reply = json.loads(body)
    assert reply["response_action"] == "errors" and f"q|{qid}|0" in reply["errors"]
    assert "rank every option" in reply["errors"][f"q|{qid}|0"]
    _, body = await slack.submit_view(
        "U0001", view, {f"q|{qid}|0": "2", f"q|{qid}|1": "1", f"q|{qid}|2": "0"}
    )
    assert json.loads(body) == {"response_action": "clear"}
    assert await slack.core.repository.answer_counts(qid, False) == [("[2,1,0]", 1)]


async def test_closing_posts_the_results_table_when_there_is_no_chart(slack: SlackHarness) -> None:
    survey_id = await make_poll(slack)
    message = slack.last("chat.postMessage", channel=CHANNEL)
    for i, voter in enumerate(VOTERS[:4]):
        await slack.click(voter, message, f"canvass_vote:{i % 2}")
    await slack.command(ORGANISER, f"close {survey_id}")
    posts = [c for c in slack.calls("chat.postMessage") if c.args["channel"] == CHANNEL]
    table = posts[-1].args["blocks"][0]["text"]["text"]
    assert "Pizza" in table and "n = 4" in table
    assert "Results of" in posts[-2].args["text"]
    closed = slack.calls("chat.update")[-1]
    assert "closed" in json.dumps(closed.args["blocks"]) and "canvass_vote" not in json.dumps(
        closed.args["blocks"]
    )
