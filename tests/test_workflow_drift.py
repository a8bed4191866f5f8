"""The scheduled drift workflow under act against the GitHub stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest
from act_runner import run_act
from conftest import bake, commit_all
from github_standin import GitHubStandIn
from test_drift import current_data

pytestmark = [pytest.mark.slow, pytest.mark.act]

TOKEN = "ghs_test_write_token"


@pytest.fixture
def github():
    with GitHubStandIn(token=TOKEN) as standin:
        yield standin
        standin.assert_contract()


def check(project: Path, github: GitHubStandIn, current: str, work: Path):
    return run_act(
        project,
        "workflow_dispatch",
        {"inputs": {"current": current}},
        workflow="drift.yml",
        api_url=github.base_url,
        token=TOKEN,
        work=work,
    )


def test_drift_opens_one_issue_updates_it_and_no_drift_opens_none(tmp_path, github):
    project = bake(tmp_path)
    same = current_data(project, "same.csv")
    drifted = current_data(project, "drifted.csv", shift=1.0, new_contract=0.3)
    commit_all(project)

    calm = check(project, github, same, tmp_path / "act")
    assert calm.succeeded, calm.log[-3000:]
    assert calm.outputs("drift")["status"] == "no drift"
    assert github.issues == []

    first = check(project, github, drifted, tmp_path / "act")
    assert not first.succeeded  # drift fails the scheduled run, so it is noticed
    assert first.outputs("drift")["status"] == "drift"
    [issue] = github.issues
    assert [label["name"] for label in issue["labels"]] == ["drift"]
    assert "🔴 alert" in issue["body"] and "new categories: three-year" in issue["body"]

    second = check(project, github, drifted, tmp_path / "act")
    assert second.outputs("drift")["status"] == "drift"
    assert len(github.issues) == 1 and len(github.comments(issue["number"])) == 1
    assert github.dispatches == []  # retrain_on_drift is off by default


def test_retrain_on_drift_dispatches_the_train_workflow_once(tmp_path, github):
    project = bake(tmp_path, retrain_on_drift="yes")
    drifted = current_data(project, "drifted.csv", shift=1.0)
    commit_all(project)
    result = check(project, github, drifted, tmp_path / "act")
    assert result.outputs("drift")["status"] == "drift"
    assert [(d["workflow_id"], d["ref"]) for d in github.dispatches] == [("train.yml", "main")]
