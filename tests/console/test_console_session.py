"""The console adapter, driven like a person at a terminal (errbot-style readable tests)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bootstrap import Core, build_core
from bot.config import Config, CoreConfig
from tests.console.terminal import Terminal, console_terminal, survey_id_from


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    config = Config(canvass=CoreConfig(data_dir=str(tmp_path), organisers=["console:organiser"], default_k=3))
    core = await build_core(config, with_charts=False)
    yield core
    await core.close()


@pytest.fixture
def terminal(core: Core) -> Terminal:
    return console_terminal(core)


async def test_a_quick_poll_from_creation_to_results(terminal: Terminal) -> None:
    for name in ("ana", "ben", "cy", "dee"):
        await terminal.type(f"/as {name}")
    await terminal.type("/as organiser")
    created = await terminal.type('/canvass poll "Lunch?" "Pizza" "Sushi"')
    assert "Opened “Lunch?”" in created and "[#general]" in created and "Anonymous" in created
    poll = survey_id_from(created)
    for name, choice in (("ana", 1), ("ben", 2), ("cy", 1), ("dee", 1)):
        await terminal.type(f"/as {name}")
        confirmation = await terminal.type(f"/vote {poll} {choice}")
        assert "(only you see this)" in confirmation and "recorded" in confirmation
    changed = await terminal.type(f"/vote {poll} 2")
    assert "changed" in changed
    await terminal.type("/as organiser")
    closed = await terminal.type(f"/canvass close {poll}")
    assert "with 4 respondents" in closed
    table = closed[closed.index("1. Lunch?") :]
    assert re.search(r"Pizza\s+2\s+50%", table) and re.search(r"Sushi\s+2\s+50%", table)


async def test_survey_with_draft_and_submit(terminal: Terminal, tmp_path: Path) -> None:
    survey_file = tmp_path / "s.toml"
    survey_file.write_text(
        'title = "Prep"\nroster = ["console:ana", "console:ben", "console:cy"]\n'
        '[[questions]]\nkind = "scale"\ntext = "Ready?"\n'
        '[[questions]]\nkind = "text"\ntext = "Why?"\n',
        encoding="utf-8",
    )
    created = await terminal.type(f"/survey {survey_file}")
    survey = survey_id_from(created)
    assert "[DM ana] You are invited" in created
    await terminal.type("/as ana")
    assert "1 of 2 answered" in await terminal.type(f"/answer {survey} 1 4")
    assert "1. Ready?\n     → 4 (of 1 to 5)" in await terminal.type(f"/draft {survey}")
    refused = await terminal.type(f"/submit {survey}")
    assert "Please answer question 2" in refused
    await terminal.type(f"/answer {survey} 2 Because we prepared")
    assert "recorded" in await terminal.type(f"/submit {survey}")


async def test_mistakes_get_short_messages_not_tracebacks(terminal: Terminal) -> None:
    created = await terminal.type('/canvass poll "Q?" "A" "B"')
    poll = survey_id_from(created)
    await terminal.type("/as ana")
    cases = {
        f"/vote {poll} 9": "there is no option 9",
        f"/vote {poll} many": "answer with numbers",
        "/vote nosuch 1": "There is no survey with id 'nosuch'",
        f"/canvass close {poll}": "Only organisers",
        "/as": "/as needs one name",
        "/dance": "Unknown input",
        "/survey /no/such/file.toml": "cannot read",
    }
    for line, message in cases.items():
        output = await terminal.type(line)
        assert message in output, line
        assert "Traceback" not in output


@pytest.mark.parametrize(
    ("line", "usage"),
    [
        ("/vote", "usage: /vote ID ANSWER... — answer a one-question poll"),
        ("/vote abc1234", "usage: /vote ID ANSWER..."),
        ("/survey", "usage: /survey FILE — create a survey from a TOML file"),
        ("/survey   ", "usage: /survey FILE"),
        ("/answer abc1234", "usage: /answer ID N ANSWER..."),
        ("/draft", "usage: /draft ID"),
        ("/submit", "usage: /submit ID"),
    ],
)
async def test_commands_without_arguments_get_their_usage_line(terminal: Terminal, line: str, usage: str) -> None:
    output = await terminal.type(line)
    assert output.startswith(f"⚠ {usage}") and "There is no survey" not in output and "cannot read" not in output


async def test_closing_below_k_says_so_without_the_exact_count(terminal: Terminal) -> None:
    created = await terminal.type('/canvass poll "Quiet?" "Yes" "No"')  # k = 3
    poll = survey_id_from(created)
    for name in ("ana", "ben"):
        await terminal.type(f"/as {name}")
        await terminal.type(f"/vote {poll} 1")
    await terminal.type("/as organiser")
    closed = await terminal.type(f"/canvass close {poll}")
    reply = next(line for line in closed.splitlines() if line.startswith("Closed"))
    assert reply == f"Closed “Quiet?” [{poll}] with fewer than 3 respondents."
    assert "2 respondents" not in closed and "respondents: 2" not in closed
    assert "Closed with fewer than 3 responses: nothing is shown." in closed
    assert "yet" not in closed  # the survey is closed: no more responses can come


async def test_a_live_poll_posts_each_snapshot_to_the_channel(terminal: Terminal, core: Core) -> None:
    for name in ("ana", "ben", "cy", "dee", "eve", "fay"):
        await terminal.type(f"/as {name}")  # in the channel when the poll opens: on its roster
    await terminal.type("/as organiser")
    created = await terminal.type('/canvass poll "Live?" "Yes" "No" --live')  # k = 3
    poll = survey_id_from(created)

    async def vote(name: str, choice: int) -> str:
        await terminal.type(f"/as {name}")
        start = len(terminal.lines)
        await terminal.type(f"/vote {poll} {choice}")
        await core.service.settle()  # the snapshot is computed off the answering path
        return "\n".join(terminal.lines[start:])

    assert "[#general]" not in await vote("ana", 1) + await vote("ben", 1)  # fewer than k: nothing moves
    posted = await vote("cy", 2)
    assert "[#general] Live?" in posted and "live" in posted
    assert re.search(r"Yes\s+2\s+66\.7%", posted) and re.search(r"No\s+1\s+33\.3%", posted)
    await vote("ana", 2)  # a changed answer is a ballot that differs, like a new one
    assert "[#general]" not in await vote("dee", 1)
    assert "[#general]" in await vote("eve", 1)  # ana's change, dee and eve: k ballots differ


async def test_a_delegation_edits_one_draft_and_submits_once(terminal: Terminal, tmp_path: Path, core: Core) -> None:
    """Two members of one delegation share a draft; one submits, both are told; another delegation's
    member sees only their own; the result counts the delegation once; nothing of it is left after close."""
    from tests.storage.dbdump import rows_mentioning
    from tests.storage.rawfiles import holding, raw_bytes

    names = ["Canaryland", "Zqbekistan", "Xyloria"]
    members = {"Canaryland": ["annaqz", "bertqz"], "Zqbekistan": ["boraqz"], "Xyloria": ["cleoqz"]}
    delegations = "".join(
        f'[[delegations]]\nname = "{name}"\nmembers = [{", ".join(f"{chr(34)}console:{m}{chr(34)}" for m in ms)}]\n'
        for name, ms in members.items()
    )
    survey_file = tmp_path / "d.toml"
    survey_file.write_text(
        'title = "Lessons"\nmin_respondents = 3\n'
        + delegations
        + '[[questions]]\nkind = "scale"\ntext = "Effective?"\n'
        '[[questions]]\nkind = "single"\ntext = "Again?"\noptions = ["Yes", "No"]\n',
        encoding="utf-8",
    )
    created = await terminal.type(f"/survey {survey_file}")
    survey = survey_id_from(created)
    assert "[DM annaqz] You are invited" in created and "its other members can see and change this draft" in created

    await terminal.type("/as annaqz")
    await terminal.type(f"/draft {survey}")
    assert "1 of 2 answered" in await terminal.type(f"/answer {survey} 1 4")
    await terminal.type("/as bertqz")
    shown = await terminal.type(f"/draft {survey}")
    assert "Your delegation's draft" in shown and "→ 4 (of 1 to 5)" in shown
    saved = await terminal.type(f"/answer {survey} 2 1")
    assert "2 of 2 answered" in saved and "since you opened it" not in saved
    await terminal.type("/as annaqz")
    edited = await terminal.type(f"/answer {survey} 1 5")  # anna opened it before bert's save
    assert "Someone else in your delegation saved this draft since you opened it" in edited
    await terminal.type("/as boraqz")
    other = await terminal.type(f"/draft {survey}")
    assert other.count("→ (no answer yet)") == 2  # Zqbekistan's own, empty draft

    await terminal.type("/as bertqz")
    start = len(terminal.lines)
    assert "Canaryland's answer to “Lessons” is recorded" in await terminal.type(f"/submit {survey}")
    await core.delivery.notices.settle()  # the colleagues' notices go after the submitter's answer
    submitted = "\n".join(terminal.lines[start:])
    assert "[DM annaqz]" in submitted and "bertqz (console) submitted the answers of your delegation" in submitted
    assert "[DM bertqz]" not in submitted and "[DM boraqz]" not in submitted
    for person, answer in (("boraqz", "2"), ("cleoqz", "3")):
        await terminal.type(f"/as {person}")
        await terminal.type(f"/answer {survey} 1 {answer}")
        await terminal.type(f"/answer {survey} 2 2")
        await terminal.type(f"/submit {survey}")

    await terminal.type("/as organiser")
    closed = await terminal.type(f"/canvass close {survey}")
    assert f"Closed “Lessons” [{survey}] with 3 delegations." in closed
    assert "respondents: 3 of 3 delegations" in closed  # the results count delegations, not people
    assert re.search(r"\b5\s+1\b", closed), closed  # Canaryland's 5 counted once (4 was replaced)
    needles = names + [m for ms in members.values() for m in ms]
    db = str(core.repository.engine.url)
    assert (tmp_path / "canvass.db").exists() and db.endswith("canvass.db")
    assert rows_mentioning(db, needles) == {}
    assert holding(raw_bytes(db), needles) == []


TOOLBOX = """title = "Toolbox"
roster = ["console:ana", "console:ben", "console:cy"]
[[questions]]
kind = "grid"
text = "Rate each"
rows = ["Sanctions", "Mediation", "Démarches"]
required = false
[[questions]]
kind = "lessons"
text = "Lessons"
categories = ["process", "effect"]
max_entries = 2
"""


async def test_grid_and_lessons_answered_at_the_console(terminal: Terminal, tmp_path: Path) -> None:
    survey_file = tmp_path / "toolbox.toml"
    survey_file.write_text(TOOLBOX, encoding="utf-8")
    created = await terminal.type(f"/survey {survey_file}")
    survey = survey_id_from(created)
    assert "   categories: 1 process, 2 effect" in created and "   1. Sanctions" in created
    assert "one rating 1..5 per row" in created and "add CATEGORY + TITLE" in created
    await terminal.type(f"/canvass open {survey}")
    await terminal.type("/as ana")
    assert "⚠ row 2 ‘Mediation’: the rating must be from 1 to 5 (got 9)" in await terminal.type(
        f"/answer {survey} 1 4 9 2"
    )
    await terminal.type(f"/answer {survey} 1 4 - 2")
    await terminal.type(f"/answer {survey} 2 add process + Early call worked | Set the tone")
    await terminal.type(f"/answer {survey} 2 add 2 - Hard to measure")
    assert "Question 2: at most 2 lessons (got 3)" in await terminal.type(f"/answer {survey} 2 add 1 + Third")
    nowhere = await terminal.type(f"/answer {survey} 2 add nowhere + x")
    assert "⚠ the lesson: choose a category (process, effect)" in nowhere
    draft = await terminal.type(f"/draft {survey}")
    # In words: each row with its rating, a skipped row said so; each lesson with its category and polarity.
    assert "Sanctions: 4 (of 1 to 5)" in draft and "Mediation: (skipped)" in draft
    assert "Lesson 1 (process; positive: practice to replicate): Early call worked" in draft
    assert "Set the tone" in draft and "Lesson 2 (effect; negative: room for improvement): Hard to measure" in draft
    await terminal.type(f"/answer {survey} 2 remove 1")
    assert "Early call worked" not in await terminal.type(f"/draft {survey}")
    assert "recorded" in await terminal.type(f"/submit {survey}")
