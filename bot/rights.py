"""Who may do what: the configured organisers, and people whose power the adapter verified."""

from __future__ import annotations

from bot.domain import Actor
from bot.errors import NotAuthorised


class Rights:
    def __init__(self, organisers: frozenset[str] = frozenset()) -> None:
        self._organisers = organisers

    def is_organiser(self, actor: Actor) -> bool:
        return actor.platform_organiser or actor.key in self._organisers

    def require_organiser(self, actor: Actor | None, action: str) -> None:
        # actor None means the system itself (scheduler, CLI run by the operator).
        if actor is not None and not self.is_organiser(actor):
            raise NotAuthorised(f"Only organisers can {action}.")
