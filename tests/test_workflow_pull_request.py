"""The pull-request workflow under act against the GitHub stand-in: one sticky report comment.

A champion release is seeded from a locally trained model; a feature branch changes a
hyper-parameter; the real pull-request workflow comments, then updates that same comment.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from act_runner import REPOSITORY, ActRun, pull_request_event, run_act, workflow_run_event
from conftest import bake, commit_all, make, run
from github_standin import GitHubStandIn
from gitops_ml.checksums import render_sums
from mermaid_checks import mermaid_blocks, parse_failures

pytestmark = [pytest.mark.slow, pytest.mark.act]

TOKEN = "ghs_test_write_token"
READ_ONLY = "ghs_fork_read_only_token"
MARKER = "<!-- gitops-ml:model-report -->"
BOT = "github-actions[bot]"
FORK = "outsider/churn-model"
RUN_ID = 4242
"""The run id act gives every run here (`act_runner`)."""


@pytest.fixture
def github():
    with GitHubStandIn(token=TOKEN, read_only_token=READ_ONLY) as standin:
        yield standin
        standin.assert_contract()


def seed_champion(github: GitHubStandIn, project: Path, tag: str) -> None:
    """Publish the project's current model as the champion release, with SHA256SUMS."""
    files = {
        "model.skops": project / "models" / "model.skops",
        "metrics.json": project / "metrics.json",
        "params.yaml": project / "params.yaml",
        "dvc.lock": project / "dvc.lock",
        "roc.csv": project / "plots" / "roc.csv",
    }
    contents = {name: path.read_bytes() for name, path in files.items()}
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()}
    contents["SHA256SUMS"] = render_sums(digests).encode()
    github.add_release(tag, contents)


def set_trees(project: Path, trees: int) -> None:
    params = project / "params.yaml"
    params.write_text(re.sub(r"n_estimators: \d+", f"n_estimators: {trees}", params.read_text()))


def pull_request(
    project: Path, number: int, head: str, base: str, github, tmp_path: Path, token: str = TOKEN
) -> ActRun:
    """Run the pull-request workflow for pull request `number` under act."""
    event = pull_request_event(number, head, base)
    return run_act(
        project, "pull_request", event, api_url=github.base_url, token=token, work=tmp_path / "act"
    )


def our_comments(github: GitHubStandIn, number: int) -> list[dict]:
    return [c for c in github.comments(number) if c["user"]["login"] == BOT and MARKER in c["body"]]


def roc_auc_row(body: str) -> str:
    return next(line for line in body.splitlines() if line.startswith("| roc_auc"))


def test_pull_request_gets_one_comment_updated_with_new_numbers(tmp_path, github):
    project = bake(tmp_path)
    commit_all(project)
    make(project, "repro")
    base = commit_all(project, "Train the first model")
    seed_champion(github, project, "model-20261101-champ01")
    github.add_pull_request(7, head_sha=base, base_sha=base)
    github.add_comments(7, 250, body=f"an older discussion, quoting {MARKER}", user="octocat")

    run(project, "git", "checkout", "-q", "-b", "fewer-trees")
    set_trees(project, 40)
    head = commit_all(project, "Fewer trees")
    first = pull_request(project, 7, head, base, github, tmp_path, TOKEN)
    assert first.succeeded, first.log[-3000:]
    [comment] = our_comments(github, 7)
    body = comment["body"]
    assert "champion model-20261101-champ01" in body and "base `main`" in body
    assert "| `model.random_forest.n_estimators` | `200` | `40` |" in body
    assert (
        "Data: unchanged since champion model-20261101-champ01; unchanged since base `main`."
        in body
    )
    status = github.statuses[-1]
    assert (status["context"], status["sha"]) == ("model-gate", head)
    # The ROC curves of this change and of the champion (from its release's roc.csv), drawn
    # by GitHub from Mermaid: every chart passes Mermaid's own parser.
    [chart] = mermaid_blocks(body)
    assert chart.count("\n    line [") == 3 and "🟧 orange: the champion" in body
    assert not parse_failures([chart])
    assert "|actual ↓ predicted →|`no`|`yes`|" in body

    set_trees(project, 300)
    head = commit_all(project, "More trees")
    second = pull_request(project, 7, head, base, github, tmp_path, TOKEN)
    assert second.succeeded, second.log[-3000:]
    [updated] = our_comments(github, 7)
    assert updated["id"] == comment["id"]
    assert "| `model.random_forest.n_estimators` | `200` | `300` |" in updated["body"]
    assert roc_auc_row(updated["body"]) != roc_auc_row(body)
    assert len(github.comments(7)) == 251
    assert github.count("POST", r"/issues/7/comments") == 1
    assert github.statuses[-1]["sha"] == head


def test_a_forks_pull_request_gets_its_comment_through_the_second_workflow(tmp_path, github):
    """The fork's run has a read-only token: it passes, with the report in its summary and
    uploaded as an artifact. GitHub then runs pull-request-comment.yml on `workflow_run`
    (act does not chain workflows: the test plays that part, handing the uploaded files to
    the stand-in as the run's artifact), which posts the comment and the status."""
    project = bake(tmp_path)
    base = commit_all(project)
    run(project, "git", "checkout", "-q", "-b", "from-a-fork")
    set_trees(project, 50)
    head = commit_all(project, "A contributor's change")
    github.add_pull_request(9, head_sha=head, base_sha=base, head_repo=FORK)
    result = pull_request(project, 9, head, base, github, tmp_path, READ_ONLY)
    assert result.succeeded, result.log[-3000:]
    assert github.comments(9) == []
    summary = result.summaries()
    assert "the report workflow posts this report as the pull request's comment" in summary
    assert "## Model report: ✅ gate passed" in summary
    assert "could not set the model-gate status (read-only token)" in result.log
    assert not github.statuses

    uploaded = tmp_path / "act" / "artifacts" / "gitops-ml-report"
    assert sorted(p.name for p in uploaded.iterdir()) == ["report.json", "report.md"]
    github.add_run_artifact(RUN_ID, "gitops-ml-report", zipped(uploaded))
    event = workflow_run_event(RUN_ID, head, FORK)
    posted = run_act(
        project,
        "workflow_run",
        event,
        api_url=github.base_url,
        token=TOKEN,
        work=tmp_path / "act",
        workflow="pull-request-comment.yml",
    )
    assert posted.succeeded, posted.log[-3000:]
    [comment] = our_comments(github, 9)
    assert "## Model report: ✅ gate passed" in comment["body"]
    assert "### Plots" in comment["body"]
    assert not parse_failures(mermaid_blocks(comment["body"]))
    assert "| `model.random_forest.n_estimators` | `200` | `50` |" in comment["body"]
    [status] = github.statuses
    assert (status["context"], status["sha"], status["state"]) == ("model-gate", head, "success")

    # A pull request from a branch of this repository comments from its own run: skipped.
    same_repo = run_act(
        project,
        "workflow_run",
        workflow_run_event(RUN_ID, head, REPOSITORY, (9,)),
        api_url=github.base_url,
        token=TOKEN,
        work=tmp_path / "act",
        workflow="pull-request-comment.yml",
    )
    assert same_repo.succeeded, same_repo.log[-3000:]
    assert github.count("GET", r"/actions/runs/") == 1
    assert len(github.statuses) == 1


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()
