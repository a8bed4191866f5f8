"""The model card: the body of a model release. Pure rendering.

Every value from the project (names, params, paths, versions, the gate's messages) is written
through `markdown`, so none of it can act as Markdown.
"""

from __future__ import annotations

from typing import Any

from .markdown import cell_code, code, text
from .metrics import fmt


def render_card(
    *,
    tag: str,
    sha: str,
    date: str,
    metrics: dict[str, Any],
    params: dict[str, Any],
    data: dict[str, str],
    digests: dict[str, str],
    gate: dict[str, Any],
    run_url: str | None,
    environment: dict[str, Any] | None = None,
) -> str:
    """Markdown describing the model: metrics, params, data, environment, gate, checksums.

    `gate` is the gate's result as `gitops-ml gate` wrote it (reports/gate.json);
    `environment` is models/environment.json, or None when the project did not write one.
    """
    lines = [
        f"Model {code(tag)} trained from commit {code(sha)}"
        f" ({text(date[:4])}-{text(date[4:6])}-{text(date[6:])}).",
        "",
        f"**Gate {text(gate['summary'])}**"
        + (f" (compared with {text(gate['champion'])})" if gate.get("champion") else ""),
        "",
        "## Metrics (test set)",
        "",
        "| metric | value |",
        "|---|---:|",
        *[f"| {text(name)} | {fmt(value)} |" for name, value in metrics.items()],
        "",
        "## Gate",
        "",
        "| metric | thresholds | verdict |",
        "|---|---|---|",
        *[
            f"| {text(c['metric'])} | {text(c['thresholds'])} |"
            f" {'✅' if c['passed'] else '❌'} {text(c['reason'])} |"
            for c in gate.get("checks", [])
        ],
        "",
        "## Parameters",
        "",
        "| parameter | value |",
        "|---|---|",
        *[f"| {cell_code(key)} | {cell_code(value)} |" for key, value in params.items()],
        "",
        "## Data",
        "",
        *(
            [f"- {code(path)}: md5 {code(md5)}" for path, md5 in sorted(data.items())]
            or ["- (no data inputs recorded)"]
        ),
        "",
        "## Environment",
        "",
        *environment_lines(environment),
        "",
        "## Files",
        "",
        "| file | sha256 |",
        "|---|---|",
        *[
            f"| {cell_code(name)} | {cell_code(digest)} |"
            for name, digest in sorted(digests.items())
        ],
        "",
        "Verify a download with `sha256sum -c SHA256SUMS`; "
        "`gitops-ml fetch-model` does it for you.",
    ]
    if run_url:
        lines += ["", f"Built by [this workflow run]({run_url})."]
    return "\n".join(lines) + "\n"


def environment_lines(environment: dict[str, Any] | None) -> list[str]:
    """The card's Environment section: the lock's SHA-256, Python and package versions."""
    if environment is None:
        return [
            "Not recorded: the project has no `models/environment.json` (its `train` stage"
            " predates it), so the versions that trained this model are unknown."
        ]
    lock = environment.get("lock_sha256")
    packages = environment.get("packages") or {}
    locked = (
        f"- `uv.lock` sha256 {code(lock)}" if lock else "- no `uv.lock`: an unlocked environment"
    )
    return [
        locked,
        f"- Python {code(environment.get('python', 'unknown'))}",
        "",
        "| package | version |",
        "|---|---|",
        *[f"| {text(name)} | {cell_code(version)} |" for name, version in packages.items()],
    ]
