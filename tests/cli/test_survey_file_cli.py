"""`canvass survey validate|create`: every problem at once with the file's line numbers; warnings; the truth
about when a created survey opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

SURVEY = """\
title = "Budget"
timezone = "Europe/Brussels"
closes_at = "2030-12-08 15:00"
targets = [{ platform = "console", channel = "plenary" }]

[[questions]]
kind = "single"
text = "Adopt?"
options = ["Yes", "No"]
"""


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no ./config.toml: the embedded defaults
    monkeypatch.setenv("CANVASS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CANVASS_CONFIG", raising=False)
    return tmp_path / "data"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "survey.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_lists_every_problem_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        SURVEY.replace('"Europe/Brussels"', '"Europe/Bruxelles"')
        .replace('options = ["Yes", "No"]', 'options = ["Yes"]')
        .replace('kind = "single"', 'kind = "single"\nweight = 2')
    )
    path = write(tmp_path, text)
    assert main(["survey", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"canvass: {path}: 3 problems:",
        "  line 2, timezone: unknown time zone 'Europe/Bruxelles' (use a name such as Europe/Brussels)",
        "  line 8, question 1, weight: unknown key (allowed: categories, kind, max, max_entries, max_label,"
        " max_selections, min, min_label, options, required, rows, text)",
        "  line 10, question 1, options: a single question needs at least 2 options",
    ]


def test_validate_warns_that_a_survey_without_targets_reaches_nobody(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, SURVEY.replace('targets = [{ platform = "console", channel = "plenary" }]\n', ""))
    assert main(["survey", "validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("OK: “Budget”, 1 questions")
    assert f"canvass: {path}: warning: targets: none: `open` would send to nobody" in err
    assert main(["survey", "validate", str(write(tmp_path, SURVEY))]) == 0
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (("2030-12-08 15:00", "2020-12-08 15:00"), "line 3, closes_at: the closing time is in the past"),
        (("2030-12-08 15:00", "2030-12-08"), "line 3, closes_at: '2030-12-08' has no time of day"),
        (("2030-12-08 15:00", "2030-10-27 02:30"), "line 3, closes_at: 2030-10-27 02:30 happens twice"),
        (('closes_at = "2030-12-08 15:00"', '[[reminders]]\nbefore_close = "1h"'), "before the close needs closes_at"),
    ],
)
def test_validate_refuses_times_that_cannot_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: tuple[str, str], reason: str
) -> None:
    assert main(["survey", "validate", str(write(tmp_path, SURVEY.replace(*edit)))]) == 1
    assert reason in capsys.readouterr().err


def test_create_without_opens_at_says_it_stays_a_draft(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["survey", "create", str(write(tmp_path, SURVEY))]) == 0
    out = capsys.readouterr().out
    assert "status draft" in out and "It stays a draft until an organiser opens it (`open " in out
    assert "on time" not in out


def test_create_with_opens_at_says_when(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, SURVEY.replace('closes_at =', 'opens_at = "2030-12-01 09:00"\ncloses_at ='))
    assert main(["survey", "create", str(path)]) == 0
    out = capsys.readouterr().out
    assert "status scheduled" in out and "The running bot opens it Sun 01 Dec 2030 09:00 Europe/Brussels." in out
