"""Organisers' reminders: add, list, cancel, persist those written in a survey file, and keep them in
step with the survey (relative ones follow the deadline; nothing stays pending after the close).

This is `bot.ports.ReminderBook` for the CommandHandler and `bot.ports.SurveyReminders` for the
service's create path. It only writes the database; the engine decides when to send.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.domain import ReminderSpec, ResultsMode, Status, Survey
from bot.errors import InvalidInput, NotFound, SurveyNotOpen
from bot.events import DeadlineChanged, Event, EventBus, RemindersChanged, SurveyClosed
from bot.ports import Clock
from bot.scheduling.ports import Audience, Kind, NewReminder, ReminderRecord, ReminderStatus, ReminderStore
from bot.scheduling.timing import check_reminder, describe_when, next_occurrence
from bot.service import Canvass
from bot.timeparse import format_local

log = logging.getLogger(__name__)

AUDIENCE_TEXT = {
    Audience.NON_RESPONDENTS: "to those who have not answered",
    Audience.CHANNEL: "in the channel",
}
OPEN_STATUSES = (ReminderStatus.PENDING, ReminderStatus.SENDING)


def _new_reminder(survey: Survey, spec: ReminderSpec, first: datetime) -> NewReminder:
    return NewReminder(
        survey_id=survey.id,
        kind=Kind.REMINDER,
        next_fire_at=first,
        at=spec.at if spec.before_close_seconds is None else None,
        before_close_seconds=spec.before_close_seconds,
        recurring=spec.recurring_daily,
        audience=Audience(spec.audience),
        message=spec.message.strip(),
    )


class Reminders:
    def __init__(self, store: ReminderStore, service: Canvass, clock: Clock) -> None:
        self.store = store
        self.service = service
        self.clock = clock
        service.events.subscribe(self._on_event)

    @property
    def events(self) -> EventBus:
        return self.service.events

    # -- the service's create path (bot.ports.SurveyReminders) ------------------------------------

    def check(self, survey: Survey, specs: Sequence[ReminderSpec], now: datetime) -> None:
        """Validate a new survey's reminders before anything is stored; errors name reminders[i]."""
        for i, spec in enumerate(specs):
            try:
                check_reminder(spec, survey, now)
            except InvalidInput as error:
                raise InvalidInput(error.reason, f"reminders[{i}]") from None

    async def save(self, survey: Survey, specs: Sequence[ReminderSpec], now: datetime) -> None:
        rows = [_new_reminder(survey, spec, check_reminder(spec, survey, now)) for spec in specs]
        if rows:
            await self.store.add(rows)
            await self.events.publish(RemindersChanged(survey.id))

    # -- bot.ports.ReminderBook ---------------------------------------------------------------------

    async def add(self, survey_id: str, spec: ReminderSpec) -> str:
        survey = await self.service.get(survey_id)
        if survey.status is Status.CLOSED:
            raise SurveyNotOpen(f"Survey {survey.id} is closed; it takes no more reminders.")
        first = check_reminder(spec, survey, self.clock.now())
        [record] = await self.store.add([_new_reminder(survey, spec, first)])
        await self.events.publish(RemindersChanged(survey.id))
        return f"Reminder {record.number} for [{survey.id}]: {self._describe(record, survey)}."

    async def list_text(self, survey_id: str) -> str:
        survey = await self.service.get(survey_id)
        records = await self.store.list_for_survey(survey.id, Kind.REMINDER)
        if not records:
            return f"No reminders for “{survey.title}” [{survey.id}]."
        lines = [f"Reminders for “{survey.title}” [{survey.id}]:"]
        for record in records:
            lines.append(
                f"  {record.number}. {self._describe(record, survey)} — {self._state(record, survey)}"
            )
        return "\n".join(lines)

    async def cancel(self, survey_id: str, number: int) -> str:
        survey = await self.service.get(survey_id)
        record = await self.store.by_number(survey.id, number)
        if record is None or record.kind is not Kind.REMINDER:
            raise NotFound(f"Survey {survey.id} has no reminder {number}; see `remind {survey.id} list`.")
        if record.status is not ReminderStatus.PENDING:
            raise InvalidInput(
                f"Reminder {number} is {record.status}; only pending reminders can be cancelled."
            )
        if not await self.store.set_status(
            record.id, ReminderStatus.CANCELLED, note="cancelled by an organiser"
        ):
            raise InvalidInput(f"Reminder {number} is being sent right now and cannot be cancelled.")
        await self.events.publish(RemindersChanged(survey.id))
        return f"Cancelled reminder {number} of [{survey.id}]."

    def _describe(self, record: ReminderRecord, survey: Survey) -> str:
        text = describe_when(record.at, record.before_close_seconds, record.next_fire_at, survey.timezone)
        text += f", {AUDIENCE_TEXT[record.audience]}"
        if record.recurring:
            text += ", daily until the close"
        if record.message:
            text += f": “{record.message}”"
        return text

    def _state(self, record: ReminderRecord, survey: Survey) -> str:
        if record.status is ReminderStatus.PENDING:
            return "pending" + (
                f", next {format_local(record.next_fire_at, survey.timezone)}" if record.recurring else ""
            )
        if record.status is ReminderStatus.SENT and record.sent_at:
            return f"sent {format_local(record.sent_at, survey.timezone)}"
        return str(record.status) + (f" ({record.note})" if record.note else "")

    # -- keeping in step with the survey --------------------------------------------------------------

    async def _on_event(self, event: Event) -> None:
        if isinstance(event, DeadlineChanged):
            await self._deadline_moved(event.survey_id)
        elif isinstance(event, SurveyClosed):
            await self._closed(event.survey_id)

    async def _deadline_moved(self, survey_id: str) -> None:
        survey = await self.service.get(survey_id)
        now = self.clock.now()
        for record in await self.store.list_for_survey(survey.id, Kind.REMINDER):
            if record.before_close_seconds is None or record.status is ReminderStatus.CANCELLED:
                continue
            await self._retime(record, survey, now)
        if survey.status is Status.OPEN and survey.closes_at is not None:
            # Participants are told through the outbox, so whichever process moved the deadline (a chat
            # command, the CLI), a connected replica posts the notice exactly once.
            text = (
                f"⏰ The deadline of “{survey.title}” [{survey.id}] has moved: "
                f"it now closes {format_local(survey.closes_at, survey.timezone)}."
            )
            await self.store.add(
                [NewReminder(survey.id, Kind.NOTICE, now, audience=Audience.CHANNEL, message=text)]
            )
        await self.events.publish(RemindersChanged(survey.id))

    async def _retime(self, record: ReminderRecord, survey: Survey, now: datetime) -> None:
        assert record.before_close_seconds is not None and survey.closes_at is not None
        base = survey.closes_at - timedelta(seconds=record.before_close_seconds)
        when = next_occurrence(base, now, survey.closes_at, survey.timezone, record.recurring)
        if when is None and record.status is ReminderStatus.PENDING and now < survey.closes_at:
            when = now  # the deadline came closer than the reminder's lead time: remind once, now
        if when is not None:
            # A relative reminder follows the deadline, so one already sent goes again before the new close.
            changed = await self.store.set_status(record.id, ReminderStatus.PENDING, when)
        elif record.status is ReminderStatus.PENDING:
            changed = await self.store.set_status(
                record.id, ReminderStatus.SKIPPED, note="the new deadline left no time for it"
            )
        else:
            return
        if not changed:
            log.warning("reminder %s of %s was being sent while the deadline moved", record.number, survey.id)

    async def _closed(self, survey_id: str) -> None:
        survey = await self.service.get(survey_id)
        for record in await self.store.list_for_survey(survey.id):
            if record.status is ReminderStatus.PENDING and record.kind is not Kind.RESULTS:
                if await self.store.set_status(
                    record.id, ReminderStatus.SKIPPED, note="the survey closed first"
                ):
                    log.info("%s %s of survey %s skipped: the survey closed first", record.kind,
                             record.number or "", survey.id)  # fmt: skip
        if survey.results_mode is not ResultsMode.ORGANISERS:
            await self.store.ensure_results(survey.id, self.clock.now())
        await self.events.publish(RemindersChanged(survey.id))
