"""Who is invited when a roster is taken from a channel's members (issue 11; issue 16's "the chair is not a
respondent by default").

"N of M invited" should count the people who can answer. By default the survey's creator and the configured
organisers are left out (they run the survey, and a facilitator who posts the charts is one of them); bots
are left out by each adapter's channel_members, which alone can tell a bot. An organiser includes them with
`include_organisers = true` in the survey file, or adds anyone with `roster ID add`. The one rule lives here
and is applied by bot.delivery to every platform's members.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import Participant, Survey
from bot.ports import StateStore


def state_key(survey_id: str) -> str:
    # Under `survey:<id>:`, so the close deletes it with the survey's other state.
    return f"survey:{survey_id}:include_organisers"


def answering_members(
    members: Sequence[Participant], survey: Survey, organisers: frozenset[str], include_organisers: bool = False
) -> list[Participant]:
    """The members who count as invited: without the creator and the configured organisers, unless included."""
    if include_organisers:
        return list(members)
    running = {*organisers, survey.created_by}
    return [m for m in members if m.key not in running]


class RosterRule:
    """Remembers a survey's choice from creation to its open (which may be days later, on another replica)."""

    def __init__(self, state: StateStore | None, organisers: frozenset[str]) -> None:
        self._state = state
        self._organisers = organisers

    async def remember(self, survey_id: str, include_organisers: bool) -> None:
        if include_organisers and self._state is not None:
            await self._state.set_state(state_key(survey_id), "1")

    async def members(self, survey: Survey, members: Sequence[Participant]) -> list[Participant]:
        include = self._state is not None and await self._state.get_state(state_key(survey.id)) == "1"
        return answering_members(members, survey, self._organisers, include)
