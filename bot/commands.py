"""The command grammar shared by every adapter (`/canvass ...` in Slack, `!canvass ...` in Matrix).

Parsing is pure: text in, a command dataclass or an `InvalidInput` with the usage out.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import TypeAlias

from bot.domain import QuestionKind, ResultsMode
from bot.errors import InvalidInput

USAGE = """\
Commands:
  help                                   this text
  poll "Question?" "A" "B" ["C" ...] [--multi N] [--ranking] [--closes TIME] [--live] [--k N]
  poll "Question?" --scale 1-5 [--labels "low" "high"] | --nps | --text
  survey  (then, on the next lines, the survey in TOML)
  list                                   open and scheduled surveys
  open ID | close ID                     open now / close now and post the results
  approve ID                             let a survey created through room power open (configured organisers)
  results ID [CHANNEL]                   post the results (if allowed and n >= k)
  extend ID TIME                         move the deadline (e.g. "2026-12-08 15:00", "in 2h")
  present ID [--revoke]                  a private link to the presenter page (or end every link)
  remind ID list | add (TIME | BEFORE before close) [--daily] [--channel] ["message"] | cancel N
  roster ID list | add USER [USER ...]   who is invited; add people to an open survey
TIME: 2026-12-08 15:00 [Europe/Brussels], 15:00, in 2h."""


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Poll:
    question: str
    options: tuple[str, ...]
    kind: QuestionKind
    max_selections: int = 1
    scale_min: int = 1
    scale_max: int = 5
    min_label: str = ""
    max_label: str = ""
    closes: str | None = None
    results_mode: ResultsMode = ResultsMode.AFTER_CLOSE
    k: int | None = None


@dataclass(frozen=True)
class SurveyFromToml:
    toml: str
    first_line: int = 1  # the line of the message (as typed, `survey` on line 1) where the TOML starts


@dataclass(frozen=True)
class ListSurveys:
    pass


@dataclass(frozen=True)
class OpenSurvey:
    survey_id: str


@dataclass(frozen=True)
class ApproveSurvey:
    survey_id: str


@dataclass(frozen=True)
class CloseSurvey:
    survey_id: str


@dataclass(frozen=True)
class ShowResults:
    survey_id: str
    channel: str | None = None


@dataclass(frozen=True)
class Extend:
    survey_id: str
    when: str


@dataclass(frozen=True)
class RemindList:
    survey_id: str


@dataclass(frozen=True)
class RemindAdd:
    survey_id: str
    at: str | None  # absolute time text
    before_close: str | None  # duration text such as "24h"
    daily: bool
    audience: str  # "non_respondents" or "channel"
    message: str


@dataclass(frozen=True)
class RemindCancel:
    survey_id: str
    reminder: int


@dataclass(frozen=True)
class RosterList:
    survey_id: str


@dataclass(frozen=True)
class RosterAdd:
    survey_id: str
    users: tuple[str, ...]  # user ids as typed, mentions unwrapped; "platform:id" picks the platform


@dataclass(frozen=True)
class Present:
    """`present ID [--revoke]`: a presenter-page link for the organiser, privately (bot/presenting.py)."""

    survey_id: str
    revoke: bool = False


@dataclass(frozen=True)
class NewSurveyDialog:
    """Slack's `/canvass new`: open the modal builder. Other adapters answer with the TOML route."""


Command: TypeAlias = (
    Help | Poll | SurveyFromToml | ListSurveys | OpenSurvey | CloseSurvey | ShowResults | Extend
    | RemindList | RemindAdd | RemindCancel | RosterList | RosterAdd | NewSurveyDialog | Present | ApproveSurvey
)  # fmt: skip

_SCALE = re.compile(r"^(\d{1,2})\s*-\s*(\d{1,2})$")
_ID = re.compile(r"^[a-z0-9]{1,16}$")


def _usage(problem: str) -> InvalidInput:
    return InvalidInput(f"{problem}\n\n{USAGE}")


def _survey_id(words: list[str], verb: str) -> str:
    if not words:
        raise _usage(f"`{verb}` needs a survey id.")
    survey_id = words[0].lower()
    if not _ID.match(survey_id):
        raise _usage(f"{words[0]!r} is not a survey id.")
    return survey_id


def _int_flag(value: str | None, flag: str) -> int:
    if value is None or not value.isdigit():
        raise _usage(f"{flag} needs a whole number.")
    return int(value)


