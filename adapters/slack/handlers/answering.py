"""Answering in the private modal: open (with the saved draft), page, save a draft, submit.

Validation errors go back on the offending question's block (`response_action: errors`); the
view_submission work is a few milliseconds of database time, well inside Slack's 3 s.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.slack import ids
from adapters.slack.context import SlackContext, channel_of, safe, user_id_of
from adapters.slack.handlers.voting import confirmation
from adapters.slack.modals import AnswerMeta, answer_modal, first_block_of, info_modal, paginate
from adapters.slack.parsing import answers_from_state, valid_subset
from bot.domain import Answer, Question, Status, Survey
from bot.errors import CanvassError, InvalidInput

log = logging.getLogger(__name__)

PUSHABLE_PAGES = 3  # Slack keeps at most 3 views in a stack; later pages replace the top one


def _values(view: dict[str, Any]) -> dict[str, Any]:
    return ((view.get("state") or {}).get("values")) or {}


def _error_block(page: tuple[Question, ...], field: str | None) -> str:
    for question in page:
        if question.id == field:
            return first_block_of(question)
    return first_block_of(page[0])


def _merged(
    draft: dict[str, Answer], page: tuple[Question, ...], raw: dict[str, object]
) -> dict[str, object]:
    """The draft with this page's questions replaced by what the modal shows now."""
    merged: dict[str, object] = {qid: a for qid, a in draft.items() if qid not in {q.id for q in page}}
    merged.update(raw)
    return merged


def register(app: AsyncApp, ctx: SlackContext) -> None:
    limit = ctx.modal_block_limit

    async def open_modal(user: str, survey_id: str, trigger_id: str, origin: str) -> None:
        participant = ctx.participant(user)
        try:
            survey = await ctx.service.get(survey_id)
            if survey.status is not Status.OPEN:
                raise CanvassError(f"“{survey.title}” is {survey.status}; answers are not accepted now.")
            draft = {} if survey.is_poll else await ctx.service.load_draft(participant, survey.id)
            answered = await ctx.service.has_responded(participant, survey.id)
        except CanvassError as error:
            await ctx.client.views_open(trigger_id=trigger_id, view=info_modal("Canvass", str(error)))
            return
        view = answer_modal(survey, 0, draft, origin, block_limit=limit, answered_before=answered)
        await ctx.client.views_open(trigger_id=trigger_id, view=view)

    @safe
    async def on_open(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        action = body["actions"][0]
        work = open_modal(
            user_id_of(body),
            str(action.get("value") or ""),
            str(body.get("trigger_id") or ""),
            channel_of(body),
        )
        ctx.background.spawn(work, "open-answer")

    async def after_submit(user: str, survey: Survey, origin: str, changed: bool) -> None:
        ctx.live.mark(survey.id)
        await ctx.messenger.ephemeral(origin, user, confirmation(survey.title, changed))

    @safe
    async def on_submit(ack: Any, body: dict[str, Any]) -> None:
        view = body["view"]
        user = user_id_of(body)
        try:
            meta = AnswerMeta.loads(str(view.get("private_metadata") or ""))
            survey = await ctx.service.get(meta.survey_id)
        except (ValueError, CanvassError):
            await ack(
                response_action="update", view=info_modal("Canvass", "This form is out of date; start again.")
            )
            return
        pages = paginate(survey.questions, limit)
        page = pages[min(meta.page, len(pages) - 1)]
        raw = answers_from_state(page, _values(view))
        participant = ctx.participant(user)
        try:
            draft = {} if survey.is_poll else await ctx.service.load_draft(participant, survey.id)
            answers = _merged(draft, page, raw)
            if meta.page < len(pages) - 1:
                await ctx.service.save_draft(participant, survey.id, answers)
                following = answer_modal(
                    survey,
                    meta.page + 1,
                    await ctx.service.load_draft(participant, survey.id),
                    meta.origin,
                    block_limit=limit,
                )
                action = "push" if meta.page + 1 < PUSHABLE_PAGES else "update"
                await ack(response_action=action, view=following)
                return
            receipt = await ctx.service.submit(participant, survey.id, answers)
        except InvalidInput as error:
            await ack(response_action="errors", errors={_error_block(page, error.field): error.reason[:150]})
            return
        except CanvassError as error:
            await ack(response_action="update", view=info_modal("Not recorded", str(error)))
            return
        await ack(response_action="clear")
        ctx.background.spawn(after_submit(user, survey, meta.origin, receipt.changed), "confirm")

    async def save_draft(user: str, view: dict[str, Any], closing: bool) -> None:
        try:
            meta = AnswerMeta.loads(str(view.get("private_metadata") or ""))
            survey = await ctx.service.get(meta.survey_id)
        except (ValueError, CanvassError):
            return
        if survey.is_poll:
            return
        pages = paginate(survey.questions, limit)
        page = pages[min(meta.page, len(pages) - 1)]
        raw = answers_from_state(page, _values(view))
        valid = valid_subset(survey, raw)
        participant = ctx.participant(user)
        try:
            draft = await ctx.service.load_draft(participant, survey.id)
            if closing and not valid:
                return  # closing an untouched page keeps the draft as it was
            await ctx.service.save_draft(participant, survey.id, _merged(draft, page, dict(valid)))
            saved = await ctx.service.load_draft(participant, survey.id)
        except CanvassError as error:
            if not closing:
                await ctx.client.views_update(view_id=view["id"], view=info_modal("Not saved", str(error)))
            return
        if closing:
            return
        skipped = " Incomplete answers were not saved." if len(valid) < len(raw) else ""
        status = f"✓ Draft saved. Only you can see it; press Start again to resume.{skipped}"
        rebuilt = answer_modal(survey, meta.page, saved, meta.origin, block_limit=limit, status=status)
        await ctx.client.views_update(view_id=view["id"], hash=view.get("hash"), view=rebuilt)

    @safe
    async def on_save_draft(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        ctx.background.spawn(save_draft(user_id_of(body), body["view"], closing=False), "save-draft")

    @safe
    async def on_closed(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        ctx.background.spawn(save_draft(user_id_of(body), body["view"], closing=True), "close-draft")

    app.action(ids.OPEN_ANSWER)(on_open)
    app.action(ids.SAVE_DRAFT)(on_save_draft)
    app.view_submission(ids.ANSWER_VIEW)(on_submit)
    app.view_closed(ids.ANSWER_VIEW)(on_closed)
