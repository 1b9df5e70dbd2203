"""`approve ID`: a configured organiser, in chat, lets a survey created through room power alone open
(bot/approval.py). The approval IS the opening, at once, whatever its `opens_at`: whoever holds power in the
room chooses its members, so an approval given now and an opening later would invite whoever the room holds
by then. The members invited are those of the moment a configured organiser approved."""

from __future__ import annotations

from bot.delivery import Delivery
from bot.domain import Actor, Status
from bot.errors import InvalidInput, NotAuthorised
from bot.ports import Clock
from bot.timeparse import format_local


async def approve(delivery: Delivery, clock: Clock, actor: Actor | None, survey_id: str) -> str:
    service = delivery.service
    if actor is None:
        raise InvalidInput(
            "Approve in chat, as a configured organiser: `approve ID` opens the survey at once, so the room's "
            "members it invites are the ones there when you approve."
        )
    if not service.rights.is_configured(actor):
        # Before reading the survey: someone who may not approve learns nothing of it.
        raise NotAuthorised(f"Only the configured organisers can approve survey {survey_id}.")
    survey = await service.get(survey_id)
    if survey.status in (Status.OPEN, Status.CLOSED):
        return f"Survey [{survey.id}] is already {survey.status}; there is nothing to approve."
    if not service.approvals.needed(survey):
        return f"Survey [{survey.id}] needs no approval: `open {survey.id}` opens it, or it opens when due."
    early = survey.opens_at is not None and survey.opens_at > clock.now()
    planned = f" (it was to open {format_local(survey.opens_at, survey.timezone)})" if early and survey.opens_at else ""
    await service.approvals.approve(actor, survey)
    survey = await delivery.open(actor, survey.id)
    return (
        f"Approved and opened “{survey.title}” [{survey.id}] now{planned}: the room's members as they are now "
        "are invited."
    )
