"""The manifest asks for every scope the adapter's Web API calls need, and nothing more."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ADAPTER = Path(__file__).resolve().parents[2] / "adapters" / "slack"

# Bot scopes each Web API method needs (views.* and auth.test need none).
METHOD_SCOPES = {
    "auth_test": set(),
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_delete": {"chat:write"},
    "conversations_open": {"im:write"},
    "conversations_members": {"channels:read", "groups:read"},
    "users_info": {"users:read"},
    "views_open": set(),
    "views_update": set(),
    "views_publish": set(),
    "files_upload_v2": {"files:write"},
}


def test_manifest_scopes_are_exactly_those_the_code_uses() -> None:
    manifest = yaml.safe_load((ADAPTER / "manifest.yaml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    source = "\n".join(p.read_text() for p in ADAPTER.rglob("*.py"))
    used = set(re.findall(r"client\.(\w+)\(", source))
    assert used <= set(METHOD_SCOPES), f"a Web API call without a known scope: {used - set(METHOD_SCOPES)}"
    needed = {"commands"}.union(*(METHOD_SCOPES[m] for m in used))
    assert scopes == needed
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/canvass"]
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
