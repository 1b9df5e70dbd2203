"""Third-party loggers that name users: nio's crypto log says "Received new group session key for
room !DM from @user" at INFO, which links every person to their DM room in the operator's log, and
peewee (nio's crypto store) logs its queries with their parameters at DEBUG. They are held at
WARNING, unless the operator set a level for one of them on purpose (to debug, say)."""

from __future__ import annotations

import logging

QUIET = ("nio", "peewee", "aiohttp.access", "aiohttp.client")


def quiet_third_party_loggers() -> None:
    for name in QUIET:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:  # inherits the root's level, which is meant for Canvass
            logger.setLevel(logging.WARNING)
