"""Delegations (issue 13) through the core on both databases: one shared draft, one submission per
delegation, k and progress counting delegations, and nothing of them left after close."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from sqlalchemy import create_engine, text

from bot.delivery import Delivery, Messengers
from bot.domain import Delegation, Participant, QuestionKind, QuestionSpec, Target
from bot.errors import InvalidInput, NotInvited
from bot.results import ChoiceResult
from bot.service import Canvass
from storage.engine import sync_url
from storage.repository import SqlRepository
from tests.factories import ORGANISER, survey_spec
from tests.storage.dbdump import id_forms, rows_mentioning
from tests.storage.rawfiles import holding, raw_bytes

A1, A2 = Participant("slack", "UCanaryAnnaQz"), Participant("matrix", "@canarybert:hs.example")
B1 = Participant("slack", "UCanaryBoraQz")
C1, C2 = Participant("matrix", "@canarycleo:hs.example"), Participant("slack", "UCanaryCyQz")
D1 = Participant("slack", "UCanaryDiaQz")
PEOPLE = [A1, A2, B1, C1, C2, D1]
NAMES = ["Canaryland", "Zqbekistan", "Xyloria", "Wombatia"]
DELEGATIONS = (
    Delegation(NAMES[0], (A1, A2)),
    Delegation(NAMES[1], (B1,)),
    Delegation(NAMES[2], (C1, C2)),
    Delegation(NAMES[3], (D1,)),
)
QUESTIONS = (
    QuestionSpec(QuestionKind.SINGLE, "Which?", ("yes", "no")),
    QuestionSpec(QuestionKind.SCALE, "How much?"),
)


class Recorder:
    """A Messenger that records the private messages it was asked to send."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.direct: list[tuple[Participant, str]] = []

    async def send_direct(self, participant: Participant, text: str, survey_id: str | None = None) -> None:
        self.direct.append((participant, text))


def spec(delegations: tuple[Delegation, ...] = DELEGATIONS, k: int = 3):  # type: ignore[no-untyped-def]
    return dataclasses.replace(survey_spec(questions=QUESTIONS, k=k), delegations=delegations)


def forms() -> list[str]:
    return [f for p in PEOPLE for f in id_forms(p.user_id, p.platform)] + NAMES


async def opened(service: Canvass) -> str:
    survey = await service.create_survey(ORGANISER, spec())
    await service.open_survey(ORGANISER, survey.id)
    return survey.id


async def test_two_members_share_one_draft_and_one_submission(service: Canvass, db_url: str) -> None:
    slack, matrix = Recorder("slack"), Recorder("matrix")
    delivery = Delivery(service, Messengers([slack, matrix]))  # type: ignore[list-item]
    survey_id = await opened(service)
    q1, q2 = [q.id for q in (await service.get(survey_id)).questions]
    assert (await service.get(survey_id)).invited_count == 4  # delegations, not members

    assert await service.load_draft(A1, survey_id, opening=True) == {}
    assert await service.load_draft(A2, survey_id, opening=True) == {}
    first = await service.save_draft(A1, survey_id, {q1: 0})
    assert not first.colleague_saved
    # A2 sees A1's draft, though A2 is on another platform; A2 saved nothing since opening, A1 did.
    assert await service.load_draft(A2, survey_id) == {q1: 0}
    second = await service.save_draft(A2, survey_id, {q1: 1, q2: 4})
    assert second.colleague_saved and "since you opened it" in second.note
    # A member of another delegation has a draft of their own and cannot see this one.
    assert await service.load_draft(B1, survey_id) == {}
    # A1 is told about A2's save when saving again; latest save wins.
    assert (await service.save_draft(A1, survey_id, {q1: 1, q2: 5})).colleague_saved
    assert await service.load_draft(A2, survey_id) == {q1: 1, q2: 5}

    receipt = await service.submit(A2, survey_id, await service.load_draft(A2, survey_id))
    assert receipt.delegation == NAMES[0] and not receipt.changed
    assert await service.has_responded(A1, survey_id) and await service.has_responded(A2, survey_id)
    assert not await service.has_responded(B1, survey_id)
    await delivery.notices.settle()
    # The colleague is told privately, by whom, and that this is by design; the submitter and others are not.
    [(to, text)] = slack.direct
    assert to == A1 and A2.user_id in text and NAMES[0] in text and "told who submitted" in text
    assert matrix.direct == []
    # No draft is kept; the colleague sees the submission through the delegation's own slots, and a
    # resubmission by the other member replaces it.
    assert await service.load_draft(A1, survey_id) == {}
    assert await service.own_answers(A1, survey_id) == {q1: 1, q2: 5}
    again = await service.submit(A1, survey_id, {q1: 0, q2: 5})
    assert again.changed
    await delivery.notices.settle()
    assert [to for to, _ in matrix.direct] == [A2]

    # Reminders go to every member of each delegation that has not submitted.
    assert set(await service.non_respondents(survey_id)) == {B1, C1, C2, D1}
    await service.submit(B1, survey_id, {q1: 1, q2: 2})
    await service.submit(C2, survey_id, {q1: 1, q2: 3})
    progress = await service.progress(survey_id)
    assert progress.describe() == "3+ of 4 delegations answered"

    await service.close_survey(ORGANISER, survey_id)
    results = await service.results(None, survey_id)
    assert results.respondents == 3  # Canaryland counted once, with its last submission
    first = results.questions[0]
    assert isinstance(first, ChoiceResult)
    # Canaryland's last submission (option 1 "yes"), Zqbekistan and Xyloria ("no").
    assert [o.count for o in first.options] == [1, 2]
    assert rows_mentioning(db_url, forms()) == {}
    assert await service.non_respondents(survey_id) == []


