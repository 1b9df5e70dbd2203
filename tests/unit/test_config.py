from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config, master_secret
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_documents_every_key_and_loads(tmp_path: Path) -> None:
    config = load_config(ROOT / "config.example.toml", environ={})
    assert config.canvass.timezone == "Europe/Brussels"
    from dataclasses import fields

    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for section in fields(config):
        assert f"[{section.name}]" in text
        for key in fields(getattr(config, section.name)):
            assert f"{key.name} =" in text, f"[{section.name}] {key.name} is not documented"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[canvass]\ntimezone = 'Mars/Olympus'", "[canvass] timezone 'Mars/Olympus' is not a known time zone"),
        ("[canvass]\ndefault_k = 2", "[canvass] default_k must be at least 3"),
        ("[canvass]\ndefault_k = 'five'", "[canvass] default_k must be a whole number"),
        ("[slack]\nbot_tokn = 'x'", "[slack] has an unknown key 'bot_tokn'"),
        ("[slak]\n", "unknown section [slak]"),
        ("[slack]\nenabled = true\nmode = 'http'", "[slack] bot_token is required"),
        ("[slack]\nmode = 'carrier-pigeon'", "[slack] mode must be 'socket' or 'http'"),
        ("[matrix]\nenabled = true\nhomeserver = 'http://x'\nuser_id = '@b:x'", "[matrix] access_token"),
        ("[canvass]\norganisers = ['alice']", "must look like 'platform:user_id'"),
        ("not toml at all =", "is not valid TOML"),
        ("[database]\nurl = 'mysql://x'", "[database] url (or DATABASE_URL): unsupported database 'mysql'"),
        ("[database]\nurl = 'canvass.db'", "[database] url (or DATABASE_URL) is not a URL"),
        ("[database]\nconnect_timeout_seconds = -1", "[database] connect_timeout_seconds must be 0 or more"),
        ("[metrics]\nport = 70000", "[metrics] port must be between 0 and 65535"),
        ("[canvass]\nlog_level = 'LOUD'", "[canvass] log_level must be one of"),
    ],
)
def test_bad_config_names_the_key_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text), environ={})
    assert message in str(error.value)


def test_secrets_come_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "[slack]\nenabled = true\nmode = 'http'\n")
    config = load_config(path, environ={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cret"})
    assert config.slack.bot_token == "xoxb-1" and config.slack.signing_secret == "s3cret"


def test_master_secret_is_generated_once_outside_the_database(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, f"[canvass]\ndata_dir = '{tmp_path / 'data'}'\n"), environ={})
    first = master_secret(config)
    assert len(first) >= 32 and master_secret(config) == first
    assert (tmp_path / "data" / "master.key").stat().st_mode & 0o077 == 0  # readable by the owner only
    with pytest.raises(ConfigError, match="at least 16"):
        master_secret(load_config(write(tmp_path, "[canvass]\nsecret = 'short'\n"), environ={}))


def test_the_secret_comes_first_from_the_environment_then_a_file_then_the_data_dir(tmp_path: Path) -> None:
    from bot.config import load_master_secret, secret_warning

    data = tmp_path / "data"
    path = write(tmp_path, f"[canvass]\ndata_dir = '{data}'\n")
    outside = tmp_path / "run" / "canvass_secret"
    outside.parent.mkdir()
    outside.write_text("file-secret-0123456789\n", encoding="utf-8")
    from_env = load_master_secret(load_config(path, environ={"CANVASS_SECRET": "env-secret-0123456789",
                                                              "CANVASS_SECRET_FILE": str(outside)}))  # fmt: skip
    assert from_env.value == b"env-secret-0123456789" and secret_warning(from_env) is None
    from_file = load_master_secret(load_config(path, environ={"CANVASS_SECRET_FILE": str(outside)}))
    assert from_file.value == b"file-secret-0123456789" and secret_warning(from_file) is None
    assert not data.exists()  # nothing was generated
    generated = load_master_secret(load_config(path, environ={}))
    assert generated.path == data / "master.key"
    warning = secret_warning(generated)
    assert warning is not None and "in the data directory" in warning
    with pytest.raises(ConfigError, match=r"\[canvass\] secret_file .* must be at least 16 characters"):
        (tmp_path / "short").write_text("tiny", encoding="utf-8")
        load_master_secret(load_config(path, environ={"CANVASS_SECRET_FILE": str(tmp_path / "short")}))
