"""What Slack would make of the text the bot sent: every mrkdwn string in a recorded call, and the
markup in one that would ping, link, format or end a code block (a small model of Slack's parser)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# The only angle-bracket sequences the bot writes itself: dates and channel links.
_OWN_SEQUENCE = re.compile(r"<!date\^\d+\^[^|<>]*\|[^<>]*>|<#C[A-Z0-9]+>")
_SEQUENCE = re.compile(r"<[^<>]*>?")
_BROADCAST = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)  # pings with name parsing on
CHAT_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")


def mrkdwn_in(node: Any) -> Iterator[str]:
    """Every mrkdwn text object inside blocks or a view (plain_text objects cannot carry markup)."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from mrkdwn_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from mrkdwn_in(item)


def texts_of(method: str, args: dict[str, Any]) -> list[str]:
    """The strings of one Web API call that Slack reads as mrkdwn."""
    found = list(mrkdwn_in(args.get("blocks"))) + list(mrkdwn_in(args.get("view")))
    if method in CHAT_METHODS and isinstance(args.get("text"), str):
        found.append(args["text"])  # the top-level text is mrkdwn too (and the notification)
    if isinstance(args.get("initial_comment"), str):
        found.append(args["initial_comment"])  # a file's comment
    return found


def live_markup(text: str, hostile_words: tuple[str, ...] = ()) -> list[str]:
    """Markup in `text` that Slack would act on and the bot did not mean to write.

    Outside code blocks a formatting character counts when it touches one of the `hostile_words`
    (the participant's own *word*: the bot bolds whole titles itself); angle-bracket sequences and
    broadcasts count anywhere."""
    problems: list[str] = []
    for sequence in _SEQUENCE.findall(text):
        if not _OWN_SEQUENCE.fullmatch(sequence):
            problems.append(f"live sequence {sequence!r}")
    if _BROADCAST.search(text):
        problems.append("a bare broadcast")
    fences = text.count("```")
    if fences not in (0, 2) or (fences == 2 and not (text.startswith("```") and text.endswith("```"))):
        problems.append("a code fence the bot did not write")
    outside = "" if fences == 2 else text  # a whole-text code block shows no formatting
    for word in hostile_words:
        for span in re.findall(rf"[*_~`]{word}|{word}[*_~`]", outside):
            problems.append(f"formatting {span!r}")
    return problems
