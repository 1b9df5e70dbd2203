"""A terminal chat: type as any user (`/as alice`), run `/canvass` commands and answer polls.

Like errbot's text backend, it makes readable tests: `await session.exec("/vote abc 2")`.
"""

from __future__ import annotations

import shlex
import tempfile
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

from adapters.console.messenger import PLATFORM, ConsoleMessenger
from bot.answer_words import words_lines
from bot.answering import Receipt
from bot.command_handler import CommandHandler
from bot.commands import SurveyFromToml
from bot.contribution import contribution_text
from bot.domain import Actor, Answer, Lesson, Participant, Question, QuestionKind, Survey, Target
from bot.errors import CanvassError, InvalidInput
from bot.kinds_text import lesson_reply_help, parse_grid_reply, parse_lesson_reply
from bot.ports import ChartRenderer
from bot.service import Canvass
from bot.validation import validate_answer

HELP = """\
/as NAME                      act as NAME (joins the channel)
/canvass COMMAND              organiser commands (/canvass help)
/survey FILE                  create a survey from a TOML file
/vote ID ANSWER...            answer a one-question poll (option numbers, a rating, or text)
/answer ID N ANSWER...        answer question N of a survey (kept as a draft)
   grid:                      a rating per row, e.g. 4 3 - 5 (- skips an optional row)
   lessons:                   add CATEGORY + TITLE | DESCRIPTION (- instead of + for room for improvement),
                              or remove M
/draft ID                     show your draft (or, once submitted, your current answers)
/submit ID                    submit your draft answers
/copy                         right after /submit: your own copy (text, and a PDF file)
/quit                         leave"""


# Each command's usage line, taken from HELP so the two cannot disagree: "usage: /vote ID ANSWER... — answer ...".
USAGE = {
    line.split()[0]: "usage: {} — {}".format(*(part.strip() for part in line.split("  ", 1)))
    for line in HELP.splitlines()
    if line.startswith("/")
}


