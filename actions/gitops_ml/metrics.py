"""Metric facts: which way is better, and how to show a value. Pure."""

from __future__ import annotations

import math

HIGHER_IS_BETTER = {"accuracy", "precision", "recall", "f1", "roc_auc", "r2", "average_precision"}
LOWER_IS_BETTER = {"log_loss", "rmse", "mae", "mse", "brier_score"}


def direction(metric: str, rule: dict | None = None) -> str:
    """`"higher"` or `"lower"`: from the rule's `direction`, the metric's name, or its rule keys."""
    rule = rule or {}
    if rule.get("direction") in ("higher", "lower"):
        return rule["direction"]
    if metric in HIGHER_IS_BETTER:
        return "higher"
    if metric in LOWER_IS_BETTER:
        return "lower"
    if {"min", "max_drop"} & set(rule):
        return "higher"
    if {"max", "max_rise"} & set(rule):
        return "lower"
    return "higher"


def as_number(value: object) -> float | None:
    """A finite float, or None for a missing, null, NaN or non-numeric value."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def fmt(value: object) -> str:
    """A metric value for a table: 4 decimals, or an em dash when missing."""
    number = as_number(value)
    return "—" if number is None else f"{number:.4f}"


def fmt_delta(delta: float | None) -> str:
    """A signed difference, or an em dash."""
    return "—" if delta is None else f"{delta:+.4f}"
