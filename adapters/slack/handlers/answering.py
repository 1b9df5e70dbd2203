"""Answering in the private modal: open (with the saved draft), page, save a draft, submit.

Validation errors go back on the offending question's block (`response_action: errors`); the
view_submission work is a few milliseconds of database time, well inside Slack's 3 s.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.slack import edits, ids, kinds_modal
from adapters.slack.blocks import esc, section
from adapters.slack.context import SlackContext, channel_of, safe, user_id_of
from adapters.slack.handlers.copy import confirmation_message, offer
from adapters.slack.modals import AnswerMeta, answer_modal, first_block_of, info_modal, paginate
from adapters.slack.parsing import answers_from_state, valid_subset
from bot.answering import Receipt
from bot.domain import Answer, Participant, Question, ResultsMode, Status, Survey
from bot.errors import CanvassError, InvalidInput
from bot.validation import validate_answer

log = logging.getLogger(__name__)

PUSHABLE_PAGES = 3  # Slack keeps at most 3 views in a stack; later pages replace the top one
AFTER_SUBMIT = (
    "You have submitted already, so no draft is kept: your submitted answers stay as they are. "
    "Press Start again to change them and submit."
)


def _values(view: dict[str, Any]) -> dict[str, Any]:
    return ((view.get("state") or {}).get("values")) or {}


def _error_block(page: tuple[Question, ...], error: InvalidInput, view: dict[str, Any]) -> str:
    question = next((q for q in page if q.id == error.field), page[0])
    if question.kind in kinds_modal.KINDS:
        return kinds_modal.error_block(question, error.reason, view)  # the row or lesson it names
    return first_block_of(question)


def validated(survey: Survey, raw: dict[str, object]) -> dict[str, object]:
    """A page's answers checked now, so a mistake is shown on its own page (as saving a draft does)."""
    valid: dict[str, object] = {}
    for qid, value in raw.items():
        try:
            valid[qid] = validate_answer(survey.question(qid), value)
        except InvalidInput as error:
            raise InvalidInput(error.reason, field=qid) from None
    return valid


def _merged(
    draft: Mapping[str, object], page: tuple[Question, ...], raw: dict[str, object]
) -> dict[str, object]:
    """The draft with this page's questions replaced by what the modal shows now."""
    merged: dict[str, object] = {qid: a for qid, a in draft.items() if qid not in {q.id for q in page}}
    merged.update(raw)
    return merged


async def shared_draft(
    ctx: SlackContext, participant: Participant, survey: Survey, answered: bool, opening: bool = False
) -> dict[str, Answer]:
    """Where a delegation member's form starts: the shared draft, or, once the delegation has submitted and
    nobody has saved a draft since, its submitted answers (a submission keeps no draft row, bot/answering.py),
    read through the delegation's slots in this member's own signed request (bot/own_ballot.py)."""
    draft = await ctx.service.load_draft(participant, survey.id, opening=opening)
    if not draft and answered:
        draft = await ctx.service.own_answers(participant, survey.id)
    return draft


def closed_modal(survey: Survey) -> dict[str, Any]:
    """What a Start/Answer button opens once its survey is not open, e.g. on an invitation a client still
    shows after close (the DM itself is deleted at close, adapters/slack/dm_trail.py): closed, and where
    the results are when the results mode lets participants see them."""
    title = f"“{esc(survey.title)}”"
    if survey.status is not Status.CLOSED:
        text = f"{title} is {survey.status}; answers are not accepted yet."
    else:
        if survey.results_mode is ResultsMode.ORGANISERS:
            where = "Its results go to the organisers only."
        else:
            channels = [f"<#{t.channel}>" for t in survey.targets if t.platform == "slack" and t.channel.isalnum()]
            where = f"Its results are posted in {', '.join(channels)}." if channels else "Its results are posted."
        text = f"{title} is closed; answers are no longer accepted. {where}"
    view = info_modal("Canvass", "")
    view["blocks"] = [section(text)]
    return view


