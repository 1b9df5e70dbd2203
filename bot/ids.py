"""Short survey ids that people can type in a chat command."""

import secrets

# No 0/o, 1/l/i: ids are read aloud and typed on phones.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_survey_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(7))


def question_id(survey_id: str, position: int) -> str:
    return f"{survey_id}.{position + 1}"
