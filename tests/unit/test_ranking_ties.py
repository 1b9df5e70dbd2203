"""Ranking ties are shown as ties ("joint 1st") in every view: the core's places, the text tables that
Slack and Matrix post, the chart rows and alt text, the presenter page and the CSV/JSON exports."""

from __future__ import annotations

import json

from adapters.matrix.formatting import question_html
from adapters.present.render import _ranking
from bot.ranking_places import first_place, ordinal, place_labels, places
from bot.tables import question_table
from charts import samples
from charts.alt_text import alt_text
from charts.export import to_csv, to_json
from charts.figures import ranking_rows
from charts.headline import headline

# A and B share the top score (each ranked first by 2 of 4), C is last: A 2+2+1+1 = 6, B 6, C 0.
TIED = samples.ranking(["Alpha", "Beta", "Gamma"], [[0, 1, 2], [0, 1, 2], [1, 0, 2], [1, 0, 2]])
CLEAR = samples.ranking(["Alpha", "Beta", "Gamma"], [[1, 0, 2]] * 3 + [[0, 1, 2]] * 2)


def test_places_follow_competition_ranking() -> None:
    assert [it.borda for it in TIED.items] == [6, 6, 0]
    assert places(TIED) == [1, 1, 3]
    assert place_labels(TIED) == ["joint 1st", "joint 1st", "3rd"]
    assert first_place(TIED) == ["Alpha", "Beta"]
    assert place_labels(CLEAR) == ["1st", "2nd", "3rd"]
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
    ]  # fmt: skip


def test_text_tables_for_slack_and_matrix_show_the_tie() -> None:
    table = question_table(TIED)
    assert table.count("joint 1st") == 2 and "3rd" in table
    assert "2nd" not in table
    html = question_html(TIED)
    assert html.count("joint 1st") == 2 and "<td>3rd: Gamma</td>" in html
    assert "joint" not in question_table(CLEAR)


def test_charts_mark_every_leader_and_label_the_tie() -> None:
    rows = ranking_rows(TIED)
    assert [r.label for r in rows] == ["joint 1st: Alpha", "joint 1st: Beta", "3rd: Gamma"]
    assert [r.lead for r in rows] == [True, True, False]
    results = samples.survey([TIED], respondents=4, k=2)
    assert "Joint first overall: Alpha and Beta" in headline(results, TIED)
    assert "joint 1st: Alpha" in alt_text(results, TIED) and "joint 1st: Beta" in alt_text(results, TIED)
    assert "joint 1st: Alpha" in _ranking(TIED)


def test_exports_carry_the_place() -> None:
    results = samples.survey([TIED], respondents=4, k=2)
    rows = [line for line in to_csv(results).splitlines() if "Borda" in line]
    assert len(rows) == 3 and rows[0].count("joint 1st") == 1 and "3rd;" in rows[2]
    items = json.loads(to_json(results))["questions"][0]["items"]
    assert [i["place"] for i in items] == ["joint 1st", "joint 1st", "3rd"]
