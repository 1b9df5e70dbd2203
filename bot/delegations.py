"""Delegations: a survey's respondents as named groups of members (issue 13).

A delegation answers as one respondent. At the entry point (bot/answering.py) a member becomes their
delegation's identity, the HMAC of its name under the survey key (bot/anonymity.py), and every slot
(ballots, the responded marker, the draft) is derived from that: the member id goes no further, and
the member → delegation list is held like the roster and deleted at close. Anonymity and k then hold
between delegations; within one, members share the draft and are told who submitted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from bot import anonymity
from bot.domain import Delegation, Participant, Survey, SurveySpec
from bot.errors import InvalidInput, NotInvited
from bot.events import DelegationSubmitted, Event, EventBus
from bot.ports import Messenger, SurveyRepository

log = logging.getLogger(__name__)

MAX_NAME = 100

COLLEAGUE_SAVED = (
    "Someone else in your delegation saved this draft since you opened it; your save is now the draft "
    "(latest save wins), so check it before you submit."
)


def delegation_problems(delegations: Sequence[Delegation]) -> Iterator[InvalidInput]:
    """Every problem with a survey's delegations, each naming the field at fault."""
    if not delegations:
        yield InvalidInput("a survey by delegation needs at least one delegation", "delegations")
    names: dict[str, int] = {}
    members: dict[Participant, int] = {}
    for i, delegation in enumerate(delegations):
        name = delegation.name.strip()
        if not name:
            yield InvalidInput("a delegation needs a name", f"delegations[{i}].name")
        elif len(name) > MAX_NAME:
            yield InvalidInput(f"a delegation's name is at most {MAX_NAME} characters", f"delegations[{i}].name")
        elif name.casefold() in names:
            yield InvalidInput(
                f"delegation {name!r} is named twice (also delegation {names[name.casefold()] + 1})",
                f"delegations[{i}].name",
            )
        else:
            names[name.casefold()] = i
        if not delegation.members:
            yield InvalidInput(f"delegation {name!r} has no members", f"delegations[{i}].members")
        for j, member in enumerate(delegation.members):
            if member in members and members[member] != i:
                other = delegations[members[member]].name
                yield InvalidInput(
                    f"{member.key} is already a member of delegation {other!r}; a member may be in one "
                    "delegation of a survey only",
                    f"delegations[{i}].members[{j}]",
                )
            members.setdefault(member, i)


def delegation_warnings(spec: SurveySpec) -> Iterator[InvalidInput]:
    """Legal but surely not meant: fewer delegations than k can never show a result."""
    if spec.delegations and len(spec.delegations) < spec.k:
        yield InvalidInput(
            f"only {len(spec.delegations)} delegations, but results need at least {spec.k} (k counts "
            "delegations): nothing will ever be shown",
            "min_respondents",
        )


def check_delegations(spec: SurveySpec) -> SurveySpec:
    """The spec with its delegations checked (InvalidInput on the first problem) and tidied: names
    stripped, members without repeats. For callers that did not read a file (the Slack builder)."""
    if spec.roster is not None:
        raise InvalidInput("give either a roster or delegations, not both", "delegations")
    given = spec.delegations or ()
    for problem in delegation_problems(given):
        raise problem
    tidy = tuple(Delegation(d.name.strip(), tuple(dict.fromkeys(d.members))) for d in given)
    return replace(spec, delegations=tidy)


async def respondent(
    repo: SurveyRepository, survey: Survey, key: bytes, participant: Participant
) -> tuple[Participant, str | None]:
    """Who answers when this participant acts: themselves, or their delegation's identity (and its name).
    A delegation is found only from the member's own id, so nobody can name another one."""
    if not survey.by_delegation:
        return participant, None
    name = await repo.delegation_of(survey.id, participant)
    if name is None:
        raise NotInvited(survey.title)
    return anonymity.delegation_identity(key, name), name


async def respondents(repo: SurveyRepository, survey: Survey, key: bytes) -> list[Participant]:
    """Every respondent's identity: the roster, or one per delegation."""
    if not survey.by_delegation:
        return await repo.roster(survey.id)
    return [anonymity.delegation_identity(key, d.name) for d in await repo.delegations(survey.id)]


