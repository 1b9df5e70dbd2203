"""Live snapshots under one rule held in the database (issue 10, break 4): no two published outputs
of a survey differ, per question, by fewer than k ballots (zero aside).

For each question we keep the state of every ballot at every publication of that question
(`published_ballots`, stored only where a ballot changed, erased at close). A refresh reads the
ballots, the markers and that history in ONE transaction (BEGIN IMMEDIATE on SQLite, REPEATABLE READ
on PostgreSQL), so what it publishes is exactly what it counted; a question moves only if its ballots
now differ from its state at EVERY earlier publication by none or by at least k; and the snapshot is
written by compare-and-swap on `version`, so two refreshers or two replicas can never both publish.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain import Status
from bot.ports import LiveStep, LiveView
from storage.live_views import State, differing, grid_rows, held
from storage.tables import BallotRow, LiveResultRow, LiveSnapshotRow, PublishedBallotRow, RespondedRow, SurveyRow

log = logging.getLogger(__name__)

ballots = BallotRow.__table__  # type: ignore[attr-defined]
responded = RespondedRow.__table__  # type: ignore[attr-defined]
snapshots = LiveSnapshotRow.__table__  # type: ignore[attr-defined]
published = PublishedBallotRow.__table__  # type: ignore[attr-defined]
hints = LiveResultRow.__table__  # type: ignore[attr-defined]  # the refresh counter (a hint only)
surveys = SurveyRow.__table__  # type: ignore[attr-defined]

class _LostRace(Exception):
    pass


def _states(rows: Sequence[tuple[bytes, int, str | None]], versions: Sequence[int]) -> list[State]:
    """The question's state at each of its publications (version 0: nothing yet), replayed from the
    changes stored at each one."""
    states: list[State] = []
    state: State = {}
    ordered = sorted(rows, key=lambda r: r[1])
    i = 0
    for version in versions:
        while i < len(ordered) and ordered[i][1] <= version:
            slot, _v, answer = ordered[i]
            if answer is None:
                state.pop(slot, None)
            else:
                state[slot] = answer
            i += 1
        states.append(dict(state))
    return states


def may_move(current: State, earlier: Sequence[State], k: int, rows: int = 0) -> bool:
    """Publishing `current` keeps the rule against every earlier publication, and changes something.
    A grid's rows are each held to the rule too (storage/live_views.py)."""
    return differing(current, earlier[-1]) > 0 and held(current, earlier, k, rows)


async def _ballots(conn: AsyncConnection, question_id: str) -> State:
    rows = await conn.execute(select(ballots.c.slot, ballots.c.answer).where(ballots.c.question_id == question_id))
    return {bytes(slot): answer for slot, answer in rows}


async def _history(conn: AsyncConnection, question_id: str, versions: Sequence[int]) -> list[State]:
    rows = await conn.execute(
        select(published.c.slot, published.c.version, published.c.answer).where(published.c.question_id == question_id)
    )
    return _states([(bytes(s), v, a) for s, v, a in rows], [0, *versions])


async def _respondents(conn: AsyncConnection, survey_id: str) -> int:
    return int(
        await conn.scalar(select(func.count()).select_from(responded).where(responded.c.survey_id == survey_id)) or 0
    )


def _locked(query: Any, postgres: bool) -> Any:
    return query.with_for_update() if postgres else query


