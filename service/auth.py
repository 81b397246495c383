"""API-key check: constant-time comparison against every configured key."""

from __future__ import annotations

import hmac


def key_is_valid(provided: str | None, keys: list[str]) -> bool:
    """True when `provided` equals one of `keys`; compares against all keys (no early exit)."""
    if not provided:
        return False
    given = provided.encode("utf-8", "surrogatepass")
    ok = False
    for key in keys:
        ok |= hmac.compare_digest(given, key.encode("utf-8"))
    return ok
