"""Executes parsed commands for an actor in a channel; adapters only parse transport and render replies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import commands as c
from bot.anonymity import free_text_preview
from bot.approval import approval_message
from bot.approve_command import approve
from bot.delivery import Delivery
from bot.domain import (
    Actor,
    Participant,
    QuestionSpec,
    ReminderSpec,
    ResultsMode,
    Status,
    Survey,
    SurveySpec,
    Target,
)
from bot.errors import InvalidInput, NotAuthorised
from bot.ports import Clock, ReminderBook
from bot.presenting import Presenter
from bot.survey_file import parse_survey
from bot.timeparse import format_local, parse_duration, parse_time

MODE_NAMES = {ResultsMode.LIVE: "live", ResultsMode.AFTER_CLOSE: "after close", ResultsMode.ORGANISERS: "organisers"}


@dataclass(frozen=True)
class Reply:
    text: str
    public: bool = False  # False: only the actor sees it (ephemeral / DM)


class CommandHandler:
    def __init__(
        self,
        delivery: Delivery,
        clock: Clock,
        default_zone: str,
        default_k: int,
        reminders: ReminderBook | None = None,
    ) -> None:
        self.delivery = delivery
        self.service = delivery.service
        self.clock = clock
        self.default_zone = default_zone
        self.default_k = default_k
        self.reminders = reminders
        self.presenter: Presenter | None = None  # wired by the composition root when [present] is enabled
        self.present_base_url = ""

    async def handle_text(self, actor: Actor, target: Target, text: str) -> Reply:
        return await self.handle(actor, target, c.parse_command(text))

    async def handle(self, actor: Actor, target: Target, command: c.Command) -> Reply:
        if isinstance(command, c.Help):
            return Reply(c.USAGE)
        if isinstance(command, c.Present):
            return await self.present(actor, command)  # checks "an organiser of this survey" itself
        # Creating and listing need organiser standing; a command about one survey is checked against
        # that survey's rights instead, so its creator keeps them wherever they type it.
        creating = isinstance(command, c.Poll | c.SurveyFromToml | c.NewSurveyDialog | c.ListSurveys)
        if creating and not self.service.is_organiser(actor):
            raise NotAuthorised("Only organisers can run Canvass commands. Answers are given privately, not here.")
        match command:
            case c.Poll():
                return await self._poll(actor, target, command)
            case c.SurveyFromToml(toml=toml, first_line=first_line):
                spec = parse_survey(toml, self.default_zone, self.default_k, self.clock.now(), first_line=first_line)
                if not spec.targets:
                    spec = _with_target(spec, target)
                return await self._create_and_maybe_open(actor, spec)
            case c.NewSurveyDialog():
                return Reply("The survey builder is a Slack dialog; elsewhere, use `survey` followed by TOML.")
            case c.ListSurveys():
                return await self._list(actor)
            case c.OpenSurvey(survey_id=survey_id):
                survey = await self.delivery.open(actor, survey_id)
                return Reply(f"Opened “{survey.title}” [{survey.id}].")
            case (
                c.CloseSurvey() | c.Extend() | c.RemindList() | c.RemindAdd() | c.RemindCancel()
                | c.RosterList() | c.RosterAdd() | c.ApproveSurvey()
            ):  # fmt: skip
                return await self.schedule(actor, command)
            case c.ShowResults(survey_id=survey_id, channel=channel):
                survey = await self.service.get(survey_id)
                self.service.require_manage(actor, survey, "post its results")
                where = [Target(target.platform, channel.lstrip("#"))] if channel else [target]
                if survey.results_mode is ResultsMode.ORGANISERS:
                    # A channel is read by everyone in it: "organisers only" never goes there.
                    raise NotAuthorised(
                        f"Results of [{survey.id}] are for organisers only, so they are never posted to a "
                        f"channel; export them with `canvass results {survey.id}`."
                    )
                if actor is not None and not self.service.rights.is_configured(actor):
                    outside = [t for t in where if t not in survey.targets]
                    if outside:
                        raise NotAuthorised(
                            f"Results of [{survey.id}] go to its own channels only; the configured organisers "
                            "can post them elsewhere."
                        )
                await self.delivery.post_results(actor, survey_id, where)
                return Reply(f"Posted the results of [{survey_id}].")
        raise InvalidInput(c.USAGE)

    async def schedule(self, actor: Actor | None, command: c.Command) -> Reply:
        """Deadlines and reminders: for an organiser in a chat, or the operator (actor None) on the CLI."""
        match command:
            case c.CloseSurvey(survey_id=survey_id):
                survey = await self.service.close_survey(actor, survey_id)
                count = await self.service.published_respondents(survey)
                said = f"{count}" if count is not None else f"fewer than {survey.k}"
                unit = "delegations" if survey.by_delegation else "respondents"
                return Reply(f"Closed “{survey.title}” [{survey.id}] with {said} {unit}.")
            case c.Extend(survey_id=survey_id, when=when):
                survey = await self.service.get(survey_id)
                closes = parse_time(when, survey.timezone, self.clock.now())
                survey = await self.service.extend(actor, survey.id, closes)
                return Reply(f"[{survey.id}] now closes {format_local(survey.closes_at, survey.timezone)}.")
            case c.RosterList(survey_id=survey_id):
                return await self._roster_list(actor, survey_id)
            case c.RosterAdd(survey_id=survey_id, users=users):
                return await self._roster_add(actor, survey_id, users)
            case c.ApproveSurvey(survey_id=survey_id):
                return Reply(await approve(self.delivery, self.clock, actor, survey_id))
            case c.RemindList() | c.RemindAdd() | c.RemindCancel():
                self.service.require_manage(actor, await self.service.get(command.survey_id), "manage its reminders")
                return await self._remind(command)
        raise InvalidInput(c.USAGE)

    async def present(self, actor: Actor | None, command: c.Present) -> Reply:
        """The presenter link is a credential: it goes to the organiser by direct message, never in a
        reply that an adapter might post where others read it (a Matrix room). Only the operator's CLI
        (no messenger) gets it in the reply itself."""
        if self.presenter is None:
            return Reply("The presenter page is not enabled here ([present] enabled = true in the config).")
        if command.revoke:
            count = await self.presenter.revoke(actor, command.survey_id)
            return Reply(f"Revoked {count} presenter link(s) of [{command.survey_id}].")
        token = await self.presenter.mint(actor, command.survey_id)
        text = (
            f"Presenter page for [{command.survey_id}] (keep it private; anyone with it sees the results):\n"
            f"{self.present_base_url.rstrip('/')}/present/{token}\n"
            f"It works until {self.presenter.ttl_text} after the close, "
            f"or until `present {command.survey_id} --revoke`."
        )
        messenger = self.delivery.messengers.get(actor.platform) if actor is not None else None
        if actor is None or messenger is None:
            return Reply(text)
        await messenger.send_direct(actor, text)
        return Reply(f"I sent you the presenter link of [{command.survey_id}] in a direct message.")

    async def _poll(self, actor: Actor, target: Target, poll: c.Poll) -> Reply:
        now = self.clock.now()
        spec = SurveySpec(
            title=poll.question,
            questions=(
                QuestionSpec(
                    kind=poll.kind,
                    text=poll.question,
                    options=poll.options,
                    max_selections=poll.max_selections,
                    scale_min=poll.scale_min,
                    scale_max=poll.scale_max,
                    min_label=poll.min_label,
                    max_label=poll.max_label,
                ),
            ),
            targets=(target,),
            results_mode=poll.results_mode,
            k=poll.k if poll.k is not None else self.default_k,
            closes_at=parse_time(poll.closes, self.default_zone, now) if poll.closes else None,
            timezone=self.default_zone,
        )
        return await self._create_and_maybe_open(actor, spec)

    async def _create_and_maybe_open(self, actor: Actor, spec: SurveySpec) -> Reply:
        survey = await self.service.create_survey(actor, spec)
        warning = free_text_preview(survey.questions)
        after = f"\n{warning}" if warning else ""
        if self.service.approvals.needed(survey):  # created through room power alone (bot/approval.py)
            return Reply(f"Created “{survey.title}” [{survey.id}]. {approval_message(survey.id)}{after}")
        if survey.status is Status.DRAFT:
            survey = await self.delivery.open(actor, survey.id)
            return Reply(
                f"Opened “{survey.title}” [{survey.id}]{_closing(survey.closes_at, survey.timezone)}.{after}"
            )
        return Reply(
            f"Scheduled “{survey.title}” [{survey.id}] to open {format_local(survey.opens_at, survey.timezone)}"
            f"{_closing(survey.closes_at, survey.timezone)}.{after}"
        )

    async def _list(self, actor: Actor) -> Reply:
        surveys = await self.service.manageable(actor, [Status.DRAFT, Status.SCHEDULED, Status.OPEN])
        if not surveys:
            return Reply("No open or scheduled surveys that you manage.")
        lines = []
        for survey in surveys:
            progress = await self.service.progress(survey.id)
            waiting = survey.status is not Status.OPEN and not await self.service.approvals.approved(survey)
            lines.append(
                f"[{survey.id}] {survey.title}: {survey.status}"
                + (f" (awaiting approval: `approve {survey.id}`)" if waiting else "")
                + f", {progress.describe()}, "
                f"results {MODE_NAMES[survey.results_mode]}{_closing(survey.closes_at, survey.timezone)}"
            )
        return Reply("\n".join(lines))

    async def _roster_list(self, actor: Actor | None, survey_id: str) -> Reply:
        survey = await self.service.get(survey_id)
        self.service.require_manage(actor, survey, "see its roster")
        people = await self.service.roster(survey.id)
        if not people:
            return Reply(f"Nobody is invited to “{survey.title}” [{survey.id}] yet.")
        # Names of the invited only, to the organiser privately; never who has answered.
        names = ", ".join(p.key for p in people)
        return Reply(f"{len(people)} invited to “{survey.title}” [{survey.id}]: {names}")

    async def _roster_add(self, actor: Actor | None, survey_id: str, users: tuple[str, ...]) -> Reply:
        survey = await self.service.get(survey_id)
        self.service.require_manage(actor, survey, "change its roster")
        people = [_participant(survey, user) for user in users]
        added = await self.service.invite(actor, survey.id, people)
        if survey.status is Status.OPEN:
            for person in added:
                messenger = self.delivery.messengers.get(person.platform)
                if messenger is not None:
                    await messenger.invite_participant(person, survey)
        survey = await self.service.get(survey.id)
        return Reply(
            f"Added {len(added)} to “{survey.title}” [{survey.id}]; {survey.invited_count} invited"
            + (" (the others were already on the list)." if len(added) < len(people) else ".")
        )

    async def _remind(self, command: c.RemindList | c.RemindAdd | c.RemindCancel) -> Reply:
        if self.reminders is None:
            return Reply("Reminders are not available in this process.")
        survey = await self.service.get(command.survey_id)
        if isinstance(command, c.RemindList):
            return Reply(await self.reminders.list_text(survey.id))
        if isinstance(command, c.RemindCancel):
            return Reply(await self.reminders.cancel(survey.id, command.reminder))
        at: datetime | None = parse_time(command.at, survey.timezone, self.clock.now()) if command.at else None
        before = int(parse_duration(command.before_close).total_seconds()) if command.before_close else None
        spec = ReminderSpec(at, before, command.audience, command.message, command.daily)
        return Reply(await self.reminders.add(survey.id, spec))


PLATFORMS = ("slack", "matrix", "console")


def _participant(survey: Survey, user: str) -> Participant:
    """A user as typed: "platform:id", or an id on the survey's one platform."""
    platform, sep, user_id = user.partition(":")
    if sep and platform in PLATFORMS and user_id:
        return Participant(platform, user_id)
    platforms = {t.platform for t in survey.targets}
    if len(platforms) != 1:
        raise InvalidInput(f"write {user!r} as platform:id (this survey runs on {', '.join(sorted(platforms))}).")
    return Participant(platforms.pop(), user)


def _closing(closes_at: datetime | None, zone: str) -> str:
    return f", closing {format_local(closes_at, zone)}" if closes_at else ""


def _with_target(spec: SurveySpec, target: Target) -> SurveySpec:
    from dataclasses import replace

    return replace(spec, targets=(target,))
