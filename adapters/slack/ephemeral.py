"""A lean chat.postEphemeral for vote confirmations, on the Web API client's pooled session.

Every vote is confirmed privately, and the SDK's call costs more CPU than the rest of storing the vote
(request building, logging hooks, the response wrapper). This sends the same JSON (encoded by
orjson: the stdlib's encoder took 13-21 µs of the event loop for a confirmation) with the same token
and the same session; anything but a plain `ok` (a 429, a 5xx, a dropped connection, an API error) is
handed to the SDK client, whose retry handlers and errors apply exactly as before. The rare double
post that a retried timeout can cause is the trade adapters/slack/retry.py already documents.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
from slack_sdk.web.async_client import AsyncWebClient

METHOD = "chat.postEphemeral"


class EphemeralSender:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.lean_sent = 0  # confirmations that needed no SDK fallback (tests and benchmarks read it)

    async def send(self, **args: Any) -> None:
        session = self.client.session
        if session is not None and self.client.token and await self._lean(session, args):
            self.lean_sent += 1
            return
        await self.client.chat_postEphemeral(**args)

    async def _lean(self, session: aiohttp.ClientSession, args: dict[str, Any]) -> bool:
        headers = {
            "Authorization": f"Bearer {self.client.token}",
            "Content-Type": "application/json;charset=utf-8",
        }
        try:
            body = orjson.dumps(args)
        except TypeError:  # text orjson will not encode (a lone surrogate): the SDK's encoder escapes it
            return False
        try:
            # The session's own timeout applies ([slack] api_timeout_seconds).
            async with session.post(self.client.base_url + METHOD, data=body, headers=headers) as response:
                if response.status != 200:
                    return False
                answer = await response.read()
        except (aiohttp.ClientError, TimeoutError):
            return False
        try:
            return orjson.loads(answer).get("ok") is True
        except (orjson.JSONDecodeError, AttributeError):
            return False
