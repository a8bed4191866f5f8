"""The pull-request report: metric diff, params diff, data change and gate verdict as markdown.

Pure rendering: everything it shows is passed in, and every value that comes from the project
(names, params, paths, labels, the gate's messages) is written through `markdown`. `render`
gives the whole report; `limits` cuts it for a comment or a job summary.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from .charts import Curves, charts_section
from .gate import Verdict
from .history import Point, history_section
from .markdown import cell_code, code, text
from .metrics import as_number, direction, fmt, fmt_delta

MARKER = "<!-- gitops-ml:model-report -->"
"""The hidden first line of the sticky comment of a project at the repository's root."""
_SAFE_PATH = re.compile(r"[A-Za-z0-9._/-]+")


def marker(project_path: str = "") -> str:
    """The sticky comment's marker: `MARKER` at the root; for a project in a folder of a
    monorepo, one naming that folder, so each project keeps its own comment."""
    if not project_path:
        return MARKER
    if not _SAFE_PATH.fullmatch(project_path):
        project_path = hashlib.sha256(project_path.encode()).hexdigest()[:16]
    return f"<!-- gitops-ml:model-report:{project_path} -->"


@dataclass
class Side:
    """Metrics and params of something to compare with (the champion, or the base branch).

    `label` is plain text (`champion model-…`); `ref`, when set, is shown after it as code
    (the base branch's name).
    """

    label: str
    metrics: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    data: dict[str, str] | None = None
    ref: str | None = None
    plots: Curves | None = None


@dataclass
class ReportInput:
    """Everything the report shows."""

    metrics: dict[str, Any]
    params: dict[str, Any]
    data: dict[str, str]
    verdict: Verdict | None
    champion: Side
    base: Side
    gate_rules: dict[str, dict] = field(default_factory=dict)
    run_url: str | None = None
    head: str = ""
    project_path: str = ""
    history: list[Point] | None = None
    """The last published releases, oldest first (None: not looked up)."""
    history_skipped: list[str] = field(default_factory=list)
    plots: Curves | None = None
    """This change's plot data (None: no plot files)."""


def mark(metric: str, delta: float | None, rule: dict | None) -> str:
    """A direction-aware mark: better, worse or unchanged."""
    if delta is None:
        return ""
    if abs(delta) < 5e-5:
        return "⚪"
    better = (delta > 0) == (direction(metric, rule) == "higher")
    return "🟢" if better else "🔴"


def side_label(side: Side, *, in_table: bool = False) -> str:
    """The side's label as Markdown, for running text or (`in_table`) a table cell."""
    if side.ref is None:
        return text(side.label)
    return f"{text(side.label)} {(cell_code if in_table else code)(side.ref)}"


def _delta(value: Any, other: Any) -> float | None:
    a, b = as_number(value), as_number(other)
    return None if a is None or b is None else a - b


def metric_table(data: ReportInput) -> list[str]:
    """Head vs champion and vs base branch, one row per metric."""
    sides = [s for s in (data.champion, data.base) if s.metrics is not None]
    header = "| metric | this change |" + "".join(
        f" {side_label(s, in_table=True)} | Δ |" for s in sides
    )
    lines = [header, "|---|---:|" + "---:|:---:|" * len(sides)]
    names = list(data.metrics) + sorted(
        {m for s in sides for m in (s.metrics or {})} - set(data.metrics)
    )
    for name in names:
        rule = data.gate_rules.get(name)
        arrow = "↑" if direction(name, rule) == "higher" else "↓"
        row = f"| {text(name)} {arrow} | {fmt(data.metrics.get(name))} |"
        for side in sides:
            theirs = (side.metrics or {}).get(name)
            delta = _delta(data.metrics.get(name), theirs)
            row += f" {fmt(theirs)} | {fmt_delta(delta)} {mark(name, delta, rule)} |"
        lines.append(row)
    return lines


def params_diff(head: dict[str, Any], other: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """`(key, other value, head value)` for every flattened key that differs."""
    keys = sorted(set(head) | set(other))
    return [(k, other.get(k, "—"), head.get(k, "—")) for k in keys if head.get(k) != other.get(k)]


def params_section(data: ReportInput) -> list[str]:
    """The params diff against the champion (else the base branch)."""
    reference = data.champion if data.champion.params is not None else data.base
    if reference.params is None:
        return ["No params to compare with yet."]
    changes = params_diff(data.params, reference.params)
    if not changes:
        return [f"No parameter changed since {side_label(reference)}."]
    lines = [
        f"| parameter | {side_label(reference, in_table=True)} | this change |",
        "|---|---|---|",
    ]
    lines += [
        f"| {cell_code(k)} | {cell_code(old)} | {cell_code(new)} |" for k, old, new in changes
    ]
    return lines


def data_section(data: ReportInput) -> str:
    """Whether the input data changed against the champion and the base branch."""
    parts = []
    for side in (data.champion, data.base):
        if side.data is None:
            continue
        changed = sorted(
            p for p in set(data.data) | set(side.data) if data.data.get(p) != side.data.get(p)
        )
        label = side_label(side)
        parts.append(
            f"changed since {label}: " + ", ".join(code(p) for p in changed)
            if changed
            else f"unchanged since {label}"
        )
    return "Data: " + ("; ".join(parts) if parts else "nothing to compare with yet") + "."


def gate_section(verdict: Verdict | None) -> list[str]:
    """The gate verdict per metric (its names, thresholds and reasons quote the project)."""
    if verdict is None:
        return ["Gate: not evaluated."]
    lines = ["| metric | value | thresholds | champion | verdict |", "|---|---:|---|---:|---|"]
    for check in verdict.checks:
        icon = "✅" if check.passed else "❌"
        lines.append(
            f"| {text(check.metric)} | {fmt(check.value)} | {text(check.thresholds)} |"
            f" {fmt(check.champion)} | {icon} {text(check.reason)} |"
        )
    if not verdict.has_champion:
        lines.append("")
        lines.append("No champion release yet: only absolute thresholds (`min`/`max`) apply.")
    return lines


def render(data: ReportInput) -> str:
    """The whole report, with the hidden marker first (uncut: see `limits`)."""
    if data.verdict is None:
        title = "Model report"
    else:
        title = (
            "Model report: ✅ gate passed"
            if data.verdict.passed
            else "Model report: ❌ gate failed"
        )
    if data.project_path:
        title = title.replace("Model report", f"Model report of {code(data.project_path)}", 1)
    lines = [marker(data.project_path), f"## {title}", ""]
    lines += metric_table(data)
    lines += [
        "",
        "🟢 better · 🔴 worse · ⚪ unchanged · ↑ higher is better · ↓ lower is better",
        "",
    ]
    plots = charts_section(data.plots, data.champion.plots) if data.plots else []
    if plots:
        lines += ["### Plots", ""] + plots + [""]
    if data.history is not None:
        history = history_section(data.history, data.metrics, data.gate_rules, data.history_skipped)
        lines += ["### History", ""] + history + [""]
    lines += ["### Gate", ""] + gate_section(data.verdict)
    lines += ["", "### Parameters", ""] + params_section(data)
    lines += ["", data_section(data)]
    footer = f"Commit {text(data.head[:12])}" if data.head else ""
    if data.run_url:
        footer += f" · [workflow run]({data.run_url})"
    if footer:
        lines += ["", f"<sub>{footer.strip(' ·')}</sub>"]
    return "\n".join(lines) + "\n"
