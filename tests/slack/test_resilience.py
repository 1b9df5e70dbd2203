"""Rate limits, retried events, batched live updates and paged modals."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.domain import Participant, QuestionKind, QuestionSpec, ResultsMode, SurveySpec, Target
from tests.slack.harness import CHANNEL, MEMBERS, ORGANISER, SlackHarness


async def wait_for(condition: Any, what: str) -> None:
    """Bounded wait for background work that a test deliberately keeps from finishing."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_429_storm_delays_results_but_loses_none(slack: SlackHarness) -> None:
    await slack.command(ORGANISER, 'poll "Lunch?" "Pizza" "Salad" --k 3')
    survey = (await slack.core.service.list_surveys())[0]
    message = slack.last("chat.postMessage", channel=CHANNEL)
    for i, voter in enumerate(MEMBERS[:4]):
        await slack.click(voter, message, f"canvass_vote:{i % 2}")
    posts_before = len(slack.calls("chat.postMessage"))
    slack.fake.rate_limit(25, retry_after="2")
    await slack.command(ORGANISER, f"close {survey.id}")
    assert slack.fake.rate_limited_calls == 25
    assert slack.waits.seconds == [2.0] * 25  # each 429 waited exactly what Retry-After said
    posts = slack.calls("chat.postMessage")[posts_before:]
    assert [p.args["channel"] for p in posts] == [CHANNEL, CHANNEL]  # the results header and table
    assert "n = 4" in json.dumps(posts[1].args["blocks"])
    assert "closed" in json.dumps(slack.calls("chat.update")[-1].args["blocks"])
    assert "Closed" in slack.fake.responses[-1]["text"]
    metrics = slack.adapter.metrics.render().decode()
    assert "canvass_slack_rate_limit_waits_total 25.0" in metrics


async def test_a_429_storm_loses_no_reminder(slack: SlackHarness) -> None:
    spec = SurveySpec(
        title="Two questions",
        questions=(QuestionSpec(QuestionKind.TEXT, "One?"), QuestionSpec(QuestionKind.TEXT, "Two?")),
        targets=(Target("slack", CHANNEL),),
        k=3,
        roster=tuple(Participant("slack", u) for u in MEMBERS[:6]),
    )
    survey = await slack.core.service.create_survey(None, spec)
    await slack.core.delivery.open(None, survey.id)
    invited_before = len(slack.calls("chat.postMessage"))
    slack.fake.rate_limit(12, retry_after="1")
    await slack.block_action(
        ORGANISER,
        {
            "action_id": "canvass_home_remind",
            "block_id": f"manage|{survey.id}",
            "type": "button",
            "value": survey.id,
            "action_ts": "1",
        },
        view={"id": "VHOME", "type": "home", "blocks": []},
    )
    reminded = [c.args["channel"] for c in slack.calls("chat.postMessage")[invited_before:]]
    assert sorted(reminded) == sorted(f"D{u}" for u in MEMBERS[:6])
    assert len(slack.waits.seconds) == 12
    home = slack.calls("views.publish")[-1].args["view"]
    assert "Reminded everyone" in json.dumps(home["blocks"]) and "6" not in json.dumps(home["blocks"][1])


async def test_a_retried_event_is_handled_once(slack: SlackHarness) -> None:
    assert (await slack.home_opened("U0001", "Ev001"))[0] == 200
    assert (await slack.home_opened("U0001", "Ev001", retry=1))[0] == 200
    assert (await slack.home_opened("U0001", "Ev001", retry=2))[0] == 200
    assert len(slack.calls("views.publish")) == 1
    await slack.home_opened("U0001", "Ev002")
    assert len(slack.calls("views.publish")) == 2


