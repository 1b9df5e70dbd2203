"""Only the roster answers (issue 10, break 3): checked in the submit transaction through a slot."""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.command_handler import CommandHandler
from bot.delivery import Delivery
from bot.domain import Participant, QuestionKind, QuestionSpec
from bot.errors import NotInvited
from bot.service import Canvass
from tests.factories import CHANNEL, ORGANISER, survey_spec
from tests.storage.dbdump import dump_all, rows_mentioning

SURVEY = (
    QuestionSpec(QuestionKind.SINGLE, "Pick", ("A", "B")),
    QuestionSpec(QuestionKind.TEXT, "Why?", required=False),
)
INVITED = [Participant("console", f"InvitedZq{i}") for i in range(3)]
PUPPETS = [Participant("console", f"PuppetZq{i}") for i in range(4)]


@pytest.fixture
def commands(delivery: Delivery, clock: ManualClock) -> CommandHandler:
    return CommandHandler(delivery, clock, "UTC", 3)


async def test_outsiders_are_refused_and_nothing_is_stored(service: Canvass, db_url: str) -> None:
    survey = await service.create_survey(ORGANISER, survey_spec(questions=SURVEY, k=3))
    await service.open_survey(ORGANISER, survey.id, INVITED)
    q1, q2 = (q.id for q in survey.questions)
    await service.submit(INVITED[0], survey.id, {q1: 0})
    before = dump_all(db_url)
    for puppet in PUPPETS:  # k-1 sock puppets would expose one real voter
        with pytest.raises(NotInvited, match="not on the list of people invited to answer “Test survey”"):
            await service.submit(puppet, survey.id, {q1: 1, q2: "x"})
        with pytest.raises(NotInvited):
            await service.save_draft(puppet, survey.id, {q1: 1})
    assert dump_all(db_url) == before
    # The eligibility set holds slots, never the ids, and it is gone after close.
    assert not rows_mentioning(db_url, ["InvitedZq", "PuppetZq"]).get("eligible")
    assert len([r for r in before["eligible"] if r[0] == survey.id]) == len(INVITED)
    for voter in INVITED[1:]:
        await service.submit(voter, survey.id, {q1: 1})
    closed = await service.close_survey(ORGANISER, survey.id)
    assert closed.respondents_at_close == 3 and closed.invited_count == 3
    results = await service.results(None, survey.id)
    assert results.respondents is not None and results.respondents <= results.invited
    assert not [r for r in dump_all(db_url)["eligible"] if r[0] == survey.id]


async def test_the_organiser_adds_people_to_an_open_survey(service: Canvass, commands: CommandHandler) -> None:
    survey = await service.create_survey(ORGANISER, survey_spec(questions=SURVEY, k=3))
    await service.open_survey(ORGANISER, survey.id, INVITED)
    q1 = survey.questions[0].id
    late = Participant("console", "latecomer")
    with pytest.raises(NotInvited):
        await service.submit(late, survey.id, {q1: 0})
    reply = await commands.handle_text(ORGANISER, CHANNEL, f"roster {survey.id} add latecomer InvitedZq0")
    assert "Added 1" in reply.text and "4 invited" in reply.text and not reply.public
    await service.submit(late, survey.id, {q1: 0})
    assert (await service.save_draft(late, survey.id, {q1: 1})).count == 1
    listed = await commands.handle_text(ORGANISER, CHANNEL, f"roster {survey.id} list")
    assert listed.text.startswith("4 invited") and "console:latecomer" in listed.text
    progress = await service.progress(survey.id)
    assert progress.invited == 4


async def test_the_operator_adds_people_from_the_cli(service: Canvass, commands: CommandHandler) -> None:
    survey = await service.create_survey(ORGANISER, survey_spec(questions=SURVEY, k=3))
    await service.open_survey(ORGANISER, survey.id, INVITED)
    from bot.commands import parse_command

    reply = await commands.schedule(None, parse_command(f"roster {survey.id} add console:cli-person"))
    assert "Added 1" in reply.text
    await service.submit(Participant("console", "cli-person"), survey.id, {survey.questions[0].id: 1})
