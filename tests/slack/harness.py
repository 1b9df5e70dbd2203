"""Drives the real Bolt app over HTTP with correctly signed requests shaped like Slack's, and reads
what it sent from the fake Web API. Buttons and modals are found in what the bot actually posted."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

from adapters.slack.plugin import SlackAdapter
from bot.bootstrap import Core, build_core
from bot.config import Config, CoreConfig, SchedulerConfig, SlackConfig
from bot.ports import ChartRenderer
from tests.slack.fake_slack import Call, FakeSlack

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ORGANISER = "UORG"
CHANNEL = "CGENERAL"
MEMBERS = [f"U{i:04d}" for i in range(1, 31)]
TEAM = {"id": "T1", "domain": "canvass-test"}


def sign(body: str, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Waits:
    """Stands in for asyncio.sleep in the retry handler: records what Retry-After asked for."""

    seconds: list[float] = field(default_factory=list)

    async def __call__(self, delay: float) -> None:
        self.seconds.append(delay)


async def _no_pause(_seconds: float) -> None:
    """The pause between chat.delete calls: the tests do not wait for Slack's rate limit."""


def _find_element(blocks: Sequence[dict[str, Any]], action_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for block in blocks:
        elements = block.get("elements") if block.get("type") == "actions" else None
        candidates = list(elements or [])
        if block.get("accessory"):
            candidates.append(block["accessory"])
        for element in candidates:
            if element.get("action_id") == action_id:
                return block, element
    raise AssertionError(f"no element {action_id!r} in the blocks")


def element_state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """The state Slack reports for an element after a person chose `value` (option values or text)."""
    kind = element["type"]

    def opt(v: str) -> dict[str, Any]:
        for option in element.get("options", []):
            if option["value"] == str(v):
                return option
        return {"text": {"type": "plain_text", "text": "forged"}, "value": str(v)}  # not offered: forged

    if kind in ("radio_buttons", "static_select"):
        return {"type": kind, "selected_option": None if value is None else opt(value)}
    if kind in ("checkboxes", "multi_static_select"):
        return {"type": kind, "selected_options": [opt(v) for v in value or []]}
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": list(value or [])}
    if kind == "number_input":
        return {"type": kind, "value": None if value is None else str(value)}
    return {"type": kind, "value": value}


def fill(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """view.state.values for a modal: every input block present, answered where `answers` says."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        value = answers.get(block["block_id"])
        if value is None:
            for initial_key in ("initial_option", "initial_options", "initial_value"):
                if initial_key in element:
                    initial = element[initial_key]
                    value = (
                        [o["value"] for o in initial]
                        if isinstance(initial, list)
                        else initial["value"]
                        if isinstance(initial, dict)
                        else initial
                    )
        values[block["block_id"]] = {element["action_id"]: element_state(element, value)}
    return values


class SlackHarness:
    def __init__(self, fake: FakeSlack, core: Core, adapter: SlackAdapter, waits: Waits) -> None:
        self.fake = fake
        self.core = core
        self.adapter = adapter
        self.waits = waits
        self.url = ""
        self.session: aiohttp.ClientSession | None = None
        self._n = itertools.count(1)

    @classmethod
    async def start(
        cls,
        tmp_path: Path,
        clock: Any,
        *,
        renderer: ChartRenderer | None = None,
        update_interval: float = 0.0,
        live_sleep: Any = None,
        modal_block_limit: int = 100,
        organisers: Sequence[str] = (f"slack:{ORGANISER}",),
        api_timeout: float = 30.0,
        jobs: Any = None,
        scheduler: SchedulerConfig | None = None,
    ) -> SlackHarness:
        fake = FakeSlack()
        fake.members[CHANNEL] = ["UBOT", ORGANISER, *MEMBERS]
        await fake.start()
        config = Config(
            canvass=CoreConfig(data_dir=str(tmp_path), organisers=list(organisers), secret="s" * 32),
            slack=SlackConfig(
                enabled=True,
                mode="http",
                bot_token="xoxb-test",
                signing_secret=SIGNING_SECRET,
                http_host="127.0.0.1",
                http_port=0,
                api_url=fake.api_url,
                update_interval_seconds=update_interval,
                api_timeout_seconds=api_timeout,
            ),
            scheduler=scheduler or SchedulerConfig(),
        )
        core = await build_core(config, clock=clock, renderer=renderer, with_charts=False, jobs=jobs)
        waits = Waits()
        extra = {"live_sleep": live_sleep} if live_sleep is not None else {}
        adapter = SlackAdapter(
            core, sleep=waits, cleanup_sleep=_no_pause, modal_block_limit=modal_block_limit, **extra
        )
        core.messengers.add(adapter.messenger)
        harness = cls(fake, core, adapter, waits)
        await adapter.start()
        assert adapter.http is not None
        harness.url = f"http://127.0.0.1:{adapter.http.port}"
        harness.session = aiohttp.ClientSession()
        return harness

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()
        await self.adapter.stop()
        await self.core.close()
        await self.fake.stop()

    async def settle(self) -> None:
        """Wait until the work the bot started after its acks is done."""
        await self.adapter.background.drain()

    # -- raw requests -----------------------------------------------------------------------------

    async def post(
        self,
        body: str,
        content_type: str = "application/x-www-form-urlencoded",
        *,
        timestamp: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        path: str = "/slack/events",
    ) -> tuple[int, str]:
        assert self.session is not None
        timestamp = timestamp if timestamp is not None else str(int(time.time()))
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature if signature is not None else sign(body, timestamp),
        }
        sent.update(headers or {})
        sent = {k: v for k, v in sent.items() if v != ""}
        async with self.session.post(self.url + path, data=body.encode(), headers=sent) as response:
            return response.status, await response.text()

    async def get(self, path: str) -> tuple[int, str]:
        assert self.session is not None
        async with self.session.get(self.url + path) as response:
            return response.status, await response.text()

    async def interactive(self, payload: dict[str, Any], settle: bool = True) -> tuple[int, str]:
        status, text = await self.post(urlencode({"payload": json.dumps(payload)}))
        if settle:
            await self.settle()
        return status, text

    # -- Slack-shaped requests --------------------------------------------------------------------

    def _user(self, user: str) -> dict[str, Any]:
        return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM["id"]}

    async def command(self, user: str, text: str, channel: str = CHANNEL) -> tuple[int, str]:
        n = next(self._n)
        body = urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM["id"],
                "team_domain": TEAM["domain"],
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/canvass",
                "text": text,
                "api_app_id": "A1",
                "is_enterprise_install": "false",
                "response_url": f"{self.fake.root}/response/cmd{n}",
                "trigger_id": f"trigger.{n}",
            }
        )
        status, reply = await self.post(body)
        await self.settle()
        return status, reply

    async def click(
        self,
        user: str,
        message: Call,
        action_id: str,
        *,
        state: dict[str, Any] | None = None,
        settle: bool = True,
    ) -> tuple[int, str]:
        """Click a button (or tick a box) in a message the bot posted."""
        blocks = message.args["blocks"]
        block, element = _find_element(blocks, action_id)
        channel, ts = message.response.get("channel", message.args["channel"]), message.response["ts"]
        action = {
            "action_id": action_id,
            "block_id": block.get("block_id", ""),
            "type": element["type"],
            "value": element.get("value", ""),
            "action_ts": f"{time.time():.6f}",
        }
        if element["type"] == "button":
            action["text"] = element["text"]
        return await self.block_action(
            user,
            action,
            channel=channel,
            message={"ts": ts, "blocks": blocks},
            state=state or {},
            settle=settle,
        )

    async def block_action(
        self,
        user: str,
        action: dict[str, Any],
        *,
        channel: str | None = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        state: dict[str, Any] | None = None,
        settle: bool = True,
    ) -> tuple[int, str]:
        n = next(self._n)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user),
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": f"trigger.{n}",
            "team": TEAM,
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["view"] = dict(view, state={"values": state or {}})
        if channel is not None and view is None:
            payload["channel"] = {"id": channel, "name": "general" if channel == CHANNEL else "directmessage"}
            payload["container"] = {
                "type": "message",
                "message_ts": (message or {}).get("ts", ""),
                "channel_id": channel,
                "is_ephemeral": False,
            }
            payload["message"] = {"type": "message", "user": "UBOT", "bot_id": "BBOT", **(message or {})}
            payload["state"] = {"values": state or {}}
            payload["response_url"] = f"{self.fake.root}/response/act{n}"
        return await self.interactive(payload, settle)

    async def submit_view(self, user: str, view: dict[str, Any], answers: dict[str, Any]) -> tuple[int, str]:
        payload = {
            "type": "view_submission",
            "team": TEAM,
            "user": self._user(user),
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": f"trigger.{next(self._n)}",
            "view": dict(
                view,
                state={"values": fill(view, answers)},
                team_id=TEAM["id"],
                app_id="A1",
                bot_id="BBOT",
                root_view_id=view["id"],
                previous_view_id=None,
            ),
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return await self.interactive(payload)

    async def close_view(self, user: str, view: dict[str, Any], answers: dict[str, Any]) -> tuple[int, str]:
        payload = {
            "type": "view_closed",
            "team": TEAM,
            "user": self._user(user),
            "api_app_id": "A1",
            "token": "legacy",
            "view": dict(view, state={"values": fill(view, answers)}),
            "is_cleared": False,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return await self.interactive(payload)

    async def home_opened(self, user: str, event_id: str, retry: int | None = None) -> tuple[int, str]:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": TEAM["id"],
                "api_app_id": "A1",
                "type": "event_callback",
                "event": {
                    "type": "app_home_opened",
                    "user": user,
                    "channel": f"D{user}",
                    "tab": "home",
                    "event_ts": f"{time.time():.6f}",
                },
                "event_id": event_id,
                "event_time": int(time.time()),
                "authorizations": [
                    {
                        "enterprise_id": None,
                        "team_id": TEAM["id"],
                        "user_id": "UBOT",
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
                "is_ext_shared_channel": False,
                "event_context": "4-eyJldCI6ImFwcF9ob21lX29wZW5lZCJ9",
            }
        )
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        status, text = await self.post(body, "application/json", headers=headers)
        await self.settle()
        return status, text

    # -- what the bot sent ------------------------------------------------------------------------

    def calls(self, method: str) -> list[Call]:
        return self.fake.ok_calls(method)

    def last(self, method: str, **match: Any) -> Call:
        for call in reversed(self.calls(method)):
            if all(call.args.get(k) == v for k, v in match.items()):
                return call
        raise AssertionError(f"no {method} call matching {match}")

    def ephemerals_to(self, user: str) -> list[str]:
        return [
            c.args.get("text", "") for c in self.calls("chat.postEphemeral") if c.args.get("user") == user
        ]

    def opened_view(self, trigger_suffix: str | None = None) -> dict[str, Any]:
        call = self.calls("views.open")[-1]
        return dict(call.response["view"])