class ConsoleSession:
    def __init__(self, service: Canvass, commands: CommandHandler, messenger: ConsoleMessenger,
                 write: Callable[[str], None], channel: str = "general",
                 renderer: ChartRenderer | None = None) -> None:  # fmt: skip
        self.service = service
        self.renderer = renderer
        # The submission just made, for /copy: in memory only, and dropped by the next line typed.
        self._just_submitted: tuple[Survey, Receipt] | None = None
        # Changes to a submitted survey, before /submit: in memory, never a draft row (see _answer).
        self._edits: dict[tuple[str, str], dict[str, Answer]] = {}
        self.commands = commands
        self.messenger = messenger
        self.write = write
        self.target = Target(PLATFORM, channel)
        self.user = "organiser"

    def _actor(self) -> Actor:
        return Actor(PLATFORM, self.user)

    async def exec(self, line: str) -> None:
        """Run one line; errors become a short message, never a traceback."""
        line = line.strip()
        if not line:
            return
        offer, self._just_submitted = self._just_submitted, None
        try:
            if line.split(" ", 1)[0] == "/copy":
                await self._copy(offer)
            else:
                await self._dispatch(line)
        except CanvassError as error:
            self.write(f"⚠ {error}")

    async def _dispatch(self, line: str) -> None:
        verb, _, rest = line.partition(" ")
        if verb == "/help":
            self.write(HELP)
        elif verb == "/as":
            self._switch_user(rest.strip())
        elif verb == "/canvass":
            reply = await self.commands.handle_text(self._actor(), self.target, rest)
            self.write(reply.text)
        elif verb == "/survey":
            if not rest.strip():
                raise InvalidInput(USAGE["/survey"])
            try:
                toml = open(rest.strip(), encoding="utf-8").read()  # noqa: ASYNC230 (interactive, tiny file)
            except OSError as error:
                raise InvalidInput(f"cannot read {rest.strip()!r}: {error.strerror}") from None
            reply = await self.commands.handle(self._actor(), self.target, SurveyFromToml(toml))
            self.write(reply.text)
        elif verb == "/vote":
            await self._vote(rest)
        elif verb == "/answer":
            await self._answer(rest)
        elif verb in ("/draft", "/submit") and not rest.strip():
            raise InvalidInput(USAGE[verb])
        elif verb == "/draft":
            await self._show_draft(rest.strip())
        elif verb == "/submit":
            await self._submit(rest.strip())
        else:
            self.write("Unknown input. /help lists what you can type.")

    def _switch_user(self, name: str) -> None:
        if not name or " " in name:
            raise InvalidInput("/as needs one name, e.g. /as alice")
        self.user = name
        self._just_submitted = None
        if name not in self.messenger.members and name != "organiser":
            self.messenger.members.append(name)
        self.write(f"You are now {name}.")

    def _me(self) -> Participant:
        return Participant(PLATFORM, self.user)

    async def _vote(self, rest: str) -> None:
        survey_id, _, answer_text = rest.strip().partition(" ")
        if not survey_id or not answer_text.strip():
            raise InvalidInput(USAGE["/vote"])
        survey = await self.service.get(survey_id)
        if not survey.is_poll:
            raise InvalidInput(f"[{survey.id}] has several questions: use /answer {survey.id} N ... and /submit.")
        question = survey.questions[0]
        receipt = await self.service.submit(self._me(), survey.id, {question.id: _raw_answer(survey, 0, answer_text)})
        self._confirm(survey, receipt)

    async def _answer(self, rest: str) -> None:
        words = rest.strip().split(" ", 2)
        if len(words) < 3 or not words[1].isdigit():
            raise InvalidInput(USAGE["/answer"])
        survey = await self.service.get(words[0])
        position = int(words[1]) - 1
        if not 0 <= position < len(survey.questions):
            raise InvalidInput(f"there is no question {words[1]}; choose 1 to {len(survey.questions)}")
        edit = await self._current(survey)
        question = survey.questions[position]
        if question.kind is QuestionKind.LESSONS:
            edit[question.id] = _lessons_edit(question, edit.get(question.id, ()), words[2])
        else:
            edit[question.id] = _raw_answer(survey, position, words[2])
        key = (self.user, survey.id)
        # A delegation saves to its shared draft after a submission too (it starts from the answers, _current).
        if key in self._edits or (
            not survey.by_delegation and await self.service.has_responded(self._me(), survey.id)
        ):
            # After a submission, no draft row: it would hold all their answers side by side, which the
            # ballots never do. The edit waits in this session's memory until /submit.
            survey_now = await self.service.answerable(survey.id)  # refuse at once if it has closed
            self._edits[key] = {qid: validate_answer(survey_now.question(qid), raw) for qid, raw in edit.items()}
            self.write(f"(only you see this) Changed; your other answers stay. /submit {survey.id} to send it.")
            return
        saved = await self.service.save_draft(self._me(), survey.id, edit)
        note = f"\n{saved.note}" if saved.note else ""
        self.write(
            f"(only you see this) Saved draft: {saved.count} of {len(survey.questions)} answered. "
            f"/submit {survey.id}{note}"
        )

    async def _current(self, survey: Survey) -> dict[str, object]:
        """Where an edit starts: an edit in progress, the saved draft, or else (once they have submitted)
        their current answers, read through their own slots, so that changing one answer keeps the rest and a
        skipped one stays skipped. This is the participant's own request (the console's current user)."""
        pending = self._edits.get((self.user, survey.id))
        if pending is not None:
            return dict(pending)
        draft: dict[str, object] = dict(await self.service.load_draft(self._me(), survey.id))
        if not draft and await self.service.has_responded(self._me(), survey.id):
            draft = dict(await self.service.own_answers(self._me(), survey.id))
        return draft

    async def _show_draft(self, survey_id: str) -> None:
        survey = await self.service.get(survey_id)
        pending = self._edits.get((self.user, survey.id))
        draft: Mapping[str, Answer] = await self.service.load_draft(self._me(), survey.id, opening=True)
        what = "delegation's draft" if survey.by_delegation else "draft"
        if pending is not None:
            await self.service.answerable(survey.id)
            draft, what = pending, "answers as you are changing them (not sent until /submit)"
        elif not draft and await self.service.has_responded(self._me(), survey.id):
            draft, what = await self.service.own_answers(self._me(), survey.id), "submitted answers"
        lines = [f"(only you see this) Your {what} for “{survey.title}”:"]
        lines += [textwrap.indent(line, "  ") for line in words_lines(survey, draft, skipped="(no answer yet)")]
        self.write("\n".join(lines))

    async def _submit(self, survey_id: str) -> None:
        survey = await self.service.get(survey_id)
        receipt = await self.service.submit(self._me(), survey.id, await self._current(survey))
        self._edits.pop((self.user, survey.id), None)
        self._confirm(survey, receipt)

    def _confirm(self, survey: Survey, receipt: Receipt) -> None:
        what = "changed" if receipt.changed else "recorded"
        if receipt.delegation is not None:
            head = (
                f"(only you see this) {receipt.delegation}'s answer to “{survey.title}” is {what}, anonymously "
                "between delegations; your colleagues are told that you submitted it:"
            )
        else:
            head = f"(only you see this) Your answer to “{survey.title}” is {what}, anonymously:"
        lines = [head]
        lines += [textwrap.indent(line, "  ") for line in words_lines(survey, receipt.answers)]
        lines.append("Type /copy now for your own copy (text and PDF); Canvass keeps none.")
        self._just_submitted = (survey, receipt)
        self.write("\n".join(lines))

    async def _copy(self, offer: tuple[Survey, Receipt] | None) -> None:
        """The copy of the submission in hand: printed here, and a PDF in a temp file that is the user's to
        keep or delete. Canvass stores neither; once printed, the session forgets the submission."""
        if offer is None:
            raise InvalidInput("/copy works right after /submit or /vote (Canvass keeps no copy to give later).")
        survey, receipt = offer
        submitted_at = receipt.submitted_at
        assert submitted_at is not None  # set by every accepted submit
        text = contribution_text(survey, receipt.answers, submitted_at)
        if self.renderer is None:
            self.write(f"(only you see this)\n{text}\n(No PDF: charts are not enabled in this process.)")
            return
        pdf = await self.renderer.contribution_pdf(survey, receipt.answers, submitted_at)
        with tempfile.NamedTemporaryFile(prefix="canvass-copy-", suffix=".pdf", delete=False) as handle:
            handle.write(pdf)
        where = Path(handle.name)
        self.write(
            f"(only you see this)\n{text}\nPDF: {where} — this file is the only place the PDF lives; "
            "Canvass does not keep it or its path. Move or delete it when you are done."
        )

