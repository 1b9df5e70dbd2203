"""A shape check of Slack request bodies before Bolt sees them: malformed input gets a 400, never a 500."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

INTERACTIVE = {"block_actions", "view_submission", "view_closed"}


def _user_ok(payload: Mapping[str, Any]) -> bool:
    user = payload.get("user")
    return isinstance(user, Mapping) and isinstance(user.get("id"), str) and bool(user["id"])


def _interactive_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return "the payload is not an object"
    kind = payload.get("type")
    if not isinstance(kind, str) or kind not in INTERACTIVE:  # a list here is unhashable: was a 500
        return f"unsupported payload type {kind!r}"
    if not _user_ok(payload):
        return "the payload has no user"
    if kind == "block_actions":
        actions = payload.get("actions")
        if (
            not isinstance(actions, list)
            or not actions
            or not all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)
        ):
            return "block_actions needs actions with action ids"
        view = payload.get("view")
        if view is not None and not (
            isinstance(view, dict) and isinstance(view.get("id"), str) and isinstance(view.get("type"), str)
        ):
            return "the view is malformed"
        state = payload.get("state")
        if state is not None and not isinstance(state, dict):
            return "the state is malformed"
        return None
    view = payload.get("view")
    if (
        not isinstance(view, dict)
        or not isinstance(view.get("callback_id"), str)
        or not isinstance(view.get("id"), str)
        or not isinstance(view.get("type"), str)  # Bolt reads view.type unguarded (KeyError: a 500)
    ):
        return "the view is missing or malformed"
    state = view.get("state")
    if state is not None and not (isinstance(state, dict) and isinstance(state.get("values", {}), dict)):
        return "the view state is malformed"
    return None


def _event_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "the body is not an object"
    kind = body.get("type")
    if kind == "url_verification":
        return None if isinstance(body.get("challenge"), str) else "url_verification needs a challenge"
    if kind != "event_callback":
        return f"unsupported body type {kind!r}"
    event = body.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "event_callback needs an event"
    if not isinstance(body.get("event_id"), str):
        return "event_callback needs an event_id"
    return None


def problem(parsed: Any) -> str | None:
    """Why this body, as Bolt parsed it, cannot be a Slack request we handle; None if it looks right.

    It checks Bolt's own parse, so the body is parsed once per request, not twice."""
    if not isinstance(parsed, dict):
        return "the body is not an object"
    kind = parsed.get("type")
    if isinstance(kind, str) and kind in INTERACTIVE:
        return _interactive_problem(parsed)
    if kind is not None:
        return _event_problem(parsed)
    if parsed.get("command"):
        if not parsed.get("user_id") or not parsed.get("channel_id"):
            return "a slash command needs user_id and channel_id"
        return None
    if parsed.get("ssl_check"):
        return None
    return "not a Slack request"
