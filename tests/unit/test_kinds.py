"""Grid and lessons: aggregation against results computed by hand (k per row, k per cell), the answer rules,
the canonical encoding (old encodings unchanged), the text reply grammars and the survey-file keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.aggregation import aggregate
from bot.domain import Lesson, Question, QuestionKind, QuestionSpec
from bot.errors import InvalidInput
from bot.kinds_text import parse_grid_reply, parse_lesson_reply
from bot.problems import SurveyFileError
from bot.results import GridResult, HiddenResult, LessonEntry, LessonsResult
from bot.survey_file import parse_survey
from bot.tables import question_table
from bot.validation import decode_answer, encode_answer, validate_answer, validate_question

GRID = Question("s.1", 0, QuestionKind.GRID, "Rate", rows=("A", "B", "C"), required=False)
LESSONS = Question("s.2", 1, QuestionKind.LESSONS, "Lessons", categories=("process", "measures"), required=False)


def grouped(answers: list[object]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for answer in answers:
        key = encode_answer(answer)  # type: ignore[arg-type]
        counts[key] = counts.get(key, 0) + 1
    return list(counts.items())


BALLOTS = [(5, 4, None), (4, 4, None), (4, 2, 1), (2, None, None), (5, 3, None)]


def test_grid_rows_by_hand_with_k_per_row() -> None:
    result = aggregate(GRID, grouped(list(BALLOTS)), k=3)
    assert isinstance(result, GridResult) and result.respondents == 5
    a, b, c = result.rows
    # A: 5 4 4 2 5 -> sorted 2 4 4 5 5: median 4, mean 20/5
    assert (a.respondents, a.median, a.mean) == (5, 4.0, 4.0)
    assert [x.count for x in a.distribution] == [0, 1, 0, 2, 2]
    assert [x.percent for x in a.distribution] == [0.0, 20.0, 0.0, 40.0, 40.0]
    # B: 4 4 2 3 (one skipped) -> sorted 2 3 4 4: median 3.5, mean 13/4; percentages of B's own 4 ratings
    assert (b.respondents, b.median, b.mean) == (4, 3.5, 3.25)
    assert [x.percent for x in b.distribution] == [0.0, 25.0, 25.0, 50.0, 0.0]
    # C: one rating, fewer than k: withheld whole, not even its count
    assert c.withheld and c.respondents is None and c.distribution == () and c.median is None
    assert "C" in question_table(result) and "<3" in question_table(result)


def test_grid_k_applies_to_each_row_at_its_boundary() -> None:
    at_four = aggregate(GRID, grouped(list(BALLOTS)), k=4)
    at_five = aggregate(GRID, grouped(list(BALLOTS)), k=5)
    assert isinstance(at_four, GridResult) and isinstance(at_five, GridResult)
    assert at_four.rows[1].respondents == 4  # exactly k ratings: shown
    assert at_five.rows[0].respondents == 5 and at_five.rows[1].withheld  # 4 < 5: withheld
    assert isinstance(aggregate(GRID, grouped(list(BALLOTS)), k=6), HiddenResult)  # 5 ballots < k


LESSON_BALLOTS: list[object] = [
    (Lesson(0, True, "a"), Lesson(0, True, "b"), Lesson(1, False, "c")),
    (Lesson(0, True, "a"),),
    (Lesson(0, False, "d"), Lesson(1, False, "e")),
    (Lesson(1, False, "f", "x"),),
    (),
]


def test_lessons_cells_count_respondents_with_k_per_cell() -> None:
    result = aggregate(LESSONS, grouped(LESSON_BALLOTS), k=3)
    assert isinstance(result, LessonsResult) and result.respondents == 5
    # process+: respondents 1 and 2 (three entries, two people) -> 2 < 3 -> "<3"; process-: 1; measures+: 0
    assert result.cell(0, True).respondents is None
    assert result.cell(0, False).respondents is None
    assert result.cell(1, True).respondents is None
    assert result.cell(1, False).respondents == 3  # respondents 1, 3 and 4
    assert result.cell(0, True).entries == () and result.cell(0, False).entries == ()  # below k: withheld
    assert sorted(e.title for e in result.cell(1, False).entries) == ["c", "e", "f"]
    assert LessonEntry("f", "x") in result.cell(1, False).entries
    assert result.entry_count == 3
    at_two = aggregate(LESSONS, grouped(LESSON_BALLOTS), k=2)
    assert isinstance(at_two, LessonsResult) and at_two.cell(0, True).respondents == 2
    assert sorted(e.title for e in at_two.cell(0, True).entries) == ["a", "a", "b"]
    table = question_table(result)
    assert "process         <3        <3" in table and "measures        <3         3" in table
    assert isinstance(aggregate(LESSONS, grouped(LESSON_BALLOTS), k=6), HiddenResult)


def test_lesson_order_depends_on_content_never_on_arrival() -> None:
    forward = aggregate(LESSONS, grouped(LESSON_BALLOTS), k=3)
    backward = aggregate(LESSONS, list(reversed(grouped(LESSON_BALLOTS))), k=3)
    assert isinstance(forward, LessonsResult) and isinstance(backward, LessonsResult)
    assert forward.cells == backward.cells


def test_grid_answer_rules_name_the_row() -> None:
    required = Question("s.3", 0, QuestionKind.GRID, "Rate", rows=("Sanctions", "Mediation"))
    assert validate_answer(GRID, ["4", "", 5]) == (4, None, 5)
    assert validate_answer(GRID, {"1": 3}) == (None, 3, None)
    with pytest.raises(InvalidInput, match="row 2 ‘Mediation’: the rating must be from 1 to 5 \\(got 7\\)"):
        validate_answer(required, [4, 7])
    with pytest.raises(InvalidInput, match="row 2 ‘Mediation’: please rate every row"):
        validate_answer(required, [4, None])
    with pytest.raises(InvalidInput, match="one rating per row: 3 rows, got 2"):
        validate_answer(GRID, [1, 2])
    with pytest.raises(InvalidInput, match="there is no row 4"):
        validate_answer(GRID, {3: 1})


def test_lesson_answer_rules() -> None:
    limited = Question("s.4", 0, QuestionKind.LESSONS, "L", categories=("process",), max_entries=10)
    one = {"category": "Process", "polarity": "negative", "title": " Late ", "description": "x"}
    assert validate_answer(limited, [one]) == (Lesson(0, False, "Late", "x"),)
    with pytest.raises(InvalidInput, match="lesson 1: choose a category"):
        validate_answer(limited, [{"polarity": "positive", "title": "t"}])
    with pytest.raises(InvalidInput, match="at most 10 lessons \\(got 11\\)"):
        validate_answer(limited, [one] * 11)
    with pytest.raises(InvalidInput, match="lesson 2: a title may have at most 150"):
        validate_answer(limited, [one, {**one, "title": "t" * 151}])
    with pytest.raises(InvalidInput, match="a description may have at most 2000"):
        validate_answer(limited, [{**one, "description": "d" * 2001}])
    with pytest.raises(InvalidInput, match="add at least one lesson"):
        validate_answer(limited, [])
    assert validate_answer(LESSONS, []) == ()  # optional: none is an answer


def test_encodings_are_canonical_and_old_ones_unchanged() -> None:
    assert encode_answer((4, None, 5)) == "[4,null,5]" and decode_answer("[4,null,5]") == (4, None, 5)
    lessons = (Lesson(1, True, "Ré", "d"),)
    payload = encode_answer(lessons)
    assert payload == '[{"category":1,"description":"d","positive":true,"title":"Ré"}]'
    assert decode_answer(payload) == lessons
    # Ballots stored before these kinds decode as they always did.
    assert [decode_answer(p) for p in ("2", "[0,2]", '"idea"')] == [2, (0, 2), "idea"]
    assert [encode_answer(a) for a in (2, (0, 2), "idea")] == ["2", "[0,2]", '"idea"']


def test_text_grammars() -> None:
    assert parse_grid_reply(GRID, "4 - 5") == (4, None, 5)
    assert parse_grid_reply(GRID, "4, 3, 2") == (4, 3, 2)
    with pytest.raises(InvalidInput, match="give 3 ratings from 1 to 5"):
        parse_grid_reply(GRID, "4 3")
    lesson = parse_lesson_reply(LESSONS, "process + Early warning worked | The cell flagged it two weeks ahead")
    assert lesson == Lesson(0, True, "Early warning worked", "The cell flagged it two weeks ahead")
    assert parse_lesson_reply(LESSONS, "2 - Late exemptions") == Lesson(1, False, "Late exemptions")
    with pytest.raises(InvalidInput, match="choose a category"):
        parse_lesson_reply(LESSONS, "nowhere + Title")
    with pytest.raises(InvalidInput, match="choose a category from 1 to 2"):
        parse_lesson_reply(LESSONS, "3 + Title")


def test_question_rules() -> None:
    with pytest.raises(InvalidInput, match="needs at least 1 row"):
        validate_question(QuestionSpec(QuestionKind.GRID, "Rate"), "q")
    with pytest.raises(InvalidInput, match="at most 20 rows"):
        validate_question(QuestionSpec(QuestionKind.GRID, "Rate", rows=tuple(f"r{i}" for i in range(21))), "q")
    with pytest.raises(InvalidInput, match="needs at least 1 category"):
        validate_question(QuestionSpec(QuestionKind.LESSONS, "L"), "q")
    with pytest.raises(InvalidInput, match="must be from 1 to 18 \\(got 0\\)"):
        validate_question(QuestionSpec(QuestionKind.LESSONS, "L", categories=("a",), max_entries=0), "q")


SURVEY = """title = "Toolbox"
[[questions]]
kind = "grid"
text = "Rate each"
rows = ["Démarches", "Sanctions"]
min_label = "Not effective"
max_label = "Very effective"