class LiveStore:
    def __init__(self, engine: AsyncEngine, insert_: Callable[..., Any], reader: AsyncEngine | None = None) -> None:
        self.engine = engine
        self._reader = reader or engine
        self._insert = insert_
        self._postgres = engine.dialect.name == "postgresql"

    async def consume_hint(self, survey_id: str, consumed: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(hints)
                .where(hints.c.survey_id == survey_id)
                .values(submissions_since=hints.c.submissions_since - consumed)
            )

    async def view(self, survey_id: str) -> LiveView | None:
        async with self._reader.connect() as conn:
            row = (await conn.execute(select(snapshots).where(snapshots.c.survey_id == survey_id))).first()
        if row is None:
            return None
        frozen = json.loads(row.frozen) if row.frozen else {}
        return LiveView(
            version=row.version,
            payload=row.payload,
            respondents=row.respondents,
            frozen_questions=frozenset(frozen.get("questions", [])),
            respondents_frozen=bool(frozen.get("respondents", False)),
        )

    async def publish(
        self, survey_id: str, question_ids: Sequence[str], k: int, build: Callable[[LiveStep], str]
    ) -> int | None:
        """Publish a new snapshot if the rule allows any change; returns its version, or None when
        nothing may move yet or another refresher won the race."""
        async with self.engine.begin() as conn:
            await conn.execute(
                self._insert(snapshots)
                .values(survey_id=survey_id, version=0, respondents=0, history="{}")
                .on_conflict_do_nothing(index_elements=["survey_id"])
            )
        try:
            async with self.engine.connect() as conn:
                if self._postgres:
                    conn = await conn.execution_options(isolation_level="REPEATABLE READ")
                async with conn.begin():
                    version: int | None = await self._publish(conn, survey_id, question_ids, k, build)
                    return version
        except _LostRace:
            return None
        except (IntegrityError, DBAPIError) as error:
            # PostgreSQL: a concurrent refresher (or the close) changed the snapshot row first.
            if getattr(getattr(error, "orig", None), "sqlstate", None) in ("40001", "40P01", "23505"):
                return None
            raise

    async def _publish(
        self,
        conn: AsyncConnection,
        survey_id: str,
        question_ids: Sequence[str],
        k: int,
        build: Callable[[LiveStep], str],
    ) -> int | None:
        row = (
            await conn.execute(_locked(select(snapshots).where(snapshots.c.survey_id == survey_id), self._postgres))
        ).first()
        if row is None or row.frozen is not None:
            return None  # closed meanwhile
        # A survey that closed before its first snapshot has no row for the close to freeze: without
        # this, a refresh that read its hint before the close would publish after it, and write
        # per-ballot history (slots) while SQLite's staged close is still deleting.
        status = select(surveys.c.status).where(surveys.c.id == survey_id)
        if await conn.scalar(status.with_for_update(read=True) if self._postgres else status) != str(Status.OPEN):
            return None
        history: dict[str, list[int]] = json.loads(row.history)
        version = int(row.version) + 1
        counts: dict[str, list[tuple[str, int]]] = {}
        changes: list[dict[str, Any]] = []
        rows = await grid_rows(conn, question_ids)
        for qid in question_ids:
            current = await _ballots(conn, qid)
            earlier = await _history(conn, qid, history.get(qid, []))
            if not may_move(current, earlier, k, rows.get(qid, 0)):
                continue
            counts[qid] = sorted(Counter(current.values()).items())
            last = earlier[-1]
            changes.extend(
                {"question_id": qid, "slot": slot, "version": version, "answer": current.get(slot)}
                for slot in current.keys() | last.keys()
                if current.get(slot) != last.get(slot)
            )
            history.setdefault(qid, []).append(version)
        respondents = await _respondents(conn, survey_id)
        respondents_move = respondents - row.respondents >= k  # markers only ever grow
        if not counts and not respondents_move:
            return None
        shown = respondents if respondents_move else row.respondents
        payload = build(LiveStep(row.payload, counts, shown))
        if changes:
            await conn.execute(insert(published), changes)
        swapped = await conn.execute(
            update(snapshots)
            .where(snapshots.c.survey_id == survey_id, snapshots.c.version == row.version)
            .values(version=version, payload=payload, respondents=shown, history=json.dumps(history))
        )
        if swapped.rowcount != 1:
            raise _LostRace  # rolls back the history rows written above
        return version


async def freeze_at_close(
    conn: AsyncConnection, survey_id: str, question_ids: Sequence[str], k: int, postgres: bool
) -> None:
    """Inside the close: mark the questions (and the respondents count) whose final state would differ
    from some published snapshot by fewer than k ballots; their final output is the last snapshot.
    Then, on PostgreSQL, erase the per-ballot history (it holds slots); SQLite's staged close deletes
    it after this transaction, in short ones (storage/staged_seal.py), as it does the ballots."""
    row = (await conn.execute(_locked(select(snapshots).where(snapshots.c.survey_id == survey_id), postgres))).first()
    if row is not None and row.version > 0 and row.frozen is None:
        history: dict[str, list[int]] = json.loads(row.history)
        frozen = []
        rows = await grid_rows(conn, question_ids)
        for qid in question_ids:
            current = await _ballots(conn, qid)
            earlier = await _history(conn, qid, history.get(qid, []))
            if not held(current, earlier, k, rows.get(qid, 0)):
                frozen.append(qid)
        late = await _respondents(conn, survey_id) - row.respondents
        await conn.execute(
            update(snapshots)
            .where(snapshots.c.survey_id == survey_id)
            .values(frozen=json.dumps({"questions": frozen, "respondents": 0 < late < k}), history="{}")
        )
    elif row is not None and row.frozen is None:
        await conn.execute(update(snapshots).where(snapshots.c.survey_id == survey_id).values(frozen="{}"))
    if question_ids and postgres:
        await conn.execute(delete(published).where(published.c.question_id.in_(list(question_ids))))
