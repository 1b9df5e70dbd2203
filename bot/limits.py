"""Hard limits taken from the platforms (DESIGN.md, "Limits")."""

MAX_OPTIONS = 20  # Matrix poll cap
MAX_OPTION_CHARS = 75  # Slack option text
MAX_QUESTION_CHARS = 300
MAX_TEXT_ANSWER_CHARS = 2000
MAX_TITLE_CHARS = 150
MAX_QUESTIONS = 50
MIN_K = 3
DEFAULT_K = 5
TOP_TERMS = 10
