"""The push workflow (train.yml) under act against the GitHub stand-in: refuse, resume.

Each test bakes the default project, commits it, and runs the real workflow: our composite
actions from this checkout, third-party actions from local stand-ins, GitHub's API from the
stand-in (which validates every request and response against GitHub's OpenAPI description).
A push that publishes, and its re-run that restores without publishing again, run at the end
of the user's path (test_user_path.py), on a project the user set up from its own lock.
"""

from __future__ import annotations

import pytest
from conftest import bake, commit_all
from github_standin import Fault, GitHubStandIn
from release_checks import release_is_complete, run_push

pytestmark = [pytest.mark.slow, pytest.mark.act]

TOKEN = "ghs_test_write_token"


@pytest.fixture
def github():
    with GitHubStandIn(token=TOKEN) as standin:
        yield standin
        standin.assert_contract()


def test_an_impossible_threshold_fails_the_job_and_publishes_nothing(tmp_path, github):
    project = bake(tmp_path)
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("min: 0.75", "min: 0.999"))
    sha = commit_all(project)
    result = run_push(project, sha, github, TOKEN, tmp_path)
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
    first = run_push(project, sha, github, TOKEN, tmp_path)
    assert not first.succeeded
    assert "upload asset model.skops failed: HTTP 403" in first.log
    assert len(github.releases) == 1 and github.releases[0]["draft"]
    assert github.latest_release is None

    second = run_push(project, sha, github, TOKEN, tmp_path)
    assert second.succeeded, second.log[-3000:]
    release_is_complete(github)
    assert github.count("POST", r"/releases$") == 1
