"""Delegations through the real Bolt app over HTTP (issue 13): built in `/canvass new`, two members of
one delegation edit one draft from their DMs, one submits, both are told, another delegation sees only
its own draft, the result counts the delegation once, and the database keeps nothing of them."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from bot.domain import Status
from tests.slack.harness import CHANNEL, ORGANISER, SlackHarness, fill
from tests.slack.test_survey_e2e import initial_values, open_from_dm

NAMES = ["Canaryland", "Zqbekistan", "Xyloria"]
ANNA, BERT, BORA, CLEO = "U0001", "U0002", "U0003", "U0004"


async def build(slack: SlackHarness, delegations: str) -> tuple[int, str]:
    await slack.command(ORGANISER, "new")
    view = slack.opened_view()
    await slack.block_action(
        ORGANISER,
        {"action_id": "canvass_builder_add", "block_id": "b_add", "type": "button", "value": "", "action_ts": "1"},
        view=view,
    )
    view = slack.calls("views.update")[-1].response["view"]
    values = {
        "b_title": "Lessons learnt",
        "b_mode": "after_close",
        "b_k": "3",
        "b_closes": "in 2d",
        "b_q0_kind": "scale",
        "b_q0_text": "How effective was the toolbox?",
        "b_q1_kind": "single",
        "b_q1_text": "Use it again?",
        "b_q1_options": "Yes\nNo",
        "b_deleg": delegations,
    }
    return await slack.submit_view(ORGANISER, view, values)


async def save_draft(slack: SlackHarness, user: str, view: dict[str, Any], answers: dict[str, Any]) -> str:
    await slack.block_action(
        user,
        {"action_id": "canvass_save_draft", "block_id": "draft", "type": "button", "value": "", "action_ts": "2"},
        view=view,
        state=fill(view, answers),
    )
    return json.dumps(slack.calls("views.update")[-1].args["view"]["blocks"], ensure_ascii=False)


def drafts_in(tmp_path: Path) -> int:
    with closing(sqlite3.connect(tmp_path / "canvass.db")) as db:
        return int(db.execute("select count(*) from drafts").fetchone()[0])


async def test_a_delegation_shares_one_draft_and_one_submission(slack: SlackHarness, tmp_path: Path) -> None:
    status, body = await build(slack, f"{NAMES[0]}: {ANNA} <@{BERT}>\n{NAMES[1]}: {BORA}\n{NAMES[2]}: slack:{CLEO}")
    assert status == 200 and body == "", body
    await slack.settle()
    [survey] = await slack.core.service.list_surveys([Status.OPEN])
    assert survey.by_delegation and survey.invited_count == 3
    scale, single = (f"q|{q.id}" for q in survey.questions)
    invitation_to_anna = slack.last("chat.postMessage", channel=f"D{ANNA}")
    invitation = json.dumps(invitation_to_anna.args, ensure_ascii=False)
    assert "its other members can see and change this draft" in invitation

    anna = await open_from_dm(slack, ANNA)
    bert = await open_from_dm(slack, BERT)  # both open the empty draft
    saved = await save_draft(slack, ANNA, anna, {scale: "4"})
    assert "Your delegation's members can see and change it" in saved and "since you opened it" not in saved
    bert = await open_from_dm(slack, BERT)  # Bert reopens and sees Anna's draft
    assert initial_values(bert)[scale]["value"] == "4"
    anna_again = await save_draft(slack, ANNA, anna, {scale: "5"})  # Anna changes it while Bert has it open
    assert "since you opened it" not in anna_again
    bert_saved = await save_draft(slack, BERT, bert, {scale: "5", single: "0"})
    assert "Someone else in your delegation saved this draft since you opened it" in bert_saved

    # Another delegation's member opens their own, empty draft.
    assert initial_values(await open_from_dm(slack, BORA)) == {}

    _, body = await slack.submit_view(BERT, await open_from_dm(slack, BERT), {})
    assert json.loads(body) == {"response_action": "clear"}
    await slack.settle()
    await slack.core.delivery.notices.settle()
    assert "Canaryland's answer to “Lessons learnt” is recorded" in slack.ephemerals_to(BERT)[-1]
    notice = slack.last("chat.postMessage", channel=f"D{ANNA}").args["text"]
    assert f"{BERT} (slack) submitted the answers of your delegation, {NAMES[0]}" in notice
    assert "told who submitted" in notice
    assert not [c for c in slack.calls("chat.postMessage") if c.args["channel"] in (f"D{BERT}", f"D{BORA}")
                and "submitted the answers" in c.args.get("text", "")]  # fmt: skip
    # Anna sees what was submitted and could change it; she is counted as answered with Bert.
    # No draft row outlives the submission (it would hold the answers side by side).
    assert drafts_in(tmp_path) == 0
    await slack.click(ANNA, invitation_to_anna, "canvass_open_answer")
    anna = slack.opened_view()
    assert initial_values(anna)[single]["value"] == "0" and initial_values(anna)[scale]["value"] == "5"
    assert await slack.core.service.has_responded(slack.adapter.context.participant(ANNA), survey.id)
    # She changes one answer and saves a draft for her colleagues; the other answer stays as submitted.
    assert "canvass_save_draft" in json.dumps(anna["blocks"])
    saved = await save_draft(slack, ANNA, anna, {scale: "3", single: "0"})
    assert "Your delegation's members can see and change it" in saved and "Not saved" not in saved
    bert = await open_from_dm(slack, BERT)
    assert initial_values(bert)[scale]["value"] == "3" and initial_values(bert)[single]["value"] == "0"
    _, body = await slack.submit_view(BERT, bert, {})
    assert json.loads(body) == {"response_action": "clear"}
    assert drafts_in(tmp_path) == 0
    await slack.settle()
    await slack.click(ANNA, invitation_to_anna, "canvass_open_answer")
    assert initial_values(slack.opened_view())[scale]["value"] == "3"  # Bert's resubmission, Anna's change

    # The organiser's reminder goes to every member of each delegation that has not submitted.
    await slack.home_opened(ORGANISER, "EvHome")
    home = dict(slack.last("views.publish", user_id=ORGANISER).args["view"], id="VHOME")
    assert "fewer than 3 of 3 delegations answered" in json.dumps(home["blocks"], ensure_ascii=False)
    before = len(slack.calls("chat.postMessage"))
    await slack.block_action(
        ORGANISER,
        {"action_id": "canvass_home_remind", "block_id": f"manage|{survey.id}", "type": "button",
         "value": survey.id, "action_ts": "3"},
        view=home,
    )  # fmt: skip
    reminded = sorted(c.args["channel"] for c in slack.calls("chat.postMessage")[before:])
    assert reminded == [f"D{BORA}", f"D{CLEO}"]

    for user, value in ((BORA, "2"), (CLEO, "3")):
        view = await open_from_dm(slack, user)
        await slack.submit_view(user, view, {scale: value, single: "1"})
    await slack.command(ORGANISER, f"close {survey.id}")
    results = await slack.core.service.results(None, survey.id)
    assert results.respondents == 3
    posted = [c.args.get("text", "") for c in slack.calls("chat.postMessage") if c.args["channel"] == CHANNEL]
    assert any("3 of 3 delegations responded" in text for text in posted), posted

    await slack.core.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("canvass.db*"))
    assert stored, "the database file should exist"
    assert [n for n in [*NAMES, ANNA, BERT, BORA, CLEO] if n.encode() in stored] == []


async def test_bad_delegations_in_the_builder_are_refused_on_their_field(slack: SlackHarness) -> None:
    cases = [
        (f"One: {ANNA} {BERT}\nTwo: {BORA} {BERT}", "line 2: slack:U0002 is already a member of delegation 'One'"),
        (f"One: {ANNA}\n\nEmpty:", "line 3: delegation 'Empty' has no members"),
        ("One U0001", "line 1: write the name, a colon"),
        ("One: bob", "line 1: 'bob' is not a Slack id"),
    ]
    for text, message in cases:
        status, body = await build(slack, text)
        reply = json.loads(body)
        assert status == 200 and reply["response_action"] == "errors", body
        assert list(reply["errors"]) == ["b_deleg"] and message in reply["errors"]["b_deleg"], reply
    assert await slack.core.service.list_surveys() == []
