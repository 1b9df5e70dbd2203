"""*Add another lesson* and *Remove* in the answer modal: the page is rebuilt with views.update, with
everything typed so far kept (incomplete lessons too). Nothing is saved here: Save draft, Next,
Submit and closing the modal save, as for every other kind."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.slack import ids, kinds_modal
from adapters.slack.context import SlackContext, safe, user_id_of
from adapters.slack.modals import AnswerMeta, answer_modal, info_modal, paginate, room_of
from adapters.slack.parsing import answers_from_state, valid_subset
from bot.domain import QuestionKind, Status
from bot.errors import CanvassError

log = logging.getLogger(__name__)


def _changed(form: kinds_modal.LessonsForm, most: int, limit: int, add: bool, key: int) -> kinds_modal.LessonsForm:
    """The lessons after an Add (key = -1) or a Remove of the entry `key`."""
    entries = form.entries
    fresh = kinds_modal.Entry(max((e.key for e in entries), default=-1) + 1)  # a new key: no stale text
    if add:
        if len(entries) >= most:
            more = "" if most == limit else " that fit in this Slack form"
            return replace(form, note=f"⚠ {most} lessons is the most{more}: this question takes no more.")
        return kinds_modal.LessonsForm((*entries, fresh))
    kept = tuple(e for e in entries if e.key != key)
    return kinds_modal.LessonsForm(kept or (fresh,))


def register(app: AsyncApp, ctx: SlackContext) -> None:
    limit = ctx.modal_block_limit

    async def change(user: str, view: dict[str, Any], question_id: str, add: bool, key: int) -> None:
        try:
            meta = AnswerMeta.loads(str(view.get("private_metadata") or ""))
            survey = await ctx.service.get(meta.survey_id)
        except (ValueError, CanvassError):
            return
        if survey.status is not Status.OPEN:
            await ctx.client.views_update(
                view_id=view["id"], view=info_modal("Canvass", f"“{survey.title}” is {survey.status}.")
            )
            return
        pages = paginate(survey.questions, limit)
        page = pages[min(meta.page, len(pages) - 1)]
        question = next((q for q in page if q.id == question_id and q.kind is QuestionKind.LESSONS), None)
        if question is None:
            return  # a button of another page or survey: stale, nothing to do
        forms = kinds_modal.view_forms(page, view)
        form = forms[question.id]
        if not isinstance(form, kinds_modal.LessonsForm):
            return
        most = kinds_modal.capacity(question, room_of(limit))
        forms[question.id] = _changed(form, most, question.max_entries, add, key)
        # The other questions on the page keep what is chosen now (as far as it is valid on its own).
        values = ((view.get("state") or {}).get("values")) or {}
        shown = valid_subset(survey, answers_from_state(page, values))
        answered = await ctx.service.has_responded(ctx.participant(user), survey.id)
        rebuilt = answer_modal(
            survey, meta.page, shown, meta.origin, block_limit=limit, answered_before=answered, forms=forms
        )
        await ctx.client.views_update(view_id=view["id"], hash=view.get("hash"), view=rebuilt)

    @safe
    async def on_add(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        value = str(body["actions"][0].get("value") or "")
        if isinstance(body.get("view"), dict):
            ctx.background.spawn(change(user_id_of(body), body["view"], value, True, -1), "lesson-add")

    @safe
    async def on_remove(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        question_id, _, key = str(body["actions"][0].get("value") or "").partition("|")
        if key.isdigit() and isinstance(body.get("view"), dict):
            ctx.background.spawn(change(user_id_of(body), body["view"], question_id, False, int(key)), "lesson-remove")

    app.action(ids.LESSON_ADD)(on_add)
    app.action(ids.LESSON_REMOVE)(on_remove)