def draft_rows(url: str, survey_id: str) -> int:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text("select count(*) from drafts where survey_id = :s"), {"s": survey_id}) or 0)
    finally:
        engine.dispose()


async def test_a_submission_leaves_no_draft_row_and_colleagues_edit_the_submitted_answers(
    service: Canvass, db_url: str
) -> None:
    """A draft row puts all of a respondent's answers side by side, which ballots never do: after a
    delegation submits, none is left (as for a person), and a colleague changes the submitted answers."""
    survey_id = await opened(service)
    q1, q2 = [q.id for q in (await service.get(survey_id)).questions]
    await service.save_draft(A1, survey_id, {q1: 0})
    assert draft_rows(db_url, survey_id) == 1  # the count sees a draft when there is one
    await service.submit(A1, survey_id, {q1: 0, q2: 3})
    assert draft_rows(db_url, survey_id) == 0
    assert await service.load_draft(A2, survey_id, opening=True) == {}
    current = await service.own_answers(A2, survey_id)
    assert current == {q1: 0, q2: 3}
    # The colleague changes one answer, keeping the other, saves a draft on the way, and resubmits.
    saved = await service.save_draft(A2, survey_id, {**current, q2: 4})
    assert not saved.colleague_saved and draft_rows(db_url, survey_id) == 1
    assert (await service.submit(A2, survey_id, await service.load_draft(A2, survey_id))).changed
    assert draft_rows(db_url, survey_id) == 0
    assert await service.own_answers(A1, survey_id) == {q1: 0, q2: 4}
    # A member who looked at the draft before the submission is told, on a save from that stale view.
    await service.load_draft(A1, survey_id, opening=True)
    await service.save_draft(A1, survey_id, {q1: 1})
    await service.load_draft(A2, survey_id, opening=True)
    await service.submit(A1, survey_id, {q1: 1, q2: 4})
    assert (await service.save_draft(A2, survey_id, {q1: 0})).colleague_saved
    # The submitter saw the emptied draft: a save of their own right after submitting is no news to them.
    await service.submit(A2, survey_id, {q1: 0, q2: 4})
    assert not (await service.save_draft(A2, survey_id, {q1: 1})).colleague_saved
    await service.close_survey(ORGANISER, survey_id)  # PostgreSQL's database is shared by this file's tests
    assert draft_rows(db_url, survey_id) == 0


