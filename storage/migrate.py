"""Alembic, driven from code: `canvass db upgrade` and the bot's start both call `upgrade`."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from storage.engine import sync_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def _quiet_alembic() -> None:
    # Alembic logs a dozen INFO lines (plugins at import, context, each revision) on every start: hold
    # it at WARNING so that a normal start stays quiet; its warnings and errors still show.
    logging.getLogger("alembic").setLevel(logging.WARNING)


def alembic_config(url: str) -> Config:
    _quiet_alembic()
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation would choke on a '%' in a password.
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    config = alembic_config(url)
    from alembic import command

    command.upgrade(config, revision)


async def upgrade_async(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
