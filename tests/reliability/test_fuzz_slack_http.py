"""Fuzzing the Slack HTTP endpoint with validly signed random and mutated bodies, and the Matrix command
entry (prefix stripping + the shared grammar): never a 500, never an unhandled exception, never a
traceback in the log; always a 200 (handled or ignored) or a 400."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.matrix.commands import strip_prefix
from bot.commands import parse_command
from bot.errors import CanvassError
from tests.slack.harness import SlackHarness

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=12), st.floats(allow_nan=False))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
KEYS = [
    "type",
    "user",
    "actions",
    "view",
    "state",
    "channel",
    "container",
    "team",
    "trigger_id",
    "event",
    "event_id",
    "value",
    "action_id",
    "id",
    "callback_id",
    "private_metadata",
    "values",
    "response_url",
]


def shaped(kind: str) -> dict[str, Any]:
    """A plausible skeleton of each payload type, to be mutated."""
    user = {"id": "U0001", "team_id": "T1"}
    if kind == "block_actions":
        return {
            "type": kind,
            "user": user,
            "channel": {"id": "CGENERAL"},
            "actions": [{"action_id": "canvass_vote:0", "value": "abc|def|0", "type": "button"}],
            "state": {"values": {}},
            "trigger_id": "t.1",
            "team": {"id": "T1"},
        }
    if kind in ("view_submission", "view_closed"):
        return {
            "type": kind,
            "user": user,
            "team": {"id": "T1"},
            "view": {
                "id": "V1",
                "callback_id": "canvass_answer",
                "private_metadata": "{}",
                "state": {"values": {"q|x": {"canvass_answer": {"type": "plain_text_input", "value": "hi"}}}},
            },
        }
    return {
        "type": "event_callback",
        "event_id": "Ev1",
        "team_id": "T1",
        "event": {"type": "app_home_opened", "user": "U0001", "tab": "home"},
    }


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    payload = shaped(draw(st.sampled_from(["block_actions", "view_submission", "view_closed", "event_callback"])))
    for _ in range(draw(st.integers(1, 4))):
        path = [payload]
        node: Any = payload
        while isinstance(node, dict) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node)))
            node = node[key]
            path.append(node)
        target = path[-1] if isinstance(path[-1], dict) else path[-2] if len(path) > 1 else payload
        if isinstance(target, dict):
            key = draw(st.sampled_from(sorted(target) + KEYS))
            if draw(st.booleans()):
                target[key] = draw(json_values)
            else:
                target.pop(key, None)
    return payload


def body_of(draw_kind: str, payload: Any, text: str) -> tuple[str, str]:
    if draw_kind == "interactive":
        return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    if draw_kind == "event":
        return json.dumps(payload), "application/json"
    if draw_kind == "command":
        return urlencode(
            {
                "command": "/canvass",
                "text": text,
                "user_id": "U0001",
                "channel_id": "CGENERAL",
                "response_url": "http://127.0.0.1:9/x",
                "trigger_id": "t",
            }
        ), "application/x-www-form-urlencoded"
    return text, "application/x-www-form-urlencoded"


bodies = st.tuples(
    st.sampled_from(["interactive", "event", "command", "raw"]),
    st.one_of(mutated(), json_values),
    st.text(max_size=80),
)


@given(bodies)
@SETTINGS
async def test_signed_random_and_mutated_bodies_never_500(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, case: tuple[str, Any, str]
) -> None:
    caplog.set_level(logging.WARNING)
    body, content_type = body_of(*case)
    status, _ = await slack.post(body, content_type)
    await slack.settle()
    assert status in (200, 400), (status, body)
    # The adapter may log a handled failure, but never with a traceback (an unhandled exception).
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_matrix_command_entry_answers_or_refuses_clearly(body: str) -> None:
    for text in (body, "!canvass " + body, "!canvass" + body):
        rest = strip_prefix(text, "!canvass")
        if rest is None:
            continue
        try:
            parse_command(rest)
        except CanvassError as error:
            assert str(error)  # a message for the user, not a crash
