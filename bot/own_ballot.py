"""A participant's own submitted ballot, read back for a prefill ("change one answer, keep the rest").

Who may call this: only an adapter's answer-opening handler, inside an authenticated request from the
participant themself (a Slack interaction signed by Slack for that user, a Matrix DM event from that
sender, the console's current user). Never a command, an organiser path or a background job: it is
the one place where one person's answers across questions are put side by side, and only for them.
tests/core/test_own_ballot.py checks by grep that no other caller exists.

It stores nothing and logs nothing: the slots are computed from the identity in hand (as a submit
does), the rows are read and returned. Once the survey closes the key salt is gone and every slot is
null, so it refuses (SurveyNotOpen) and nothing could be found anyway.
"""

from __future__ import annotations

from bot import anonymity, delegations
from bot.answering import Answering
from bot.domain import Answer, Participant
from bot.validation import decode_answer


async def own_answers(answering: Answering, participant: Participant, survey_id: str) -> dict[str, Answer]:
    """question_id -> the participant's current answer; questions they skipped are absent."""
    survey, key = await answering.open_survey(survey_id)  # SurveyNotOpen after close or before open
    # In a delegation survey the ballot is the delegation's, found from the member's own id only.
    respondent, _ = await delegations.respondent(answering.repository, survey, key, participant)
    keys = [(q.id, anonymity.ballot_slot(key, q.id, respondent)) for q in survey.questions]
    stored = await answering.repository.own_ballots(survey.id, keys)
    return {qid: decode_answer(encoded) for qid, encoded in stored.items() if qid in {q.id for q in survey.questions}}
