"""The participant's own copy of a contribution, in their DM (issue 11), opt-in with `copy`.

Decided:
- It is made from the submission in hand: the receipt of the participant's last submit, held in this
  process's memory only (never bot_state, never a file) until it is delivered, the survey closes or
  `copy_seconds` pass. After a restart there is no receipt: they are told to submit again for a copy.
- In an encrypted DM the PDF is uploaded encrypted (the homeserver stores ciphertext; the key travels
  in the m.file event, end-to-end encrypted) and the text goes with it. Both events are on the survey's
  trail with a delay of `copy_seconds`, so they are redacted then (or at the close, if sooner), after a
  restart too. Redacting the event drops the key; the ciphertext left in the media store reads as noise.
- In a DM that is not encrypted the homeserver could read both the text and the PDF, and its media
  store keeps the PDF after the redaction. So the bot says so and delivers only after `copy yes`.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from dataclasses import dataclass
from typing import Any

from nio import AsyncClient, UploadResponse

from adapters.matrix.formatting import notice_content
from adapters.matrix.rooms import RoomSender
from adapters.matrix.trail import Trail
from bot.answering import Receipt
from bot.contribution import contribution_text
from bot.domain import Survey
from bot.errors import InvalidInput
from bot.ports import ChartRenderer

log = logging.getLogger(__name__)
DEFAULT_COPY_SECONDS = 900.0
FILENAME = "contribution.pdf"  # neutral: the homeserver sees the upload's name


@dataclass
class _Held:
    receipt: Receipt
    until: float


def unencrypted_warning(minutes: str) -> str:
    return (
        "⚠ This DM is not end-to-end encrypted, so the homeserver can read your copy, and it keeps the "
        f"PDF in its media store even after I delete the message in {minutes}. Reply copy yes to get it "
        "anyway, or ask for it in an encrypted DM."
    )


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} minutes" if seconds >= 60 else f"{seconds:g} seconds"


class Copies:
    def __init__(
        self, client: AsyncClient, sender: RoomSender, trail: Trail, renderer: ChartRenderer | None, seconds: float
    ) -> None:
        self.client = client
        self.sender = sender
        self.trail = trail
        self.renderer = renderer
        self.seconds = seconds
        self._held: dict[str, _Held] = {}  # DM room -> the last submission's receipt (memory only)

    def hold(self, room_id: str, receipt: Receipt) -> None:
        self._held[room_id] = _Held(receipt, time.monotonic() + self.seconds)

    def forget_survey(self, survey_id: str) -> None:
        for room in [r for r, h in self._held.items() if h.receipt.survey_id == survey_id]:
            del self._held[room]

    def offer_line(self) -> str:
        return f"Reply copy within {_minutes(self.seconds)} for your own copy."

    def _take(self, room_id: str, survey_id: str) -> Receipt:
        held = self._held.get(room_id)
        if held is None or held.receipt.survey_id != survey_id or held.until < time.monotonic():
            self._held.pop(room_id, None)
            raise InvalidInput(
                "I keep nothing of a submission once it is made, so I have no copy to give now. Reply change "
                "and submit again, then copy at once."
            )
        return held.receipt

    async def deliver(self, room_id: str, user_id: str, survey: Survey, confirmed: bool) -> None:
        receipt = self._take(room_id, survey.id)
        encrypted = self.sender.is_encrypted(room_id) and self.client.olm is not None
        wait = _minutes(self.seconds)
        if not encrypted and not confirmed:
            self._say(room_id, user_id, survey.id, unencrypted_warning(wait))
            return
        del self._held[room_id]  # delivered: nothing of it stays in memory past this call
        submitted_at = receipt.submitted_at
        assert submitted_at is not None
        text = contribution_text(survey, receipt.answers, submitted_at)
        where = (
            "in this end-to-end encrypted DM (the PDF is encrypted too)"
            if encrypted
            else "in this DM, which the homeserver can read"
        )
        notice = f"📄 Your copy is below, {where}. I delete both messages in {wait}: save the PDF or the text now."
        self._say(room_id, user_id, survey.id, f"{notice}\n\n{text}")
        if self.renderer is None:
            return
        try:
            pdf = await self.renderer.contribution_pdf(survey, receipt.answers, submitted_at)
            content = await self._file_content(pdf, encrypted)
        except Exception:
            log.exception("matrix: the PDF of a contribution copy could not be made or uploaded")
            self._say(room_id, user_id, survey.id, "⚠ The PDF could not be made; the text above is your copy.")
            return
        self.sender.send_dm(room_id, user_id, content, on_sent=self._on_sent(survey.id, room_id))

    async def _file_content(self, pdf: bytes, encrypted: bool) -> dict[str, Any]:
        upload, keys = await self.client.upload(
            io.BytesIO(pdf), content_type="application/pdf", filename=FILENAME, encrypt=encrypted, filesize=len(pdf)
        )
        if not isinstance(upload, UploadResponse):
            raise RuntimeError(f"upload failed: {getattr(upload, 'message', upload)}")
        content: dict[str, Any] = {
            "msgtype": "m.file",
            "body": "Your contribution as a PDF",  # no dot: inert() would break a file name in body
            "filename": FILENAME,
            "info": {"mimetype": "application/pdf", "size": len(pdf)},
        }
        if encrypted:
            assert keys is not None
            content["file"] = {**keys, "url": upload.content_uri, "mimetype": "application/pdf"}
        else:
            content["url"] = upload.content_uri
        return content

    def _on_sent(self, survey_id: str, room_id: str) -> Any:
        async def track(event_id: str) -> None:
            self.trail.later(survey_id, room_id, event_id, self.seconds)

        return track

    def _say(self, room_id: str, user_id: str, survey_id: str, text: str) -> asyncio.Future[str]:
        return self.sender.send_dm(room_id, user_id, notice_content(text), on_sent=self._on_sent(survey_id, room_id))
