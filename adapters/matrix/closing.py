"""After a close, one short "closed" note in each DM the survey used (issue 11), with a pointer to the
results where the mode publishes them. The invitation itself cannot be edited to say so: the close
redacts every event of the survey in the DMs (trail.py), the invitation included.

The note names only the title and where results are. It is redacted after `copy_seconds` (best effort,
memory only: it holds no answer and not even whether this person answered)."""

from __future__ import annotations

from nio import AsyncClient

from bot.domain import ResultsMode, Survey


def closed_note(survey: Survey, client: AsyncClient, platform: str) -> str:
    what = "poll" if survey.is_poll else "survey"
    if survey.results_mode is ResultsMode.ORGANISERS:
        where = "Its results go to the organisers only."
    else:
        rooms = [t.channel for t in survey.targets if t.platform == platform]
        names = [_name(client, r) for r in rooms]
        shown = [n for n in names if n]
        place = f" in {', '.join(f'“{n}”' for n in shown)}" if shown else " in the room where it was announced"
        where = f"Its results are posted{place}."
    return f"🔒 The {what} “{survey.title}” is closed, so it takes no more answers. {where} Thank you."


def _name(client: AsyncClient, room_id: str) -> str:
    room = client.rooms.get(room_id)
    if room is None:
        return ""
    name = room.name or room.canonical_alias or ""
    return str(name)
