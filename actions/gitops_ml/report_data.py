"""What the report shows, gathered: the champion and the history from Releases (verified), the
base branch's files from git, a project's plot files; and the gate evaluated against that
champion. `report` renders it; the `report` and `post-report` commands gather it here."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from . import gate as gate_rules
from .charts import Curves
from .fetch import FetchError, fetch_files, find_release
from .github import GitHub
from .history import load_history
from .plot_files import read_curves
from .project import (
    LOCK,
    METRICS,
    PARAMS,
    PLOTS_RELEASED,
    ProjectError,
    data_hashes,
    file_at,
    flatten,
    parse_yaml,
    read_metrics,
    read_yaml,
)
from .report import ReportInput, Side


def load_champion(gh: GitHub | None, tag: str) -> Side | None:
    """The champion's metrics, params and data hashes from its release (verified), or None."""
    if gh is None or tag == "none":
        return None
    release = find_release(gh, tag)
    if release is None:
        if tag not in ("", "latest"):
            raise FetchError(f"no published release {tag}")
        return None
    assets = {a.get("name") for a in release.get("assets") or [] if isinstance(a, dict)}
    plots = {p.name: p for p in PLOTS_RELEASED if p.name in assets}
    with tempfile.TemporaryDirectory(prefix="gitops-ml-champion-") as tmp:
        names = [METRICS.name, PARAMS.name, LOCK.name, *plots]
        files = fetch_files(gh, release, names, Path(tmp))
        return Side(
            label=f"champion {release['tag_name']}",
            metrics=read_metrics(files[METRICS.name]),
            params=flatten(read_yaml(files[PARAMS.name])),
            data=data_hashes(read_yaml(files[LOCK.name])),
            plots=read_plots(
                f"release {release['tag_name']}",
                lambda: read_curves(
                    {
                        path.as_posix(): files[name].read_text("utf-8")
                        for name, path in plots.items()
                    }
                ),
            ),
        )


def read_plots(where: str, read: Callable[[], Curves]) -> Curves | None:
    """Plot data, or None with a warning when a plot file is malformed: a report without
    plots is better than no report."""
    try:
        return read()
    except (ProjectError, UnicodeDecodeError) as err:
        print(f"gitops-ml: warning: {where}: no plots ({err})")
        return None


def base_side(project: Path, ref: str) -> Side:
    """The base branch's metrics, params and data hashes, as far as it has them."""
    base = Side("base", ref=ref)
    metrics, params, lock = (file_at(project, ref, f) for f in (METRICS, PARAMS, LOCK))
    if metrics is not None:
        base.metrics = json.loads(metrics)
    if params is not None:
        base.params = flatten(parse_yaml(params))
    if lock is not None:
        base.data = data_hashes(parse_yaml(lock))
    return base


def build_report(
    gh: GitHub | None,
    champion_tag: str,
    history: int,
    *,
    metrics: dict,
    rules: dict,
    base: Side,
    **shown,
) -> ReportInput:
    """What the report shows: the given project data, with the champion and the history read
    from Releases (verified) and the gate evaluated against that champion."""
    champion = load_champion(gh, champion_tag) or Side("champion")
    points, skipped = (None, []) if gh is None or not history else load_history(gh, history)
    return ReportInput(
        metrics=metrics,
        verdict=gate_rules.evaluate(rules, metrics, champion.metrics),
        champion=champion,
        base=base,
        gate_rules=rules,
        history=points,
        history_skipped=skipped,
        **shown,
    )
