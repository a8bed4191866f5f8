"""When to retry a GitHub API call, how long to wait first, and for how long in all: pure policy.

Follows GitHub's guidance for REST API rate limits: honour `retry-after` when sent; else, when
`x-ratelimit-remaining` is 0, wait until `x-ratelimit-reset`; else, for a secondary rate limit,
wait at least a minute, growing exponentially. Server errors (5xx) and dropped connections are
retried with exponential back-off. Everything else is final.

Every wait of one command comes out of one `WaitBudget` (default ten minutes): a wait that would
pass it is not started, and `over_budget` says which limit was hit and when it resets.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

MAX_ATTEMPTS = 5
"""Attempts per request, the first included."""

BACKOFF_BASE = 1.0
"""First back-off for server errors and dropped connections, in seconds; doubles each time."""

BACKOFF_CAP = 60.0
SECONDARY_MINIMUM = 60.0
"""GitHub: without other guidance, wait at least one minute after a secondary rate limit."""

DEFAULT_MAX_WAIT = 600.0
"""Seconds one command may spend waiting in all, unless told otherwise."""

MAX_WAIT_ENV = "GITOPS_ML_MAX_WAIT"
"""The environment variable that sets the budget (the actions' `max-wait` input)."""

PRIMARY, SECONDARY = "primary rate limit", "secondary rate limit"
SERVER_ERROR, CONNECTION = "server error", "connection failure"


@dataclass(frozen=True)
class Wait:
    """A wait before the next attempt: how long, for which limit, and on whose word.

    `source` is `retry-after`, `x-ratelimit-reset` or `back-off` (our own schedule);
    `resets_at` is the Unix time the server named, or None when it named none.
    """

    seconds: float
    limit: str
    source: str
    resets_at: float | None = None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _number(text: str | None) -> float | None:
    """A finite number from a header, else None (a hostile `inf` or `nan` is no number)."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


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


def next_wait(
    status: int | None,
    headers: Mapping[str, str],
    message: str,
    attempt: int,
    now: float,
) -> Wait | None:
    """The wait before attempt `attempt + 1`, or None when the failure is final.

    `status` is None for a connection that failed or dropped; `attempt` counts from 1;
    `now` is the current Unix time (for `x-ratelimit-reset`).
    """
    if attempt >= MAX_ATTEMPTS:
        return None
    backoff = min(BACKOFF_BASE * 2 ** (attempt - 1), BACKOFF_CAP)
    if status is None:
        return Wait(backoff, CONNECTION, "back-off")
    if status >= 500:
        return Wait(backoff, SERVER_ERROR, "back-off")
    if not is_rate_limited(status, headers, message):
        return None
    primary = _header(headers, "x-ratelimit-remaining") == "0"
    limit = PRIMARY if primary else SECONDARY
    retry_after = _number(_header(headers, "retry-after"))
    if retry_after is not None:
        seconds = max(retry_after, 0.0)
        return Wait(seconds, limit, "retry-after", now + seconds)
    reset = _number(_header(headers, "x-ratelimit-reset"))
    if primary and reset is not None:
        return Wait(max(reset - now, 0.0) + 1.0, limit, "x-ratelimit-reset", reset)
    return Wait(SECONDARY_MINIMUM * 2 ** (attempt - 1), limit, "back-off")


def retry_delay(
    status: int | None,
    headers: Mapping[str, str],
    message: str,
    attempt: int,
    now: float,
) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None when the failure is final."""
    wait = next_wait(status, headers, message, attempt, now)
    return None if wait is None else wait.seconds


class WaitBudget:
    """The seconds one command may still spend waiting."""

    def __init__(self, total: float = DEFAULT_MAX_WAIT) -> None:
        self.total = total
        self.spent = 0.0

    @property
    def left(self) -> float:
        """Seconds not yet spent."""
        return max(self.total - self.spent, 0.0)

    def allows(self, seconds: float) -> bool:
        """Whether a wait of `seconds` fits in what is left (NaN never does)."""
        return seconds <= self.left

    def spend(self, seconds: float) -> None:
        """Count a wait that was made."""
        self.spent += seconds


def parse_max_wait(text: str) -> float:
    """A budget in seconds from text (`600`, `90.5`); ValueError unless finite and >= 0."""
    value = _number(text.strip())
    if value is None or value < 0:
        raise ValueError(
            f"{MAX_WAIT_ENV} / max-wait must be a number of seconds >= 0, not {text!r}"
        )
    return value


def _when(moment: float) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(moment))
    except (OverflowError, OSError, ValueError):
        return "an unreadable time"


def over_budget(wait: Wait, budget: WaitBudget, now: float) -> str:
    """One line: the limit hit, when it resets, and the budget it would pass."""
    if wait.source == "retry-after":
        reset = f"retry-after {wait.seconds:.0f}s, so it resets at {_when(now + wait.seconds)}"
    elif wait.source == "x-ratelimit-reset" and wait.resets_at is not None:
        reset = f"x-ratelimit-reset: it resets at {_when(wait.resets_at)}, in {wait.seconds:.0f}s"
    else:
        reset = f"no reset time given; the next try would be in {wait.seconds:.0f}s"
    return (
        f"{wait.limit} hit ({reset}); that passes the wait budget "
        f"({budget.left:.0f}s left of {budget.total:.0f}s; raise it with the max-wait input "
        f"or {MAX_WAIT_ENV}): giving up"
    )