[[questions]]
kind = "lessons"
text = "Lessons"
categories = ["process", "measures", "effect"]
max_entries = 5
"""
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_survey_file_reads_both_kinds() -> None:
    grid, lessons = parse_survey(SURVEY, "UTC", 5, NOW).questions
    assert grid.kind is QuestionKind.GRID and grid.rows == ("Démarches", "Sanctions") and grid.max_label
    assert lessons.kind is QuestionKind.LESSONS and lessons.categories == ("process", "measures", "effect")
    assert lessons.max_entries == 5


def test_survey_file_errors_have_their_lines() -> None:
    bad = SURVEY.replace('"Sanctions"]', '"Sanctions", 3]').replace("max_entries = 5", "max_entries = 19")
    bad = bad.replace('categories = ["process", "measures", "effect"]', "categories = []")
    with pytest.raises(SurveyFileError) as caught:
        parse_survey(bad, "UTC", 5, NOW)
    shown = [str(p) for p in caught.value.problems]
    assert shown == [
        "line 5, question 1, row 3: must be text",
        "line 12, question 2, categories: needs at least 1 category",
        "line 13, question 2, max_entries: must be from 1 to 18 (got 19)",
    ]


@pytest.mark.parametrize("raw", ["²", "--3", "3²", "٣x"])
def test_a_rating_that_only_looks_like_a_number_is_refused_not_a_crash(raw: str) -> None:
    scale = Question("s.5", 0, QuestionKind.SCALE, "Rate")
    with pytest.raises(InvalidInput, match="must be a whole number"):
        validate_answer(scale, raw)
    with pytest.raises(InvalidInput, match="row 1 ‘A’: the rating must be a whole number"):
        validate_answer(GRID, [raw, None, None])


def test_a_lesson_from_a_form_may_have_empty_fields_and_signs_for_polarity() -> None:
    raw = [{"category": 1, "polarity": "-", "title": "Late", "description": None}, {"category": 0, "polarity": "+",
           "title": "Quick"}]  # fmt: skip
    assert validate_answer(LESSONS, raw) == (Lesson(1, False, "Late", ""), Lesson(0, True, "Quick", ""))
    with pytest.raises(InvalidInput, match="lesson 1: the title is empty"):
        validate_answer(LESSONS, [{"category": 0, "polarity": "+", "title": None}])
