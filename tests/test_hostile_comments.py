"""The bot's comments when things are hostile, against the GitHub stand-in: runs racing on
one sticky comment, project values that try to act in Markdown, a report over GitHub's
limits, and other people's comments carrying the bot's marker.

Races are tested two ways: every interleaving of two runs' requests, forced one request at a
time (`turnstile.py`), and free-running threads, each with its own client, ten times over.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import threading
import time
from functools import partial
from pathlib import Path

import pytest
import yaml
from github_standin import GitHubStandIn
from gitops_ml import cli
from gitops_ml.comment import upsert_comment
from gitops_ml.drift import MARKER as DRIFT_MARKER
from gitops_ml.github import GitHub
from gitops_ml.limits import COMMENT_LIMIT
from gitops_ml.report import MARKER
from markdown_checks import HOSTILE, assert_inert
from turnstile import Step, TurnClient, explore, race

TOKEN = "test-token-hostile-0123"
REPO = "acme/churn-model"
BOT = "github-actions[bot]"
REPO_URL = f"https://github.com/{REPO}"
BODIES = {"A": f"{MARKER}\nthe report of run A", "B": f"{MARKER}\nthe report of run B"}


@pytest.fixture
def standin():
    with GitHubStandIn(token=TOKEN) as github:
        yield github
        github.assert_contract()


def _client(standin: GitHubStandIn) -> GitHub:
    return GitHub(TOKEN, REPO, standin.base_url, sleep=lambda seconds: None)


def _sticky(standin: GitHubStandIn, number: int, marker: str = MARKER) -> list[dict]:
    return [
        c
        for c in standin.comments(number)
        if c["user"]["login"] == BOT and c["body"].startswith(marker)
    ]


def _others(standin: GitHubStandIn, number: int) -> list[tuple[int, str]]:
    return [(c["id"], c["body"]) for c in standin.comments(number) if c["user"]["login"] != BOT]


# ------------------------------------------------------------------ racing sticky comments


def _seed_empty(standin: GitHubStandIn, number: int) -> None:
    standin.add_comments(number, 2, body=f"quoting {MARKER} is not enough", user="octocat")


def _seed_one(standin: GitHubStandIn, number: int) -> None:
    _seed_empty(standin, number)
    standin.add_comments(number, 1, body=f"{MARKER}\nan older report", user=BOT)


def _seed_leftovers(standin: GitHubStandIn, number: int) -> None:
    """A forged marker comment older than all, and two bot comments an old race left."""
    standin.add_comments(number, 1, body=f"{MARKER}\nforged by a person", user="octocat")
    standin.add_comments(number, 2, body=f"{MARKER}\nleft by an old race", user=BOT)
    _seed_empty(standin, number)


SEEDS = {"no comment yet": _seed_empty, "one comment": _seed_one, "leftovers": _seed_leftovers}


def _upsert(number: int, run: str, gh: GitHub) -> tuple[str, dict]:
    return upsert_comment(gh, number, BODIES[run], MARKER, BOT, log=lambda message: None)


def _describe(trace: list[Step]) -> str:
    return "; ".join(f"{s.run} {s.method} {s.path.rsplit('/', 2)[-2:]} {s.status}" for s in trace)


def _assert_converged(standin, number, results, trace, others) -> None:
    """One sticky comment is left, every run returned it, and it holds the body of the run
    that wrote last; other people's comments are untouched."""
    why = _describe(trace)
    assert not [r for r in results.values() if isinstance(r, BaseException)], (results, why)
    sticky = _sticky(standin, number)
    assert len(sticky) == 1, f"{len(sticky)} comments left after: {why}"
    kept = sticky[0]
    assert {comment["id"] for _, comment in results.values()} == {kept["id"]}, why
    writes = [s for s in trace if s.method in ("POST", "PATCH") and s.status in (200, 201)]
    assert writes and kept["body"] == BODIES[writes[-1].run], why
    patched = {s.path.rsplit("/", 1)[-1] for s in trace if s.method == "PATCH"}
    assert patched <= {str(kept["id"])}, why  # no write ever went to a comment then deleted
    assert _others(standin, number) == others, why


def _forced(standin: GitHubStandIn, numbers, seed, schedule: list[str]) -> list[Step]:
    number = next(numbers)
    standin.add_pull_request(number, head_sha=f"{number:040x}")
    seed(standin, number)
    others = _others(standin, number)

    def make_client(turnstile, run):
        return TurnClient(turnstile, run, TOKEN, REPO, standin.base_url, sleep=lambda s: None)

    runs = {run: partial(_upsert, number, run) for run in BODIES}
    results, trace = race(runs, make_client, schedule)
    _assert_converged(standin, number, results, trace, others)
    return trace


