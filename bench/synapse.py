"""A throwaway Synapse for the Matrix tests and the Matrix benchmark: SQLite in a temporary directory,
loopback only, no federation, rate limits raised, users registered through the shared-secret admin API.
It lives here rather than under tests/ so that bench/ need not import the test suite."""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml

SECRET = "canvass-test-shared-secret"
_FAST = {"per_second": 100000, "burst_count": 100000}
RATE_LIMITS = (
    "rc_message",
    "rc_registration",
    "rc_joins_per_room",
    "rc_3pid_validation",
    "rc_admin_redaction",
    "rc_delayed_event_mgmt",
    "rc_room_creation",
    "rc_reports",
    "rc_key_requests",
    "rc_media_create",
    "rc_profile",
    "rc_third_party_invite",
    "rc_user_directory",
    "rc_registration_token_validity",
)
NESTED_LIMITS = {
    "rc_login": ("address", "account", "failed_attempts"),
    "rc_joins": ("local", "remote"),
    "rc_invites": ("per_room", "per_user", "per_issuer"),
    "rc_presence": ("per_user",),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Account:
    user_id: str
    password: str
    access_token: str = ""  # the token the registration returned (a device of its own)


class Homeserver:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config_path = directory / "homeserver.yaml"
        self.process: subprocess.Popen[bytes] | None = None

    def configure(self) -> None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "synapse.app.homeserver",
                "--server-name",
                "localhost",
                "--config-path",
                str(self.config_path),
                "--generate-config",
                "--report-stats=no",
                "--data-directory",
                str(self.directory),
            ],
            check=True,
            capture_output=True,
            cwd=self.directory,
            timeout=120,
        )
        config: dict[str, Any] = yaml.safe_load(self.config_path.read_text())
        config.update(
            listeners=[
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            registration_shared_secret=SECRET,
            enable_registration=False,
            report_stats=False,
            trusted_key_servers=[],
            federation_domain_whitelist=[],
            bcrypt_rounds=4,
            url_preview_enabled=False,
            presence={"enabled": False},
            media_store_path=str(self.directory / "media"),
            max_upload_size="10M",
        )
        for name in RATE_LIMITS:
            config[name] = dict(_FAST)
        for name, parts in NESTED_LIMITS.items():
            config[name] = {part: dict(_FAST) for part in parts}
        log_config = self.directory / "localhost.log.config"
        log_config.write_text(
            "version: 1\nformatters:\n  f:\n    format: '%(asctime)s %(levelname)s %(name)s %(message)s'\n"
            "handlers:\n  file:\n    class: logging.FileHandler\n"
            f"    filename: {self.directory}/homeserver.log\n"
            "    formatter: f\nroot:\n  level: WARNING\n  handlers: [file]\ndisable_existing_loggers: false\n"
        )
        config["log_config"] = str(log_config)
        self.config_path.write_text(yaml.safe_dump(config))

    def start(self, timeout: float = 60.0) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "--config-path", str(self.config_path)],
            cwd=self.directory,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.directory / "stderr.log", "ab"),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"synapse exited: {(self.directory / 'stderr.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"GET /health HTTP/1.0\r\n\r\n")
                    if b"200" in sock.recv(64):
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("synapse did not become healthy in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    async def register(self, localpart: str, admin: bool = False) -> Account:
        password = f"pw-{localpart}"
        url = f"{self.url}/_synapse/admin/v1/register"
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                nonce = (await response.json())["nonce"]
            mac = hmac.new(SECRET.encode(), digestmod=hashlib.sha1)
            mac.update(
                b"\x00".join(
                    [
                        nonce.encode(),
                        localpart.encode(),
                        password.encode(),
                        b"admin" if admin else b"notadmin",
                    ]
                )
            )
            body = {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            }
            async with session.post(url, json=body) as response:
                data = await response.json()
                if response.status != 200:
                    raise RuntimeError(f"register {localpart}: {data}")
        return Account(data["user_id"], password, data.get("access_token", ""))

    async def override_message_rate(self, admin: Account, user_id: str, per_second: int, burst: int) -> None:
        """Lower (or raise) one user's rc_message limit through the admin API, leaving everyone else fast."""
        url = f"{self.url}/_synapse/admin/v1/users/{user_id}/override_ratelimit"
        headers = {"Authorization": f"Bearer {admin.access_token}"}
        body = {"messages_per_second": per_second, "burst_count": burst}
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=body, headers=headers) as response:
                if response.status != 200:
                    raise RuntimeError(f"override_ratelimit: {response.status} {await response.text()}")
