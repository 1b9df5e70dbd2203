"""Slack request signatures (v0), checked over the raw bytes before anything is decoded or parsed."""

from __future__ import annotations

import hashlib
import hmac

MAX_AGE_SECONDS = 5 * 60  # Slack's advice: refuse older requests, so a captured one cannot be replayed


def is_valid(secret: str, raw: bytes, timestamp: str, signature: str, now: float) -> bool:
    if not secret or not timestamp.isdigit() or not signature.startswith("v0="):
        return False
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest("v0=" + expected, signature)