def test_both_runs_list_before_either_creates_and_one_comment_is_left(standin):
    trace = _forced(standin, itertools.count(1), _seed_empty, ["A", "B"] * 6)
    assert [(s.run, s.method) for s in trace[:4]] == [
        ("A", "GET"),
        ("B", "GET"),
        ("A", "POST"),
        ("B", "POST"),
    ]


@pytest.mark.parametrize("seed", SEEDS.values(), ids=SEEDS.keys())
def test_every_interleaving_of_two_runs_leaves_one_comment_with_the_last_body(standin, seed):
    numbers = itertools.count(1)
    explored = explore(partial(_forced, standin, numbers, seed), ("A", "B"))
    assert explored >= {_seed_empty: 40, _seed_one: 6, _seed_leftovers: 15}[seed]


def _seed_across_pages(standin: GitHubStandIn, number: int) -> None:
    """The sticky comment and three leftovers from an old race across the first page's end
    (100 comments a page): deleting them shifts the second page under a run paging through."""
    standin.add_comments(number, 97, body=f"quoting {MARKER}", user="octocat")
    standin.add_comments(number, 1, body=f"{MARKER}\nthe kept report", user=BOT)
    standin.add_comments(number, 3, body=f"{MARKER}\nleft by an old race", user=BOT)
    standin.add_comments(number, 20, body="more discussion", user="octocat")


def test_a_run_paging_while_the_other_deletes_duplicates_still_leaves_one_comment(standin):
    schedule = ["A"] + ["B"] * 10 + ["A"] * 10  # B runs whole between A's two pages
    trace = _forced(standin, itertools.count(1), _seed_across_pages, schedule)
    a_pages = [i for i, s in enumerate(trace) if s.run == "A" and s.method == "GET"]
    b_deletes = [i for i, s in enumerate(trace) if s.run == "B" and s.method == "DELETE"]
    assert len(a_pages) == 2 and len(b_deletes) == 3
    assert a_pages[0] < b_deletes[0] and b_deletes[-1] < a_pages[1]


def _free_run(standin, number: int, run: str, start: threading.Barrier, results: dict) -> None:
    gh = _client(standin)
    start.wait()
    try:
        results[run] = _upsert(number, run, gh)
    except Exception as err:  # reported by the test
        results[run] = err


def _person(standin, number: int, start: threading.Barrier) -> None:
    start.wait()
    for _ in range(3):
        standin.add_comments(number, 1, body=f"a person quotes {MARKER}", user="octocat")
        time.sleep(0.002)


