"""The quality gate: compare metrics with the thresholds in params.yaml. Pure logic.

Per metric, `gate:` may set absolute limits (`min`, `max`) and limits relative to the champion
(`max_drop` for a metric where higher is better, `max_rise` where lower is better). A missing
or NaN metric fails (the gate fails closed). Without a champion, relative limits are skipped,
and the verdict says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from .metrics import as_number, direction, fmt

RULE_KEYS = {"min", "max", "max_drop", "max_rise", "direction"}


class GateConfigError(ValueError):
    """The `gate:` section of params.yaml cannot be applied; the message says what to fix."""


@dataclass(frozen=True)
class Check:
    """The verdict on one metric."""

    metric: str
    value: float | None
    champion: float | None
    thresholds: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class Verdict:
    """The gate's verdict on a set of metrics."""

    checks: list[Check]
    has_champion: bool

    @property
    def passed(self) -> bool:
        """True when every gated metric passed."""
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        """The checks that failed."""
        return [c for c in self.checks if not c.passed]

    def summary(self) -> str:
        """One line for a commit status or a log."""
        if self.passed:
            tail = "" if self.has_champion else " (no champion yet: absolute thresholds only)"
            return f"passed: {len(self.checks)} metric(s) within thresholds{tail}"
        worst = "; ".join(f"{c.metric} {c.reason}" for c in self.failed)
        return f"failed: {worst}"


def validate_rules(rules: object) -> dict[str, dict]:
    """Check the shape of `gate:`; raise `GateConfigError` naming the bad entry."""
    if not isinstance(rules, dict) or not rules:
        raise GateConfigError("params.yaml has no `gate:` thresholds: add at least one metric")
    for metric, rule in rules.items():
        if not isinstance(rule, dict) or not rule:
            raise GateConfigError(f"gate.{metric} must map min/max/max_drop/max_rise to numbers")
        unknown = set(rule) - RULE_KEYS
        if unknown:
            raise GateConfigError(
                f"gate.{metric}: unknown key(s) {sorted(unknown)}; use {sorted(RULE_KEYS)}"
            )
        for key in RULE_KEYS - {"direction"}:
            if key in rule and as_number(rule[key]) is None:
                raise GateConfigError(f"gate.{metric}.{key} must be a number, not {rule[key]!r}")
        better = direction(metric, rule)
        if better == "higher" and "max_rise" in rule:
            raise GateConfigError(
                f"gate.{metric}: higher is better, so limit drops with max_drop, not max_rise"
            )
        if better == "lower" and "max_drop" in rule:
            raise GateConfigError(
                f"gate.{metric}: lower is better, so limit rises with max_rise, not max_drop"
            )
    return rules  # type: ignore[return-value]


def _describe(rule: dict) -> str:
    parts = [f"{key} {rule[key]}" for key in ("min", "max", "max_drop", "max_rise") if key in rule]
    return ", ".join(parts)


def check_metric(metric: str, rule: dict, value: object, champion: object | None) -> Check:
    """The verdict on one metric against its rule and the champion's value (None: no champion)."""
    number, best = as_number(value), as_number(champion)
    thresholds = _describe(rule)
    if number is None:
        why = "is missing" if value is None else f"is not a number ({value!r})"
        return Check(metric, None, best, thresholds, False, why)
    failures = []
    if "min" in rule and number < float(rule["min"]):
        failures.append(f"{fmt(number)} < min {rule['min']}")
    if "max" in rule and number > float(rule["max"]):
        failures.append(f"{fmt(number)} > max {rule['max']}")
    relative = {"max_drop", "max_rise"} & set(rule)
    notes = []
    if relative and best is None:
        notes.append("no champion value: relative limit skipped")
    elif "max_drop" in rule and best - number > float(rule["max_drop"]):
        failures.append(
            f"dropped {best - number:.4f} from champion {fmt(best)} (max_drop {rule['max_drop']})"
        )
    elif "max_rise" in rule and number - best > float(rule["max_rise"]):
        failures.append(
            f"rose {number - best:.4f} from champion {fmt(best)} (max_rise {rule['max_rise']})"
        )
    reason = "; ".join(failures) if failures else "; ".join(["within thresholds", *notes])
    return Check(metric, number, best, thresholds, not failures, reason)


def evaluate(rules: dict, metrics: dict, champion: dict | None) -> Verdict:
    """Apply every rule of `gate:` to `metrics`; `champion` is the champion's metrics or None."""
    rules = validate_rules(rules)
    checks = [
        check_metric(
            metric, rule, metrics.get(metric), None if champion is None else champion.get(metric)
        )
        for metric, rule in rules.items()
    ]
    return Verdict(checks, champion is not None)
