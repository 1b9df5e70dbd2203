"""Console rendering of what the core sends: channel posts and DMs as lines of text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.anonymity import survey_notice
from bot.domain import Participant, QuestionKind, Survey, Target
from bot.invitation_text import deadline_phrase, mentions_deadline, question_count, reminder_text
from bot.ports import RenderedChart
from bot.results import SurveyResults
from bot.tables import survey_table
from bot.timeparse import format_local

PLATFORM = "console"


@dataclass
class ConsoleMessenger:
    write: Callable[[str], None]
    chart_dir: Path | None = None  # where posted charts are saved, since a terminal cannot show them
    members: list[str] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)  # (where, text): what a test can read
    platform: str = PLATFORM

    def _emit(self, where: str, text: str) -> None:
        self.sent.append((where, text))
        self.write("\n".join(f"[{where}] {line}" if i == 0 else f"{' ' * (len(where) + 3)}{line}"
                             for i, line in enumerate(text.splitlines() or [""])))  # fmt: skip

    async def announce_survey(self, target: Target, survey: Survey) -> None:
        lines = [f"📋 {survey.title} [{survey.id}]"]
        if survey.description:
            lines.append(survey.description)
        for q in survey.questions:
            lines.append(f"Q{q.position + 1}. {q.text} ({_how_to_answer(survey, q.position)})")
            lines.extend(f"   {i + 1}. {option}" for i, option in enumerate(q.options + q.rows))
            if q.categories:
                lines.append("   categories: " + ", ".join(f"{i + 1} {c}" for i, c in enumerate(q.categories)))
        if survey.closes_at:
            lines.append(f"Closes {format_local(survey.closes_at, survey.timezone)}.")
        lines.append(survey_notice(survey))
        self._emit(f"#{target.channel}", "\n".join(lines))

    async def invite_participant(self, participant: Participant, survey: Survey) -> None:
        if not survey.is_poll:
            closes = "" if mentions_deadline(survey.description, survey) else f" It {deadline_phrase(survey)}."
            self._emit(
                f"DM {participant.user_id}",
                f"You are invited to answer “{survey.title}” ({question_count(survey)}).{closes} "
                f"Answer: /answer {survey.id} N VALUE, then /submit {survey.id}. {survey_notice(survey)}",
            )

    async def post_results(self, target: Target, results: SurveyResults, charts: Sequence[RenderedChart]) -> None:
        saved = []
        if self.chart_dir is not None:
            self.chart_dir.mkdir(parents=True, exist_ok=True)
            for i, chart in enumerate(charts, start=1):
                path = self.chart_dir / f"{results.survey_id}-q{i}.png"
                path.write_bytes(chart.png)
                saved.append(str(path))
        text = survey_table(results)
        if saved:
            text += "\n\nCharts: " + ", ".join(saved)
        self._emit(f"#{target.channel}", text)

    async def post_text(self, target: Target, text: str) -> None:
        self._emit(f"#{target.channel}", text)

    async def send_direct(self, participant: Participant, text: str, survey_id: str | None = None) -> None:
        self._emit(f"DM {participant.user_id}", text)

    async def remind_participant(self, participant: Participant, survey: Survey, message: str) -> None:
        # The console's "button" is the command to type; the id appears only inside it.
        self._emit(f"DM {participant.user_id}", f"{reminder_text(survey, message)} Answer: /answer {survey.id} N VALUE")

    async def channel_members(self, target: Target) -> list[Participant]:
        return [Participant(PLATFORM, name) for name in self.members]


def _how_to_answer(survey: Survey, position: int) -> str:
    q = survey.questions[position]
    verb = f"/vote {survey.id}" if survey.is_poll else f"/answer {survey.id} {position + 1}"
    return {
        QuestionKind.SINGLE: f"{verb} N",
        QuestionKind.MULTI: f"{verb} N [N ...], up to {q.max_selections}",
        QuestionKind.SCALE: f"{verb} {q.scale_min}..{q.scale_max}"
        + (f", {q.scale_min} = {q.min_label}, {q.scale_max} = {q.max_label}" if q.min_label else ""),
        QuestionKind.RANKING: f"{verb} followed by every option number, best first",
        QuestionKind.TEXT: f"{verb} your text",
        QuestionKind.GRID: f"{verb} one rating {q.scale_min}..{q.scale_max} per row, in order"
        + (", - to skip a row" if not q.required else ""),
        QuestionKind.LESSONS: (
            f"{verb} CATEGORY + TITLE | DESCRIPTION" if survey.is_poll else f"{verb} add CATEGORY + TITLE | DESCRIPTION"
        )
        + f" (- for room for improvement; up to {q.max_entries})",
    }[q.kind]
