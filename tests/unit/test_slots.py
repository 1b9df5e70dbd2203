"""Slots are stored: an open survey's ballots and markers are found again only if a later version of
the code computes the very same bytes (DESIGN.md rule 1). These pin them."""

from __future__ import annotations

from bot.anonymity import ballot_slot, responded_slot
from bot.domain import Participant

KEY = b"k" * 32
VOTER = Participant("slack", "U1")


def test_slots_are_the_documented_hmacs() -> None:
    # HMAC-SHA256(K_survey, purpose | platform | user_id), fields joined by U+001F.
    assert ballot_slot(KEY, "s1.1", VOTER).hex() == "e2cbe5ae47c3b8f1c2e77b32856d4fbd460f9f77955bc91c874f83dca53415a5"
    assert responded_slot(KEY, VOTER).hex() == "ab6e888acac846b85b80d9911d765e5afc677db8477e7c6ed3239edcba6c34f4"
