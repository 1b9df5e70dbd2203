"""Keyed pseudonyms (DESIGN.md, anonymity rules 1-3).

A participant's identity is turned into an HMAC slot at the entry point and goes no further. The key
is derived from a master secret that never enters the database and a per-survey salt that is erased
at close, after which no slot can be recomputed by anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

from bot.domain import Participant, Question, QuestionKind, QuestionSpec, Survey

SALT_BYTES = 32


def new_key_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def survey_key(master_secret: bytes, key_salt: bytes) -> bytes:
    return hmac.new(master_secret, key_salt, hashlib.sha256).digest()


def _slot(key: bytes, purpose: str, participant: Participant) -> bytes:
    # A separator that cannot occur inside the purpose keeps the fields unambiguous.
    message = "\x1f".join((purpose, participant.platform, participant.user_id)).encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def ballot_slot(key: bytes, question_id: str, participant: Participant) -> bytes:
    """One slot per question, so ballots of one person cannot be joined across questions."""
    return _slot(key, f"q:{question_id}", participant)


def responded_slot(key: bytes, participant: Participant) -> bytes:
    return _slot(key, "responded", participant)


def draft_slot(key: bytes, participant: Participant) -> bytes:
    return _slot(key, "draft", participant)


DELEGATION_PLATFORM = "delegation"  # no chat platform is called this, so no person's slot can collide


def delegation_identity(key: bytes, name: str) -> Participant:
    """Who answers for a delegation, as far as slots go: the HMAC of its name under the survey key.
    Every member maps to it at the entry point, so ballots, markers and the draft are the delegation's."""
    digest = hmac.new(key, "\x1f".join(("delegation", name)).encode(), hashlib.sha256).hexdigest()
    return Participant(DELEGATION_PLATFORM, digest)


def draft_seen_slot(key: bytes, participant: Participant) -> bytes:
    """A member's own pseudonym for remembering which draft version they last saw (never stored)."""
    return _slot(key, "draft-seen", participant)


FREE_TEXT_TRUTH = "written answers are published word for word, so what you write can identify you"


def notice(k: int, free_text: bool = False, unit: str = "people") -> str:
    """The one-line truth told with every question (rule 9); with `free_text` for a text question."""
    text = (
        f"🔒 Anonymous: answers are stored without any link to you; results are shown only as totals "
        f"of at least {k} {unit}; a unanimous result reveals everyone's answer"
    )
    return f"{text}; {FREE_TEXT_TRUTH}." if free_text else f"{text}."


# Kinds whose answers are published word for word: free text, and the titles and descriptions of lessons.
VERBATIM_KINDS = frozenset({QuestionKind.TEXT, QuestionKind.LESSONS})


def has_free_text(questions: Sequence[Question | QuestionSpec]) -> bool:
    return any(q.kind in VERBATIM_KINDS for q in questions)


DELEGATION_TRUTH = (
    "You answer for your delegation: its other members can see and change this draft, any of them can "
    "submit it, and all of them are told who submitted. Between delegations it is anonymous."
)


def survey_notice(survey: Survey) -> str:
    """The notice for a survey's messages: it names the free-text truth when any question is text, and
    what colleagues see when the respondents are delegations."""
    unit = "delegations" if survey.by_delegation else "people"  # k counts delegations there
    text = notice(survey.k, has_free_text(survey.questions), unit)
    if survey.by_delegation:
        text = f"{text} {DELEGATION_TRUTH}"
    return text


def free_text_preview(questions: Sequence[Question | QuestionSpec]) -> str | None:
    """What the organiser is told when creating a survey with text questions (break 13)."""
    numbers = [str(i + 1) for i, q in enumerate(questions) if q.kind in VERBATIM_KINDS]
    if not numbers:
        return None
    which = f"question{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}"
    return (
        f"Note: answers to {which} (free text or lessons) are published word for word with the results, and can "
        f"identify their author; participants are told so with each question."
    )