async def non_respondents(
    repo: SurveyRepository, survey: Survey, key: bytes, responded: set[bytes]
) -> list[Participant]:
    """Who gets a reminder: roster members without a marker, or every member of each delegation without
    one. Worked out when a reminder fires and never stored."""
    if not survey.by_delegation:
        return [p for p in await repo.roster(survey.id) if anonymity.responded_slot(key, p) not in responded]
    return [
        member
        for d in await repo.delegations(survey.id)
        if anonymity.responded_slot(key, anonymity.delegation_identity(key, d.name)) not in responded
        for member in d.members
    ]


@dataclass(frozen=True)
class DraftSaved:
    """What saving a draft tells the editor: how many answers it holds, and whether a colleague of their
    delegation saved it since they opened it (their save replaced that one)."""

    count: int
    colleague_saved: bool = False

    @property
    def note(self) -> str:
        return COLLEAGUE_SAVED if self.colleague_saved else ""


class DraftVersions:
    """The draft version each member last saw, kept in memory under the member's own HMAC pseudonym: it
    is no answer and is never stored, and a survey's entries go when it closes. After a restart the first
    save of each member is not checked."""

    def __init__(self) -> None:
        self._seen: dict[str, dict[bytes, int]] = {}

    def opened(self, survey_id: str, member: bytes, version: int, replace: bool) -> None:
        seen = self._seen.setdefault(survey_id, {})
        if replace or member not in seen:
            seen[member] = version

    def saved(self, survey_id: str, member: bytes, version: int) -> bool:
        """Record a save that made `version`; True if someone else saved since this member last looked."""
        seen = self._seen.setdefault(survey_id, {})
        before = seen.get(member)
        seen[member] = version
        return before is not None and before != version - 1

    def submitted(self, survey_id: str, submitter: bytes, colleagues: Sequence[bytes]) -> None:
        """A submission deleted the draft, so the next save makes version 1: the submitter saw that empty
        draft; a colleague who had looked at the old one is told on their next save (unless they reopen)."""
        seen = self._seen.setdefault(survey_id, {})
        seen[submitter] = 0
        for colleague in colleagues:
            if colleague in seen:
                seen[colleague] = -1

    def forget(self, survey_id: str) -> None:
        self._seen.pop(survey_id, None)


def submitted_text(event: DelegationSubmitted) -> str:
    who = f"{event.by.user_id} ({event.by.platform})"
    return (
        f"“{event.title}”: {who} submitted the answers of your delegation, {event.delegation}. "
        "Members of a delegation are told who submitted (that is wanted); other delegations are not. "
        "Any member can still open the draft, change it and submit again until the survey closes."
    )


class MessengerLookup(Protocol):
    """What DelegationNotices needs of the registry of platforms (bot.delivery.Messengers)."""

    def get(self, platform: str) -> Messenger | None: ...


class DelegationNotices:
    """Tells a delegation's other members, privately, that its answers were submitted and by whom."""

    def __init__(self, events: EventBus, messengers: MessengerLookup) -> None:
        self._messengers = messengers
        self._sending: set[asyncio.Task[None]] = set()
        events.subscribe(self._on_event)

    async def _on_event(self, event: Event) -> None:
        if isinstance(event, DelegationSubmitted):
            # After the submit has returned: a slow platform must not hold up the submitter's answer.
            task = asyncio.create_task(self._send(event))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def settle(self) -> None:
        """Wait for the notices under way (tests, and a clean shutdown)."""
        while self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)

    async def _send(self, event: DelegationSubmitted) -> None:
        text = submitted_text(event)
        for colleague in event.colleagues:
            messenger = self._messengers.get(colleague.platform)
            if messenger is None:
                continue
            try:
                await messenger.send_direct(colleague, text, event.survey_id)
            except Exception as error:  # one member's platform failing must not keep the others uninformed
                log.warning("survey %s: a delegation notice failed (%s)", event.survey_id, type(error).__name__)
