"""Issue 12's Slack items, through the signed endpoint: the slash command's text is read as typed,
the builder takes a time zone and reminders, and the results header gives the close time as the
charts do."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.domain import Status
from bot.textfmt import when
from charts.renderer import MatplotlibChartRenderer
from tests.slack.harness import CHANNEL, MEMBERS, ORGANISER, SlackHarness


async def test_slash_command_text_is_unescaped_before_it_is_parsed(slack: SlackHarness) -> None:
    # What Slack sends when the organiser types: poll "R&D <2027> budget?" "Yes & more" "No"
    await slack.command(ORGANISER, 'poll "R&amp;D &lt;2027&gt; budget?" "Yes &amp; more" "No"')
    survey = (await slack.core.service.list_surveys())[0]
    assert survey.title == "R&D <2027> budget?"
    assert survey.questions[0].options == ("Yes & more", "No")
    shown = json.dumps(slack.last("chat.postMessage", channel=CHANNEL).args["blocks"], ensure_ascii=False)
    assert "R&amp;D &lt;2027&gt; budget?" in shown and "&amp;amp;" not in shown  # escaped once, on the way out
    assert "Yes & more" in shown  # a button label is plain text: shown as typed


async def test_mentions_still_become_bare_ids(slack: SlackHarness) -> None:
    await slack.command(ORGANISER, 'poll "Q?" "A" "B" --k 3')
    survey_id = (await slack.core.service.list_surveys())[0].id
    await slack.core.service.close_survey(None, survey_id)
    await slack.command(ORGANISER, f"results {survey_id} <#COTHER|other-room>")
    assert any(c.args["channel"] == "COTHER" for c in slack.calls("chat.postMessage"))


async def builder(slack: SlackHarness) -> dict[str, Any]:
    await slack.command(ORGANISER, "new")
    return slack.opened_view()


BASE = {
    "b_title": "Pre-meeting",
    "b_q0_kind": "single",
    "b_q0_text": "Which?",
    "b_q0_options": "A\nB",
    "b_mode": "after_close",
    "b_k": "3",
    "b_people": MEMBERS[:4],
}


async def test_builder_has_a_time_zone_and_reminders(slack: SlackHarness) -> None:
    view = await builder(slack)
    tz = next(b for b in view["blocks"] if b.get("block_id") == "b_tz")
    assert tz["element"]["initial_value"] == "Europe/Brussels"  # the configured default
    assert any(b.get("block_id") == "b_remind" for b in view["blocks"])
    values = {
        **BASE,
        "b_tz": "America/New_York",
        "b_closes": "2026-03-06 15:00",
        "b_remind": "24h before close\n2026-03-04 09:00",
    }
    status, body = await slack.submit_view(ORGANISER, view, values)
    assert status == 200 and body == "", body
    await slack.settle()
    survey = (await slack.core.service.list_surveys())[0]
    assert survey.timezone == "America/New_York"
    assert survey.closes_at == datetime(2026, 3, 6, 20, 0, tzinfo=UTC)  # 15:00 in New York (EST)
    assert slack.core.reminders is not None
    listed = await slack.core.reminders.list_text(survey.id)
    assert "1. 1d before close (Thu 05 Mar 2026 15:00 America/New_York)" in listed, listed
    assert "2. Wed 04 Mar 2026 09:00 America/New_York" in listed, listed


async def test_builder_blames_the_time_zone_and_the_reminder_fields(slack: SlackHarness) -> None:
    view = await builder(slack)
    cases = [
        ({"b_tz": "Mars/Olympus"}, "b_tz", "unknown time zone"),
        ({"b_remind": "soonish"}, "b_remind", "reminder 1"),
        ({"b_remind": "24h before close"}, "b_remind", "needs a closing time"),
    ]
    for extra, block, message in cases:
        status, body = await slack.submit_view(ORGANISER, view, {**BASE, **extra})
        reply = json.loads(body)
        assert status == 200 and reply["response_action"] == "errors", body
        assert list(reply["errors"]) == [block] and message in reply["errors"][block], reply
    assert await slack.core.service.list_surveys() == []


async def test_results_header_writes_the_close_time_as_the_charts_do(start_slack: Any) -> None:
    slack: SlackHarness = await start_slack(renderer=MatplotlibChartRenderer(max_workers=1))
    await slack.command(ORGANISER, 'poll "Lunch?" "Pizza" "Soup" --k 3')
    poll = slack.last("chat.postMessage", channel=CHANNEL)
    for user in MEMBERS[:3]:
        await slack.click(user, poll, "canvass_vote:0")
    survey_id = (await slack.core.service.list_surveys())[0].id
    await slack.command(ORGANISER, f"close {survey_id}")
    survey = await slack.core.service.get(survey_id)
    assert survey.status is Status.CLOSED and survey.closes_at is not None
    closed = f"closed {when(survey.closes_at, survey.timezone)}"  # e.g. "closed 2 Mar 2026 10:00 CET"
    header = next(c for c in slack.calls("chat.postMessage") if "Results of" in c.args["text"])
    chart = next(f for f in slack.fake.files.values() if f.completed)
    assert closed in chart.alt_txt
    assert closed in header.args["text"]
