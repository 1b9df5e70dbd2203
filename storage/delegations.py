"""Delegations of an open survey (bot/delegations.py): who answers for which delegation.

The rows hold participant ids and delegation names, like the roster, and are deleted at close with it
(storage/sealing.py). Members also go into the roster, so invitations and "who is invited" work as
for persons; the slots themselves are derived from the delegation's name under the survey key.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import Delegation, Participant
from storage.base import RepositoryBase, roster
from storage.tables import DelegationMemberRow

members = DelegationMemberRow.__table__  # type: ignore[attr-defined]


class DelegationRows(RepositoryBase):
    async def set_delegations(self, survey_id: str, delegations: Sequence[Delegation]) -> None:
        """Replace the survey's delegations and its roster (every member) in one transaction."""
        rows = [
            {"survey_id": survey_id, "platform": p.platform, "user_id": p.user_id, "delegation": d.name}
            for d in delegations
            for p in d.members
        ]
        async with self.engine.begin() as conn:
            await conn.execute(delete(members).where(members.c.survey_id == survey_id))
            await conn.execute(delete(roster).where(roster.c.survey_id == survey_id))
            if rows:
                await conn.execute(insert(members), rows)
                await conn.execute(
                    insert(roster), [{k: r[k] for k in ("survey_id", "platform", "user_id")} for r in rows]
                )

    async def delegations(self, survey_id: str) -> list[Delegation]:
        async with self.reader.connect() as conn:
            rows = (
                await conn.execute(
                    select(members.c.delegation, members.c.platform, members.c.user_id)
                    .where(members.c.survey_id == survey_id)
                    .order_by(members.c.delegation, members.c.platform, members.c.user_id)
                )
            ).all()
        grouped: dict[str, list[Participant]] = {}
        for name, platform, user_id in rows:
            grouped.setdefault(name, []).append(Participant(platform, user_id))
        return [Delegation(name, tuple(people)) for name, people in grouped.items()]

    async def delegation_of(self, survey_id: str, participant: Participant) -> str | None:
        async with self.reader.connect() as conn:
            name: str | None = await conn.scalar(
                select(members.c.delegation).where(
                    members.c.survey_id == survey_id,
                    members.c.platform == participant.platform,
                    members.c.user_id == participant.user_id,
                )
            )
            return name


async def delegation_counts(conn: AsyncConnection, survey_ids: Sequence[str]) -> dict[str, int]:
    """How many delegations each of these surveys has."""
    rows = await conn.execute(
        select(members.c.survey_id, func.count(func.distinct(members.c.delegation)))
        .where(members.c.survey_id.in_(survey_ids))
        .group_by(members.c.survey_id)
    )
    return {sid: int(n) for sid, n in rows}
