"""Survey rows: the survey, its questions, targets and roster."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import Participant, Question, QuestionKind, ResultsMode, Status, Survey, Target
from bot.errors import NotFound
from storage.base import (
    RepositoryBase,
    from_db_time,
    questions,
    roster,
    survey_keys,
    surveys,
    targets,
    to_db_time,
)
from storage.delegations import delegation_counts


class SurveyRows(RepositoryBase):
    async def add_survey(self, survey: Survey, key_salt: bytes) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(surveys).values(
                    id=survey.id,
                    title=survey.title,
                    description=survey.description,
                    status=str(survey.status),
                    results_mode=str(survey.results_mode),
                    k=survey.k,
                    opens_at=to_db_time(survey.opens_at),
                    closes_at=to_db_time(survey.closes_at),
                    timezone=survey.timezone,
                    created_by=survey.created_by,
                    by_delegation=survey.by_delegation,
                )
            )
            await conn.execute(insert(survey_keys).values(survey_id=survey.id, key_salt=key_salt))
            await conn.execute(
                insert(questions),
                [
                    {
                        "id": q.id,
                        "survey_id": survey.id,
                        "position": q.position,
                        "kind": str(q.kind),
                        "text": q.text,
                        "options": json.dumps(list(q.options), ensure_ascii=False),
                        "max_selections": q.max_selections,
                        "scale_min": q.scale_min,
                        "scale_max": q.scale_max,
                        "min_label": q.min_label,
                        "max_label": q.max_label,
                        "required": q.required,
                        "grid_rows": json.dumps(list(q.rows), ensure_ascii=False),
                        "categories": json.dumps(list(q.categories), ensure_ascii=False),
                        "max_entries": q.max_entries,
                    }
                    for q in survey.questions
                ],
            )
            if survey.targets:
                await conn.execute(
                    insert(targets),
                    [{"survey_id": survey.id, "platform": t.platform, "channel": t.channel} for t in survey.targets],
                )

    async def _load(self, conn: AsyncConnection, rows: Sequence[Any]) -> list[Survey]:
        if not rows:
            return []
        ids = [row.id for row in rows]
        question_rows = (
            await conn.execute(select(questions).where(questions.c.survey_id.in_(ids)).order_by(questions.c.position))
        ).all()
        target_rows = (await conn.execute(select(targets).where(targets.c.survey_id.in_(ids)))).all()
        invited: dict[str, int] = dict(
            (
                await conn.execute(
                    select(roster.c.survey_id, func.count())
                    .where(roster.c.survey_id.in_(ids))
                    .group_by(roster.c.survey_id)
                )
            ).all()
        )
        delegated = [row.id for row in rows if row.by_delegation and row.invited_at_close is None]
        if delegated:  # delegation surveys count delegations, not members (storage/delegations.py)
            invited.update(await delegation_counts(conn, delegated))
        by_survey: dict[str, list[Question]] = {i: [] for i in ids}
        for q in question_rows:
            by_survey[q.survey_id].append(
                Question(
                    id=q.id,
                    position=q.position,
                    kind=QuestionKind(q.kind),
                    text=q.text,
                    options=tuple(json.loads(q.options)),
                    max_selections=q.max_selections,
                    scale_min=q.scale_min,
                    scale_max=q.scale_max,
                    min_label=q.min_label,
                    max_label=q.max_label,
                    required=q.required,
                    rows=tuple(json.loads(q.grid_rows)),
                    categories=tuple(json.loads(q.categories)),
                    max_entries=q.max_entries,
                )
            )
        targets_by: dict[str, list[Target]] = {i: [] for i in ids}
        for t in target_rows:
            targets_by[t.survey_id].append(Target(t.platform, t.channel))
        return [
            Survey(
                id=row.id,
                title=row.title,
                status=Status(row.status),
                questions=tuple(by_survey[row.id]),
                targets=tuple(sorted(targets_by[row.id], key=lambda t: (t.platform, t.channel))),
                results_mode=ResultsMode(row.results_mode),
                k=row.k,
                opens_at=from_db_time(row.opens_at),
                closes_at=from_db_time(row.closes_at),
                timezone=row.timezone,
                created_by=row.created_by,
                description=row.description,
                respondents_at_close=row.respondents_at_close,
                invited_count=invited.get(row.id, 0) if row.invited_at_close is None else row.invited_at_close,
                by_delegation=bool(row.by_delegation),
            )
            for row in rows
        ]

    async def get_survey(self, survey_id: str) -> Survey:
        async with self.reader.connect() as conn:
            rows = (await conn.execute(select(surveys).where(surveys.c.id == survey_id))).all()
            loaded = await self._load(conn, rows)
        if not loaded:
            raise NotFound(f"There is no survey with id {survey_id!r}.")
        return loaded[0]

    async def list_surveys(
        self, statuses: Sequence[Status] | None = None, created_by: str | None = None
    ) -> list[Survey]:
        query = select(surveys).order_by(surveys.c.opens_at, surveys.c.id)
        if statuses is not None:
            query = query.where(surveys.c.status.in_([str(s) for s in statuses]))
        if created_by is not None:
            query = query.where(surveys.c.created_by == created_by)
        async with self.reader.connect() as conn:
            return await self._load(conn, (await conn.execute(query)).all())

    async def transition(self, survey_id: str, from_statuses: Sequence[Status], to: Status) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(surveys)
                .where(surveys.c.id == survey_id, surveys.c.status.in_([str(s) for s in from_statuses]))
                .values(status=str(to))
            )
            return result.rowcount == 1

    async def set_times(self, survey_id: str, opens_at: datetime | None, closes_at: datetime | None) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(surveys)
                .where(surveys.c.id == survey_id)
                .values(opens_at=to_db_time(opens_at), closes_at=to_db_time(closes_at))
            )

    async def key_salt(self, survey_id: str) -> bytes | None:
        async with self.reader.connect() as conn:
            salt: bytes | None = await conn.scalar(
                select(survey_keys.c.key_salt).where(survey_keys.c.survey_id == survey_id)
            )
            return salt

    async def set_target_ref(self, survey_id: str, target: Target, message_ref: str | None) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(targets)
                .where(
                    targets.c.survey_id == survey_id,
                    targets.c.platform == target.platform,
                    targets.c.channel == target.channel,
                )
                .values(message_ref=message_ref)
            )

    async def target_ref(self, survey_id: str, target: Target) -> str | None:
        async with self.reader.connect() as conn:
            ref: str | None = await conn.scalar(
                select(targets.c.message_ref).where(
                    targets.c.survey_id == survey_id,
                    targets.c.platform == target.platform,
                    targets.c.channel == target.channel,
                )
            )
            return ref

    async def set_roster(self, survey_id: str, participants: Sequence[Participant]) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(roster).where(roster.c.survey_id == survey_id))
            if participants:
                await conn.execute(
                    insert(roster),
                    [{"survey_id": survey_id, "platform": p.platform, "user_id": p.user_id} for p in participants],
                )

    async def roster(self, survey_id: str) -> list[Participant]:
        async with self.reader.connect() as conn:
            rows = (
                await conn.execute(
                    select(roster.c.platform, roster.c.user_id)
                    .where(roster.c.survey_id == survey_id)
                    .order_by(roster.c.platform, roster.c.user_id)
                )
            ).all()
        return [Participant(platform, user_id) for platform, user_id in rows]
