"""The service on real databases (SQLite and PostgreSQL): answering, drafts, closing, thresholds."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.domain import Actor, Participant, QuestionKind, QuestionSpec, ResultsMode, Status
from bot.errors import InvalidInput, NotAuthorised, SurveyNotOpen
from bot.results import ChoiceResult, HiddenResult, RankingResult, ScaleResult, TextResult
from bot.service import Canvass
from bot.tables import survey_table
from charts.export import to_csv, to_json
from storage.repository import SqlRepository
from tests.factories import CHANNEL, ORGANISER, survey_spec
from tests.storage.dbdump import dump_all


def people(n: int, prefix: str = "user") -> list[Participant]:
    return [Participant("console", f"{prefix}-{i}") for i in range(n)]


async def open_survey(service: Canvass, roster: list[Participant], **kwargs: object) -> str:
    survey = await service.create_survey(ORGANISER, survey_spec(**kwargs))  # type: ignore[arg-type]
    await service.open_survey(ORGANISER, survey.id, roster)
    return survey.id


def full_answer(i: int) -> list[object]:
    return [i % 3, [i % 4, (i + 1) % 4], 1 + i % 5, i % 11, [i % 3, (i + 1) % 3, (i + 2) % 3], f"idea {i % 2}"]


async def test_every_kind_tallies_what_was_submitted(service: Canvass) -> None:
    voters = people(12)
    survey_id = await open_survey(service, voters)
    survey = await service.get(survey_id)
    ids = [q.id for q in survey.questions]
    expected_single: Counter[int] = Counter()
    for i, voter in enumerate(voters):
        answers = full_answer(i)
        await service.submit(voter, survey_id, dict(zip(ids, answers, strict=True)))
        expected_single[i % 3] += 1
    await service.close_survey(ORGANISER, survey_id)
    results = await service.results(None, survey_id)
    single, multi, scale, nps, ranking, text = results.questions
    assert isinstance(single, ChoiceResult)
    assert [o.count for o in single.options] == [expected_single[0], expected_single[1], expected_single[2]]
    assert isinstance(multi, ChoiceResult) and sum(o.count for o in multi.options) == 24
    assert isinstance(scale, ScaleResult) and sum(b.count for b in scale.distribution) == 12
    assert isinstance(nps, ScaleResult) and nps.nps is not None
    assert isinstance(ranking, RankingResult) and sum(i.borda for i in ranking.items) == 12 * 3
    assert isinstance(text, TextResult) and sorted(text.answers) == sorted(f"idea {i % 2}" for i in range(12))
    assert results.respondents == 12 and results.invited == 12


async def test_changed_answer_replaces_the_old_one(service: Canvass) -> None:
    poll = survey_spec(questions=(QuestionSpec(QuestionKind.SINGLE, "Q", ("A", "B")),), k=3)
    survey = await service.create_survey(ORGANISER, poll)
    voters = people(3)
    await service.open_survey(ORGANISER, survey.id, voters)
    qid = survey.questions[0].id
    for voter in voters:
        first = await service.submit(voter, survey.id, {qid: 0})
        assert not first.changed
    second = await service.submit(voters[0], survey.id, {qid: 1})
    assert second.changed
    await service.close_survey(ORGANISER, survey.id)
    result = (await service.results(None, survey.id)).questions[0]
    assert isinstance(result, ChoiceResult)
    assert [o.count for o in result.options] == [2, 1]
    assert result.respondents == 3


async def test_draft_is_saved_resumed_and_cleared_on_submit(service: Canvass, repository: SqlRepository) -> None:
    voter = Participant("console", "drafter")
    survey_id = await open_survey(service, [voter])
    survey = await service.get(survey_id)
    ids = [q.id for q in survey.questions]
    assert (await service.save_draft(voter, survey_id, {ids[0]: 2, ids[2]: 4})).count == 2
    resumed = await service.load_draft(voter, survey_id)
    assert resumed == {ids[0]: 2, ids[2]: 4}
    assert not await service.has_responded(voter, survey_id)  # a draft counts for nothing
    assert await repository.respondent_count(survey_id) == 0
    answers = dict(zip(ids, full_answer(1), strict=True)) | resumed
    await service.submit(voter, survey_id, answers)
    assert await service.load_draft(voter, survey_id) == {}
    assert await service.has_responded(voter, survey_id)


async def test_missing_required_answer_is_refused(service: Canvass) -> None:
    voter = Participant("console", "hasty")
    survey_id = await open_survey(service, [voter])
    survey = await service.get(survey_id)
    with pytest.raises(InvalidInput, match="Please answer question 2, 3, 4, 5"):
        await service.submit(voter, survey_id, {survey.questions[0].id: 0})
    # The last question (text) is optional: everything else is enough.
    ids = [q.id for q in survey.questions][:5]
    await service.submit(voter, survey_id, dict(zip(ids, full_answer(0)[:5], strict=True)))


async def test_submission_after_close_is_rejected_and_changes_nothing(
    service: Canvass, repository: SqlRepository, db_url: str
) -> None:
    voters = people(5)
    survey_id = await open_survey(service, voters)
    survey = await service.get(survey_id)
    ids = [q.id for q in survey.questions]
    for i, voter in enumerate(voters):
        await service.submit(voter, survey_id, dict(zip(ids, full_answer(i), strict=True)))
    await service.close_survey(ORGANISER, survey_id)
    before = dump_all(db_url)
    with pytest.raises(SurveyNotOpen, match="is closed; answers are no longer accepted"):
        await service.submit(voters[0], survey_id, dict(zip(ids, full_answer(3), strict=True)))
    with pytest.raises(SurveyNotOpen):
        await service.save_draft(voters[0], survey_id, {ids[0]: 1})
    assert dump_all(db_url) == before


async def test_deadline_passed_before_the_scheduler_closed_it(service: Canvass, clock: ManualClock) -> None:
    voter = Participant("console", "late")
    poll = survey_spec(questions=(QuestionSpec(QuestionKind.SINGLE, "Q", ("A", "B")),), days=1)
    survey = await service.create_survey(ORGANISER, poll)
    await service.open_survey(ORGANISER, survey.id)
    clock.advance(timedelta(days=1, seconds=1))
    with pytest.raises(SurveyNotOpen, match="closed at"):
        await service.submit(voter, survey.id, {survey.questions[0].id: 0})
    assert (await service.get(survey.id)).status is Status.OPEN  # closing is the scheduler's job


@pytest.mark.parametrize(
    ("position", "raw", "message"),
    [(0, 7, "no option 8"), (2, 9, "from 1 to 5"), (1, [0, 1, 2, 3], "at most 3"), (5, "x" * 2001, "at most 2000")],
)
async def test_bad_answers_change_nothing(
    service: Canvass, db_url: str, position: int, raw: object, message: str
) -> None:
    voters = people(2)
    survey_id = await open_survey(service, voters)
    survey = await service.get(survey_id)
    ids = [q.id for q in survey.questions]
    await service.submit(voters[0], survey_id, dict(zip(ids, full_answer(0), strict=True)))
    before = dump_all(db_url)
    answers = dict(zip(ids, full_answer(1), strict=True))
    answers[ids[position]] = raw
    with pytest.raises(InvalidInput, match=message) as error:
        await service.submit(voters[0], survey_id, answers)
    assert error.value.field == ids[position]
    assert dump_all(db_url) == before


async def test_non_organisers_cannot_close_create_or_extend(service: Canvass, db_url: str) -> None:
    survey_id = await open_survey(service, people(3))
    stranger = Actor("console", "stranger")
    before = dump_all(db_url)
    with pytest.raises(NotAuthorised, match=r"Only organisers of survey .* can close it"):
        await service.close_survey(stranger, survey_id)
    with pytest.raises(NotAuthorised):
        await service.create_survey(stranger, survey_spec())
    with pytest.raises(NotAuthorised):
        await service.extend(stranger, survey_id, (await service.get(survey_id)).closes_at + timedelta(days=1))  # type: ignore[operator]
    assert dump_all(db_url) == before
    # Power in the survey's own room lets a moderator create surveys there, not manage this one.
    moderator = Actor("console", "moderator", organiser_in=CHANNEL)
    with pytest.raises(NotAuthorised):
        await service.close_survey(moderator, survey_id)
    assert dump_all(db_url) == before


async def test_below_k_every_output_path_is_hidden(service: Canvass) -> None:
    voters = people(4)
    survey_id = await open_survey(service, voters, k=5)
    survey = await service.get(survey_id)
    ids = [q.id for q in survey.questions]
    for i, voter in enumerate(voters):
        await service.submit(voter, survey_id, dict(zip(ids, full_answer(i), strict=True)))
    await service.close_survey(ORGANISER, survey_id)
    results = await service.results(None, survey_id)
    assert results.hidden and results.respondents is None
    assert all(isinstance(q, HiddenResult) for q in results.questions)
    table = survey_table(results)
    assert table.count("Closed with fewer than 5 responses") == 6 and "idea" not in table and "%" not in table
    exported = to_json(results)
    assert '"count"' not in exported and '"percent"' not in exported and "idea" not in exported
    csv_rows = to_csv(results).splitlines()[1:]
    assert len(csv_rows) == 6 and all(row.endswith("closed with fewer than 5 responses") for row in csv_rows)


async def test_live_results_move_only_in_steps_of_k(service: Canvass) -> None:
    poll = survey_spec(questions=(QuestionSpec(QuestionKind.SINGLE, "Q", ("A", "B")),), k=3, mode=ResultsMode.LIVE)
    survey = await service.create_survey(ORGANISER, poll)
    voters = people(8)
    await service.open_survey(ORGANISER, survey.id, voters)
    qid = survey.questions[0].id

    async def published() -> object:
        await service.settle()  # snapshots are refreshed after the vote is answered
        return (await service.results(Actor("console", "anyone"), survey.id)).questions[0]

    for voter in voters[:2]:
        await service.submit(voter, survey.id, {qid: 0})
        assert isinstance(await published(), HiddenResult)
    await service.submit(voters[2], survey.id, {qid: 1})
    first = await published()
    assert isinstance(first, ChoiceResult) and [o.count for o in first.options] == [2, 1]
    # Fewer than k ballots differing from the last snapshot leave the published numbers as they were...
    for voter in voters[3:5]:
        await service.submit(voter, survey.id, {qid: 1})
        assert await published() == first
    # ...until k ballots differ: two new ones and a change of mind (a changed answer counts too).
    await service.submit(voters[0], survey.id, {qid: 1})
    second = await published()
    assert isinstance(second, ChoiceResult) and [o.count for o in second.options] == [1, 4]
    await service.submit(voters[5], survey.id, {qid: 1})
    assert await published() == second
    # One person changing their answer k times or more publishes nothing new.
    for choice in (1, 0, 1, 0):
        await service.submit(voters[1], survey.id, {qid: choice})
        assert await published() == second


async def test_result_modes(service: Canvass) -> None:
    stranger = Actor("console", "stranger")
    hidden_id = await open_survey(service, people(3), mode=ResultsMode.ORGANISERS, k=3)
    with pytest.raises(NotAuthorised):
        await service.results(stranger, hidden_id)
    later_id = await open_survey(service, people(3), mode=ResultsMode.AFTER_CLOSE, k=3)
    with pytest.raises(SurveyNotOpen, match="shown after it closes"):
        await service.results(stranger, later_id)
    await service.close_survey(ORGANISER, hidden_id)
    with pytest.raises(NotAuthorised):
        await service.results(stranger, hidden_id)
    assert (await service.results(ORGANISER, hidden_id)).survey_id == hidden_id


async def test_non_respondents_are_roster_minus_responded(service: Canvass) -> None:
    roster = people(6, "member")
    poll = survey_spec(questions=(QuestionSpec(QuestionKind.SINGLE, "Q", ("A", "B")),), k=3)
    survey = await service.create_survey(ORGANISER, poll)
    await service.open_survey(ORGANISER, survey.id, roster)
    for voter in roster[::2]:
        await service.submit(voter, survey.id, {survey.questions[0].id: 0})
    assert await service.non_respondents(survey.id) == roster[1::2]
    progress = await service.progress(survey.id)
    assert progress.respondents_stepped == 3 and progress.invited == 6
    assert progress.describe() == "3+ of 6 answered"
    await service.close_survey(ORGANISER, survey.id)
    assert await service.non_respondents(survey.id) == []
    assert await service.roster(survey.id) == []


async def test_closing_twice_is_refused_to_people_and_harmless_for_the_system(service: Canvass) -> None:
    survey_id = await open_survey(service, people(3))
    await service.close_survey(ORGANISER, survey_id)
    with pytest.raises(SurveyNotOpen, match="already closed"):
        await service.close_survey(ORGANISER, survey_id)
    again = await service.close_survey(None, survey_id)
    assert again.status is Status.CLOSED
