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
    secret_file: str = ""  # or CANVASS_SECRET_FILE: a file outside data_dir holding the secret
    shutdown_grace_seconds: float = 10.0  # SIGTERM/SIGINT: in-flight work and queued sends get this long


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = ""  # empty: SQLite file in data_dir
    connect_timeout_seconds: float = 30.0  # an unreachable database is retried with backoff this long


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
    public_url: str = ""  # HTTP mode: the base URL Slack reaches (for a participant's one-time PDF link)


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
    copy_seconds: float = 900.0  # a participant's own copy (text and encrypted PDF) is redacted then
    # Users never counted as invited from a room's members (bots, bridges), as ids or globs: "@_discord_*"
    not_invited: list[str] = field(default_factory=list)


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
class MetricsConfig:
    """The operator's own listener: /metrics (Prometheus) and /healthz, in every mode. Loopback by
    default: the counters are the operator's, never the participants' or the public's."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 9464


@dataclass(frozen=True)
class PresentConfig:
    """The presenter page's own listener (adapters/present/). Loopback by default: put a TLS proxy in
    front of it, and set base_url to the address the projector's browser uses."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8470
    base_url: str = ""  # empty: http://host:port
    ttl_after_close_hours: float = 24.0

    @property
    def link_base(self) -> str:
        return self.base_url.rstrip("/") or f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class Config:
    canvass: CoreConfig = field(default_factory=CoreConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    slack: SlackConfig = field(default_factory=SlackConfig)
    matrix: MatrixConfig = field(default_factory=MatrixConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    charts: ChartsConfig = field(default_factory=ChartsConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    present: PresentConfig = field(default_factory=PresentConfig)

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
    "CANVASS_SECRET_FILE": ("canvass", "secret_file"),
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


DATABASES = ("sqlite", "postgresql", "postgres")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _check_database_url(url: str) -> None:
    """Only the scheme is judged here (the URL may hold a password, so it is never echoed)."""
    if not url:
        return
    scheme, separator, _rest = url.partition("://")
    backend = scheme.split("+", 1)[0].lower()
    if not separator or not backend:
        raise ConfigError(
            "config: [database] url (or DATABASE_URL) is not a URL: use sqlite:///FILE or postgresql://USER@HOST/DB"
        )
    if backend not in DATABASES:
        raise ConfigError(
            f"config: [database] url (or DATABASE_URL): unsupported database {backend!r}; use sqlite or postgresql"
        )


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
    if config.canvass.log_level.upper() not in LOG_LEVELS:
        raise ConfigError(f"config: [canvass] log_level must be one of {', '.join(LOG_LEVELS)}")
    if config.canvass.shutdown_grace_seconds < 0:
        raise ConfigError("config: [canvass] shutdown_grace_seconds must be 0 or more")
    _check_database_url(config.database.url)
    if config.database.connect_timeout_seconds < 0:
        raise ConfigError("config: [database] connect_timeout_seconds must be 0 or more")
    if not 0 <= config.metrics.port <= 65535:
        raise ConfigError("config: [metrics] port must be between 0 and 65535")
    if not 0 <= config.present.port <= 65535:
        raise ConfigError("config: [present] port must be between 0 and 65535")
    if config.present.ttl_after_close_hours < 0:
        raise ConfigError("config: [present] ttl_after_close_hours must be 0 or more")
    if config.present.base_url and not config.present.base_url.startswith(("http://", "https://")):
        raise ConfigError("config: [present] base_url must start with http:// or https://")
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


def ensure_data_dir(config: Config) -> Path:
    """Create the data directory, or say in one line why it cannot be."""
    try:
        config.data_path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"config: [canvass] data_dir (or CANVASS_DATA_DIR) {str(config.data_path)!r} cannot be created "
            f"({error.strerror})"
        ) from None
    return config.data_path


@dataclass(frozen=True)
class MasterSecret:
    value: bytes
    path: Path | None  # the file it was read from; None when it came from the environment or config
    in_data_dir: bool  # a backup of the data directory would then hold it beside the database


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _checked(value: bytes, where: str) -> bytes:
    if len(value) < 16:
        raise ConfigError(f"config: {where} must be at least 16 characters")
    return value


def load_master_secret(config: Config) -> MasterSecret:
    """The HMAC master secret: CANVASS_SECRET / [canvass] secret, else [canvass] secret_file, else
    data_dir/master.key, generated at the first start so that the demo needs no set-up.

    It never goes into the database: with the database alone, nobody can recompute a slot. It belongs
    outside the data directory too (see `secret_warning`)."""
    if config.canvass.secret:
        return MasterSecret(_checked(config.canvass.secret.encode(), "CANVASS_SECRET / [canvass] secret"), None, False)
    if config.canvass.secret_file:
        path = Path(config.canvass.secret_file).expanduser()
        where = f"[canvass] secret_file {str(path)!r}"
        try:
            value = path.read_bytes().strip()
        except FileNotFoundError:
            raise ConfigError(f"config: {where} does not exist") from None
        except OSError as error:
            raise ConfigError(f"config: {where} cannot be read ({error.strerror})") from None
        return MasterSecret(_checked(value, where), path, _inside(path, config.data_path))
    path = config.data_path / SECRET_FILE
    if path.exists():
        return MasterSecret(_checked(path.read_bytes().strip(), str(path)), path, True)
    ensure_data_dir(config)
    secret = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    return MasterSecret(secret, path, True)


def master_secret(config: Config) -> bytes:
    return load_master_secret(config).value


def secret_warning(secret: MasterSecret) -> str | None:
    """One line for the operator when the secret sits in the data directory: one backup of that
    directory, taken while a survey is open, would relink its answers forever."""
    if not secret.in_data_dir:
        return None
    return (
        f"the master secret is in the data directory ({secret.path}): a backup of that directory relinks "
        "open surveys; set CANVASS_SECRET or [canvass] secret_file to a file outside it"
    )
