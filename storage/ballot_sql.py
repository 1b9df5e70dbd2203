"""The vote batch's statements, built once per writer.

A statement built per batch (literal IN lists, a multi-row VALUES) gets a new cache key and is
compiled again every time: for a batch of ten votes that cost about ten times the SQL itself. With
expanding bind parameters and executemany, each is compiled once and only its parameters change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, select, tuple_

from bot.domain import Status
from storage.tables import BallotRow, EligibleRow, RespondedRow, SurveyRow

surveys = SurveyRow.__table__  # type: ignore[attr-defined]
ballots = BallotRow.__table__  # type: ignore[attr-defined]
responded = RespondedRow.__table__  # type: ignore[attr-defined]
eligible = EligibleRow.__table__  # type: ignore[attr-defined]


class BallotStatements:
    def __init__(self, insert: Callable[..., Any], postgres: bool) -> None:
        # Each open survey of the batch comes back once per eligible voter of the batch (or once with
        # no slot): status and eligibility in one read, inside the transaction that writes.
        query = (
            select(surveys.c.id, eligible.c.slot)
            .select_from(
                surveys.outerjoin(
                    eligible,
                    (eligible.c.survey_id == surveys.c.id)
                    & tuple_(eligible.c.survey_id, eligible.c.slot).in_(bindparam("keys", expanding=True)),
                )
            )
            .where(surveys.c.id.in_(bindparam("ids", expanding=True)), surveys.c.status == str(Status.OPEN))
        )
        if postgres:
            # Holds off a concurrent close until these votes are committed, or sees it closed.
            query = query.with_for_update(read=True, of=surveys)
        self.open_and_invited = query
        stmt = insert(ballots)
        self.upsert_ballots = stmt.on_conflict_do_update(
            index_elements=["question_id", "slot"], set_={"answer": stmt.excluded.answer}
        )
        # RETURNING, not rowcount: drivers disagree on rowcount after ON CONFLICT DO NOTHING.
        self.mark_responded = (
            insert(responded)
            .on_conflict_do_nothing(index_elements=["survey_id", "slot"])
            .returning(responded.c.survey_id, responded.c.slot)
        )
