"""Setting up the nio client: login or access token, a crypto store that survives restarts (same
device every time), keys uploaded before anything is joined, and raw account-data calls nio lacks."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from nio import AsyncClient, AsyncClientConfig, LoginResponse, WhoamiResponse

from bot.config import Config
from bot.errors import ConfigError

log = logging.getLogger(__name__)
SESSION_FILE = "session.json"


def store_dir(config: Config) -> Path:
    return (
        Path(config.matrix.store_dir).expanduser()
        if config.matrix.store_dir
        else config.data_path / "matrix-store"
    )


def _client_config(encryption: bool) -> AsyncClientConfig:
    return AsyncClientConfig(
        encryption_enabled=encryption,
        store_sync_tokens=False,  # the sync token lives in the database, next to what it protects
        max_limit_exceeded=None,  # on 429, nio sleeps retry_after_ms and tries again
        max_timeouts=None,  # a homeserver restart is waited out, not fatal
        backoff_factor=0.2,
        max_timeout_retry_wait_time=5,
        request_timeout=60,
    )


def _read_session(path: Path, user_id: str) -> dict[str, str] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("user_id") == user_id else None


def _write_session(path: Path, data: dict[str, str]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)


async def connect(config: Config) -> AsyncClient:
    """A logged-in client whose device keys are already on the homeserver."""
    cfg = config.matrix
    store = store_dir(config)
    store.mkdir(parents=True, exist_ok=True, mode=0o700)
    client = AsyncClient(
        cfg.homeserver, cfg.user_id, store_path=str(store), config=_client_config(cfg.encryption)
    )
    session_path = store / SESSION_FILE
    if cfg.access_token:
        client.access_token = cfg.access_token
        who = await client.whoami()
        if not isinstance(who, WhoamiResponse) or not who.device_id:
            await client.close()
            raise ConfigError(f"matrix: the access token was refused ({getattr(who, 'message', who)})")
        client.restore_login(who.user_id, who.device_id, cfg.access_token)
    elif (saved := _read_session(session_path, cfg.user_id)) is not None:
        # Reuse the device (and its keys in the store) rather than creating a new one per restart.
        client.restore_login(saved["user_id"], saved["device_id"], saved["access_token"])
    else:
        if cfg.device_id:
            client.device_id = cfg.device_id  # login then claims this device id
        response = await client.login(cfg.password, device_name=cfg.device_name)
        if not isinstance(response, LoginResponse):
            await client.close()
            raise ConfigError(f"matrix: login failed ({getattr(response, 'message', response)})")
        _write_session(
            session_path,
            {
                "user_id": response.user_id,
                "device_id": response.device_id,
                "access_token": response.access_token,
            },
        )
    if client.olm is not None and client.should_upload_keys:
        # Before joining anything, so that participants' clients can encrypt to this device at once.
        await client.keys_upload()
    log.info(
        "matrix: logged in as %s (device %s, encryption %s)",
        client.user_id,
        client.device_id,
        "on" if client.olm is not None else "off",
    )
    return client


def _account_data_path(client: AsyncClient, kind: str) -> str:
    return f"/_matrix/client/v3/user/{quote(client.user_id, safe='')}/account_data/{quote(kind, safe='')}"


async def get_account_data(client: AsyncClient, kind: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {client.access_token}"}
    response = await client.send("GET", _account_data_path(client, kind), headers=headers)
    if response.status == 404:
        return {}
    response.raise_for_status()
    data = await response.json()
    return data if isinstance(data, dict) else {}


async def put_account_data(client: AsyncClient, kind: str, content: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {client.access_token}", "Content-Type": "application/json"}
    response = await client.send(
        "PUT", _account_data_path(client, kind), json.dumps(content), headers=headers
    )
    response.raise_for_status()
