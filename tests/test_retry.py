"""The retry policy follows GitHub's rate-limit guidance; unit-tested without waiting."""

from __future__ import annotations

import math

import pytest
from gitops_ml.retry import (
    MAX_ATTEMPTS,
    PRIMARY,
    SECONDARY,
    SERVER_ERROR,
    Wait,
    WaitBudget,
    next_wait,
    over_budget,
    parse_max_wait,
    retry_delay,
)

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


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "soon"])
def test_a_retry_after_that_is_no_finite_number_is_ignored(value):
    wait = next_wait(429, {"retry-after": value}, "", 1, NOW)
    assert wait == Wait(60.0, SECONDARY, "back-off")


@pytest.mark.parametrize(
    ("status", "headers", "message", "expected"),
    [
        (502, {}, "", Wait(1.0, SERVER_ERROR, "back-off")),
        (429, {"retry-after": "30"}, "", Wait(30.0, SECONDARY, "retry-after", NOW + 30)),
        (
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 99)},
            "",
            Wait(100.0, PRIMARY, "x-ratelimit-reset", NOW + 99),
        ),
        (403, {}, "secondary rate limit", Wait(60.0, SECONDARY, "back-off")),
    ],
)
def test_each_wait_names_its_limit_and_its_source(status, headers, message, expected):
    assert next_wait(status, headers, message, 1, NOW) == expected


def test_the_budget_is_spent_and_refuses_what_does_not_fit():
    budget = WaitBudget(600)
    assert budget.allows(600) and not budget.allows(600.5) and not budget.allows(math.nan)
    budget.spend(420)
    assert budget.left == 180 and budget.allows(180) and not budget.allows(240)


def test_a_zero_budget_allows_no_wait_at_all():
    assert WaitBudget(0).allows(0) and not WaitBudget(0).allows(1)


def test_past_the_budget_one_line_names_the_limit_and_when_it_resets():
    budget = WaitBudget(600)
    budget.spend(100)
    retry_after = over_budget(Wait(3600, SECONDARY, "retry-after", NOW + 3600), budget, NOW)
    assert retry_after == (
        "secondary rate limit hit (retry-after 3600s, so it resets at 2023-11-14 23:13:20 UTC);"
        " that passes the wait budget (500s left of 600s; raise it with the max-wait input or"
        " GITOPS_ML_MAX_WAIT): giving up"
    )
    primary = over_budget(Wait(3601, PRIMARY, "x-ratelimit-reset", NOW + 3600), budget, NOW)
    assert primary.startswith(
        "primary rate limit hit (x-ratelimit-reset: it resets at 2023-11-14 23:13:20 UTC, in 3601s)"
    )
    unknown = over_budget(Wait(480, SECONDARY, "back-off"), budget, NOW)
    assert (
        "secondary rate limit hit (no reset time given; the next try would be in 480s)" in unknown
    )
    absurd = over_budget(Wait(1e300, PRIMARY, "x-ratelimit-reset", 1e300), budget, NOW)
    assert "resets at an unreadable time" in absurd
    assert all("\n" not in line for line in (retry_after, primary, unknown, absurd))


@pytest.mark.parametrize(("text", "expected"), [("600", 600.0), (" 90.5 ", 90.5), ("0", 0.0)])
def test_the_budget_is_read_as_seconds(text, expected):
    assert parse_max_wait(text) == expected


@pytest.mark.parametrize("text", ["", "-1", "ten", "inf", "nan", "10m"])
def test_a_budget_that_is_not_a_number_of_seconds_is_refused(text):
    with pytest.raises(ValueError, match="must be a number of seconds >= 0"):
        parse_max_wait(text)