async def test_after_close_no_member_id_nor_delegation_name_is_left(
    service: Canvass, repository: SqlRepository, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The member → delegation list and anything derived from a delegation's name are gone, from the rows
    and from the database files' bytes (SQLite main file and WAL; PostgreSQL's database directory); and
    no log line, the database's statements included, names either."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        await _run_and_close(service, db_url)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    logged = "\n".join(record.getMessage() for record in caplog.records).lower()
    assert "delegation_members" in logged  # the statements really were captured
    assert [n for n in forms() if n.lower() in logged] == []


async def _run_and_close(service: Canvass, db_url: str) -> None:
    delivery = Delivery(service, Messengers([Recorder("slack"), Recorder("matrix")]))  # type: ignore[list-item]
    survey_id = await opened(service)
    q1, q2 = [q.id for q in (await service.get(survey_id)).questions]
    for member, answer in ((A1, 0), (B1, 1), (C1, 1), (D1, 0)):
        await service.save_draft(member, survey_id, {q1: answer})
        await service.submit(member, survey_id, {q1: answer, q2: 3})
    before = rows_mentioning(db_url, forms())
    assert set(before) == {"roster", "delegation_members"}  # ids and names in the lists alone
    assert NAMES[0].encode() in raw_bytes(db_url)  # the byte check sees names when they are there

    await delivery.notices.settle()
    await service.close_survey(ORGANISER, survey_id)

    assert rows_mentioning(db_url, forms()) == {}
    assert holding(raw_bytes(db_url), forms()) == []
    assert (await service.get(survey_id)).invited_count == 4
    assert (await service.progress(survey_id)).describe() == "3+ of 4 delegations answered"


@pytest.mark.parametrize(
    ("delegations", "reason"),
    [
        ((Delegation("One", (A1, A2)), Delegation("Two", (B1, A2))), "already a member of delegation 'One'"),
        ((Delegation("One", (A1,)), Delegation("Empty", ())), "delegation 'Empty' has no members"),
        ((), "needs at least one delegation"),
    ],
)
async def test_bad_delegations_are_refused_and_store_nothing(
    service: Canvass, delegations: tuple[Delegation, ...], reason: str
) -> None:
    before = await service.list_surveys()
    with pytest.raises(InvalidInput, match=reason):
        await service.create_survey(ORGANISER, spec(delegations))
    assert await service.list_surveys() == before


async def test_no_one_outside_a_delegation_answers_and_invite_is_refused(service: Canvass) -> None:
    survey_id = await opened(service)
    q1 = (await service.get(survey_id)).questions[0].id
    stranger = Participant("slack", "UStranger")
    with pytest.raises(NotInvited):
        await service.save_draft(stranger, survey_id, {q1: 0})
    with pytest.raises(NotInvited):
        await service.submit(stranger, survey_id, {q1: 0, (await service.get(survey_id)).questions[1].id: 1})
    with pytest.raises(NotInvited):
        await service.load_draft(stranger, survey_id)
    with pytest.raises(InvalidInput, match="delegations"):
        await service.invite(ORGANISER, survey_id, [stranger])
    assert not await service.has_responded(stranger, survey_id)


async def test_a_survey_of_persons_is_unchanged(service: Canvass) -> None:
    survey = await service.create_survey(ORGANISER, survey_spec(questions=QUESTIONS, k=3))
    await service.open_survey(ORGANISER, survey.id, [A1, B1])
    q1 = survey.questions[0].id
    saved = await service.save_draft(A1, survey.id, {q1: 0})
    assert saved.count == 1 and not saved.colleague_saved
    assert await service.load_draft(B1, survey.id) == {}
    assert (await service.progress(survey.id)).describe() == "fewer than 3 of 2 answered"
    assert Target("console", "general")  # the factory's channel


def test_no_call_takes_a_delegation_by_name() -> None:
    """A member reaches their delegation only through their own id: no public call of the service takes a
    delegation (by name or otherwise), so a member of one cannot name another to read its draft."""
    import inspect

    for name, member in inspect.getmembers(Canvass, inspect.iscoroutinefunction):
        if not name.startswith("_"):
            assert not [p for p in inspect.signature(member).parameters if "delegation" in p], name