def _lessons_edit(question: Question, current: object, text: str) -> list[Lesson]:
    """`add LESSON` or `remove M` on the draft's list; the core checks the limit when it is saved."""
    lessons = [e for e in current if isinstance(e, Lesson)] if isinstance(current, tuple | list) else []
    verb, _, rest = text.strip().partition(" ")
    if verb == "add":
        return [*lessons, parse_lesson_reply(question, rest)]
    if verb == "remove" and rest.strip().isdigit() and 1 <= int(rest) <= len(lessons):
        return [e for i, e in enumerate(lessons, start=1) if i != int(rest)]
    if verb == "remove":
        raise InvalidInput(f"there is no lesson {rest.strip() or '?'}; you have {len(lessons)}")
    raise InvalidInput("type add LESSON or remove M. " + lesson_reply_help(question))


def _raw_answer(survey: Survey, position: int, text: str) -> object:
    """Console users type 1-based option numbers; the core takes 0-based indexes."""
    question = survey.questions[position]
    if question.kind is QuestionKind.TEXT:
        return text
    if question.kind is QuestionKind.GRID:
        return parse_grid_reply(question, text)
    if question.kind is QuestionKind.LESSONS:
        # A one-question lessons poll: /vote ID LESSON files that one lesson.
        return [parse_lesson_reply(question, text.removeprefix("add "))]
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise InvalidInput(f"could not read the answer: {error}") from None
    if not words or not all(w.lstrip("-").isdigit() for w in words):
        raise InvalidInput("answer with numbers, e.g. 2 or 1 3")
    numbers = [int(w) for w in words]
    if question.kind is QuestionKind.SCALE:
        if len(numbers) != 1:
            raise InvalidInput("give one rating")
        return numbers[0]
    if question.kind is QuestionKind.SINGLE:
        if len(numbers) != 1:
            raise InvalidInput("choose one option")
        return numbers[0] - 1
    return [n - 1 for n in numbers]
