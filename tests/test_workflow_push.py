"""The push workflow (train.yml) under act against the GitHub stand-in: publish, re-run, refuse.

Each test bakes the default project, commits it, and runs the real workflow: our composite
actions from this checkout, third-party actions from local stand-ins, GitHub's API from the
stand-in (which validates every request and response against GitHub's OpenAPI description).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from act_runner import ActRun, push_event, run_act
from conftest import bake, commit_all, make, run
from github_standin import Fault, GitHubStandIn
from gitops_ml.checksums import parse_sums

pytestmark = pytest.mark.slow

TOKEN = "ghs_test_write_token"
ASSETS = [
    "SHA256SUMS",
    "dvc.lock",
    "environment.json",
    "metrics.json",
    "model.skops",
    "params.yaml",
    "roc.csv",
]


@pytest.fixture
def github():
    with GitHubStandIn(token=TOKEN) as standin:
        yield standin
        standin.assert_contract()


def _release_is_complete(github: GitHubStandIn) -> dict:
    """Exactly one published, latest release whose every asset matches SHA256SUMS."""
    assert len(github.releases) == 1
    release = github.releases[0]
    assert not release["draft"] and github.latest_release["id"] == release["id"]
    assets = {a["name"]: a for a in release["assets"]}
    assert sorted(assets) == ASSETS
    sums = parse_sums(github.asset_content(assets["SHA256SUMS"]["id"]).decode())
    assert sorted(sums) == [n for n in ASSETS if n != "SHA256SUMS"]
    for name, asset in assets.items():
        content = github.asset_content(asset["id"])
        digest = hashlib.sha256(content).hexdigest()
        assert asset["state"] == "uploaded" and asset["digest"] == f"sha256:{digest}"
        if name != "SHA256SUMS":
            assert sums[name] == digest
    return release


def push(project: Path, sha: str, github: GitHubStandIn, tmp_path: Path) -> ActRun:
    """Run the push workflow for `sha` under act."""
    return run_act(
        project,
        "push",
        push_event(sha),
        api_url=github.base_url,
        token=TOKEN,
        work=tmp_path / "act",
    )


def _writes(github: GitHubStandIn, since: int = 0) -> list:
    return [r for r in github.requests[since:] if r.method in ("POST", "PATCH", "DELETE")]


def test_push_publishes_a_release_and_a_rerun_restores_without_duplicating(tmp_path, github):
    project = bake(tmp_path)
    commit_all(project)
    make(project, "repro")  # as its user would: train locally, commit dvc.lock and metrics
    sha = commit_all(project, "Train the first model")
    first = push(project, sha, github, tmp_path)
    assert first.succeeded, first.log[-3000:]
    release = _release_is_complete(github)
    assert release["tag_name"].startswith("model-") and release["tag_name"].endswith(sha[:7])
    assert release["target_commitish"] == sha
    assert "## Metrics (test set)" in release["body"] and sha in release["body"]
    # The card names the environment that trained the model: the released environment.json.
    [asset] = [a for a in release["assets"] if a["name"] == "environment.json"]
    environment = json.loads(github.asset_content(asset["id"]))
    assert sorted(environment["packages"]) == ["numpy", "pandas", "scikit-learn", "skops"]
    card = release["body"].split("## Environment\n")[1].split("\n## ")[0]
    assert f"- Python `{environment['python']}`" in card
    for name, version in environment["packages"].items():
        assert f"| {name} | `{version}` |" in card
    assert first.outputs("gate") == {"passed": "true", "summary": first.outputs("gate")["summary"]}
    assert "Model metrics (test set)" in first.summaries()
    assert first.outputs("setup")["cache-hit"] == "false"
    assert "Running stage 'train'" in first.log  # a cold cache trains (to the same bytes)
    status = github.statuses[-1]
    assert (status["context"], status["state"], status["sha"]) == ("model-gate", "success", sha)

    # The champion is usable: fetch it, verified, and load the model with the project's code.
    fetched = run(
        project,
        "gitops-ml",
        "fetch-model",
        "--dest",
        tmp_path / "champion",
        env_extra={
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_REPOSITORY": "acme/churn-model",
            "GITHUB_API_URL": github.base_url,
        },
    )
    assert f"{release['tag_name']}:" in fetched.stdout
    loaded = run(
        project,
        "python",
        "-c",
        "import sys; from pathlib import Path; from gitops_ml.model_files import load_model;"
        " from churn_model.features import TRUSTED_TYPES as T;"
        " print(type(load_model(Path(sys.argv[1]), T, sys.argv[2])).__name__)",
        tmp_path / "champion" / "model.skops",
        parse_sums((tmp_path / "champion" / "SHA256SUMS").read_text())["model.skops"],
    )
    assert loaded.stdout.strip() == "Pipeline"

    before = len(github.requests)
    second = push(project, sha, github, tmp_path)
    assert second.succeeded, second.log[-3000:]
    assert second.outputs("setup")["cache-hit"] == "true"
    assert "Running stage" not in second.log  # a warm cache restores instead of retraining
    assert second.outputs("publish")["published"] == "false"
    release_writes = [r for r in _writes(github, before) if "/releases" in r.target]
    assert release_writes == []
    _release_is_complete(github)


def test_an_impossible_threshold_fails_the_job_and_publishes_nothing(tmp_path, github):
    project = bake(tmp_path)
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("min: 0.75", "min: 0.999"))
    sha = commit_all(project)
    result = push(project, sha, github, tmp_path)
    assert not result.succeeded
    assert github.releases == []
    assert github.count("POST", r"/releases") == 0
    status = github.statuses[-1]
    assert (status["context"], status["state"]) == ("model-gate", "failure")
    assert "roc_auc" in status["description"] and "< min 0.999" in status["description"]
    assert "❌ Model gate failed" in result.summaries()


def test_a_publish_dropped_mid_upload_is_completed_by_a_rerun(tmp_path, github):
    project = bake(tmp_path)
    sha = commit_all(project)
    # The model upload drops half-way (leaving a `starter` asset), then the retry is refused.
    github.inject("POST", r"/assets\?name=model\.skops", Fault.drop())
    github.inject("POST", r"/assets\?name=model\.skops", Fault.status(403))
    first = push(project, sha, github, tmp_path)
    assert not first.succeeded
    assert "upload asset model.skops failed: HTTP 403" in first.log
    assert len(github.releases) == 1 and github.releases[0]["draft"]
    assert github.latest_release is None

    second = push(project, sha, github, tmp_path)
    assert second.succeeded, second.log[-3000:]
    _release_is_complete(github)
    assert github.count("POST", r"/releases$") == 1
