"""Where each DM conversation stands, durable, so that a restart (SIGKILL included) continues it: the
prompt that was queued but not sent is sent at the next start, and a participant's next reply is read
against the question they were last asked.

One entry per survey and DM room, under "survey:<id>:" so that the seal deletes it at close:
    survey:<id>:matrix.next.<room> -> {"q": <question position>, "sent": bool, "intro": bool}
"q" is DONE while the confirmation of a submission is on its way (the entry goes once it is sent).
It never holds an answer: only which question comes next, and whether its prompt went out. A grid is
one step (one prompt, one compact reply); a lessons question is one step however many lessons it
takes, as the lessons go into the draft (keyed by the HMAC draft slot) and the step says only that
this question is the one being asked (adapters/matrix/kinds_flow.py).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from adapters.matrix.trail import PrefixState, survey_prefix

log = logging.getLogger(__name__)
KIND = "next."
DONE = -1


@dataclass(frozen=True)
class Step:
    survey_id: str
    room: str
    index: int  # the question asked next, or DONE
    sent: bool = False
    intro: bool = False  # the invitation goes before the question (the first prompt of a survey)


def _key(survey_id: str, room: str) -> str:
    return f"{survey_prefix(survey_id)}{KIND}{room}"


class Progress:
    def __init__(self, state: PrefixState) -> None:
        self.state = state
        self._latest: dict[tuple[str, str], Step] = {}  # the step each conversation is at (this process)
        self._closed: set[str] = set()  # a send confirmed after the seal must not write the entry again

    def closed(self, survey_id: str) -> None:
        self._closed.add(survey_id)
        for where in [w for w in self._latest if w[0] == survey_id]:
            del self._latest[where]

    async def at(self, step: Step) -> None:
        """The conversation moves to `step` (its prompt queued, not sent yet)."""
        if step.survey_id in self._closed:
            return
        self._latest[(step.survey_id, step.room)] = step
        await self.state.set_state(_key(step.survey_id, step.room), _encode(step))

    async def sent(self, step: Step) -> None:
        """The prompt of `step` went out; ignored if the conversation has moved on meanwhile."""
        where = (step.survey_id, step.room)
        if self._latest.get(where) is not step:
            return
        if step.index == DONE:
            del self._latest[where]
            await self.state.delete_state(_key(step.survey_id, step.room))
            return
        done = Step(step.survey_id, step.room, step.index, sent=True)
        self._latest[where] = done
        await self.state.set_state(_key(step.survey_id, step.room), _encode(done))

    async def load(self, survey_id: str) -> list[Step]:
        prefix = survey_prefix(survey_id) + KIND
        steps = []
        for key, value in (await self.state.state_with_prefix(prefix)).items():
            try:
                data = json.loads(value)
                step = Step(survey_id, key[len(prefix) :], int(data["q"]), bool(data["sent"]), bool(data["intro"]))
            except (ValueError, TypeError, KeyError):
                log.warning("matrix: ignored an unreadable conversation entry in bot_state")
                continue
            self._latest[(survey_id, step.room)] = step
            steps.append(step)
        return steps


def _encode(step: Step) -> str:
    return json.dumps({"q": step.index, "sent": step.sent, "intro": step.intro})