class Gate:
    """Replaces the live updater's sleep: the batching wait lasts until the test opens the gate."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await self.opened.wait()


async def test_live_poll_message_is_updated_in_batches(start_slack: Any) -> None:
    gate = Gate()
    slack: SlackHarness = await start_slack(update_interval=5.0, live_sleep=gate)
    await slack.command(ORGANISER, 'poll "Lunch?" "Pizza" "Salad" --live --k 3')
    try:
        await _live_batches(slack, gate)
    finally:
        gate.opened.set()


async def _live_batches(slack: SlackHarness, gate: Gate) -> None:
    message = slack.last("chat.postMessage", channel=CHANNEL)
    voters = MEMBERS[:12]
    for i, voter in enumerate(voters):
        status, _ = await slack.click(voter, message, f"canvass_vote:{i % 2}", settle=False)
        assert status == 200
    await wait_for(lambda: len(slack.calls("chat.postEphemeral")) == len(voters), "12 confirmations")
    await wait_for(lambda: len(gate.waits) == 1, "the batched update to wait")
    await wait_for(lambda: len(slack.calls("chat.update")) >= 1, "the first update")
    assert len(slack.calls("chat.update")) == 1  # one update right away, the rest held back
    assert 0 < gate.waits[0] <= 5.0
    # The core's throttled refresh may take a second snapshot of the later votes (once k more are in);
    # it lands while the update is held back, so the held update shows it.
    await slack.core.service.settle()
    gate.opened.set()
    await slack.settle()
    updates = slack.calls("chat.update")
    assert len(updates) <= 2  # twelve votes, at most two updates (the second only if anything changed)
    assert len(gate.waits) <= 2  # the core's throttled live refresh may mark the poll once more
    shown = json.dumps(updates[-1].args["blocks"])
    # 12+ if one snapshot took all twelve; 9+ if one took 9 to 11 of them and the rest, fewer than k
    # ballots, wait for more (issue 10: no two snapshots may differ by fewer than k ballots).
    assert ("12+ of" in shown or "9+ of" in shown) and "Live results" in shown and "Pizza" in shown
    assert updates[-1].args["ts"] == message.response["ts"]


async def test_a_long_survey_is_paged_with_push_and_errors_stay_on_their_page(start_slack: Any) -> None:
    slack: SlackHarness = await start_slack(modal_block_limit=8)  # 3 blocks of questions per page
    questions = (
        QuestionSpec(QuestionKind.SINGLE, "S?", ("a", "b")),
        QuestionSpec(QuestionKind.SCALE, "How much?"),
        QuestionSpec(QuestionKind.TEXT, "Why?"),
        QuestionSpec(QuestionKind.RANKING, "Rank", ("x", "y", "z")),
        QuestionSpec(QuestionKind.MULTI, "Pick", ("p", "q", "r"), max_selections=2),
    )
    spec = SurveySpec(
        title="Long",
        questions=questions,
        targets=(Target("slack", CHANNEL),),
        k=3,
        roster=(Participant("slack", "U0001"),),
        results_mode=ResultsMode.AFTER_CLOSE,
    )
    survey = await slack.core.service.create_survey(None, spec)
    await slack.core.delivery.open(None, survey.id)
    q = [question.id for question in survey.questions]
    await slack.click("U0001", slack.last("chat.postMessage", channel="DU0001"), "canvass_open_answer")
    page1 = slack.opened_view()
    assert page1["title"]["text"] == "Answer (1/3)" and page1["submit"]["text"] == "Next"
    _, body = await slack.submit_view(
        "U0001", page1, {f"q|{q[0]}": "1", f"q|{q[1]}": "4", f"q|{q[2]}": "Because"}
    )
    reply = json.loads(body)
    assert reply["response_action"] == "push"
    page2 = dict(reply["view"], id="VPAGE2")
    assert page2["title"]["text"] == "Answer (2/3)"
    _, body = await slack.submit_view(
        "U0001", page2, {f"q|{q[3]}|0": "0", f"q|{q[3]}|1": "0", f"q|{q[3]}|2": "1"}
    )
    assert json.loads(body) == {
        "response_action": "errors",
        "errors": {f"q|{q[3]}|0": "Question 4: rank every option exactly once (1 to 3)"},
    }
    _, body = await slack.submit_view(
        "U0001", page2, {f"q|{q[3]}|0": "2", f"q|{q[3]}|1": "0", f"q|{q[3]}|2": "1"}
    )
    reply = json.loads(body)
    assert reply["response_action"] == "push" and reply["view"]["submit"]["text"] == "Submit"
    page3 = dict(reply["view"], id="VPAGE3")
    _, body = await slack.submit_view("U0001", page3, {f"q|{q[4]}": ["0", "2"]})
    assert json.loads(body) == {"response_action": "clear"}
    counts = {qid: await slack.core.repository.answer_counts(qid, False) for qid in q}
    assert counts == {
        q[0]: [("1", 1)],
        q[1]: [("4", 1)],
        q[2]: [('"Because"', 1)],
        q[3]: [("[2,0,1]", 1)],
        q[4]: [("[0,2]", 1)],
    }
