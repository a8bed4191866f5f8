"""The promote workflow (rollback in one step) under act against the GitHub stand-in."""

from __future__ import annotations

import pytest
from act_runner import run_act
from conftest import TOKEN, bake, commit_all
from test_pin_check import ACTIONS_VERSION
from test_promote import release_files

pytestmark = [pytest.mark.slow, pytest.mark.act]


def test_promote_rolls_back_and_a_missing_tag_changes_nothing(tmp_path, gh_standin, client):
    project = bake(tmp_path)
    commit_all(project)
    github = gh_standin
    github.add_release("model-1", release_files(0.84))
    github.add_release("model-2", release_files(0.86))

    def promote(tag: str):
        inputs = {"tag": tag, "reason": "model-2 misses the spring campaign"}
        return run_act(
            project,
            "workflow_dispatch",
            {"inputs": inputs},
            workflow="promote.yml",
            api_url=github.base_url,
            token=TOKEN,
            work=tmp_path / "act",
        )

    missing = promote("model-9")
    assert not missing.succeeded
    assert "gitops-ml promote: error: no published release model-9" in missing.log
    assert github.count("PATCH") == 0 and client.latest_release()["tag_name"] == "model-2"

    rollback = promote("model-1")
    assert rollback.succeeded, rollback.log[-3000:]
    # setup ran the project's own gitops-ml, after checking it against the actions' version
    v = ACTIONS_VERSION
    assert f"gitops-ml {v} (project) serves the actions' {v}" in rollback.log
    assert rollback.outputs("promote")["previous"] == "model-2"
    assert client.latest_release()["tag_name"] == "model-1"
    body = next(r["body"] for r in github.releases if r["tag_name"] == "model-1")
    assert "(was `model-2`): model-2 misses the spring campaign" in body
