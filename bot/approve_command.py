"""`approve ID`: a configured organiser (in chat) or the operator (CLI) lets a survey created through room
power alone open (bot/approval.py); it opens at once when its time has come and a chat is connected."""

from __future__ import annotations

from bot.delivery import Delivery
from bot.domain import Actor, Status
from bot.errors import NotAuthorised
from bot.events import SurveyApproved
from bot.ports import Clock
from bot.timeparse import format_local


async def approve(delivery: Delivery, clock: Clock, actor: Actor | None, survey_id: str) -> str:
    service = delivery.service
    if actor is not None and not service.rights.is_configured(actor):
        # Before reading the survey: someone who may not approve learns nothing of it.
        raise NotAuthorised(f"Only the configured organisers can approve survey {survey_id}.")
    survey = await service.get(survey_id)
    if survey.status in (Status.OPEN, Status.CLOSED):
        return f"Survey [{survey.id}] is already {survey.status}; there is nothing to approve."
    needed = service.approvals.needed(survey)
    await service.approvals.approve(actor, survey)
    done = "Approved" if needed else "Approved (it needed no approval)"
    due = survey.opens_at is None or survey.opens_at <= clock.now()
    if needed and not (due and delivery.messengers.platforms):
        # Not opened here: the scheduler (of the running bot, when this is the CLI) re-reads its timers.
        await service.events.publish(SurveyApproved(survey.id))
    if not due:
        return f"{done} “{survey.title}” [{survey.id}]; it opens {format_local(survey.opens_at, survey.timezone)}."
    if not delivery.messengers.platforms:  # the operator's CLI: no chat to announce it in
        said = f"{done} “{survey.title}” [{survey.id}]"
        if survey.opens_at is None:
            return f"{said}; its creator or an organiser opens it with `open {survey.id}`."
        return f"{said}; the running bot opens it now."
    survey = await delivery.open(actor, survey.id)
    return f"{done} and opened “{survey.title}” [{survey.id}]."
