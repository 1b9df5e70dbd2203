"""Action ids, callback ids and block ids shared by the Block Kit builders and the handlers."""

from __future__ import annotations

VOTE = "canvass_vote"  # channel poll buttons: action_id "canvass_vote:N", value "SURVEY|QUESTION|ANSWER"
MULTI_PICK = "canvass_multi_pick"  # checkboxes on a channel poll: nothing happens until Submit
MULTI_SUBMIT = "canvass_multi_submit"
OPEN_ANSWER = "canvass_open_answer"  # "Start" / "Answer" buttons: value is the survey id
SAVE_DRAFT = "canvass_save_draft"  # button inside the answer modal
LESSON_ADD = "canvass_lesson_add"  # "Add another lesson" in the answer modal: value is the question id
LESSON_REMOVE = "canvass_lesson_remove"  # "Remove" beside a lesson: value "QUESTION|ENTRY_KEY"
HOME_CLOSE = "canvass_home_close"
HOME_RESULTS = "canvass_home_results"
HOME_REMIND = "canvass_home_remind"
BUILDER_ADD = "canvass_builder_add"
GET_COPY = "canvass_get_copy"  # on the ephemeral confirmation: value is a one-time token (adapters/slack/copies.py)

ANSWER_VIEW = "canvass_answer"
BUILDER_VIEW = "canvass_builder"
INFO_VIEW = "canvass_info"
COPY_VIEW = "canvass_copy"

ANSWER_ACTION = "answer"  # the action id of every answer element inside the modal
QUESTION_BLOCK = "q"  # block ids: "q|QID", "q|QID|RANK" (ranking) or "q|QID|ROW" (grid), "q|QID|L<key>|FIELD" (lessons)
MULTI_BLOCK = "multi"  # block id of the checkbox row on a channel poll: "multi|SURVEY"


def question_block(question_id: str, rank: int | None = None) -> str:
    return f"{QUESTION_BLOCK}|{question_id}" if rank is None else f"{QUESTION_BLOCK}|{question_id}|{rank}"


def parse_question_block(block_id: str) -> tuple[str, int | None] | None:
    parts = block_id.split("|")
    if len(parts) not in (2, 3) or parts[0] != QUESTION_BLOCK:
        return None
    if len(parts) == 3:
        return (parts[1], int(parts[2])) if parts[2].isdigit() else None
    return parts[1], None
