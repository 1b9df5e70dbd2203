"""The confirmation of a submission (answers in words, only for the voter) and its opt-in copy.

See adapters/slack/copies.py for what is held, where and for how long (memory only, minutes).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.slack import ids
from adapters.slack.blocks import Block, button, context, plain, section
from adapters.slack.context import SlackContext, safe, user_id_of
from adapters.slack.copies import COPY_PATH, LINK_SECONDS, Submission
from adapters.slack.modals import info_modal
from bot.answer_words import answers_in_words
from bot.answering import Receipt
from bot.contribution import contribution_text
from bot.domain import Survey

log = logging.getLogger(__name__)

PLAIN_LIMIT = 2900  # characters of plain text in one section (Slack allows 3000)
CONFIRMATION_BLOCKS = 40  # of an ephemeral message's 50
MODAL_BLOCKS = 90  # of a modal's 100


def plain_chunks(text: str, limit: int = PLAIN_LIMIT) -> list[str]:
    """Text cut at line ends (or inside a very long line) into pieces that each fit one section."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        if current and len(current) + 1 + len(line) > limit:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return pieces


def _plain(text: str) -> Block:
    # Plain text: whatever a participant wrote can neither format, link nor ping.
    return {"type": "section", "text": plain(text, PLAIN_LIMIT + 50)}


def _bounded(pieces: list[str], room: int, more: str) -> list[Block]:
    if len(pieces) <= room:
        return [_plain(p) for p in pieces]
    return [*(_plain(p) for p in pieces[: room - 1]), context(more)]


def confirmation(title: str, changed: bool, delegation: str | None = None) -> str:
    what = "changed" if changed else "recorded"
    if delegation is not None:
        return (
            f"✓ {delegation}'s answer to “{title}” is {what}, anonymously between delegations. Your colleagues "
            "are told privately that you submitted it; any of you can change it until close."
        )
    return f"✓ Your answer to “{title}” is {what}, anonymously. Only you see this; change it until close."


def confirmation_message(survey: Survey, receipt: Receipt, token: str | None) -> tuple[str, list[Block]]:
    head = confirmation(survey.title, receipt.changed, receipt.delegation)
    lines = []
    for question, words in answers_in_words(survey, receipt.answers):
        lines.append(f"{question.position + 1}. {question.text}\n→ {words if words is not None else '(skipped)'}")
    blocks: list[Block] = [_plain(head)]
    blocks += _bounded(plain_chunks("\n".join(lines)), CONFIRMATION_BLOCKS, "… more in your copy.")
    if token is not None:
        blocks.append({"type": "actions", "block_id": "copy", "elements": [button("Get my copy", ids.GET_COPY, token)]})
        blocks.append(context("A copy of what you just submitted, for you alone. Canvass keeps none."))
    return head, blocks


def copy_modal(text: str, link_note: str) -> dict[str, Any]:
    blocks = _bounded(plain_chunks(text), MODAL_BLOCKS, "… the rest is in the PDF.")
    blocks.append(section(link_note) if link_note.startswith("<") else context(link_note))
    return {
        "type": "modal",
        "callback_id": ids.COPY_VIEW,
        "title": plain("Your copy", 24),
        "close": plain("Close"),
        "blocks": blocks,
    }


WHERE = "This copy lives only in this window, which Slack does not keep once closed, and in any file you download."
GONE = (
    "This copy is no longer available: Canvass keeps no submission to copy later. Before the survey closes, "
    "open it again to see your current answers."
)


def register(app: AsyncApp, ctx: SlackContext) -> None:
    async def show(user: str, token: str, trigger_id: str) -> None:
        held = ctx.copies.take(token, user)
        if held is None:
            await ctx.client.views_open(trigger_id=trigger_id, view=info_modal("Your copy", GONE))
            return
        text = contribution_text(held.survey, held.answers, held.submitted_at)
        linkable = ctx.renderer is not None and ctx.public_url
        first = WHERE + (" Preparing a one-time PDF link…" if linkable else f" {ctx.no_pdf_reason()}")
        opened = await ctx.client.views_open(trigger_id=trigger_id, view=copy_modal(text, first))
        if not linkable or ctx.renderer is None:
            return
        try:
            pdf = await ctx.renderer.contribution_pdf(held.survey, held.answers, held.submitted_at)
        except Exception:
            log.exception("slack: rendering a participant's copy failed")  # never its content
            note = f"{WHERE} The PDF could not be made just now; this text is your copy."
        else:
            url = ctx.public_url.rstrip("/") + COPY_PATH + ctx.copies.hold_pdf(pdf, held.survey.id)
            minutes = int(LINK_SECONDS // 60)
            note = (
                f"<{url}|Download the PDF> — works once, for {minutes} minutes; until then the PDF is held in "
                f"this server's memory only, never on disk. {WHERE}"
            )
        view_id = str((opened.get("view") or {}).get("id") or "")
        if view_id:
            await ctx.client.views_update(view_id=view_id, view=copy_modal(text, note))

    @safe
    async def on_copy(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        action = body["actions"][0]
        work = show(user_id_of(body), str(action.get("value") or ""), str(body.get("trigger_id") or ""))
        ctx.background.spawn(work, "copy")

    app.action(ids.GET_COPY)(on_copy)


def offer(ctx: SlackContext, user: str, survey: Survey, receipt: Receipt) -> str | None:
    """Hold the submission in hand for its author's click (memory only); None if it cannot be copied."""
    if receipt.submitted_at is None:
        return None
    return ctx.copies.offer(user, Submission(survey, dict(receipt.answers), receipt.submitted_at))