def _parse_poll(words: list[str]) -> Poll:
    texts: list[str] = []
    kind = QuestionKind.SINGLE
    max_selections = 1
    scale = (1, 5)
    labels = ("", "")
    closes: str | None = None
    mode = ResultsMode.AFTER_CLOSE
    k: int | None = None
    i = 0
    while i < len(words):
        word = words[i]
        following = words[i + 1] if i + 1 < len(words) else None
        if word == "--multi":
            kind = QuestionKind.MULTI
            if following is not None and following.isdigit():
                max_selections = int(following)
                i += 1
            else:
                max_selections = 0  # all options
        elif word == "--scale":
            kind = QuestionKind.SCALE
            match = _SCALE.match(following or "")
            if not match:
                raise _usage("--scale needs a range such as 1-5.")
            scale = (int(match.group(1)), int(match.group(2)))
            i += 1
        elif word == "--labels":
            if i + 2 >= len(words):
                raise _usage('--labels needs two texts: --labels "low" "high".')
            labels = (words[i + 1], words[i + 2])
            i += 2
        elif word == "--nps":
            kind, scale = QuestionKind.SCALE, (0, 10)
            labels = labels if any(labels) else ("Not at all likely", "Extremely likely")
        elif word == "--ranking":
            kind = QuestionKind.RANKING
        elif word == "--text":
            kind = QuestionKind.TEXT
        elif word == "--closes":
            if following is None:
                raise _usage("--closes needs a time.")
            closes = following
            i += 1
        elif word == "--live":
            mode = ResultsMode.LIVE
        elif word == "--organisers":
            mode = ResultsMode.ORGANISERS
        elif word == "--k":
            k = _int_flag(following, "--k")
            i += 1
        elif word.startswith("--"):
            raise _usage(f"Unknown option {word}.")
        else:
            texts.append(word)
        i += 1
    if not texts:
        raise _usage('A poll needs a question: poll "Question?" "A" "B".')
    question, options = texts[0], tuple(texts[1:])
    if kind in (QuestionKind.SCALE, QuestionKind.TEXT) and options:
        raise _usage(f"A {kind} poll takes no options.")
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTI, QuestionKind.RANKING) and len(options) < 2:
        raise _usage("A poll needs at least two options.")
    if kind is QuestionKind.MULTI and max_selections == 0:
        max_selections = len(options)
    return Poll(question, options, kind, max_selections, scale[0], scale[1], labels[0], labels[1], closes, mode, k)


def _parse_remind(words: list[str]) -> Command:
    survey_id = _survey_id(words, "remind")
    rest = words[1:]
    if not rest or rest[0] == "list":
        return RemindList(survey_id)
    if rest[0] == "cancel":
        if len(rest) != 2 or not rest[1].isdigit():
            raise _usage("remind ID cancel N needs the reminder number from `remind ID list`.")
        return RemindCancel(survey_id, int(rest[1]))
    if rest[0] != "add":
        raise _usage(f"Unknown remind action {rest[0]!r}: use list, add or cancel.")
    args = rest[1:]
    daily = "--daily" in args
    audience = "channel" if "--channel" in args else "non_respondents"
    args = [a for a in args if a not in ("--daily", "--channel")]
    if len(args) >= 3 and args[1] == "before" and args[2] == "close":
        return RemindAdd(survey_id, None, args[0], daily, audience, " ".join(args[3:]))
    if not args:
        raise _usage("remind ID add needs a time, or a duration followed by 'before close'.")
    return RemindAdd(survey_id, args[0], None, daily, audience, " ".join(args[1:]))


_MENTION = re.compile(r"^<@([A-Za-z0-9]+)(?:\|[^>]*)?>$")  # Slack's <@U123|name>


def _parse_roster(words: list[str]) -> Command:
    survey_id = _survey_id(words, "roster")
    rest = words[1:]
    if not rest or rest[0] == "list":
        return RosterList(survey_id)
    if rest[0] != "add":
        raise _usage(f"Unknown roster action {rest[0]!r}: use list or add.")
    users = tuple(dict.fromkeys(_unwrap(u) for u in rest[1:] if u.strip(", ")))
    if not users:
        raise _usage("roster ID add needs at least one user.")
    return RosterAdd(survey_id, users)


def _unwrap(user: str) -> str:
    user = user.strip(", ")
    mention = _MENTION.match(user)
    return mention.group(1) if mention else user


def _parse_present(words: list[str]) -> Present:
    survey_id = _survey_id(words, "present")
    extra = words[1:]
    if extra not in ([], ["--revoke"]):
        raise _usage("present ID takes only --revoke.")
    return Present(survey_id, revoke=bool(extra))


def parse_command(text: str) -> Command:
    """Parse what follows the command prefix."""
    head, _, body = text.strip().partition("\n")
    if head.strip().lower() == "survey" or head.strip().lower().startswith("survey "):
        source = head.strip()[len("survey") :] + "\n" + body
        start = source.lstrip().removeprefix("```toml").removeprefix("```").lstrip()
        toml = start.rstrip().removesuffix("```").strip()
        if not toml:
            raise _usage("`survey` needs the survey in TOML on the following lines.")
        return SurveyFromToml(toml, first_line=1 + source[: len(source) - len(start)].count("\n"))
    try:
        words = shlex.split(text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'"))
    except ValueError as error:
        raise _usage(f"Could not read the command: {error}.") from None
    if not words or words[0].lower() == "help":
        return Help()
    verb, rest = words[0].lower(), words[1:]
    if verb == "poll":
        return _parse_poll(rest)
    if verb == "new":
        return NewSurveyDialog()
    if verb == "list":
        return ListSurveys()
    if verb == "open":
        return OpenSurvey(_survey_id(rest, verb))
    if verb == "close":
        return CloseSurvey(_survey_id(rest, verb))
    if verb == "approve":
        return ApproveSurvey(_survey_id(rest, verb))
    if verb == "results":
        return ShowResults(_survey_id(rest, verb), rest[1] if len(rest) > 1 else None)
    if verb == "extend":
        if len(rest) < 2:
            raise _usage("extend ID TIME needs a survey id and a time.")
        return Extend(_survey_id(rest, verb), " ".join(rest[1:]))
    if verb == "remind":
        return _parse_remind(rest)
    if verb == "roster":
        return _parse_roster(rest)
    if verb == "present":
        return _parse_present(rest)
    raise _usage(f"Unknown command {words[0]!r}.")
