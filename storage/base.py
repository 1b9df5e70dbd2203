"""What the repository's parts share: table handles, UTC conversion, and the connection attributes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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
    SurveyKeyRow,
    SurveyRow,
    TargetRow,
)

surveys = SurveyRow.__table__  # type: ignore[attr-defined]
survey_keys = SurveyKeyRow.__table__  # type: ignore[attr-defined]
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


def to_db_time(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment else None


def from_db_time(moment: datetime | None) -> datetime | None:
    # SQLModel's UTCDateTime already returns aware UTC; SQLite rows written by hand may be naive.
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def pairs_in(first: Any, second: Any, pairs: Iterable[tuple[Any, Any]]) -> ColumnElement[bool]:
    """`(first, second) IN pairs`, written so that both databases look each pair up by its key: grouped
    by the first value, `first = ? AND second IN (...)` each. SQLite plans the row-value form
    `(a, b) IN (VALUES ...)`, which SQLAlchemy renders there, as a scan of the whole table."""
    grouped: dict[Any, list[Any]] = {}
    for a, b in pairs:
        grouped.setdefault(a, []).append(b)
    return or_(*(and_(first == a, second.in_(values)) for a, values in grouped.items()))


async def count_rows(conn: AsyncConnection, table: Any, survey_id: str) -> int:
    count = await conn.scalar(select(func.count()).select_from(table).where(table.c.survey_id == survey_id))
    return int(count or 0)


class RepositoryBase:
    """The attributes `SqlRepository.__init__` sets, declared once for its mixins."""

    engine: AsyncEngine
    reader: AsyncEngine  # a separate reader pool on SQLite; the engine itself on PostgreSQL
    dialect: str
    _insert: Any  # the dialect's INSERT, which has ON CONFLICT
