"""Errors whose message is safe and useful to show to the person who caused them."""


class CanvassError(Exception):
    """Base class: `str(error)` is a short message for the user, never a stack trace."""


class InvalidInput(CanvassError):
    """The user's input breaks a rule; `field` names where, when known."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)
        self.reason = message


class NotFound(CanvassError):
    pass


class NotAuthorised(CanvassError):
    pass


class SurveyNotOpen(CanvassError):
    pass


class NotInvited(CanvassError):
    """Someone outside the roster tried to answer; told privately, and nothing is stored."""

    def __init__(self, title: str) -> None:
        super().__init__(
            f"You are not on the list of people invited to answer “{title}”; ask the organiser to add you."
        )


class ConfigError(CanvassError):
    pass
