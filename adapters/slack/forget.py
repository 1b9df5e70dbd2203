"""What the Slack adapter holds in memory per survey goes when the survey closes: a copy on offer (a user
id next to their answers, adapters/slack/copies.py), its PDF, and a resubmission across modal pages
(adapters/slack/edits.py). Their own timeouts are minutes; a close must not leave them that long."""

from __future__ import annotations

from typing import Protocol

from bot.events import Event, EventBus, SurveyClosed


class HeldPerSurvey(Protocol):
    def forget_survey(self, survey_id: str) -> None: ...


def forget_at_close(events: EventBus, *holders: HeldPerSurvey) -> None:
    async def on_event(event: Event) -> None:
        if isinstance(event, SurveyClosed):
            for holder in holders:
                holder.forget_survey(event.survey_id)

    events.subscribe(on_event)
