"""The longest answer the bot accepts is stored, sealed and counted on both databases, in any script.
PostgreSQL caps a B-tree entry at about 2.7 kB: 2,000 characters of Chinese are 6 kB of UTF-8, and
an index holding the answer made such a vote fail (migration 0008 keeps answers out of its indexes)."""

from __future__ import annotations

import random

from bot.domain import Participant, QuestionKind, QuestionSpec
from bot.limits import MAX_TEXT_ANSWER_CHARS
from bot.results import TextResult
from bot.service import Canvass
from tests.factories import ORGANISER, survey_spec


def long_text(seed: int) -> str:
    rng = random.Random(seed)  # random ideographs: text that compresses as badly as real prose can
    return "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(MAX_TEXT_ANSWER_CHARS))


async def test_the_longest_answer_in_a_multibyte_script_is_stored_sealed_and_shown(service: Canvass) -> None:
    people = [Participant("console", f"delegate{i}") for i in range(3)]
    survey = await service.create_survey(
        ORGANISER, survey_spec(questions=(QuestionSpec(QuestionKind.TEXT, "Your view?"),), k=3)
    )
    await service.open_survey(ORGANISER, survey.id, people)
    texts = [long_text(i) for i in range(len(people))]
    assert all(len(t.encode()) > 5000 for t in texts)
    for person, text in zip(people, texts, strict=True):
        await service.submit(person, survey.id, {survey.questions[0].id: text})
    await service.close_survey(ORGANISER, survey.id)
    result = (await service.results(ORGANISER, survey.id)).questions[0]
    assert isinstance(result, TextResult)
    assert sorted(result.answers) == sorted(texts)
