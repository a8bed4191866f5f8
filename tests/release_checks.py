"""The push workflow under act, and what the release it publishes must hold."""

from __future__ import annotations

import hashlib
from pathlib import Path

from act_runner import ActRun, push_event, run_act
from github_standin import GitHubStandIn
from gitops_ml.checksums import parse_sums

RELEASE_ASSETS = [
    "SHA256SUMS",
    "dvc.lock",
    "environment.json",
    "metrics.json",
    "model.skops",
    "params.yaml",
    "roc.csv",
]
"""The default project's release assets, by name."""


def release_is_complete(github: GitHubStandIn) -> dict:
    """Exactly one published, latest release whose every asset matches SHA256SUMS; return it."""
    assert len(github.releases) == 1
    release = github.releases[0]
    assert not release["draft"] and github.latest_release["id"] == release["id"]
    assets = {a["name"]: a for a in release["assets"]}
    assert sorted(assets) == RELEASE_ASSETS
    sums = parse_sums(github.asset_content(assets["SHA256SUMS"]["id"]).decode())
    assert sorted(sums) == [n for n in RELEASE_ASSETS if n != "SHA256SUMS"]
    for name, asset in assets.items():
        content = github.asset_content(asset["id"])
        digest = hashlib.sha256(content).hexdigest()
        assert asset["state"] == "uploaded" and asset["digest"] == f"sha256:{digest}"
        if name != "SHA256SUMS":
            assert sums[name] == digest
    return release


def run_push(project: Path, sha: str, github: GitHubStandIn, token: str, work: Path) -> ActRun:
    """Run the push workflow (train.yml) for `sha` under act, against the stand-in."""
    return run_act(
        project, "push", push_event(sha), api_url=github.base_url, token=token, work=work / "act"
    )
