"""SQLModel tables. The schema itself enforces the anonymity rules (DESIGN.md rules 2-4):

- `ballots` (open surveys) hold the question, an HMAC slot and the answer: no time, no serial id, no
  person. SQLite stores them WITHOUT ROWID, so not even a hidden rowid records the order of voting;
  rows sit in (question, slot) order, and a question's ballots side by side (migration 0008).
- `sealed_ballots` (closed surveys) are each question's tally: one row per distinct answer with how
  many ballots gave it, under a fresh random id, and no slot column at all (migration 0009). No row
  per voter survives a close, so no row order or id can say who voted when.
- `roster` is the only table that holds participant ids, and it is emptied at close.
- `survey_keys` holds each open survey's key salt in a table of its own, so that close can delete the
  row and rewrite the table's file: an erased column would live on in the old row version.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

NO_ROWID = {"sqlite_with_rowid": False}


class SurveyRow(SQLModel, table=True):
    __tablename__ = "surveys"

    id: str = Field(primary_key=True, max_length=16)
    title: str
    description: str = ""
    status: str = Field(index=True, max_length=16)
    results_mode: str = Field(max_length=16)
    k: int
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    timezone: str = Field(max_length=64)
    created_by: str
    respondents_at_close: int | None = None
    invited_at_close: int | None = None  # the roster itself is deleted at close
    by_delegation: bool = False  # respondents are delegations (migration 0006)
    # A staged SQLite close still under way (storage/staged_seal.py): 1, closed but its ballots not yet
    # sealed; 2, sealed but the slots and roster not yet all deleted; 0 otherwise (migration 0008).
    seal_stage: int = 0


class SurveyKeyRow(SQLModel, table=True):
    """An open survey's key salt. Deleted at close: without it no slot can ever be recomputed (rule 4)."""

    __tablename__ = "survey_keys"
    __table_args__ = NO_ROWID

    survey_id: str = Field(foreign_key="surveys.id", primary_key=True, max_length=16)
    key_salt: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class QuestionRow(SQLModel, table=True):
    __tablename__ = "questions"

    id: str = Field(primary_key=True, max_length=24)
    survey_id: str = Field(foreign_key="surveys.id", index=True, max_length=16)
    position: int
    kind: str = Field(max_length=16)
    text: str
    options: str = "[]"  # JSON list
    max_selections: int = 1
    scale_min: int = 1
    scale_max: int = 5
    min_label: str = ""
    max_label: str = ""
    required: bool = True
    grid_rows: str = "[]"  # JSON list: a grid's items
    categories: str = "[]"  # JSON list: a lessons question's categories
    max_entries: int = 10


class TargetRow(SQLModel, table=True):
    __tablename__ = "targets"

    survey_id: str = Field(foreign_key="surveys.id", primary_key=True, max_length=16)
    platform: str = Field(primary_key=True, max_length=16)
    channel: str = Field(primary_key=True, max_length=255)
    # Where the adapter posted the poll message (Slack ts, Matrix event id), for live updates.
    message_ref: str | None = None


class RosterRow(SQLModel, table=True):
    """Who was invited. No link to any answer; deleted at close."""

    __tablename__ = "roster"
    __table_args__ = NO_ROWID

    survey_id: str = Field(foreign_key="surveys.id", primary_key=True, max_length=16)
    platform: str = Field(primary_key=True, max_length=16)
    user_id: str = Field(primary_key=True, max_length=255)


class BallotRow(SQLModel, table=True):
    # No index on the answer: PostgreSQL caps a B-tree entry at about 2.7 kB, and a 2,000-character
    # answer in a script of two or three bytes a character is bigger (the vote failed). The (question,
    # answer) counts of an open survey scan the question's key range, which holds the answer too.
    __tablename__ = "ballots"
    __table_args__ = NO_ROWID

    question_id: str = Field(primary_key=True, max_length=24)
    slot: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))
    answer: str


class SealedBallotRow(SQLModel, table=True):
    """Ballots of closed surveys, as tallies: one row per distinct answer of a question, its count,
    a fresh random id, and no slot column. Rows sealed before migration 0009 have a tally of 1 each.

    Keyed by (question, id) here, the key that is safe on both databases. Migration 0008 gives SQLite
    (question, answer, id) instead, checked by tests/storage/test_migrations.py (Alembic's comparison
    does not look at keys):
    - SQLite stores the rows in their key's order, so the results sum each answer from one ordered
      range (a long text answer goes to overflow pages, which costs its reads a little and nothing
      else);
    - PostgreSQL keeps the rows in a heap and caps a B-tree entry at about 2.7 kB, so no key or index
      may hold an answer there.
    Nothing relies on the key but the database itself: rows are only inserted and counted."""

    __tablename__ = "sealed_ballots"
    __table_args__ = NO_ROWID

    question_id: str = Field(primary_key=True, max_length=24)
    id: str = Field(primary_key=True, max_length=36)  # random, drawn at close
    answer: str
    # How many ballots gave this answer: a close writes one row per distinct answer (migration 0009).
    tally: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class RespondedRow(SQLModel, table=True):
    """A "responded" marker, keyed by HMAC slot and never by user id (rule 3)."""

    __tablename__ = "responded"
    __table_args__ = NO_ROWID

    survey_id: str = Field(foreign_key="surveys.id", primary_key=True, max_length=16)
    slot: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))


