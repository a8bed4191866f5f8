"""Faults a test injects into the stand-in: error statuses, rate limits, dropped connections,
and what a hostile or compromised endpoint might send (a redirect anywhere, other bytes)."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from .replies import Reply, error_body, json_reply

RATE_LIMIT = 5000
"""The primary rate limit the stand-in reports (GitHub's for a token)."""

SECONDARY_RATE_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000."
)
SECONDARY_RATE_LIMIT_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)
PRIMARY_RATE_LIMIT_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits"
)


@dataclass(frozen=True)
class Fault:
    """What the stand-in does instead of handling a request; build one with the class methods.

    `code` None means: drop the connection without any response (after reading part of the
    body). `reset_in`, when set, adds primary-rate-limit headers whose reset time is counted
    from the moment the fault fires. `raw`, when set, is sent as the body as is, not as JSON.
    """

    code: int | None
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    reset_in: int | None = None
    raw: bytes | None = None

    @classmethod
    def status(cls, code: int, body: Any = None, headers: Mapping[str, str] | None = None) -> Fault:
        """Reply `code` with `body` (default: GitHub's error body with the status' phrase)."""
        if body is None:
            body = error_body(code, HTTPStatus(code).phrase)
        return cls(code, body, dict(headers or {}))

    @classmethod
    def secondary_rate_limit(cls, retry_after: int | None = None, code: int = 403) -> Fault:
        """GitHub's secondary rate limit: 403 (or 429), optionally with `retry-after` seconds."""
        headers = {} if retry_after is None else {"retry-after": str(retry_after)}
        body = error_body(code, SECONDARY_RATE_LIMIT_MESSAGE, SECONDARY_RATE_LIMIT_DOCS)
        return cls(code, body, headers)

    @classmethod
    def primary_rate_limit(cls, reset_in: int = 3, code: int = 403) -> Fault:
        """GitHub's exhausted primary rate limit: `x-ratelimit-remaining: 0` and its reset time."""
        message = "API rate limit exceeded for installation ID 1."
        return cls(code, error_body(code, message, PRIMARY_RATE_LIMIT_DOCS), reset_in=reset_in)

    @classmethod
    def redirect(cls, location: str, code: int = 302) -> Fault:
        """A redirect to `location`, any host: GitHub's answer to an asset download, pointed
        wherever a hostile endpoint likes."""
        return cls(code, headers={"Location": location}, raw=b"")

    @classmethod
    def octets(cls, content: bytes, headers: Mapping[str, str] | None = None) -> Fault:
        """200 with `content` as the body: a storage URL serving other bytes than the asset's."""
        return cls(200, headers=dict(headers or {}), raw=content)

    @classmethod
    def drop(cls) -> Fault:
        """Read part of the request body, then close the connection without a response.

        On an asset upload this reads half the body and leaves a `starter` asset behind, as an
        upload cut short does on GitHub.
        """
        return cls(None)

    def reply(self, now: float) -> Reply:
        """The reply this fault sends when it fires at time `now` (not for `drop`)."""
        if self.code is None:
            raise ValueError("a dropped connection has no reply")
        if self.raw is not None:
            kind = "application/octet-stream" if self.raw else None
            return Reply(self.code, self.raw, dict(self.headers), kind)
        headers = dict(self.headers)
        if self.reset_in is not None:
            headers.update(
                {
                    "x-ratelimit-limit": str(RATE_LIMIT),
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-used": str(RATE_LIMIT),
                    "x-ratelimit-reset": str(int(now) + self.reset_in),
                    "x-ratelimit-resource": "core",
                }
            )
        return json_reply(self.code, self.body, headers)


@dataclass
class _Armed:
    method: str
    pattern: re.Pattern[str]
    fault: Fault
    times: int


class FaultQueue:
    """Faults waiting for matching requests, consumed in the order they were injected."""

    def __init__(self) -> None:
        self._armed: list[_Armed] = []
        self._lock = threading.Lock()

    def inject(self, method: str, path_regex: str, fault: Fault, times: int = 1) -> None:
        """Arm `fault` for the next `times` requests whose method is `method` ("*" for any)
        and whose path with query string matches `path_regex` (`re.search`)."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._armed.append(_Armed(method.upper(), re.compile(path_regex), fault, times))

    def take(self, method: str, target: str) -> Fault | None:
        """The first armed fault matching this request, used up by one; None if none match."""
        with self._lock:
            for armed in self._armed:
                if armed.method in ("*", method.upper()) and armed.pattern.search(target):
                    armed.times -= 1
                    if armed.times == 0:
                        self._armed.remove(armed)
                    return armed.fault
        return None

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._armed.clear()

    @property
    def pending(self) -> int:
        """How many fault firings are still armed."""
        with self._lock:
            return sum(armed.times for armed in self._armed)
