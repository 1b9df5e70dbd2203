"""The scheduling engine: opens and closes surveys on time and sends what the outbox holds.

The database is the source of truth. Timers (APScheduler, or a manual one in tests) are rebuilt from
it at start, after every change this process makes, and by a periodic sweep that also fires whatever
fell due while no timer was set (the bot was down, another replica made the change). Every action
re-reads the database first, so a stale timer does nothing.

Exactly once across replicas:
- open: the DRAFT/SCHEDULED -> OPEN transition is conditional; the loser does nothing;
- close: `seal` returns False for the second closer, which then publishes no SurveyClosed;
- outbox rows (reminders, notices, results): claimed with one UPDATE … RETURNING, with a lease. A crash
  between claim and finish is retried after the lease expires, so delivery is at least once for a
  crash after the platform accepted a message but before the row was marked sent (see `fire`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.delivery import Delivery
from bot.domain import ResultsMode, Status, Survey
from bot.errors import CanvassError, SurveyNotOpen
from bot.events import (
    DeadlineChanged,
    Event,
    RemindersChanged,
    SurveyClosed,
    SurveyCreated,
    SurveyOpened,
)
from bot.ports import Clock
from bot.ratelimit import RateLimiter
from bot.scheduling.ports import (
    Action,
    Audience,
    ChangeFeed,
    JobScheduler,
    Kind,
    ReminderRecord,
    ReminderStatus,
    ReminderStore,
)
from bot.scheduling.sending import Sender
from bot.scheduling.timing import next_daily, next_occurrence

log = logging.getLogger(__name__)

SWEEP_JOB = "sweep"
RELEVANT = (SurveyCreated, SurveyOpened, SurveyClosed, DeadlineChanged, RemindersChanged)


def replica_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Outcome:
    status: ReminderStatus
    next_fire_at: datetime | None = None
    note: str = ""


class SchedulingEngine:
    def __init__(
        self,
        delivery: Delivery,
        store: ReminderStore,
        jobs: JobScheduler,
        clock: Clock,
        limiter: RateLimiter | None = None,
        owner: str | None = None,
        sweep_seconds: float = 60,
        lease_seconds: float = 300,
        changes: ChangeFeed | None = None,
    ) -> None:
        self.delivery = delivery
        self.service = delivery.service
        self.store = store
        self.jobs = jobs
        self.clock = clock
        self.owner = owner or replica_name()
        self.sweep_seconds = sweep_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.sender = Sender(self.service, delivery.messengers, limiter or RateLimiter())
        self.started = False
        self._timers: dict[str, datetime] = {}  # job id -> when, as last handed to `jobs`
        self.changes = changes
        self._rebuild_lock = asyncio.Lock()
        self._running: set[str] = set()  # job ids whose action is being carried out right now
        self._sweeping = False
        self._sweep_again = False
        # One outbox row at a time per replica: the rate limiter is the bottleneck anyway, and a
        # process holds at most one claim whose messages may have gone out unrecorded (see `fire`).
        self._outbox_lock = asyncio.Lock()
        self.service.events.subscribe(self._on_event)

    # -- life cycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Catch up on everything that fell due while nobody was running, then keep time."""
        self.started = True
        await self.sweep()
        self.jobs.every(SWEEP_JOB, self.sweep_seconds, self.sweep)
        self.jobs.start()
        if self.changes is not None:
            # What another process changes (the CLI) is swept at once rather than at the next tick.
            await self.changes.listen(self.sweep)
        log.info("scheduler %s started; sweeping every %s s", self.owner, self.sweep_seconds)

    async def stop(self) -> None:
        self.started = False
        if self.changes is not None:
            await self.changes.stop()
        async with self._outbox_lock:  # let the row being sent finish, rather than cut it off mid-way
            self.jobs.shutdown()

    async def _on_event(self, event: Event) -> None:
        if not isinstance(event, RELEVANT):
            return
        # Results and notices go out at once from the process that caused them, when it can deliver.
        await self.dispatch_due()
        if self.started:
            await self.rebuild()
        if self.changes is not None:
            try:
                await self.changes.announce()  # to the running bot, when this is the CLI; and to replicas
            except Exception as error:
                log.warning("could not announce a change to other processes (%s); their sweep will see it",
                            type(error).__name__)  # fmt: skip

    # -- timers ----------------------------------------------------------------------------------

    async def sweep(self) -> None:
        if self._sweeping:
            # A sweep is busy (a long catch-up) and may have read the database before this change:
            # it runs once more when done, instead of a second one running beside it.
            self._sweep_again = True
            return
        self._sweeping = True
        try:
            while True:
                self._sweep_again = False
                await self._sweep()
                if not self._sweep_again:
                    break
        finally:
            self._sweeping = False

    async def _sweep(self) -> None:
        now = self.clock.now()
        for survey in await self.service.list_surveys([Status.SCHEDULED, Status.OPEN]):
            if survey.status is Status.SCHEDULED and survey.opens_at is not None and survey.opens_at <= now:
                await self._contained(f"open:{survey.id}", self.open_if_due(survey.id))
            if survey.closes_at is not None and survey.closes_at <= now:
                await self._contained(f"close:{survey.id}", self.close_if_due(survey.id))
        # A process that died between sealing a survey and queueing its results post: queue it now.
        for survey_id in await self.store.surveys_missing_results():
            if await self.store.ensure_results(survey_id, now):
                log.info("survey %s was closed without its results queued; queued them", survey_id)
        await self.dispatch_due()
        await self.rebuild()

    async def rebuild(self) -> None:
        """Make the timers match the database."""
        async with self._rebuild_lock:
            wanted: dict[str, tuple[datetime, Action]] = {}
            for survey in await self.service.list_surveys([Status.SCHEDULED, Status.OPEN]):
                if survey.status is Status.SCHEDULED and survey.opens_at is not None:
                    wanted[f"open:{survey.id}"] = (survey.opens_at, self._bind(self.open_if_due, survey.id))
                if survey.closes_at is not None:
                    wanted[f"close:{survey.id}"] = (
                        survey.closes_at,
                        self._bind(self.close_if_due, survey.id),
                    )
            for record in await self.store.active():
                when = record.next_fire_at
                if record.status is ReminderStatus.SENDING and record.claimed_until is not None:
                    when = record.claimed_until  # retry once the current claim's lease runs out
                wanted[f"outbox:{record.id}"] = (when, self._bind(self.fire, record.id))
            for job_id in set(self._timers) - set(wanted):
                self.jobs.cancel(job_id)
                del self._timers[job_id]
            now = self.clock.now()
            for job_id, (when, action) in wanted.items():
                if job_id in self._running and when <= now:
                    # That very job is running and re-reads the database; a copy due at once would only
                    # collide with it (APScheduler: "maximum number of running instances reached").
                    continue
                if self._timers.get(job_id) != when:
                    self.jobs.schedule(job_id, when, self._once(job_id, action))
                    self._timers[job_id] = when

    def _bind(self, method: Callable[[str], Awaitable[object]], key: str) -> Action:
        async def action() -> None:
            await method(key)

        return action

    def _once(self, job_id: str, action: Action) -> Action:
        async def run() -> None:
            self._timers.pop(job_id, None)  # a fired timer is gone; the next rebuild may set it again
            self._running.add(job_id)
            try:
                await action()
            finally:
                self._running.discard(job_id)

        return run

    async def _contained(self, what: str, job: Awaitable[None]) -> None:
        try:
            await job
        except Exception:
            log.exception("scheduler: %s failed; the next sweep retries", what)

    # -- surveys ---------------------------------------------------------------------------------

    async def open_if_due(self, survey_id: str) -> None:
        survey = await self.service.get(survey_id)
        if (
            survey.status is not Status.SCHEDULED
            or survey.opens_at is None
            or survey.opens_at > self.clock.now()
        ):
            return
        if not await self.service.approvals.approved(survey):
            log.info("survey %s is due but waits for a configured organiser's approval", survey.id)
            return  # `approve ID` opens it
        try:
            await self.delivery.open(None, survey.id)
        except SurveyNotOpen:
            return  # another replica opened it first
        except CanvassError as error:
            log.warning("survey %s could not open on time: %s", survey.id, error)
            return
        log.info("survey %s opened on schedule", survey.id)

    async def close_if_due(self, survey_id: str) -> None:
        survey = await self.service.get(survey_id)
        if survey.status is Status.CLOSED or survey.closes_at is None or survey.closes_at > self.clock.now():
            return
        await self.service.close_survey(None, survey.id)  # a no-op for whoever comes second

    # -- the outbox ------------------------------------------------------------------------------

    def can_deliver(self) -> bool:
        # A process with no chat platform (the CLI) leaves the outbox to a running bot.
        return bool(self.delivery.messengers.platforms)

    async def dispatch_due(self) -> int:
        if not self.can_deliver():
            return 0
        fired = 0
        for record in await self.store.due(self.clock.now()):
            fired += await self.fire(record.id)
        return fired

    async def fire(self, reminder_id: str) -> int:
        """Claim one row and carry it out; 1 if this replica did it, 0 if it was not ours to do.

        If the process dies after a platform accepted messages but before `finish`, the row is
        retried after its lease: at least once, never lost. A failure here leaves the claim to expire
        too, which doubles as a back-off."""
        if not self.can_deliver():
            return 0
        async with self._outbox_lock:
            now = self.clock.now()
            claim = await self.store.claim(reminder_id, self.owner, now, now + self.lease)
            if claim is None:
                return 0
            try:
                outcome = await self._carry_out(claim)
            except Exception:
                log.exception(
                    "outbox %s %s of %s failed; retried after the lease",
                    claim.kind,
                    claim.id,
                    claim.survey_id,
                )
                return 0
            if outcome.status is ReminderStatus.SKIPPED:
                log.info(
                    "%s %s of survey %s skipped: %s",
                    claim.kind,
                    claim.number or "",
                    claim.survey_id,
                    outcome.note,
                )
            finished = await self.store.finish(
                claim.id, self.owner, outcome.status, self.clock.now(), outcome.next_fire_at, outcome.note
            )
            if not finished:
                log.warning("outbox %s: the claim expired while it was carried out", claim.id)
        if outcome.status is ReminderStatus.PENDING and self.started:
            await self.rebuild()  # a daily reminder's next time
        return 1

    def _keep_alive(self, claim: ReminderRecord) -> Callable[[], Awaitable[bool]]:
        renewed_at = self.clock.now()

        async def renew() -> bool:
            nonlocal renewed_at
            now = self.clock.now()
            if now - renewed_at < self.lease / 3:
                return True
            renewed_at = now
            return await self.store.renew(claim.id, self.owner, now + self.lease)

        return renew

    async def _carry_out(self, claim: ReminderRecord) -> Outcome:
        survey = await self.service.get(claim.survey_id)
        keep_alive = self._keep_alive(claim)
        if claim.kind is Kind.RESULTS:
            if survey.status is not Status.CLOSED or survey.results_mode is ResultsMode.ORGANISERS:
                return Outcome(ReminderStatus.SKIPPED, note="results are not for the channel")
            posted = await self.delivery.post_results(None, survey.id)
            return Outcome(ReminderStatus.SENT, note=f"posted to {posted} target(s)")
        now = self.clock.now()
        if survey.status is Status.CLOSED or (survey.closes_at is not None and survey.closes_at <= now):
            return Outcome(ReminderStatus.SKIPPED, note="the survey had closed")
        if claim.kind is Kind.NOTICE:
            await self.sender.to_channels(survey, claim.message, keep_alive)
            return Outcome(ReminderStatus.SENT)
        if survey.status is not Status.OPEN:
            return self._after_firing(claim, survey, now, skipped_because="the survey was not open")
        if claim.audience is Audience.CHANNEL:
            await self.sender.reminder_to_channels(survey, claim.message, keep_alive)
        else:
            await self.sender.to_non_respondents(survey, claim.message, keep_alive)
        # Never the count: the number of DMs is the exact number of non-respondents, which the k-steps hide.
        log.info("reminder %s of survey %s sent", claim.number, survey.id)
        return self._after_firing(claim, survey, now)

    def _after_firing(
        self, claim: ReminderRecord, survey: Survey, now: datetime, skipped_because: str = ""
    ) -> Outcome:
        done = ReminderStatus.SKIPPED if skipped_because else ReminderStatus.SENT
        if not claim.recurring:
            return Outcome(done, note=skipped_because)
        # Daily: the next one at the same local time, skipping days missed while the bot was down.
        following = next_occurrence(
            next_daily(claim.next_fire_at, survey.timezone), now, survey.closes_at, survey.timezone, True
        )
        if following is None:
            return Outcome(done, note=skipped_because)
        return Outcome(ReminderStatus.PENDING, following, note=skipped_because)
