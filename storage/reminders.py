"""`bot.scheduling.ports.ReminderStore` in SQL: the reminders outbox, claimed with UPDATE … RETURNING.

The claim is one statement, so two replicas (or two processes on one SQLite file) can never both
win it: the loser's WHERE no longer matches. SQLite has RETURNING since 3.35; PostgreSQL always had it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain import ResultsMode, Status
from bot.scheduling.ports import Audience, Kind, NewReminder, ReminderRecord, ReminderStatus
from storage.base import from_db_time, to_db_time
from storage.tables import ReminderRow, SurveyRow

reminders = ReminderRow.__table__  # type: ignore[attr-defined]
surveys = SurveyRow.__table__  # type: ignore[attr-defined]

PENDING = str(ReminderStatus.PENDING)
SENDING = str(ReminderStatus.SENDING)


def _record(row: Any) -> ReminderRecord:
    next_fire = from_db_time(row.next_fire_at)
    assert next_fire is not None
    return ReminderRecord(
        id=row.id,
        survey_id=row.survey_id,
        kind=Kind(row.kind),
        number=row.number,
        at=from_db_time(row.at),
        before_close_seconds=row.before_close_seconds,
        recurring=bool(row.recurring),
        audience=Audience(row.audience),
        message=row.message,
        status=ReminderStatus(row.status),
        next_fire_at=next_fire,
        claimed_by=row.claimed_by,
        claimed_until=from_db_time(row.claimed_until),
        sent_at=from_db_time(row.sent_at),
        fired_count=row.fired_count,
        note=row.note,
    )


def results_id(survey_id: str) -> str:
    # A fixed id per survey: the primary key itself guarantees one results post per survey.
    return f"results-{survey_id}"


class SqlReminderStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def add(self, rows: Sequence[NewReminder]) -> list[ReminderRecord]:
        for attempt in range(3):
            try:
                return await self._add(rows)
            except IntegrityError:
                # Two replicas numbered a reminder of the same survey at once (PostgreSQL); take the next.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _add(self, rows: Sequence[NewReminder]) -> list[ReminderRecord]:
        ids: list[str] = []
        async with self.engine.begin() as conn:
            numbers: dict[str, int] = {}
            for row in rows:
                number: int | None = None
                if row.kind is Kind.REMINDER:
                    if row.survey_id not in numbers:
                        numbers[row.survey_id] = int(
                            await conn.scalar(
                                select(func.coalesce(func.max(reminders.c.number), 0)).where(
                                    reminders.c.survey_id == row.survey_id
                                )
                            )
                            or 0
                        )
                    numbers[row.survey_id] += 1
                    number = numbers[row.survey_id]
                reminder_id = uuid.uuid4().hex
                ids.append(reminder_id)
                await conn.execute(
                    insert(reminders).values(
                        id=reminder_id,
                        survey_id=row.survey_id,
                        kind=str(row.kind),
                        number=number,
                        at=to_db_time(row.at),
                        before_close_seconds=row.before_close_seconds,
                        recurring=row.recurring,
                        audience=str(row.audience),
                        message=row.message,
                        status=PENDING,
                        next_fire_at=to_db_time(row.next_fire_at),
                        fired_count=0,
                        note="",
                    )
                )
            result = await conn.execute(select(reminders).where(reminders.c.id.in_(ids)))
            by_id = {r.id: _record(r) for r in result}
        return [by_id[i] for i in ids]

    async def ensure_results(self, survey_id: str, due: datetime) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                self._insert(reminders)
                .values(
                    id=results_id(survey_id),
                    survey_id=survey_id,
                    kind=str(Kind.RESULTS),
                    recurring=False,
                    audience=str(Audience.CHANNEL),
                    message="",
                    status=PENDING,
                    next_fire_at=to_db_time(due),
                    fired_count=0,
                    note="",
                )
                .on_conflict_do_nothing(index_elements=["id"])
            )
            return bool(result.rowcount == 1)

    async def surveys_missing_results(self) -> list[str]:
        queued = select(reminders.c.survey_id).where(reminders.c.kind == str(Kind.RESULTS))
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(surveys.c.id).where(
                    surveys.c.status == str(Status.CLOSED),
                    surveys.c.results_mode != str(ResultsMode.ORGANISERS),
                    surveys.c.id.not_in(queued),
                )
            )
            return [survey_id for (survey_id,) in rows]

    async def _select(self, *conditions: Any, order: Any = None) -> list[ReminderRecord]:
        query = select(reminders).where(*conditions)
        query = query.order_by(*(order if order is not None else (reminders.c.next_fire_at, reminders.c.id)))
        async with self.engine.connect() as conn:
            return [_record(r) for r in await conn.execute(query)]

    async def list_for_survey(self, survey_id: str, kind: Kind | None = None) -> list[ReminderRecord]:
        conditions = [reminders.c.survey_id == survey_id]
        if kind is not None:
            conditions.append(reminders.c.kind == str(kind))
        return await self._select(
            *conditions, order=(reminders.c.number, reminders.c.next_fire_at, reminders.c.id)
        )

    async def get(self, reminder_id: str) -> ReminderRecord | None:
        found = await self._select(reminders.c.id == reminder_id)
        return found[0] if found else None

    async def by_number(self, survey_id: str, number: int) -> ReminderRecord | None:
        found = await self._select(reminders.c.survey_id == survey_id, reminders.c.number == number)
        return found[0] if found else None

    async def active(self) -> list[ReminderRecord]:
        return await self._select(reminders.c.status.in_([PENDING, SENDING]))

    def _claimable(self, now: datetime) -> Any:
        return or_(
            and_(reminders.c.status == PENDING, reminders.c.next_fire_at <= to_db_time(now)),
            and_(reminders.c.status == SENDING, reminders.c.claimed_until < to_db_time(now)),
        )

    async def due(self, now: datetime) -> list[ReminderRecord]:
        return await self._select(self._claimable(now))

    async def claim(
        self, reminder_id: str, owner: str, now: datetime, lease_until: datetime
    ) -> ReminderRecord | None:
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    update(reminders)
                    .where(reminders.c.id == reminder_id, self._claimable(now))
                    .values(status=SENDING, claimed_by=owner, claimed_until=to_db_time(lease_until))
                    .returning(*reminders.c)
                )
            ).first()
        return _record(row) if row is not None else None

    async def renew(self, reminder_id: str, owner: str, lease_until: datetime) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(reminders)
                .where(
                    reminders.c.id == reminder_id,
                    reminders.c.status == SENDING,
                    reminders.c.claimed_by == owner,
                )
                .values(claimed_until=to_db_time(lease_until))
            )
            return bool(result.rowcount == 1)

    async def finish(
        self,
        reminder_id: str,
        owner: str,
        status: ReminderStatus,
        now: datetime,
        next_fire_at: datetime | None = None,
        note: str = "",
    ) -> bool:
        async with self.engine.begin() as conn:
            return await self.finish_in(conn, reminder_id, owner, status, now, next_fire_at, note)

    async def finish_in(
        self,
        conn: AsyncConnection,
        reminder_id: str,
        owner: str,
        status: ReminderStatus,
        now: datetime,
        next_fire_at: datetime | None = None,
        note: str = "",
    ) -> bool:
        """`finish` inside a caller's transaction (a test sink records its deliveries in the same one)."""
        values: dict[str, Any] = {
            "status": str(status),
            "claimed_by": None,
            "claimed_until": None,
            "note": note,
        }
        if status in (ReminderStatus.SENT, ReminderStatus.PENDING):
            values["fired_count"] = reminders.c.fired_count + 1
            values["sent_at"] = to_db_time(now)
        if next_fire_at is not None:
            values["next_fire_at"] = to_db_time(next_fire_at)
        result = await conn.execute(
            update(reminders)
            .where(
                reminders.c.id == reminder_id, reminders.c.status == SENDING, reminders.c.claimed_by == owner
            )
            .values(**values)
        )
        return bool(result.rowcount == 1)

    async def set_status(
        self, reminder_id: str, status: ReminderStatus, next_fire_at: datetime | None = None, note: str = ""
    ) -> bool:
        values: dict[str, Any] = {"status": str(status), "note": note}
        if next_fire_at is not None:
            values["next_fire_at"] = to_db_time(next_fire_at)
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(reminders)
                .where(reminders.c.id == reminder_id, reminders.c.status != SENDING)
                .values(**values)
            )
            return bool(result.rowcount == 1)
