"""Gate rules: absolute and champion-relative thresholds, direction-aware, failing closed."""

from __future__ import annotations

import math
import re

import pytest
from gitops_ml.gate import GateConfigError, check_metric, evaluate

RULES = {
    "roc_auc": {"min": 0.75, "max_drop": 0.02},
    "log_loss": {"max": 0.6, "max_rise": 0.05},
}


def test_passes_within_every_threshold():
    verdict = evaluate(
        RULES, {"roc_auc": 0.86, "log_loss": 0.40}, {"roc_auc": 0.87, "log_loss": 0.38}
    )
    assert verdict.passed and [c.passed for c in verdict.checks] == [True, True]
    assert verdict.summary().startswith("passed: 2 metric(s)")


@pytest.mark.parametrize(
    ("metrics", "champion", "failing", "reason"),
    [
        ({"roc_auc": 0.70, "log_loss": 0.4}, None, "roc_auc", "0.7000 < min 0.75"),
        ({"roc_auc": 0.80, "log_loss": 0.7}, None, "log_loss", "0.7000 > max 0.6"),
        (
            {"roc_auc": 0.80, "log_loss": 0.4},
            {"roc_auc": 0.85, "log_loss": 0.4},
            "roc_auc",
            "dropped 0.0500 from champion 0.8500 (max_drop 0.02)",
        ),
        (
            {"roc_auc": 0.85, "log_loss": 0.50},
            {"roc_auc": 0.85, "log_loss": 0.40},
            "log_loss",
            "rose 0.1000 from champion 0.4000 (max_rise 0.05)",
        ),
        ({"log_loss": 0.4}, None, "roc_auc", "is missing"),
        ({"roc_auc": math.nan, "log_loss": 0.4}, None, "roc_auc", "is not a number (nan)"),
        ({"roc_auc": None, "log_loss": 0.4}, None, "roc_auc", "is missing"),
        ({"roc_auc": "high", "log_loss": 0.4}, None, "roc_auc", "is not a number ('high')"),
    ],
)
def test_fails_closed_and_names_the_reason(metrics, champion, failing, reason):
    verdict = evaluate(RULES, metrics, champion)
    assert not verdict.passed
    assert [(c.metric, c.reason) for c in verdict.failed] == [(failing, reason)]


def test_improvements_never_fail_relative_limits():
    verdict = evaluate(
        RULES, {"roc_auc": 0.95, "log_loss": 0.1}, {"roc_auc": 0.80, "log_loss": 0.5}
    )
    assert verdict.passed


def test_without_champion_only_absolute_limits_apply_and_it_says_so():
    verdict = evaluate(RULES, {"roc_auc": 0.80, "log_loss": 0.4}, None)
    assert verdict.passed and not verdict.has_champion
    assert "no champion yet: absolute thresholds only" in verdict.summary()
    assert "relative limit skipped" in verdict.checks[0].reason


def test_champion_missing_the_metric_skips_only_the_relative_limit():
    check = check_metric("roc_auc", RULES["roc_auc"], 0.70, None)
    assert not check.passed and "min 0.75" in check.reason


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (None, "no `gate:` thresholds"),
        ({}, "no `gate:` thresholds"),
        ({"roc_auc": {"minimum": 0.7}}, "unknown key(s) ['minimum']"),
        ({"roc_auc": {"min": "high"}}, "gate.roc_auc.min must be a number"),
        ({"roc_auc": {"max_rise": 0.1}}, "higher is better, so limit drops with max_drop"),
        ({"rmse": {"max_drop": 0.1}}, "lower is better, so limit rises with max_rise"),
        ({"roc_auc": 0.7}, "gate.roc_auc must map"),
    ],
)
def test_bad_configuration_is_named(rules, message):
    with pytest.raises(GateConfigError, match=re.escape(message)):
        evaluate(rules, {"roc_auc": 0.8}, None)


def test_unknown_metric_direction_comes_from_its_rule():
    rules = {"latency_ms": {"max": 50, "max_rise": 5}}
    assert (
        evaluate(rules, {"latency_ms": 40}, {"latency_ms": 30})
        .failed[0]
        .reason.startswith("rose 10")
    )