def test_two_runs_at_once_leave_one_comment_in_ten_of_ten_trials(standin):
    """Free-running threads, each with its own client, while a person comments too."""
    for number in range(1, 11):
        standin.add_pull_request(number, head_sha=f"{number:040x}")
        _seed_empty(standin, number)
        start, results = threading.Barrier(3), {}
        threads = [
            threading.Thread(target=_free_run, args=(standin, number, run, start, results))
            for run in BODIES
        ]
        threads.append(threading.Thread(target=_person, args=(standin, number, start)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not [r for r in results.values() if isinstance(r, BaseException)], results
        sticky = _sticky(standin, number)
        assert len(sticky) == 1, f"trial {number}: {len(sticky)} comments"
        assert sticky[0]["body"] in BODIES.values()
        assert {comment["id"] for _, comment in results.values()} == {sticky[0]["id"]}
        assert len(_others(standin, number)) == 5


# ------------------------------------------------- drift: other people's marked comments


def test_drift_leaves_other_users_comments_carrying_the_marker_alone(standin):
    issue = standin.add_issue("Data drift detected", "first report", ["drift"], user=BOT)
    number = issue["number"]
    standin.add_comments(number, 1, body=f"{DRIFT_MARKER}\nforged, older than all", user="mallory")
    standin.add_comments(number, 1, body=f"{DRIFT_MARKER}\nthe old report", user=BOT)
    standin.add_comments(number, 1, body=f"{DRIFT_MARKER}\nquoted by a person", user="octocat")
    others = _others(standin, number)
    author = cli.parser().parse_args(["drift", "--current", "x.csv"]).comment_author
    assert author == BOT  # the same default as `report --comment-author`

    cli.open_issue(_client(standin), f"{DRIFT_MARKER}\nthe new report", "drift", author)
    assert _others(standin, number) == others  # neither updated nor deleted
    [report] = _sticky(standin, number, DRIFT_MARKER)
    assert report["body"] == f"{DRIFT_MARKER}\nthe new report"
    assert len(standin.comments(number)) == 3 and len(standin.issues) == 1


def test_drift_comments_anew_when_only_another_user_carries_the_marker(standin):
    issue = standin.add_issue("Data drift detected", "first report", ["drift"], user=BOT)
    number = issue["number"]
    standin.add_comments(number, 1, body=f"{DRIFT_MARKER}\nforged", user="mallory")
    others = _others(standin, number)
    cli.open_issue(_client(standin), f"{DRIFT_MARKER}\nthe new report", "drift", BOT)
    assert _others(standin, number) == others
    assert [c["body"] for c in _sticky(standin, number, DRIFT_MARKER)] == [
        f"{DRIFT_MARKER}\nthe new report"
    ]


# ------------------------------------------------------- the report command, end to end


def _git(project: Path, *args: str) -> None:
    identity = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t"}
    env = identity | {"GIT_COMMITTER_EMAIL": "t@e", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)


def _project(root: Path, values: list[str], base_params: dict, head_params: dict) -> Path:
    """A project whose metrics, data paths and params (base branch, then this change) hold
    `values`."""
    root.mkdir(parents=True)
    gate = {"gate": {"roc_auc": {"min": 0.5}}}
    (root / "params.yaml").write_text(yaml.safe_dump(base_params | gate))
    metrics = {"roc_auc": 0.8} | {f"metric {v}": 0.5 for v in values}
    (root / "metrics.json").write_text(json.dumps(metrics))
    deps = [{"path": f"data/{v}.csv", "md5": "m1"} for v in values]
    (root / "dvc.lock").write_text(yaml.safe_dump({"stages": {"validate": {"deps": deps}}}))
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")
    (root / "params.yaml").write_text(yaml.safe_dump(head_params | gate))
    return root


@pytest.fixture
def report(standin, monkeypatch, tmp_path):
    """Run `gitops-ml report` on a project for pull request `number`; the comment and the
    job summary it wrote."""

    def run(project: Path, number: int) -> tuple[str, str]:
        standin.add_pull_request(number, head_sha="a" * 40)
        event, summary = tmp_path / f"event-{number}.json", tmp_path / f"summary-{number}.md"
        pull = {"number": number, "base": {"ref": "main"}, "head": {"sha": "a" * 40}}
        event.write_text(json.dumps({"pull_request": pull}))
        env = {
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": standin.base_url,
            "GITHUB_RUN_ID": "42",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_STEP_SUMMARY": str(summary),
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
        assert cli.main(["report", "--project", str(project), "--champion", "none"]) == 0
        [comment] = _sticky(standin, number)
        return comment["body"], summary.read_text()

    return run


def test_a_hostile_project_cannot_act_in_the_posted_report(report, tmp_path):
    def posted(values: list[str], number: int) -> tuple[str, str]:
        base = {"model": {f"key {v}": f"old {v}" for v in values}}
        head = {"model": {f"key {v}": v for v in values}}
        return report(_project(tmp_path / str(number), values, base, head), number)

    comment, summary = posted(HOSTILE, 1)
    benign_comment, benign_summary = posted([f"value{i}" for i in range(len(HOSTILE))], 2)
    assert_inert(comment, benign_comment, MARKER)
    assert_inert(summary, benign_summary, MARKER)
    assert "## Model report: ✅ gate passed" in comment.splitlines()


def test_a_3000_parameter_report_is_whole_in_the_job_summary_and_cut_in_the_comment(
    report, tmp_path
):
    names = [f"param_{i:04d}" for i in range(3000)]
    base = {"model": {name: f"{name}-old-value" for name in names}}
    head = {"model": {name: f"{name}-new-value" for name in names}}
    comment, summary = report(_project(tmp_path / "big", [], base, head), 1)
    rows = [f"| `model.{name}` | `{name}-old-value` | `{name}-new-value` |" for name in names]
    assert all(row in summary.splitlines() for row in rows) and "✂️" not in summary
    assert len(comment) <= COMMENT_LIMIT
    assert 0 < sum(row in comment for row in rows) < 3000
    assert (
        comment.rstrip("\n")
        .splitlines()[-1]
        .endswith(
            "The full report is in the job summary of"
            f" [this workflow run]({REPO_URL}/actions/runs/42)."
        )
    )


def test_the_metrics_summary_of_a_hostile_project_is_inert(monkeypatch, tmp_path):
    def summary(values: list[str], name: str) -> str:
        project = tmp_path / name
        (project / "reports").mkdir(parents=True)
        (project / "metrics.json").write_text(json.dumps({f"m {v}": 0.5 for v in values}))
        validation = {"rows": 10, "file": values[0], "warnings": [f"w {v}" for v in values]}
        (project / "reports" / "validation.json").write_text(json.dumps(validation))
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / f"{name}.md"))
        monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
        assert cli.main(["summary", "--project", str(project)]) == 0
        return (tmp_path / f"{name}.md").read_text()

    benign = summary([f"value{i}" for i in range(len(HOSTILE))], "benign")
    assert_inert(summary(HOSTILE, "hostile"), benign, None)
