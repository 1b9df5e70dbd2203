"""The participant's side in the console (issue 11): answers in words, change one and keep the rest,
their own copy that leaves no trace in the database."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.bootstrap import Core, build_core
from bot.config import Config, CoreConfig
from bot.contribution import NOT_STORED
from tests.console.terminal import Terminal, console_terminal, survey_id_from
from tests.storage.dbdump import dump_all, rows_mentioning
from tests.storage.rawfiles import holding, raw_bytes

SURVEY = """title = "Lessons learnt"
timezone = "Europe/Brussels"
roster = ["console:ana", "console:ben", "console:cy"]
[[questions]]
kind = "multi"
text = "Which went well?"
options = ["Option A", "Option B", "Option C", "Option D"]
max_selections = 4
[[questions]]
kind = "scale"
text = "Overall"
min_label = "poor"
max_label = "excellent"
[[questions]]
kind = "ranking"
text = "Rank the fixes"
options = ["X", "Y", "Z"]
[[questions]]
kind = "text"
text = "Anything else?"
required = false
[[questions]]
kind = "text"
text = "What should change?"
"""
CANARY = "Zebracanary the handover notes were lost"


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    config = Config(canvass=CoreConfig(data_dir=str(tmp_path), organisers=["console:organiser"], default_k=3))
    core = await build_core(config, with_charts=True)
    yield core
    await core.close()


@pytest.fixture
def terminal(core: Core) -> Terminal:
    return console_terminal(core)


async def _survey(terminal: Terminal, tmp_path: Path) -> str:
    path = tmp_path / "s.toml"
    path.write_text(SURVEY, encoding="utf-8")
    return survey_id_from(await terminal.type(f"/survey {path}"))


async def test_words_change_one_keep_the_rest_and_a_copy_without_trace(
    terminal: Terminal, core: Core, tmp_path: Path
) -> None:
    survey = await _survey(terminal, tmp_path)
    await terminal.type("/as ana")
    await terminal.type(f"/answer {survey} 1 1 4")
    await terminal.type(f"/answer {survey} 2 4")
    draft = await terminal.type(f"/draft {survey}")
    assert "→ Option A, Option D" in draft and "→ 4 (of 1 = poor … 5 = excellent)" in draft
    assert "(0, 3)" not in draft and "→ (no answer yet)" in draft
    await terminal.type(f"/answer {survey} 3 3 1 2")
    await terminal.type(f"/answer {survey} 5 {CANARY}")  # question 4, optional, skipped
    submitted = await terminal.type(f"/submit {survey}")
    assert "is recorded" in submitted and "→ 1. Z  2. X  3. Y" in submitted
    assert "4. Anything else?\n     → (skipped)" in submitted

    # Change one answer, keep the rest: the edit starts from the submitted answers.
    mine = await terminal.type(f"/draft {survey}")
    assert "Your submitted answers" in mine and "→ Option A, Option D" in mine and CANARY in mine
    assert "your other answers stay" in await terminal.type(f"/answer {survey} 2 2")
    pending = await terminal.type(f"/draft {survey}")
    assert "not sent until /submit" in pending and "→ 2 (of 1 = poor" in pending and CANARY in pending
    url = f"sqlite:///{tmp_path / 'canvass.db'}"
    assert not dump_all(url)["drafts"]  # the edit is not a draft row joining this person's answers
    changed = await terminal.type(f"/submit {survey}")
    assert "is changed" in changed and "→ 2 (of 1 = poor … 5 = excellent)" in changed
    assert "→ Option A, Option D" in changed and "→ 1. Z  2. X  3. Y" in changed and CANARY in changed
    assert "4. Anything else?\n     → (skipped)" in changed  # stayed skipped, not filled, not lost

    # The copy, right after submitting.
    before = dump_all(url)
    copy = await terminal.type("/copy")
    assert "Your contribution to “Lessons learnt”" in copy and "Europe/Brussels" in copy
    assert NOT_STORED in copy and CANARY in copy and "(skipped)" in copy
    pdf_path = Path(re.search(r"PDF: (\S+\.pdf)", copy).group(1))  # type: ignore[union-attr]
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf_path).pages)
    assert "Lessons learnt" in text and CANARY in text and "not stored by Canvass" in text
    pdf_path.unlink()
    assert "right after /submit" in await terminal.type("/copy")  # once: nothing is kept to copy later

    # Canary: the copy left nothing in the database, its rows or its files (main, -wal, -shm). The free
    # text itself is in its ballot (and the WAL's older pages of it), as any answer is; what only the copy
    # holds (its framing, the submission time, the PDF) is nowhere.
    assert dump_all(url) == before
    submitted_line = re.search(r"Submitted (.+)", copy).group(1)  # type: ignore[union-attr]
    copy_only = [NOT_STORED, "Your contribution to", submitted_line, "%PDF-", "canvass-copy-"]
    assert not holding(raw_bytes(url), copy_only)
    await terminal.type("/as organiser")
    await terminal.type(f"/canvass close {survey}")
    await core.repository.checkpointed()
    raw = raw_bytes(url)
    assert not holding(raw, [*copy_only, "console:ana"])
    assert not rows_mentioning(url, [CANARY]).keys() - {"sealed_ballots"}  # only the anonymous ballot


async def test_a_closed_survey_gives_no_prefill(terminal: Terminal, tmp_path: Path) -> None:
    survey = await _survey(terminal, tmp_path)
    await terminal.type("/as ana")
    for n, answer in ((1, "1"), (2, "3"), (3, "1 2 3"), (5, "x")):
        await terminal.type(f"/answer {survey} {n} {answer}")
    await terminal.type(f"/submit {survey}")
    await terminal.type("/as organiser")
    await terminal.type(f"/canvass close {survey}")
    await terminal.type("/as ana")
    assert "is closed" in await terminal.type(f"/draft {survey}")
