"""Where a change sits among the last published releases: each gated metric as a sparkline.

`history_section` is pure rendering; `load_history` reads each release's own `metrics.json`,
verified against its `SHA256SUMS`, so the history needs no storage beyond the releases.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from .fetch import FetchError, fetch_files
from .github import GitHub
from .markdown import code, text
from .metrics import as_number, direction, fmt
from .project import METRICS, ProjectError, read_metrics

BARS = "▁▂▃▄▅▆▇█"
MISSING = "·"
DEFAULT_RELEASES = 10
"""How many of the last published releases the report shows."""


@dataclass(frozen=True)
class Point:
    """One published release and its metrics."""

    tag: str
    metrics: dict


def sparkline(values: list[float | None]) -> str:
    """One bar per value, scaled between the smallest and the largest; `·` where one is missing."""
    known = [v for v in values if v is not None]
    if not known:
        return MISSING * len(values)
    low, span = min(known), max(known) - min(known)
    top = len(BARS) - 1
    return "".join(
        MISSING if v is None else BARS[3 if span == 0 else round((v - low) / span * top)]
        for v in values
    )


def history_section(
    points: list[Point], current: dict, rules: dict, skipped: list[str] | None = None
) -> list[str]:
    """Markdown lines: per gated metric (every metric without a gate), the releases' values
    oldest first, then this change's (in bold)."""
    if not points:
        return ["No published release yet: nothing to compare with."]
    lines = [
        f"The last {len(points)} published release(s), oldest first, then **this change**:",
        "",
        "| metric | history | releases' range | this change |",
        "|---|---|---:|---:|",
    ]
    for name in list(rules) or sorted(current):
        values = [as_number(point.metrics.get(name)) for point in points]
        now = as_number(current.get(name))
        bars = sparkline([*values, now])
        known = [v for v in values if v is not None]
        spread = f"{fmt(min(known))} – {fmt(max(known))}" if known else "—"
        arrow = "↑" if direction(name, rules.get(name)) == "higher" else "↓"
        row = f"| {text(name)} {arrow} | `{bars[:-1]}` **{bars[-1]}** | {spread} | {fmt(now)} |"
        lines.append(row)
    lines += ["", f"<sub>From {code(points[0].tag)} to {code(points[-1].tag)}.</sub>"]
    if skipped:
        lines += ["", f"<sub>Left out (unreadable): {text('; '.join(skipped))}</sub>"]
    return lines


def load_history(gh: GitHub, limit: int = DEFAULT_RELEASES) -> tuple[list[Point], list[str]]:
    """The last `limit` published releases (not drafts or pre-releases), oldest first, with the
    metrics.json each carries; and one note per release left out because it cannot be read."""
    points: list[Point] = []
    skipped: list[str] = []
    for release in gh.releases():  # newest first
        if len(points) >= limit:
            break
        if release.get("draft") or release.get("prerelease"):
            continue
        tag = str(release.get("tag_name"))
        with tempfile.TemporaryDirectory(prefix="gitops-ml-history-") as tmp:
            try:
                files = fetch_files(gh, release, [METRICS.name], Path(tmp))
                points.append(Point(tag, read_metrics(files[METRICS.name])))
            except (FetchError, ProjectError) as err:
                skipped.append(f"{tag}: {str(err).replace(tmp + '/', '')}")
    return points[::-1], skipped
