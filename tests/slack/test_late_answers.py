"""Break 4a through the signed Slack endpoint: the results posted at the close of a live poll do not
isolate the fewer-than-k votes that came after the last live snapshot, and say so."""

from __future__ import annotations

import json

from tests.slack.harness import CHANNEL, MEMBERS, ORGANISER, SlackHarness


async def test_posted_results_show_the_last_snapshot_and_say_why(slack: SlackHarness) -> None:
    await slack.command(ORGANISER, 'poll "Lunch?" "Pizza" "Salad" --live --k 3')
    survey = (await slack.core.service.list_surveys())[0]
    message = slack.last("chat.postMessage", channel=CHANNEL)
    for voter in MEMBERS[:3]:
        await slack.click(voter, message, "canvass_vote:0")
    await slack.core.service.settle()  # the live snapshot: 3 for Pizza
    await slack.click(MEMBERS[3], message, "canvass_vote:1")  # one late vote, below k
    await slack.command(ORGANISER, f"close {survey.id}")
    await slack.settle()
    posted = [c for c in slack.calls("chat.postMessage") if c.args["channel"] == CHANNEL][1:]
    header = next(c for c in posted if "Results of" in c.args["text"])
    assert ": 3 of" in header.args["text"]  # not 4: that would give the late vote away
    assert "fewer than 3 answers came or changed after it" in json.dumps(header.args["blocks"])
    everything = json.dumps([c.args for c in posted] + [c.args for c in slack.calls("chat.update")])
    assert "Salad       1" not in everything  # no table anywhere shows the late vote
    reply = slack.fake.responses[-1]["text"]
    assert "with 3 respondents" in reply, reply
