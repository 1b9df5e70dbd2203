"""`canvass run` as a real process: the console on a pseudo-terminal, its log read line by line."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CANVASS_", "SLACK_", "MATRIX_"))}
    env.pop("DATABASE_URL", None)
    return {**env, "PYTHONPATH": str(ROOT), **extra}


class ConsoleBot:
    """The console needs a terminal (without one `run` refuses, exit 2): stdin is a pty we type into."""

    def __init__(self, config: Path, cwd: Path, env: dict[str, str] | None = None) -> None:
        self._master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--config", str(config), "run"],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env or environment(),
            text=True,
        )
        os.close(slave)
        self.log: list[str] = []

    def type(self, line: str) -> None:
        os.write(self._master, (line + "\n").encode())

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        """Read the log (stderr) until a line matches; every line read is kept in `self.log`."""
        assert self.process.stderr is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                raise AssertionError(f"the bot exited ({self.process.wait()}) before {pattern!r}: {self.log}")
            self.log.append(line.rstrip("\n"))
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"no {pattern!r} within {timeout} s: {self.log}")

    def stop(self) -> tuple[int, str]:
        """/quit, then the rest of the log."""
        try:
            self.type("/quit")
            _out, err = self.process.communicate(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(10)
            os.close(self._master)
        self.log += err.splitlines()
        return self.process.returncode, err
