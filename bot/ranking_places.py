"""Places in a ranking result, with ties shown as ties ("joint 1st"), defined once for every view:
Matrix, Slack, console tables, charts, alt text, the presenter page and the exports.

Two options tie when their Borda scores are equal; the order they are listed in among themselves
(option order) says nothing. Places follow standard competition ranking: two joint 1st, then 3rd.
"""

from __future__ import annotations

from bot.results import RankingResult


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def places(result: RankingResult) -> list[int]:
    """The place of each item, in the result's order: 1 + the number of items scoring strictly more."""
    scores = [item.borda for item in result.items]
    return [1 + sum(other > score for other in scores) for score in scores]


def tied(result: RankingResult) -> list[bool]:
    scores = [item.borda for item in result.items]
    return [scores.count(score) > 1 for score in scores]


def place_labels(result: RankingResult) -> list[str]:
    """"1st", "joint 2nd", … for each item, in the result's order."""
    return [
        f"joint {ordinal(place)}" if is_tied else ordinal(place)
        for place, is_tied in zip(places(result), tied(result), strict=True)
    ]


def first_place(result: RankingResult) -> list[str]:
    """The labels of every option in first place (more than one on a tie at the top)."""
    return [item.label for item, place in zip(result.items, places(result), strict=True) if place == 1]
