"""A stable digest of frozen result views, for the render cache."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot digest {type(value).__name__}")


def _plain(value: Any) -> Any:
    # asdict() loses the class name, and two kinds can share a shape; keep it.
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "__type__": type(value).__name__,
            **{f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def digest(*parts: Any) -> str:
    """SHA-256 over canonical JSON: equal views give equal digests in every process (unlike hash())."""
    payload = json.dumps(
        [_plain(p) for p in parts],
        sort_keys=True,
        default=_default,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()
