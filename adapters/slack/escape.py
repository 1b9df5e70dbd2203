"""The one escape for participant-written text that goes into a Slack mrkdwn field (DESIGN.md rule 6).

Everything a participant or an organiser wrote (answers, titles, options, descriptions, error
messages that quote them) passes through `mrkdwn` before it lands in a mrkdwn text object, a
message's fallback `text`, or a file comment. Where Block Kit allows, prefer `plain_text` objects,
which cannot format, link or ping at all, and need no escaping.

Slack has no backslash escape for its formatting characters, so they are swapped for look-alikes
that Slack does not treat as markup; each is one display column, so tables keep their alignment.
"""

from __future__ import annotations

import re
from typing import Any

# The three characters Slack itself asks to be escaped: this neutralises <!here>, <@U…>, <url|text>.
_CONTROL = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
# Bold, italic, strike and code (the code fence too): no look-alike is markup in Slack.
_FORMAT = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})
# A bare @here in a comment that Slack may parse: the full-width at sign is never a mention.
_BROADCAST = re.compile(r"@(?=here|channel|everyone)", re.IGNORECASE)

# For every chat call that carries participant text: no name or link parsing, no previews.
SAFE_MESSAGE: dict[str, Any] = {
    "parse": "none",
    "link_names": False,
    "unfurl_links": False,
    "unfurl_media": False,
}


# Every character the steps below change; text without any is returned as it is. (str.translate
# with a mapping costs about 10 µs on a confirmation's sentence, and most texts have none of them.)
_TOUCHED = re.compile(r"[&<>*_~`@]")


def mrkdwn(text: str) -> str:
    """`text` made inert for a mrkdwn field: it can never ping, link, format or close a code block."""
    if _TOUCHED.search(text) is None:
        return text
    for raw, entity in _CONTROL:
        text = text.replace(raw, entity)
    return _BROADCAST.sub("\uff20", text).translate(_FORMAT)


def fenced(text: str) -> str:
    """A monospaced block (a results table) whose content cannot end the fence early."""
    return f"```{mrkdwn(text)}```"
