"""Configuration: `config.toml` plus secrets from the environment. Read only when asked, never at import.

A bad config names the key and the problem and starts nothing.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

from bot.errors import ConfigError
from bot.limits import DEFAULT_K, MIN_K

SECRET_FILE = "master.key"


@dataclass(frozen=True)
class CoreConfig:
    data_dir: str = "data"
    timezone: str = "Europe/Brussels"
    default_k: int = DEFAULT_K
    # "platform:user_id". The console's default user may organise, so the bot works out of the box.
    organisers: list[str] = field(default_factory=lambda: ["console:organiser"])
    log_level: str = "INFO"
    secret: str = ""  # better in CANVASS_SECRET


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = ""  # empty: SQLite file in data_dir


@dataclass(frozen=True)
class SlackConfig:
    enabled: bool = False
    mode: str = "socket"  # "socket" or "http"
    bot_token: str = ""
    app_token: str = ""
    signing_secret: str = ""
    http_host: str = "0.0.0.0"
    http_port: int = 3000
    api_url: str = ""  # Web API base URL; empty means Slack's own
    update_interval_seconds: float = 5.0
    api_timeout_seconds: float = 30.0  # one Web API attempt; a timed-out attempt is retried with backoff


@dataclass(frozen=True)
class MatrixConfig:
    enabled: bool = False
    homeserver: str = ""
    user_id: str = ""
    access_token: str = ""
    password: str = ""
    device_id: str = ""
    device_name: str = "Canvass"
    encryption: bool = True
    command_prefix: str = "!canvass"
    allowed_inviters: list[str] = field(default_factory=list)  # "@user:server" or ":server"
    store_dir: str = ""  # empty: data_dir/matrix-store
    messages_per_second: float = 5.0
    sync_timeline_limit: int = 0  # events per room per sync; 0: the homeserver's default (gaps are backfilled)
    standby_retry_seconds: float = 15.0  # a replica without the sync lock tries again this often
    redact_after_seconds: float = 60.0  # a DM that shows a participant's answers (review) is redacted then


@dataclass(frozen=True)
class SchedulerConfig:
    sweep_seconds: int = 60  # how often the database is re-read for anything due or changed elsewhere
    lease_seconds: int = 300  # a claimed reminder is retried by another replica after this long
    send_rate: float = 1.0  # messages per second per platform for reminders and notices
    send_burst: int = 5  # messages that may go at once before send_rate applies


@dataclass(frozen=True)
class ChartsConfig:
    workers: int = 2


@dataclass(frozen=True)
class Config:
    canvass: CoreConfig = field(default_factory=CoreConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    slack: SlackConfig = field(default_factory=SlackConfig)
    matrix: MatrixConfig = field(default_factory=MatrixConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    charts: ChartsConfig = field(default_factory=ChartsConfig)

    @property
    def data_path(self) -> Path:
        return Path(self.canvass.data_dir).expanduser()

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{(self.data_path / 'canvass.db').resolve()}"

    @property
    def organisers(self) -> frozenset[str]:
        return frozenset(self.canvass.organisers)


ENV_SECRETS = {
    "CANVASS_SECRET": ("canvass", "secret"),
    "SLACK_BOT_TOKEN": ("slack", "bot_token"),
    "SLACK_APP_TOKEN": ("slack", "app_token"),
    "SLACK_SIGNING_SECRET": ("slack", "signing_secret"),
    "MATRIX_ACCESS_TOKEN": ("matrix", "access_token"),
    "DATABASE_URL": ("database", "url"),
}


def _check_value(section: str, key: str, value: Any, expected: Any) -> Any:
    where = f"[{section}] {key}"
    if expected is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"config: {where} must be true or false, not {value!r}")
    elif expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config: {where} must be a whole number, not {value!r}")
    elif expected is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"config: {where} must be a number, not {value!r}")
        value = float(value)
    elif expected is str:
        if not isinstance(value, str):
            raise ConfigError(f"config: {where} must be a string, not {value!r}")
    elif getattr(expected, "__origin__", None) is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"config: {where} must be a list of strings")
    return value


def _section(cls: type, name: str, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"config: [{name}] must be a table")
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    for key in raw:
        if key not in known:
            raise ConfigError(f"config: [{name}] has an unknown key {key!r} (known: {', '.join(sorted(known))})")
    return cls(**{key: _check_value(name, key, value, hints[key]) for key, value in raw.items()})


def _validate(config: Config) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(config.canvass.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"config: [canvass] timezone {config.canvass.timezone!r} is not a known time zone") from None
    if config.canvass.default_k < MIN_K:
        raise ConfigError(f"config: [canvass] default_k must be at least {MIN_K}")
    for organiser in config.canvass.organisers:
        if ":" not in organiser:
            raise ConfigError(f"config: [canvass] organisers entry {organiser!r} must look like 'platform:user_id'")
    if config.slack.mode not in ("socket", "http"):
        raise ConfigError("config: [slack] mode must be 'socket' or 'http'")
    if config.slack.enabled:
        needed = ["bot_token", "signing_secret"] + (["app_token"] if config.slack.mode == "socket" else [])
        for key in needed:
            if not getattr(config.slack, key):
                raise ConfigError(
                    f"config: [slack] {key} is required when Slack is enabled (or set it in the environment)"
                )
    if config.matrix.enabled:
        for key in ("homeserver", "user_id"):
            if not getattr(config.matrix, key):
                raise ConfigError(f"config: [matrix] {key} is required when Matrix is enabled")
        if not (config.matrix.access_token or config.matrix.password):
            raise ConfigError("config: [matrix] access_token (or MATRIX_ACCESS_TOKEN) or password is required")
    if config.scheduler.sweep_seconds < 1:
        raise ConfigError("config: [scheduler] sweep_seconds must be at least 1")
    if config.scheduler.lease_seconds < 1:
        raise ConfigError("config: [scheduler] lease_seconds must be at least 1")
    if config.scheduler.send_rate <= 0 or config.scheduler.send_burst < 1:
        raise ConfigError("config: [scheduler] send_rate must be positive and send_burst at least 1")


def load_config(path: Path | None, environ: dict[str, str] | None = None) -> Config:
    environ = dict(os.environ) if environ is None else environ
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config: {path} does not exist") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"config: {path} is not valid TOML: {error}") from None
    sections = {f.name: f.type for f in fields(Config)}
    hints = get_type_hints(Config)
    for name in raw:
        if name not in sections:
            raise ConfigError(f"config: unknown section [{name}] (known: {', '.join(sections)})")
    config = Config(**{name: _section(hints[name], name, raw[name]) for name in raw})
    for variable, (section, key) in ENV_SECRETS.items():
        if environ.get(variable):
            config = replace(config, **{section: replace(getattr(config, section), **{key: environ[variable]})})
    if environ.get("CANVASS_DATA_DIR"):
        config = replace(config, canvass=replace(config.canvass, data_dir=environ["CANVASS_DATA_DIR"]))
    _validate(config)
    return config


def master_secret(config: Config) -> bytes:
    """The HMAC master secret: from config or the environment, else a file in the data directory.

    It never goes into the database: with the database alone, nobody can recompute a slot.
    """
    if config.canvass.secret:
        if len(config.canvass.secret) < 16:
            raise ConfigError("config: CANVASS_SECRET / [canvass] secret must be at least 16 characters")
        return config.canvass.secret.encode()
    path = config.data_path / SECRET_FILE
    if path.exists():
        return path.read_bytes().strip()
    config.data_path.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    return secret
