"""The `canvass` command line, run as a real subprocess where it matters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.cli import main
from bot.demo import EXAMPLE

ROOT = Path(__file__).resolve().parents[2]


def canvass(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("command", [[], ["run"], ["demo"], ["survey"], ["results"], ["db"], ["health"], ["remind"]])
def test_help_on_each_command(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    assert "usage: canvass" in capsys.readouterr().out


def example_in_the_future(tmp_path: Path) -> Path:
    """The shipped example with its dates moved years ahead: validate and create refuse a past closes_at."""
    copy = tmp_path / "example.toml"
    copy.write_text(EXAMPLE.read_text(encoding="utf-8").replace('"2026-12-', '"2036-12-'), encoding="utf-8")
    return copy


def test_validate_reports_field_and_reason(tmp_path: Path) -> None:
    ok = canvass("survey", "validate", str(example_in_the_future(tmp_path)), cwd=tmp_path)
    assert ok.returncode == 0 and "6 questions" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "T"\n[[questions]]\nkind = "single"\ntext = "Q"\noptions = ["only one"]\n')
    result = canvass("survey", "validate", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    reason = "line 5, question 1, options: a single question needs at least 2 options"
    assert result.stderr.strip() == f"canvass: {bad}: {reason}"


def test_bad_config_starts_nothing(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[canvass]\ndefault_k = 1\n")
    result = canvass("--config", str(config), "db", "upgrade", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "canvass: config: [canvass] default_k must be at least 3\n"
    assert not (tmp_path / "data").exists()


def test_demo_runs_a_meeting_and_writes_its_outputs(tmp_path: Path) -> None:
    result = canvass("demo", "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"Demo output written to {tmp_path / 'out'}" in result.stdout
    exported = json.loads((tmp_path / "out" / "results.json").read_text())
    assert exported["respondents"] == 17 and exported["invited"] == 20 and exported["status"] == "closed"
    single = exported["questions"][0]
    assert sum(o["count"] for o in single["options"]) == 17
    assert (tmp_path / "out" / "results.csv").read_text().startswith("survey_id,question,kind,item")
    for name in ("results.pdf", "summary.png"):
        assert (tmp_path / "out" / name).stat().st_size > 1000
    # The slide deck of the demo's survey, from its database: an overview, then one 16:9 page per question.
    survey_id = result.stdout.split("[", 1)[1].split("]", 1)[0]
    assert len(list((tmp_path / "out" / "posted").glob(f"{survey_id}-q*.png"))) == 6
    # Beside it, the lessons-learnt questionnaire: a grid and a lessons question, in lessons/.
    lessons = json.loads((tmp_path / "out" / "lessons" / "results.json").read_text())
    assert [q["type"] for q in lessons["questions"]][:2] == ["grid", "lessons"]
    # It is answered per delegation: 20 people in 10 delegations of two; the last three people never answer,
    # so 9 delegations do, each counted once however many of its members submitted.
    assert lessons["respondents"] == 9 and lessons["invited"] == 10
    assert len(list((tmp_path / "out" / "posted").glob("*.png"))) == 9
    env = {"CANVASS_DATA_DIR": str(tmp_path / "out")}
    deck = canvass("results", survey_id, "--format", "slides", "--output", "deck.pdf", cwd=tmp_path, env=env)
    assert deck.returncode == 0, deck.stderr
    pages = PdfReader(tmp_path / "deck.pdf").pages
    box = pages[0].mediabox
    assert len(pages) == 7 and float(box.width) / float(box.height) == pytest.approx(16 / 9, abs=0.01)


def test_demo_lessons_runs_the_lessons_learnt_questionnaire_alone(tmp_path: Path) -> None:
    result = canvass("demo", "--lessons", "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Crisis toolbox: lessons learnt" in result.stdout and "pre-meeting" not in result.stdout
    exported = json.loads((tmp_path / "out" / "results.json").read_text())
    grid, lessons = exported["questions"][:2]
    assert all(r["respondents"] is None or r["respondents"] >= 5 for r in grid["rows"])
    assert sum(len(c["entries"]) for c in lessons["cells"]) > 0
    assert all(c["entries"] == [] for c in lessons["cells"] if c["respondents"] is None)  # below k: withheld
    assert "Category  Positive  Negative" in (tmp_path / "out" / "results.txt").read_text()


def test_create_then_export_is_refused_until_close(tmp_path: Path) -> None:
    env = {"CANVASS_DATA_DIR": str(tmp_path / "data")}
    assert canvass("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    created = canvass("survey", "create", str(example_in_the_future(tmp_path)), cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    survey_id = created.stdout.split("[", 1)[1].split("]", 1)[0]
    refused = canvass("results", survey_id, "--format", "json", cwd=tmp_path, env=env)
    assert refused.returncode == 1
    assert "shown after it closes" in refused.stderr
    unknown = canvass("results", "nosuchid", cwd=tmp_path, env=env)
    assert unknown.returncode == 1 and "There is no survey with id 'nosuchid'" in unknown.stderr


POLL = """title = "Lunch?"
closes_at = "{closes}"
targets = [{{ platform = "console", channel = "plenary" }}]
roster = ["console:alice", "console:bob"]
[[questions]]
kind = "single"
text = "Lunch?"
options = ["Pizza", "Sushi"]
"""


def test_a_command_that_does_nothing_says_why_and_fails(tmp_path: Path) -> None:
    env = {"CANVASS_DATA_DIR": str(tmp_path / "data"), "CANVASS_SECRET": "cli-test-secret-0123456789"}
    survey = tmp_path / "poll.toml"
    survey.write_text(POLL.format(closes="2099-01-01 12:00"), encoding="utf-8")
    created = canvass("survey", "create", str(survey), cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    # No opens_at: it is a draft, and the CLI says so rather than promising that the bot opens it.
    assert "It stays a draft until an organiser opens it" in created.stdout
    survey_id = created.stdout.split("[", 1)[1].split("]", 1)[0]
    same = canvass("extend", survey_id, "2099-01-01 12:00", cwd=tmp_path, env=env)
    assert same.returncode == 1, same.stdout
    assert same.stderr == (
        f"canvass: Survey {survey_id} already closes Thu 01 Jan 2099 12:00 Europe/Brussels; nothing was done.\n"
    )
    first = canvass("close", survey_id, cwd=tmp_path, env=env)
    assert first.returncode == 0 and "Closed" in first.stdout, first.stderr
    again = canvass("close", survey_id, cwd=tmp_path, env=env)
    assert (again.returncode, again.stdout) == (1, "")
    assert again.stderr == f"canvass: Survey {survey_id} is already closed; nothing was done.\n"
    extend = canvass("extend", survey_id, "in 2h", cwd=tmp_path, env=env)
    assert extend.returncode == 1 and "closed" in extend.stderr
    remind = canvass("remind", survey_id, "add", "in 1h", cwd=tmp_path, env=env)
    assert remind.returncode == 1 and "closed" in remind.stderr


def test_an_unknown_remind_subcommand_is_named_without_the_chat_help(tmp_path: Path) -> None:
    result = canvass("remind", "abc", "frob", cwd=tmp_path, env={"CANVASS_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 2
    assert result.stderr == (
        "canvass: Unknown remind action 'frob': use list, add or cancel. See `canvass remind --help`.\n"
    )
