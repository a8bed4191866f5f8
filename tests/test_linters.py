"""actionlint and zizmor over every baked workflow and every action: zero findings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TEMPLATE, bake

BIN = Path(sys.executable).parent


def lint(*cmd: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True)


@pytest.mark.parametrize(
    ("remote", "retrain"), [("none", "no"), ("s3", "yes"), ("azure", "no"), ("none", "yes")]
)
def test_baked_workflows_are_lint_clean(tmp_path, remote, retrain):
    project = bake(tmp_path, dvc_remote=remote, runs_on="self-hosted", retrain_on_drift=retrain)
    workflows = sorted((project / ".github" / "workflows").glob("*.yml"))
    assert [w.name for w in workflows] == ["drift.yml", "pull-request.yml", "train.yml"]
    actionlint = lint(BIN / "actionlint", *workflows)
    assert actionlint.returncode == 0 and actionlint.stdout == "", actionlint.stdout
    zizmor = lint(BIN / "zizmor", "--offline", project / ".github")
    assert zizmor.returncode == 0 and "No findings to report" in zizmor.stdout, zizmor.stdout
    assert "runs-on: self-hosted" in (project / ".github/workflows/train.yml").read_text()


def test_actions_are_lint_clean():
    actions = sorted(p.parent.name for p in (TEMPLATE / "actions").glob("*/action.yml"))
    assert actions == ["drift", "fetch-model", "gate", "publish", "report", "setup", "train"]
    zizmor = lint(BIN / "zizmor", "--offline", TEMPLATE / "actions")
    assert zizmor.returncode == 0 and "No findings to report" in zizmor.stdout, zizmor.stdout
