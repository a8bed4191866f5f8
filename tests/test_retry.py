"""The retry policy follows GitHub's rate-limit guidance; unit-tested without waiting."""

from __future__ import annotations

import pytest
from gitops_ml.retry import MAX_ATTEMPTS, retry_delay

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("status", "headers", "message", "attempt", "expected"),
    [
        (500, {}, "", 1, 1.0),
        (502, {}, "", 2, 2.0),
        (503, {}, "", 3, 4.0),
        (None, {}, "connection reset", 1, 1.0),
        (429, {"Retry-After": "7"}, "", 1, 7.0),
        (403, {"retry-after": "3"}, "You have exceeded a secondary rate limit", 1, 3.0),
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 30)}, "", 1, 31.0),
        (429, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) - 5)}, "", 1, 1.0),
        (403, {}, "You have exceeded a secondary rate limit.", 1, 60.0),
        (403, {}, "You have exceeded a secondary rate limit.", 2, 120.0),
        (429, {}, "", 1, 60.0),
    ],
)
def test_waits_as_github_prescribes(status, headers, message, attempt, expected):
    assert retry_delay(status, headers, message, attempt, NOW) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("status", "headers", "message"),
    [
        (403, {}, "Resource not accessible by integration"),
        (404, {}, "Not Found"),
        (422, {}, "Validation Failed"),
        (401, {}, "Bad credentials"),
    ],
)
def test_other_errors_are_final(status, headers, message):
    assert retry_delay(status, headers, message, 1, NOW) is None


def test_attempts_are_bounded():
    assert retry_delay(500, {}, "", MAX_ATTEMPTS - 1, NOW) is not None
    assert retry_delay(500, {}, "", MAX_ATTEMPTS, NOW) is None
    assert retry_delay(429, {"retry-after": "1"}, "", MAX_ATTEMPTS, NOW) is None
