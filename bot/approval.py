"""A survey created through room power alone opens only once a configured organiser approved it.

Room power (a Matrix power level) lets its holder create surveys for that room, and such a survey
invites the room's members when it opens. But whoever holds power in a room also chooses its members:
kick the others, keep one victim beside k−1 accounts of one's own, and the result isolates the victim's
answer. So the configured organisers (or the operator) are the ones who let it open: `approve ID`.

Whether a survey needs approval is read from the survey itself (its creator is not a configured
organiser, nor the operator), so a lost flag only keeps a survey closed, never opens one. The approval
is one `bot_state` key under `survey:<id>:`, which the close deletes with the survey's other state:
after the open it no longer matters. Without a state store (tests, embedding) it is kept in memory.
"""

from __future__ import annotations

from bot.domain import Actor, Survey
from bot.errors import NotAuthorised
from bot.ports import StateStore

SYSTEM = "system"  # created_by of a survey the operator created (CLI, actor None)


def state_key(survey_id: str) -> str:
    return f"survey:{survey_id}:approved"


def approval_message(survey_id: str) -> str:
    return f"A configured organiser must approve survey {survey_id}: `approve {survey_id}`."


class AwaitingApproval(NotAuthorised):
    """The survey was created through room power alone and no configured organiser approved it yet."""

    def __init__(self, survey_id: str) -> None:
        super().__init__(approval_message(survey_id))


class Approvals:
    def __init__(self, state: StateStore | None, organisers: frozenset[str]) -> None:
        self._state = state
        self._organisers = organisers
        self._approved: set[str] = set()  # this process's own approvals (all of them, without a store)

    def needed(self, survey: Survey) -> bool:
        return survey.created_by != SYSTEM and survey.created_by not in self._organisers

    async def approved(self, survey: Survey) -> bool:
        if not self.needed(survey) or survey.id in self._approved:
            return True
        return self._state is not None and await self._state.get_state(state_key(survey.id)) == "1"

    async def approve(self, actor: Actor | None, survey: Survey) -> None:
        """Only a configured organiser (or the operator, actor None) approves."""
        if actor is not None and actor.key not in self._organisers:
            raise NotAuthorised(f"Only the configured organisers can approve survey {survey.id}.")
        if not self.needed(survey) or survey.id in self._approved:
            return
        self._approved.add(survey.id)
        if self._state is not None:
            await self._state.set_state(state_key(survey.id), "1")

    async def require(self, actor: Actor | None, survey: Survey) -> None:
        """Before a survey opens. A configured organiser's own `open` approves it; the creator's own, or
        the scheduler's at `opens_at`, waits for an approval."""
        if actor is not None and actor.key in self._organisers:
            await self.approve(actor, survey)
            return
        if not await self.approved(survey):
            raise AwaitingApproval(survey.id)
