"""The SQL repository: maps rows to domain objects and implements `bot.ports.SurveyRepository`."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain import Participant, Question, QuestionKind, ResultsMode, Status, Survey, Target
from bot.errors import NotFound
from bot.ports import BallotWrite, LiveSnapshot, LiveStep, LiveView, SubmitOutcome
from storage import eligibility
from storage.ballot_writer import BallotWriter, Submission
from storage.eligibility import EligibilityStore
from storage.engine import create_read_engine
from storage.live_store import LiveStore, freeze_at_close
from storage.tables import (
    BallotRow,
    DraftRow,
    LiveResultRow,
    QuestionRow,
    RespondedRow,
    RosterRow,
    SealedBallotRow,
    SeenEventRow,
    StateRow,
    SurveyRow,
    TargetRow,
)

surveys = SurveyRow.__table__  # type: ignore[attr-defined]
questions = QuestionRow.__table__  # type: ignore[attr-defined]
targets = TargetRow.__table__  # type: ignore[attr-defined]
roster = RosterRow.__table__  # type: ignore[attr-defined]
ballots = BallotRow.__table__  # type: ignore[attr-defined]
sealed = SealedBallotRow.__table__  # type: ignore[attr-defined]
responded = RespondedRow.__table__  # type: ignore[attr-defined]
drafts = DraftRow.__table__  # type: ignore[attr-defined]
live = LiveResultRow.__table__  # type: ignore[attr-defined]
state = StateRow.__table__  # type: ignore[attr-defined]
seen = SeenEventRow.__table__  # type: ignore[attr-defined]

# Tables that held slots or participant ids, rewritten into fresh files after a close on PostgreSQL.
SCRUBBED_TABLES = ("ballots", "responded", "drafts", "roster", "eligible", "published_ballots")


def to_db_time(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment else None


def from_db_time(moment: datetime | None) -> datetime | None:
    # SQLModel's UTCDateTime already returns aware UTC; SQLite rows written by hand may be naive.
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def _count(conn: AsyncConnection, table: Any, survey_id: str) -> int:
    count = await conn.scalar(select(func.count()).select_from(table).where(table.c.survey_id == survey_id))
    return int(count or 0)


class SqlRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        self._writer = BallotWriter(engine, self._insert)
        # Reads go through their own pool on SQLite (see create_read_engine); writes keep one writer.
        self._read_engine = create_read_engine(engine.url.render_as_string(hide_password=False))
        self.reader = self._read_engine or engine
        self._eligibility = EligibilityStore(engine, self._insert)
        self._live = LiveStore(engine, self._insert, self.reader)

    async def dispose(self) -> None:
        if self._read_engine is not None:
            await self._read_engine.dispose()
        await self.engine.dispose()

    # -- surveys ---------------------------------------------------------------------------------

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
                    key_salt=key_salt,
                )
            )
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
        invited = dict(
            (
                await conn.execute(
                    select(roster.c.survey_id, func.count())
                    .where(roster.c.survey_id.in_(ids))
                    .group_by(roster.c.survey_id)
                )
            ).all()
        )
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
            salt: bytes | None = await conn.scalar(select(surveys.c.key_salt).where(surveys.c.id == survey_id))
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

    # -- roster ----------------------------------------------------------------------------------

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

    # -- eligibility (storage/eligibility.py, owned by the core) ----------------------------------

    async def set_eligible(self, survey_id: str, slots: Sequence[bytes]) -> None:
        await self._eligibility.set_eligible(survey_id, slots)

    async def add_to_roster(self, survey_id: str, people: Sequence[tuple[Participant, bytes]]) -> int:
        return await self._eligibility.add_to_roster(survey_id, people)

    async def is_eligible(self, survey_id: str, slot: bytes) -> bool:
        return await self._eligibility.is_eligible(survey_id, slot)

    # -- live snapshots (storage/live_store.py, owned by the core) --------------------------------

    async def live_view(self, survey_id: str) -> LiveView | None:
        return await self._live.view(survey_id)

    async def publish_live(
        self, survey_id: str, question_ids: Sequence[str], k: int, build: Callable[[LiveStep], str]
    ) -> int | None:
        return await self._live.publish(survey_id, question_ids, k, build)

    async def consume_live_hint(self, survey_id: str, consumed: int) -> None:
        await self._live.consume_hint(survey_id, consumed)

    # -- answering -------------------------------------------------------------------------------

    async def _is_open(self, conn: AsyncConnection, survey_id: str) -> bool:
        query = select(surveys.c.status).where(surveys.c.id == survey_id)
        if self.dialect == "postgresql":
            # Holds off a concurrent close until this submission is committed, or sees it closed.
            query = query.with_for_update(read=True)
        return await conn.scalar(query) == str(Status.OPEN)

    async def submit(
        self,
        survey_id: str,
        ballots_: Sequence[BallotWrite],
        marker_slot: bytes,
        draft_slot: bytes | None,
        count_live: bool = False,
    ) -> SubmitOutcome:
        return await self._writer.submit(Submission(survey_id, ballots_, marker_slot, draft_slot, count_live))

    async def save_draft(self, survey_id: str, draft_slot: bytes, payload: str) -> bool:
        async with self.engine.begin() as conn:
            if not await self._is_open(conn, survey_id):
                return False
            stmt = self._insert(drafts).values(survey_id=survey_id, slot=draft_slot, payload=payload)
            await conn.execute(
                stmt.on_conflict_do_update(index_elements=["survey_id", "slot"], set_={"payload": payload})
            )
            return True

    async def load_draft(self, survey_id: str, draft_slot: bytes) -> str | None:
        async with self.reader.connect() as conn:
            payload: str | None = await conn.scalar(
                select(drafts.c.payload).where(drafts.c.survey_id == survey_id, drafts.c.slot == draft_slot)
            )
            return payload

    async def responded_slots(self, survey_id: str) -> set[bytes]:
        async with self.reader.connect() as conn:
            rows = await conn.execute(select(responded.c.slot).where(responded.c.survey_id == survey_id))
            return {bytes(slot) for (slot,) in rows}

    async def respondent_count(self, survey_id: str) -> int:
        async with self.reader.connect() as conn:
            return await _count(conn, responded, survey_id)

    async def answer_counts(self, question_id: str, sealed_: bool) -> list[tuple[str, int]]:
        table = sealed if sealed_ else ballots
        async with self.reader.connect() as conn:
            rows = await conn.execute(
                select(table.c.answer, func.count()).where(table.c.question_id == question_id).group_by(table.c.answer)
            )
            return [(answer, int(count)) for answer, count in rows]

    # -- close -----------------------------------------------------------------------------------

    async def seal(self, survey_id: str) -> bool:
        async with self.engine.begin() as conn:
            # The status flip comes first: it takes the row lock that submissions wait on.
            flipped = await conn.execute(
                update(surveys)
                .where(surveys.c.id == survey_id, surveys.c.status != str(Status.CLOSED))
                .values(status=str(Status.CLOSED), key_salt=None)
            )
            if flipped.rowcount != 1:
                return False
            await conn.execute(
                update(surveys)
                .where(surveys.c.id == survey_id)
                .values(
                    respondents_at_close=await _count(conn, responded, survey_id),
                    invited_at_close=await _count(conn, roster, survey_id),
                )
            )
            question_ids = select(questions.c.id).where(questions.c.survey_id == survey_id).scalar_subquery()
            # -- core (issue 10): before the ballots lose their slots, settle what the final output of
            # a live survey may show, and erase the live per-ballot history.
            k = int(await conn.scalar(select(surveys.c.k).where(surveys.c.id == survey_id)) or 0)
            qids = list(await conn.scalars(select(questions.c.id).where(questions.c.survey_id == survey_id)))
            await freeze_at_close(conn, survey_id, qids, k, self.dialect == "postgresql")
            rows = [
                {"question_id": qid, "answer": answer}
                for qid, answer in await conn.execute(
                    select(ballots.c.question_id, ballots.c.answer).where(ballots.c.question_id.in_(question_ids))
                )
            ]
            # Fresh random ids in a random order: neither reveals the order of voting.
            secrets.SystemRandom().shuffle(rows)
            for row in rows:
                row["id"] = str(uuid.uuid4())
            await conn.execute(delete(ballots).where(ballots.c.question_id.in_(question_ids)))
            if rows:
                await conn.execute(insert(sealed), rows)
            for table in (responded, drafts, roster, live):
                await conn.execute(delete(table).where(table.c.survey_id == survey_id))
            # -- core's rows (issue 10): the eligibility slots go with the markers.
            await eligibility.delete_for(conn, survey_id)
        await self._scrub_files()
        return True

    async def _scrub_files(self) -> None:
        """Make sure the deleted slots and ids are gone from the files, not only from the live rows."""
        if self.dialect == "sqlite":
            async with self.engine.connect() as conn:
                raw = await conn.execution_options(no_transaction=True)
                # secure_delete zeroed the freed cells; truncating the WAL drops the old page images.
                await raw.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif self.dialect == "postgresql":
            # VACUUM FULL writes each table into a new file and drops the old one, with the dead tuples.
            async with self.engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                for table in SCRUBBED_TABLES:
                    await autocommit.execute(text(f"VACUUM FULL {table}"))

    # -- live results ----------------------------------------------------------------------------

    async def live_snapshot(self, survey_id: str) -> LiveSnapshot | None:
        async with self.reader.connect() as conn:
            query = select(live.c.payload, live.c.submissions_since).where(live.c.survey_id == survey_id)
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return LiveSnapshot(row.payload, row.submissions_since)

    async def store_live_snapshot(self, survey_id: str, payload: str, consumed: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(live)
                .where(live.c.survey_id == survey_id)
                .values(payload=payload, submissions_since=live.c.submissions_since - consumed)
            )


class SqlStateStore:
    """`bot.ports.StateStore` on the same database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def get_state(self, key: str) -> str | None:
        async with self.engine.connect() as conn:
            value: str | None = await conn.scalar(select(state.c.value).where(state.c.key == key))
            return value

    async def set_state(self, key: str, value: str) -> None:
        async with self.engine.begin() as conn:
            stmt = self._insert(state).values(key=key, value=value)
            await conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    async def first_sighting(self, event_id: str) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                self._insert(seen)
                .values(event_id=event_id, seen_at=datetime.now(UTC))
                .on_conflict_do_nothing(index_elements=["event_id"])
                .returning(seen.c.event_id)
            )
            return result.first() is not None

    async def has_seen(self, event_id: str) -> bool:
        async with self.engine.connect() as conn:
            return await conn.scalar(select(seen.c.event_id).where(seen.c.event_id == event_id)) is not None

    async def forget_before(self, moment: datetime) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(seen).where(seen.c.seen_at < to_db_time(moment)))
            return int(result.rowcount)
