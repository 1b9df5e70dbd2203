"""Duplicates: Slack's retries of one request, and frantic double clicks, count once and confirm once."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from urllib.parse import urlencode

from tests.slack.harness import CHANNEL, MEMBERS, ORGANISER, SlackHarness


async def _poll(slack: SlackHarness) -> tuple[str, str]:
    status, _ = await slack.command(ORGANISER, 'poll "Lunch?" "Pizza" "Salad" "Soup" --k 3')
    assert status == 200
    survey = (await slack.core.service.list_surveys())[0]
    return survey.id, survey.questions[0].id


def _click_body(slack: SlackHarness, user: str, survey_id: str, question_id: str, option: int) -> str:
    message = slack.last("chat.postMessage", channel=CHANNEL)
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T1"},
        "api_app_id": "A1",
        "team": {"id": "T1", "domain": "canvass-test"},
        "trigger_id": "13345224609.8534564800.6f8ab1f53e13d0cd15f96106292d5536",
        "channel": {"id": CHANNEL, "name": "general"},
        "container": {"type": "message", "message_ts": message.response["ts"], "channel_id": CHANNEL},
        "message": {"type": "message", "ts": message.response["ts"], "text": "poll"},
        "state": {"values": {}},
        "response_url": f"{slack.fake.root}/response/dup",
        "actions": [
            {
                "action_id": f"canvass_vote:{option}",
                "block_id": f"vote|{survey_id}",
                "type": "button",
                "value": f"{survey_id}|{question_id}|{option}",
                "action_ts": "1700000000.000100",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


async def tally(slack: SlackHarness, survey_id: str, question_id: str) -> tuple[int, list[tuple[str, int]]]:
    respondents = await slack.core.repository.respondent_count(survey_id)
    return respondents, await slack.core.repository.answer_counts(question_id, False)


async def test_a_request_delivered_three_times_with_retry_headers_counts_once(slack: SlackHarness) -> None:
    survey_id, question_id = await _poll(slack)
    body = _click_body(slack, "U0001", survey_id, question_id, 1)
    statuses = [(await slack.post(body))[0]]
    for retry in (1, 2):
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        statuses.append((await slack.post(body, headers=headers))[0])
    await slack.settle()
    assert statuses == [200, 200, 200]
    assert await tally(slack, survey_id, question_id) == (1, [("1", 1)])
    assert len(slack.ephemerals_to("U0001")) == 1


async def test_ten_concurrent_double_clicks_per_user_count_once(slack: SlackHarness) -> None:
    survey_id, question_id = await _poll(slack)
    voters = MEMBERS[:6]
    requests = [
        slack.post(_click_body(slack, user, survey_id, question_id, i % 3))
        for i, user in enumerate(voters)
        for _ in range(10)
    ]
    statuses = await asyncio.gather(*requests)
    await slack.settle()
    assert [status for status, _ in statuses] == [200] * 60
    assert await tally(slack, survey_id, question_id) == (6, [("0", 2), ("1", 2), ("2", 2)])
    confirmations = Counter(c.args["user"] for c in slack.calls("chat.postEphemeral"))
    assert confirmations == Counter({user: 1 for user in voters})
    assert all("recorded" in slack.ephemerals_to(user)[0] for user in voters)
