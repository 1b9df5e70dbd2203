"""Signatures, bad input and the health and metrics endpoints of the HTTP mode server."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from tests.slack.harness import CHANNEL, ORGANISER, SlackHarness, sign

POLL = urlencode(
    {
        "command": "/canvass",
        "text": 'poll "Q?" "A" "B"',
        "user_id": ORGANISER,
        "channel_id": CHANNEL,
        "team_id": "T1",
        "trigger_id": "t.1",
        "response_url": "http://127.0.0.1:9/response",
    }
)


async def nothing_happened(slack: SlackHarness) -> None:
    await slack.settle()
    assert await slack.core.service.list_surveys() == []
    assert slack.fake.calls == []


async def test_forged_signature_is_refused_and_nothing_is_stored(slack: SlackHarness) -> None:
    now = str(int(time.time()))
    status, _ = await slack.post(POLL, timestamp=now, signature=sign(POLL, now, secret="not-the-secret"))
    assert status == 401
    await nothing_happened(slack)


async def test_missing_signature_or_timestamp_is_refused(slack: SlackHarness) -> None:
    assert (await slack.post(POLL, signature=""))[0] == 401
    assert (await slack.post(POLL, timestamp=""))[0] == 401
    assert (await slack.post(POLL, timestamp="soon", signature=sign(POLL, "soon")))[0] == 401
    await nothing_happened(slack)


async def test_a_signature_over_another_body_is_refused(slack: SlackHarness) -> None:
    now = str(int(time.time()))
    other = POLL.replace("Q%3F", "Other")
    assert (await slack.post(POLL, timestamp=now, signature=sign(other, now)))[0] == 401
    await nothing_happened(slack)


async def test_old_timestamp_is_refused_even_when_signed(slack: SlackHarness) -> None:
    old = str(int(time.time()) - 6 * 60)
    status, _ = await slack.post(POLL, timestamp=old, signature=sign(POLL, old))
    assert status == 401
    await nothing_happened(slack)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        (urlencode({"payload": "[1, 2]"}), "application/x-www-form-urlencoded"),
        (
            urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": "U1"}})}),
            "application/x-www-form-urlencoded",
        ),
        (
            urlencode(
                {"payload": json.dumps({"type": "view_submission", "user": {"id": "U1"}, "view": "x"})}
            ),
            "application/x-www-form-urlencoded",
        ),
        (
            urlencode({"payload": json.dumps({"type": "block_actions", "actions": [{"action_id": "x"}]})}),
            "application/x-www-form-urlencoded",
        ),
        (urlencode({"command": "/canvass", "text": "list"}), "application/x-www-form-urlencoded"),
        ('{"type": "event_callback", "event": 3}', "application/json"),
        ("{not json", "application/json"),
        ("hello=world", "application/x-www-form-urlencoded"),
    ],
)
async def test_malformed_payloads_get_400_never_500(
    slack: SlackHarness, body: str, content_type: str
) -> None:
    status, text = await slack.post(body, content_type)
    assert status == 400, text
    await nothing_happened(slack)


async def test_invalid_utf8_gets_400(slack: SlackHarness) -> None:
    assert slack.session is not None
    raw = b"payload=\xff\xfe"
    now = str(int(time.time()))
    signature = (
        "v0="
        + __import__("hmac")
        .new(b"8f742231b10e8888abcd99yyyzzz85a5", f"v0:{now}:".encode() + raw, "sha256")
        .hexdigest()
    )
    headers = {
        "X-Slack-Request-Timestamp": now,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    async with slack.session.post(slack.url + "/slack/events", data=raw, headers=headers) as response:
        assert response.status == 400


async def test_well_formed_but_odd_actions_do_not_crash(slack: SlackHarness) -> None:
    odd = {
        "action_id": "canvass_vote:0",
        "block_id": "x",
        "type": "button",
        "value": "nonsense",
        "action_ts": "1",
    }
    status, _ = await slack.block_action("U0001", odd, channel=CHANNEL, message={"ts": "1.1"})
    assert status == 200
    assert "not a Canvass vote" in slack.ephemerals_to("U0001")[-1]
    status, _ = await slack.block_action(
        "U0001", dict(odd, value="zzz|q|1"), channel=CHANNEL, message={"ts": "1.1"}
    )
    assert status == 200 and slack.ephemerals_to("U0001")[-1].startswith("⚠")


async def test_unknown_and_malformed_commands_get_a_short_ephemeral_usage(slack: SlackHarness) -> None:
    status, body = await slack.command(ORGANISER, "frobnicate 12")
    assert status == 200 and "Unknown command" in body and "/canvass poll" in body
    assert len(body.splitlines()) == 2  # short: the full help is `/canvass help`
    _, body = await slack.command(ORGANISER, 'poll "Only one option" "A"')
    assert "at least two options" in body
    _, body = await slack.command(ORGANISER, 'poll "Unclosed "A" "B"')
    assert "Could not read the command" in body
    _, body = await slack.command("U0005", 'poll "Q?" "A" "B"')
    assert "Only organisers" in body
    _, body = await slack.command("U0005", "help")
    assert "remind ID" in body
    assert await slack.core.service.list_surveys() == []


async def test_healthz_and_metrics(slack: SlackHarness) -> None:
    assert (await slack.get("/healthz"))[0] == 200
    await slack.post(POLL, signature="v0=bad")
    assert (await slack.get("/metrics"))[0] == 404  # metrics are on the operator's loopback listener
    text = slack.adapter.metrics.render().decode()
    assert 'canvass_slack_refused_requests_total{reason="invalid_signature"} 1.0' in text
