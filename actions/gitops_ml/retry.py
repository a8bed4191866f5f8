"""When to retry a GitHub API call, and how long to wait first: pure policy, no I/O.

Follows GitHub's guidance for REST API rate limits: honour `retry-after` when sent; else, when
`x-ratelimit-remaining` is 0, wait until `x-ratelimit-reset`; else, for a secondary rate limit,
wait at least a minute, growing exponentially. Server errors (5xx) and dropped connections are
retried with exponential back-off. Everything else is final.
"""

from __future__ import annotations

from collections.abc import Mapping

MAX_ATTEMPTS = 5
"""Attempts per request, the first included."""

BACKOFF_BASE = 1.0
"""First back-off for server errors and dropped connections, in seconds; doubles each time."""

BACKOFF_CAP = 60.0
SECONDARY_MINIMUM = 60.0
"""GitHub: without other guidance, wait at least one minute after a secondary rate limit."""


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def is_rate_limited(status: int, headers: Mapping[str, str], message: str) -> bool:
    """A 429, or a 403 that GitHub sends for a primary or secondary rate limit."""
    if status == 429:
        return True
    if status != 403:
        return False
    return (
        _header(headers, "retry-after") is not None
        or _header(headers, "x-ratelimit-remaining") == "0"
        or "rate limit" in message.lower()
    )


def retry_delay(
    status: int | None,
    headers: Mapping[str, str],
    message: str,
    attempt: int,
    now: float,
) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None when the failure is final.

    `status` is None for a connection that failed or dropped; `attempt` counts from 1;
    `now` is the current Unix time (for `x-ratelimit-reset`).
    """
    if attempt >= MAX_ATTEMPTS:
        return None
    backoff = min(BACKOFF_BASE * 2 ** (attempt - 1), BACKOFF_CAP)
    if status is None or status >= 500:
        return backoff
    if not is_rate_limited(status, headers, message):
        return None
    retry_after = _header(headers, "retry-after")
    if retry_after is not None:
        try:
            return max(float(retry_after), 0.0)
        except ValueError:
            pass
    reset = _header(headers, "x-ratelimit-reset")
    if _header(headers, "x-ratelimit-remaining") == "0" and reset is not None:
        try:
            return max(float(reset) - now, 0.0) + 1.0
        except ValueError:
            pass
    return SECONDARY_MINIMUM * 2 ** (attempt - 1)
