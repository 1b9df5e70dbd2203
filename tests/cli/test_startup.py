"""Start-up as an operator meets it, through real `canvass` processes: every bad config is one line and
exit status 2, an unreachable database is retried and then named, a normal start is quiet, and the
master secret's place is checked."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.cli.running import ConsoleBot, environment

SECRET = "startup-test-secret-0123456789"


def canvass(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=env or environment(),
        stdin=subprocess.DEVNULL,  # no terminal, as under `docker run` without -it
        capture_output=True,
        text=True,
        timeout=120,
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unsupported_database_url_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", '[database]\nurl = "mysql://x"\n')
    for command in (["run"], ["db", "upgrade"], ["close", "abc"]):
        result = canvass("--config", str(config), *command, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert result.stderr == (
            "canvass: config: [database] url (or DATABASE_URL): unsupported database 'mysql'; "
            "use sqlite or postgresql\n"
        )
    assert not (tmp_path / "data").exists()  # nothing was started or created


def test_an_unreachable_database_is_retried_then_named_without_its_password(tmp_path: Path) -> None:
    config = write(
        tmp_path / "config.toml",
        '[database]\nurl = "postgresql://canvass:hunter2@127.0.0.1:1/canvass"\nconnect_timeout_seconds = 1.5\n'
        '[slack]\nenabled = true\nmode = "http"\nbot_token = "xoxb-x"\nsigning_secret = "s"\n',
    )
    for command in (["run"], ["db", "upgrade"]):
        env = environment(CANVASS_SECRET=SECRET)
        result = canvass("--config", str(config), *command, cwd=tmp_path, env=env)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.splitlines()
        assert lines[-1] == (
            "canvass: cannot reach the database postgresql://canvass:***@127.0.0.1:1/canvass: connection failed: "
            'connection to server at "127.0.0.1", port 1 failed: Connection refused (gave up after 1.5 s)'
        )
        retries = [line for line in lines[:-1] if "retrying in" in line]
        assert retries and all("postgresql://canvass:***@127.0.0.1:1/canvass" in line for line in retries)
        assert "hunter2" not in result.stderr and "Traceback" not in result.stderr
        assert len(lines) == len(retries) + 1  # nothing else: no traceback, no other noise


def test_run_without_a_platform_or_a_terminal_refuses(tmp_path: Path) -> None:
    result = canvass("run", cwd=tmp_path, env=environment(CANVASS_SECRET=SECRET))
    assert result.returncode == 2
    assert result.stderr == "no platform configured; set [slack] or [matrix], or run with -it for the console\n"


def test_a_bad_log_level_is_a_config_error(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", '[canvass]\nlog_level = "LOUD"\n')
    result = canvass("--config", str(config), "run", cwd=tmp_path)
    assert result.returncode == 2
    levels = "DEBUG, INFO, WARNING, ERROR, CRITICAL"
    assert result.stderr == f"canvass: config: [canvass] log_level must be one of {levels}\n"


def _survey_opening_a_minute_ago(folder: Path) -> Path:
    now = datetime.now(UTC)
    return write(
        folder / "survey.toml",
        f'title = "Quiet start"\ntimezone = "UTC"\nopens_at = "{(now - timedelta(minutes=1)):%Y-%m-%d %H:%M}"\n'
        f'closes_at = "{(now + timedelta(days=2)):%Y-%m-%d %H:%M}"\n'
        'targets = [{ platform = "console", channel = "plenary" }]\n'
        '[[questions]]\nkind = "single"\ntext = "Ready?"\noptions = ["Yes", "No"]\n'
        '[[reminders]]\nbefore_close = "1h"\n',
    )


def test_a_normal_start_and_open_are_quiet_at_info(tmp_path: Path) -> None:
    """No Alembic chatter, no APScheduler 'maximum number of running instances' warning when a survey
    whose opens_at has passed is created (its open timer fired while a rebuild re-added it), and no
    warning at all when the secret is outside the data directory."""
    config = write(tmp_path / "config.toml", f'[canvass]\ndata_dir = "{tmp_path / "data"}"\n[metrics]\nport = 0\n')
    bot = ConsoleBot(config, tmp_path, environment(CANVASS_SECRET=SECRET))
    try:
        bot.wait_for(r"scheduler .* started")
        bot.type(f"/survey {_survey_opening_a_minute_ago(tmp_path)}")
        bot.wait_for(r"survey \w+ opened on schedule")
    finally:
        code, _rest = bot.stop()
    assert code == 0, bot.log
    assert not [line for line in bot.log if "alembic" in line], bot.log
    assert not [line for line in bot.log if " WARNING " in line or " ERROR " in line], bot.log
    assert len([line for line in bot.log if " INFO " in line]) <= 5, bot.log


def test_the_secret_in_the_data_directory_is_one_warning(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = write(tmp_path / "config.toml", f'[canvass]\ndata_dir = "{data}"\n[metrics]\nport = 0\n')
    bot = ConsoleBot(config, tmp_path)  # no secret anywhere: generated into data/master.key (the demo's way)
    try:
        bot.wait_for(r"scheduler .* started")
    finally:
        bot.stop()
    warnings = [line for line in bot.log if " WARNING " in line]
    assert len(warnings) == 1, bot.log
    assert warnings[0].endswith(
        f"the master secret is in the data directory ({data / 'master.key'}): a backup of that directory "
        "relinks open surveys; set CANVASS_SECRET or [canvass] secret_file to a file outside it"
    )
    assert (data / "master.key").exists()


def test_a_secret_file_outside_the_data_directory_is_used_without_warning(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    write(secrets / "canvass_secret", SECRET + "\n")
    data = tmp_path / "data"
    config = write(tmp_path / "config.toml", f'[canvass]\ndata_dir = "{data}"\n[metrics]\nport = 0\n')
    bot = ConsoleBot(config, tmp_path, environment(CANVASS_SECRET_FILE=str(secrets / "canvass_secret")))
    try:
        bot.wait_for(r"scheduler .* started")
    finally:
        bot.stop()
    assert not [line for line in bot.log if " WARNING " in line], bot.log
    assert not (data / "master.key").exists()


def test_a_missing_secret_file_names_the_key(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "secret"
    config = write(tmp_path / "config.toml", f'[canvass]\nsecret_file = "{missing}"\n')
    result = canvass("--config", str(config), "close", "abc", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"canvass: config: [canvass] secret_file '{missing}' does not exist\n"
    assert not (tmp_path / "data").exists()


def test_a_secret_file_inside_the_data_directory_warns(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write(data / "secret.txt", SECRET)
    config = write(
        tmp_path / "config.toml",
        f'[canvass]\ndata_dir = "{data}"\nsecret_file = "{data / "secret.txt"}"\n[metrics]\nport = 0\n',
    )
    bot = ConsoleBot(config, tmp_path)
    try:
        bot.wait_for(r"scheduler .* started")
    finally:
        bot.stop()
    warnings = [line for line in bot.log if " WARNING " in line]
    assert len(warnings) == 1 and re.search(r"master secret is in the data directory \(.*secret\.txt\)", warnings[0])


def test_a_slack_port_in_use_and_an_uncreatable_data_dir_are_one_line_and_exit_2(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write(
            tmp_path / "config.toml",
            f'[canvass]\ndata_dir = "{tmp_path / "data"}"\nsecret = "{SECRET}"\n[metrics]\nport = 0\n'
            '[slack]\nenabled = true\nmode = "http"\nbot_token = "xoxb-x"\nsigning_secret = "s"\n'
            f'http_host = "127.0.0.1"\nhttp_port = {port}\napi_url = "http://127.0.0.1:9/"\n',
        )
        result = canvass("--config", str(config), "run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"canvass: config: [slack] http_host/http_port 127.0.0.1:{port} cannot be listened on (Address already in use)"
    )
    assert "Traceback" not in result.stderr
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    config = write(tmp_path / "config.toml", f'[canvass]\ndata_dir = "{blocked / "data"}"\nsecret = "{SECRET}"\n')
    result = canvass("--config", str(config), "db", "upgrade", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"canvass: config: [canvass] data_dir (or CANVASS_DATA_DIR) '{blocked / 'data'}' cannot be created "
        "(Not a directory)\n"
    )
