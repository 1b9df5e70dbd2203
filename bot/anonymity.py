"""Keyed pseudonyms (DESIGN.md, anonymity rules 1-3).

A participant's identity is turned into an HMAC slot at the entry point and goes no further. The key
is derived from a master secret that never enters the database and a per-survey salt that is erased
at close, after which no slot can be recomputed by anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from bot.domain import Participant

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


def notice(k: int) -> str:
    """The one-line truth told with every question (rule 9)."""
    return (
        f"🔒 Anonymous: answers are stored without any link to you; results are shown only as totals "
        f"of at least {k} people; a unanimous result reveals everyone's answer."
    )
