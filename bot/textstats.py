"""Top terms of free-text answers: stop-words removed, a term must come from >= 2 respondents."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from bot.limits import TOP_TERMS

# English plus the commonest French and German function words: meetings are often multilingual.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves also would should could may might must shall us get got
    le la les un une des du de et en est que qui pour pas au aux ce ces dans sur par plus ne se sont
    der die das und ist nicht ein eine zu den mit von im auf für dem des sich auch es
    """.split()
)

_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)


def terms_of(text: str) -> set[str]:
    words = (w.strip("'’-").casefold() for w in _WORD.findall(text))
    return {w for w in words if len(w) > 1 and w not in STOP_WORDS}


def top_terms(answers: Iterable[str], limit: int = TOP_TERMS, min_respondents: int = 2) -> list[tuple[str, int]]:
    """Count each term once per answer, so one verbose respondent cannot push a term up alone."""
    counts: Counter[str] = Counter()
    for answer in answers:
        counts.update(terms_of(answer))
    ranked = sorted(
        ((term, n) for term, n in counts.items() if n >= min_respondents), key=lambda item: (-item[1], item[0])
    )
    return ranked[:limit]
