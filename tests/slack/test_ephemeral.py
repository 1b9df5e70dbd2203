"""The lean chat.postEphemeral (adapters/slack/ephemeral.py) against the fake Web API: what it cannot
send itself goes through the SDK client, so the voter is still confirmed."""

from __future__ import annotations

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.ephemeral import EphemeralSender
from tests.slack.fake_slack import FakeSlack


async def test_text_orjson_will_not_encode_still_reaches_the_voter() -> None:
    fake = FakeSlack()
    await fake.start()
    session = aiohttp.ClientSession()
    try:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url, session=session)
        sender = EphemeralSender(client)
        await sender.send(channel="C1", user="U1", text="plain")
        await sender.send(channel="C1", user="U1", text="lone \ud800 surrogate")  # orjson refuses it
        sent = [c.args.get("text") for c in fake.ok_calls("chat.postEphemeral")]
        assert sent == ["plain", "lone \ud800 surrogate"]
        assert sender.lean_sent == 1  # the second went through the SDK client
    finally:
        await session.close()
        await fake.stop()
