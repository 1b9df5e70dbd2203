"""The presenter page's port: where minted tokens are kept (only their hashes), implemented in storage/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class PresentTokenRecord:
    token_hash: bytes  # SHA-256 of the token; the token itself is never stored
    survey_id: str
    created_at: datetime
    revoked_at: datetime | None


class PresentTokenStore(Protocol):
    async def add(self, token_hash: bytes, survey_id: str, created_at: datetime) -> None: ...

    async def find(self, token_hash: bytes) -> PresentTokenRecord | None: ...

    async def revoke(self, survey_id: str, at: datetime) -> int:
        """Revoke every live token of a survey; returns how many were live."""
        ...
