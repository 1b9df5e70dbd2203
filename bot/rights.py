"""Who may do what, per survey (DESIGN.md rule 10).

A survey is managed (opened, closed, extended, reminded, its roster and organisers-only results) by
its creator and the configured organisers only. A room's power level, which the adapter verifies and
records in `Actor.organiser_in`, only lets a user create surveys aimed at that same room.

Room power also decides who is in the room, and a survey created there invites the room's members: kick
the others, keep one victim beside k−1 accounts of one's own, and the result is the victim's answer. So
the promise holds against a participant with power in some room only because such a survey (its creator
is not a configured organiser) does not open until a configured organiser, or the operator's CLI,
approves it (`approve ID`; bot/approval.py). A configured organiser's own survey needs no approval.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import Actor, Survey, Target
from bot.errors import NotAuthorised


class Rights:
    def __init__(self, organisers: frozenset[str] = frozenset()) -> None:
        self._organisers = organisers

    def is_configured(self, actor: Actor) -> bool:
        return actor.key in self._organisers

    def is_organiser(self, actor: Actor) -> bool:
        """May run organiser commands here at all (each survey is still checked on its own)."""
        return actor.platform_organiser or self.is_configured(actor)

    def may_manage(self, actor: Actor | None, survey: Survey) -> bool:
        # actor None means the system itself (scheduler, CLI run by the operator).
        return actor is None or self.is_configured(actor) or actor.key == survey.created_by

    def require_manage(self, actor: Actor | None, survey: Survey, action: str) -> None:
        if not self.may_manage(actor, survey):
            raise NotAuthorised(
                # No title: someone who may not manage a survey learns nothing of it.
                f"Only organisers of survey [{survey.id}] can {action}: its creator and the configured organisers."
            )

    def require_roster(self, actor: Actor | None) -> None:
        """Only configured organisers (or the operator) choose who is invited. A survey created with a
        room's power invites that room's members when it opens: a chosen roster of one real person and
        k−1 accounts of the creator's own would expose that person's answer."""
        if actor is not None and not self.is_configured(actor):
            raise NotAuthorised(
                "Only the configured organisers can choose who is invited; a survey created here invites "
                "this room's members when it opens."
            )

    def require_create(self, actor: Actor | None, targets: Sequence[Target]) -> None:
        if actor is None or self.is_configured(actor):
            return
        if actor.organiser_in is None:
            raise NotAuthorised("Only organisers can create surveys and polls.")
        elsewhere = [t for t in targets if t != actor.organiser_in]
        if elsewhere or not targets:
            raise NotAuthorised(
                "Your power in this room lets you create surveys for this room only; "
                "ask a configured organiser for surveys aimed at other rooms."
            )
