"""The live rule for grid questions: every row is held to it as if it were a question of its own.

A grid's rows are answered, and skipped, separately: one respondent who changes one row while k-1 others
rate only other rows makes k ballots differ, yet that row's distribution would move by that one rating
(and a diff of two snapshots would show it). So a grid moves only when the whole question AND each row,
read as its own state (slot -> rating, a skipped row absent, as an unanswered question is), differ from
every earlier publication by none or by at least k ballots. Lessons stay one state per question, like free
text: a diff of two snapshots shows entries written by at least k changed ballots.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.base import questions

State = dict[bytes, str]  # slot -> canonical answer; absent: no answer


def differing(a: State, b: State) -> int:
    """How many ballots are in a different state (new, changed or withdrawn) between two states."""
    return sum(1 for slot in a.keys() | b.keys() if a.get(slot) != b.get(slot))


def views(state: State, rows: int) -> list[State]:
    """The question's state, then (for a grid of `rows` rows) each row's own state."""
    if not rows:
        return [state]
    per_row: list[State] = [{} for _ in range(rows)]
    for slot, answer in state.items():
        ratings = json.loads(answer)
        for r, value in enumerate(ratings[:rows] if isinstance(ratings, list) else []):
            if value is not None:
                per_row[r][slot] = str(value)
    return [state, *per_row]


def held(current: State, earlier: Sequence[State], k: int, rows: int = 0) -> bool:
    """No view of `current` differs from the same view of any earlier state by more than none and fewer than k."""
    now = views(current, rows)
    for state in earlier:
        for a, b in zip(now, views(state, rows), strict=True):
            if 0 < differing(a, b) < k:
                return False
    return True


async def grid_rows(conn: AsyncConnection, question_ids: Sequence[str]) -> dict[str, int]:
    """How many rows each grid question among `question_ids` has (other kinds are absent)."""
    if not question_ids:
        return {}
    result = await conn.execute(
        select(questions.c.id, questions.c.grid_rows).where(
            questions.c.id.in_(list(question_ids)), questions.c.kind == "grid"
        )
    )
    return {qid: len(json.loads(rows)) for qid, rows in result}
