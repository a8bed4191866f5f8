"""Two baked projects in one repository keep their own sticky comment and gate status."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, TOKEN, bake
from gitops_ml import cli
from gitops_ml.metrics import fmt
from gitops_ml.report import MARKER, marker


def git(folder: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args]
    return subprocess.run(command, cwd=folder, check=True, capture_output=True, text=True).stdout


def write_metrics(project: Path, roc_auc: float) -> None:
    metrics = {"roc_auc": roc_auc, "f1": 0.6, "log_loss": 0.4}
    (project / "metrics.json").write_text(json.dumps(metrics))


@pytest.fixture
def monorepo(tmp_path, gh_standin, monkeypatch) -> tuple[Path, Path]:
    """`churn-a` and `churn-b`, baked into one repository; a pull request changes both."""
    root = tmp_path / "mono"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    projects = [bake(root, project_name=name) for name in ("Churn A", "Churn B")]
    for project, roc_auc in zip(projects, (0.80, 0.90), strict=True):
        shutil.rmtree(project / ".git")  # folders of the monorepo, not repositories of their own
        write_metrics(project, roc_auc)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "two projects")
    git(root, "checkout", "-q", "-b", "tune")
    for project, roc_auc in zip(projects, (0.82, 0.88), strict=True):
        write_metrics(project, roc_auc)
    git(root, "commit", "-q", "-am", "tune both")
    sha = git(root, "rev-parse", "HEAD").strip()
    gh_standin.add_pull_request(7, head_sha=sha)
    event = tmp_path / "event.json"
    pull = {"number": 7, "base": {"ref": "main"}, "head": {"sha": sha}}
    event.write_text(json.dumps({"pull_request": pull}))
    for key, value in {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": gh_standin.base_url,
        "GITHUB_SHA": sha,
        "GITHUB_EVENT_PATH": str(event),
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(key, raising=False)
    return projects[0], projects[1]


def test_each_project_keeps_its_own_comment_and_status(monorepo, gh_standin):
    a, b = monorepo
    for project in (a, b, a):  # `a` again: its comment is updated, not added
        assert cli.main(["report", "--project", str(project), "--champion", "none"]) == 0
    comments = gh_standin.comments(7)
    assert len(comments) == 2
    by_marker = {c["body"].split("\n", 1)[0]: c["body"] for c in comments}
    assert sorted(by_marker) == sorted([marker("churn-a"), marker("churn-b")])
    assert MARKER not in by_marker  # the root project's marker stays free
    body_a = by_marker[marker("churn-a")]
    assert "## Model report of `churn-a`" in body_a
    # Each compares with its own base file (./metrics.json), not the repository root's.
    assert fmt(0.80) in body_a and fmt(0.90) not in body_a
    assert fmt(0.90) in by_marker[marker("churn-b")]

    for project in (a, b):
        assert cli.main(["gate", "--project", str(project), "--champion", "none"]) == 0
    contexts = sorted(s["context"] for s in gh_standin.statuses)
    assert contexts == ["model-gate (churn-a)", "model-gate (churn-b)"]


def test_a_project_at_the_root_keeps_the_plain_marker_and_context():
    assert marker("") == MARKER and cli.status_context("") == "model-gate"
    assert marker("we ird -->") != marker("we ird") and "-->" not in marker("x -->")[:-4]