class DraftRow(SQLModel, table=True):
    __tablename__ = "drafts"
    __table_args__ = NO_ROWID

    survey_id: str = Field(foreign_key="surveys.id", primary_key=True, max_length=16)
    slot: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))
    payload: str
    # Bumped by every save, so a delegation member is told a colleague saved since they opened it.
    # No member id is kept with it (migration 0006).
    version: int = 0


class LiveResultRow(SQLModel, table=True):
    """The last published live snapshot (aggregates only) and how many submissions came since."""

    __tablename__ = "live_results"

    survey_id: str = Field(foreign_key="surveys.id", primary_key=True, max_length=16)
    submissions_since: int = 0
    payload: str | None = None


class StateRow(SQLModel, table=True):
    """Small key/value state of the adapters, such as the Matrix sync token. Keys under the prefix
    `survey:<survey_id>:` belong to one survey and are deleted by its seal (storage.sealing)."""

    __tablename__ = "bot_state"

    key: str = Field(primary_key=True, max_length=200)
    value: str


class SeenEventRow(SQLModel, table=True):
    """Platform event ids already handled, so that redelivered events count once."""

    __tablename__ = "seen_events"

    event_id: str = Field(primary_key=True, max_length=255)
    seen_at: datetime = Field(index=True)


class ReminderRow(SQLModel, table=True):
    """The scheduling outbox: organisers' reminders, deadline notices and results posts, each claimed
    atomically before it is sent (status pending -> sending -> sent/skipped, or cancelled).

    It holds no participant id: who gets a non-respondent reminder is worked out when it fires."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("survey_id", "number", name="uq_reminders_survey_number"),
        Index("ix_reminders_status_next", "status", "next_fire_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    survey_id: str = Field(foreign_key="surveys.id", index=True, max_length=16)
    kind: str = Field(max_length=16)  # reminder | notice | results
    number: int | None = None  # per survey, organisers' reminders only
    at: datetime | None = None  # absolute time (UTC)
    before_close_seconds: int | None = None  # or relative to the close: moves when the deadline does
    recurring: bool = False  # daily, at the same local time, until the close
    audience: str = Field(default="non_respondents", max_length=16)
    message: str = ""
    status: str = Field(default="pending", max_length=16)
    next_fire_at: datetime
    claimed_by: str | None = Field(default=None, max_length=128)
    claimed_until: datetime | None = None  # the claim's lease: after it, another replica may retry
    sent_at: datetime | None = None
    fired_count: int = 0
    note: str = ""  # why it was skipped, for `remind ID list` and the logs


# -- core: who may answer, and what live results have published (migration 0004) ----------------


class EligibleRow(SQLModel, table=True):
    """Who may answer an open survey, as responded-marker HMAC slots, never ids (break 3).
    Written at open and when the roster grows; deleted at close."""

    __tablename__ = "eligible"
    __table_args__ = NO_ROWID

    survey_id: str = Field(foreign_key="surveys.id", primary_key=True, max_length=16)
    slot: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))


class LiveSnapshotRow(SQLModel, table=True):
    """The last published live snapshot (aggregates only), published by compare-and-swap on `version`.
    `history` lists, per question, the versions at which it was published; `frozen` is set at close.
    Kept after close: it holds no slot and no id."""

    __tablename__ = "live_snapshots"

    survey_id: str = Field(foreign_key="surveys.id", primary_key=True, max_length=16)
    version: int = 0
    payload: str | None = None
    respondents: int = 0  # the exact count the published (stepped) one was taken from
    history: str = "{}"
    frozen: str | None = None


class PublishedBallotRow(SQLModel, table=True):
    """Each ballot's state at each publication of its question, stored only where it changed (None:
    no answer). Live surveys, before close only: deleted by the close."""

    __tablename__ = "published_ballots"
    __table_args__ = NO_ROWID

    question_id: str = Field(primary_key=True, max_length=24)
    slot: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))
    version: int = Field(primary_key=True)
    answer: str | None = None


metadata = SQLModel.metadata


class PresentTokenRow(SQLModel, table=True):
    """Presenter-page links (bot/presenting.py): only the SHA-256 of each token, never the token."""

    __tablename__ = "present_tokens"

    token_hash: bytes = Field(sa_column=Column(LargeBinary(32), primary_key=True))
    survey_id: str = Field(foreign_key="surveys.id", index=True, max_length=16)
    created_at: datetime
    revoked_at: datetime | None = None


class DelegationMemberRow(SQLModel, table=True):
    """Which delegation each member answers for (bot/delegations.py): participant ids and delegation
    names, like the roster, and like it deleted at close (storage/sealing.py). No link to any answer:
    slots are derived from the delegation's name under the survey key, which close erases."""

    __tablename__ = "delegation_members"
    __table_args__ = NO_ROWID

    survey_id: str = Field(foreign_key="surveys.id", primary_key=True, max_length=16)
    platform: str = Field(primary_key=True, max_length=16)
    user_id: str = Field(primary_key=True, max_length=255)
    delegation: str = Field(max_length=100)
