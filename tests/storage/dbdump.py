"""Read every row of every table, for tests that must see everything the database holds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, inspect, text

from storage.engine import sync_url


def dump_all(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            return {t: [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}"'))] for t in tables}
    finally:
        engine.dispose()


def rows_mentioning(url: str, needles: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Rows (by table) whose any cell, as text or bytes, contains one of the needles."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    lowered = [n.lower() for n in needles]
    for table, rows in dump_all(url).items():
        for row in rows:
            cells = []
            for cell in row:
                if isinstance(cell, (bytes, bytearray, memoryview)):
                    raw = bytes(cell)
                    cells.append(raw.decode("latin-1").lower())
                    cells.append(raw.hex())
                else:
                    cells.append(str(cell).lower())
            if any(n in c for n in lowered for c in cells):
                found.setdefault(table, []).append(row)
    return found


def id_forms(user_id: str, platform: str) -> list[str]:
    """Every form a participant id could leak in: as is, lowercase, hex, base64, SHA-256 (plain and
    platform-prefixed)."""
    import base64
    import hashlib

    raw = user_id.encode()
    return [
        user_id,
        user_id.lower(),
        raw.hex(),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        hashlib.sha256(raw).hexdigest(),
        hashlib.sha256(f"{platform}:{user_id}".encode()).hexdigest(),
    ]