def register(app: AsyncApp, ctx: SlackContext) -> None:
    limit = ctx.modal_block_limit

    async def open_modal(user: str, survey_id: str, trigger_id: str, origin: str) -> None:
        participant = ctx.participant(user)
        try:
            survey = await ctx.service.get(survey_id)
            if survey.status is not Status.OPEN:
                await ctx.client.views_open(trigger_id=trigger_id, view=closed_modal(survey))
                return
            answered = await ctx.service.has_responded(participant, survey.id)
            # A delegation's shared draft is its workspace even after a submission (bot/delegations.py); a
            # person's edit of their submission is held in memory instead (adapters/slack/edits.py).
            if survey.by_delegation:
                draft = await shared_draft(ctx, participant, survey, answered, opening=True)
            elif answered:
                # Change one answer, keep the rest: a resubmission starts from their current answers,
                # read through their own slots in this, their own signed request (bot/own_ballot.py).
                draft = await ctx.service.own_answers(participant, survey.id)
                ctx.edits.drop(user, survey.id)  # a fresh start: an abandoned edit is forgotten
            else:
                draft = {} if survey.is_poll else await ctx.service.load_draft(participant, survey.id, opening=True)
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

    async def after_submit(user: str, survey: Survey, origin: str, receipt: Receipt) -> None:
        ctx.live.mark(survey.id)
        text, body = confirmation_message(survey, receipt, offer(ctx, user, survey, receipt))
        await ctx.messenger.ephemeral(origin, user, text, body)

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
            answered = await ctx.service.has_responded(participant, survey.id)
            editing = answered and not survey.by_delegation
            if editing:  # an edit of a submission: no draft rows (adapters/slack/edits.py)
                own = await ctx.service.own_answers(participant, survey.id)
                pending = ctx.edits.get(user, survey.id)
                base: dict[str, object] = dict(own) if pending is None else pending
                answers = _merged(base, page, validated(survey, raw))
            else:
                if survey.by_delegation:
                    draft = await shared_draft(ctx, participant, survey, answered)
                else:
                    draft = {} if survey.is_poll else await ctx.service.load_draft(participant, survey.id)
                answers = _merged(draft, page, raw)
            if meta.page < len(pages) - 1:
                if editing:
                    ctx.edits.put(user, survey.id, answers)
                    shown = edits.shown(own, answers)
                else:
                    await ctx.service.save_draft(participant, survey.id, answers)
                    shown = dict(await ctx.service.load_draft(participant, survey.id))
                following = answer_modal(
                    survey, meta.page + 1, shown, meta.origin, block_limit=limit, answered_before=answered
                )
                action = "push" if meta.page + 1 < PUSHABLE_PAGES else "update"
                await ack(response_action=action, view=following)
                return
            receipt = await ctx.service.submit(participant, survey.id, answers)
            ctx.edits.drop(user, survey.id)
        except InvalidInput as error:
            await ack(response_action="errors", errors={_error_block(page, error, view): error.reason[:150]})
            return
        except CanvassError as error:
            await ack(response_action="update", view=info_modal("Not recorded", str(error)))
            return
        await ack(response_action="clear")
        ctx.background.spawn(after_submit(user, survey, meta.origin, receipt), "confirm")

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
            answered = await ctx.service.has_responded(participant, survey.id)
            if answered and not survey.by_delegation:
                # After a person's submission there are no drafts (adapters/slack/edits.py). A form opened
                # before it still has the button: say why nothing was saved.
                if not closing:
                    await ctx.client.views_update(view_id=view["id"], view=info_modal("Not saved", AFTER_SUBMIT))
                return
            # A delegation's members may save a draft after it submitted: the draft starts from its answers.
            draft = await shared_draft(ctx, participant, survey, answered)
            if closing and not valid:
                return  # closing an untouched page keeps the draft as it was
            note = (await ctx.service.save_draft(participant, survey.id, _merged(draft, page, dict(valid)))).note
            saved = await ctx.service.load_draft(participant, survey.id)
        except CanvassError as error:
            if not closing:
                await ctx.client.views_update(view_id=view["id"], view=info_modal("Not saved", str(error)))
            return
        if closing:
            return
        skipped = " Incomplete answers were not saved." if len(valid) < len(raw) else ""
        who = "Your delegation's members can see and change it" if survey.by_delegation else "Only you can see it"
        status = f"✓ Draft saved. {who}; press Start again to resume.{skipped}{' ' + note if note else ''}"
        # Lessons and grid rows stay as typed, incomplete ones too: only the complete ones were saved.
        forms = kinds_modal.view_forms(page, view)
        rebuilt = answer_modal(survey, meta.page, saved, meta.origin, block_limit=limit, status=status, forms=forms)
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
