"""Publishing one commit from two runs at once, and assets GitHub reports with no digest.

GitHub lets several drafts share a tag and refuses only a second *published* release with it
(422 `already_exists`). Two runs publishing the same commit must end with one published
release whose every asset is `uploaded` and matches SHA256SUMS, no draft left, both runs
successful and the loser saying the other run published (or that the release is already
complete, when it looked only after the other had finished); a finished asset is never deleted;
an asset with `digest: null` is verified by downloading it. Runs are threads with their own
client (hooks force the interleavings) or real `gitops-ml publish` processes.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from github_standin import Fault, GitHubStandIn
from gitops_ml.checksums import parse_sums, render_sums
from gitops_ml.github import GitHub, GitHubError
from gitops_ml.publish import WAITS, Published, PublishError, publish

TOKEN = "test-token-race"
REPO = "acme/churn-model"
TAG = "model-20261124-abcdef1"
SHA = "abcdef1234"
TIMEOUT = 20.0
"""Seconds a forced interleaving may wait for the other run before the test fails."""

Files = tuple[dict[str, Path], dict[str, str]]


@pytest.fixture
def github():
    with GitHubStandIn(token=TOKEN) as standin:
        yield standin
        standin.assert_contract()


@pytest.fixture
def release_files(tmp_path) -> Files:
    contents = {
        "model.skops": b"PK\x03\x04 model bytes " * 2000,
        "metrics.json": b'{"roc_auc": 0.86}\n',
        "params.yaml": b"model:\n  name: random_forest\n",
        "dvc.lock": b"schema: '2.0'\nstages: {}\n",
    }
    files, digests = {}, {}
    for name, content in contents.items():
        files[name] = tmp_path / name
        files[name].write_bytes(content)
        digests[name] = _sha(content)
    sums = render_sums(digests).encode()
    files["SHA256SUMS"] = tmp_path / "SHA256SUMS"
    files["SHA256SUMS"].write_bytes(sums)
    digests["SHA256SUMS"] = _sha(sums)
    return files, digests


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Run(GitHub):
    """One run's own client. `before[name](*args)` runs before its call of `name`, and
    `after[name](result, *args)` after it: the hooks that force an interleaving. A `lagging`
    run's list of releases misses the drafts other runs created (as a lagging replica may)."""

    def __init__(
        self,
        standin: GitHubStandIn,
        before: dict[str, Callable[..., None]] | None = None,
        after: dict[str, Callable[..., None]] | None = None,
        lagging: bool = False,
    ) -> None:
        super().__init__(TOKEN, REPO, standin.base_url, sleep=lambda seconds: None)
        self.before, self.after, self.lagging = before or {}, after or {}, lagging
        self.created: set[int] = set()

    def _hooked(self, name: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if name in self.before:
            self.before[name](*args)
        result = call(*args, **kwargs)
        if name in self.after:
            self.after[name](result, *args)
        return result

    def releases_with_tag(self, tag: str) -> list[dict]:
        releases = self._hooked("releases_with_tag", super().releases_with_tag, tag)
        if self.lagging:
            return [r for r in releases if not r["draft"] or r["id"] in self.created]
        return releases

    def create_release(self, **fields: Any) -> dict:
        release = super().create_release(**fields)
        self.created.add(release["id"])
        return release

    def assets(self, release_id: int) -> list[dict]:
        return self._hooked("assets", super().assets, release_id)

    def upload_asset(self, release: dict, path: Path, name: str | None = None) -> dict:
        return self._hooked("upload_asset", super().upload_asset, release, path, name)

    def update_release(self, release_id: int, **fields: Any) -> dict:
        return self._hooked("update_release", super().update_release, release_id, **fields)


def _publish(
    client: GitHub, files: Files, sleep: Callable[[float], None] = lambda s: None, **kw: Any
) -> Published:
    return publish(
        client,
        tag=TAG,
        sha=SHA,
        files=files[0],
        digests=files[1],
        body="card",
        log=kw.pop("log", lambda message: None),
        sleep=sleep,
    )


def _once(call: Callable[[], Any]) -> Callable[..., None]:
    """A hook that calls `call()` the first time it fires, and does nothing after."""
    fired: list[bool] = []

    def hook(*args: Any) -> None:
        if not fired:
            fired.append(True)
            call()

    return hook


def _race(*runs: Callable[[], Published]) -> list[Published]:
    """Run each callable in its own thread at once; their results, or the first error."""
    with ThreadPoolExecutor(len(runs)) as pool:
        futures = [pool.submit(run) for run in runs]
        return [future.result(timeout=60) for future in futures]


def _problems(standin: GitHubStandIn, digests: dict[str, str]) -> list[str]:
    """Why the stand-in does not hold exactly one complete published release (empty: it does)."""
    releases = standin.releases
    problems = [f"{len(releases)} releases, drafts: {[r['draft'] for r in releases]}"]
    if len(releases) == 1 and not releases[0]["draft"]:
        problems = []
        release = releases[0]
        if (standin.latest_release or {}).get("id") != release["id"]:
            problems.append("not the latest release")
        assets = {a["name"]: a for a in release["assets"]}
        if sorted(assets) != sorted(digests):
            problems.append(f"assets {sorted(assets)}")
        for name, asset in assets.items():
            actual = _sha(standin.asset_content(asset["id"]))
            if asset["state"] != "uploaded" or actual != digests.get(name):
                problems.append(f"{name}: state {asset['state']}, sha256 {actual}")
        if "SHA256SUMS" in assets:
            sums = parse_sums(standin.asset_content(assets["SHA256SUMS"]["id"]).decode())
            if sums != {n: d for n, d in digests.items() if n != "SHA256SUMS"}:
                problems.append(f"SHA256SUMS lists {sums}")
    finished = [a for a in standin.deleted_assets if a["state"] == "uploaded"]
    if finished:
        problems.append(f"finished assets deleted: {finished}")
    return problems


def _assert_one_published_release(standin: GitHubStandIn, digests: dict[str, str]) -> None:
    assert _problems(standin, digests) == []


def _one_winner(outcomes: list[Published]) -> Published:
    """The outcome of the run that published; the other says another run did."""
    assert sorted(o.by_other_run for o in outcomes) == [False, True], outcomes
    winner = next(o for o in outcomes if not o.by_other_run)
    assert winner.wrote and all(o.release["id"] == winner.release["id"] for o in outcomes)
    return winner


# ------------------------------------------------------------ GitHub's tag rule, in the toolkit


def test_publishing_over_a_published_release_of_the_tag_is_refused(github):
    """The stand-in answers as GitHub does; the toolkit reads it as `already_exists`."""
    client = GitHub(TOKEN, REPO, github.base_url)
    github.add_release(TAG, draft=False)
    draft = client.create_release(tag_name=TAG, draft=True)
    with pytest.raises(GitHubError, match=r"HTTP 422.*already_exists tag_name") as refused:
        client.update_release(draft["id"], draft=False)
    assert refused.value.has_code("already_exists")
    assert [r["draft"] for r in client.releases_with_tag(TAG)] == [True, False]


# ---------------------------------------------------------------- two runs, forced orders


@pytest.mark.parametrize("null_digests", [False, True], ids=["digests", "null-digests"])
def test_two_runs_that_both_find_no_release_publish_it_once(github, release_files, null_digests):
    """Both list before either creates: two drafts; the newer one's run deletes it and helps
    finish the older one; the run whose SHA256SUMS upload succeeds publishes."""
    github.null_digests = null_digests
    both_looked = threading.Barrier(2, timeout=TIMEOUT)
    published = threading.Event()

    def run() -> Published:
        after = {
            "releases_with_tag": _once(both_looked.wait),
            "update_release": lambda *a: published.set(),
        }
        client = Run(github, after=after)
        return _publish(client, release_files, sleep=lambda s: published.wait(TIMEOUT))

    _one_winner(_race(run, run))
    _assert_one_published_release(github, release_files[1])
    assert github.count("POST", r"/releases$") == 2
    assert github.count("DELETE", r"/releases/\d+$") == 1


def test_runs_that_miss_each_others_draft_settle_on_the_first_published(github, release_files):
    """Each run's list lags behind the other's draft (as a replica may): both finish their own
    draft and publish at once; GitHub refuses the second (422), whose run checks the published
    release against its files, deletes its own draft and succeeds."""
    at_publish = threading.Barrier(2, timeout=TIMEOUT)

    def run() -> Published:
        client = Run(github, before={"update_release": lambda *a: at_publish.wait()}, lagging=True)
        return _publish(client, release_files)

    _one_winner(_race(run, run))
    _assert_one_published_release(github, release_files[1])
    assert github.count("PATCH", r"/releases/\d+$") == 2
    assert github.count("DELETE", r"/releases/\d+$") == 1


def test_two_reruns_finish_a_crashed_runs_draft_together(github, release_files):
    """A draft left by a crashed run, finished by two runs at once. Forced order: both list
    the draft's assets, the first uploads model.skops, then the second's upload of it meets
    that finished asset (422 `already_exists`) and keeps it."""
    files, digests = release_files
    github.add_release(TAG, {"metrics.json": files["metrics.json"].read_bytes()}, draft=True)
    listed = threading.Barrier(2, timeout=TIMEOUT)
    model_uploaded, published = threading.Event(), threading.Event()

    def after_upload(asset: dict, release: dict, path: Path, name: str) -> None:
        if name == "model.skops":
            model_uploaded.set()

    def before_upload(release: dict, path: Path, name: str) -> None:
        if name == "model.skops":
            assert model_uploaded.wait(TIMEOUT)

    def run(before: dict, after: dict) -> Published:
        after = {**after, "update_release": lambda *a: published.set()}
        client = Run(github, before=before, after=after)
        return _publish(client, release_files, sleep=lambda s: published.wait(TIMEOUT))

    outcomes = _race(
        lambda: run({}, {"assets": _once(listed.wait), "upload_asset": after_upload}),
        lambda: run({"upload_asset": before_upload}, {"assets": _once(listed.wait)}),
    )
    _one_winner(outcomes)
    _assert_one_published_release(github, digests)
    assert github.count("POST", r"/releases$") == 0
    assert github.count("POST", r"assets\?name=model\.skops") == 2
    assert github.deleted_assets == []


# ------------------------------------------------- finished assets are never deleted (item c)


def test_an_asset_another_run_finished_is_kept_not_deleted(github, release_files):
    """The draft's list lags: this run uploads model.skops, which another run has just
    finished (422 `already_exists`); that finished asset matches, and is kept."""
    files, digests = release_files
    draft = github.add_release(TAG, {"model.skops": files["model.skops"].read_bytes()}, draft=True)
    github.inject("GET", rf"/releases/{draft['id']}/assets\?", Fault.status(200, body=[]))
    outcome = _publish(GitHub(TOKEN, REPO, github.base_url), release_files)
    assert outcome.wrote and not outcome.by_other_run
    _assert_one_published_release(github, digests)
    assert github.deleted_assets == []
    (model,) = [a for a in github.releases[0]["assets"] if a["name"] == "model.skops"]
    assert model["id"] == draft["assets"][0]["id"]


def test_a_finished_asset_that_differs_stops_the_run_and_stays(github, release_files):
    draft = github.add_release(TAG, {"model.skops": b"another model"}, draft=True)
    with pytest.raises(PublishError, match="already has a finished model.skops that differs"):
        _publish(GitHub(TOKEN, REPO, github.base_url), release_files)
    assert github.deleted_assets == [] and github.releases[0]["draft"]
    assert [a["id"] for a in github.releases[0]["assets"]] == [draft["assets"][0]["id"]]


def test_an_unfinished_upload_is_waited_for_and_kept_when_it_finishes(github, release_files):
    """Another run's upload in progress (state `starter`) is given time; when it completes
    (the same asset turns `uploaded`), it is kept."""
    files, digests = release_files
    draft = github.add_release(TAG, draft=True)
    content = files["model.skops"].read_bytes()
    with github.state.lock:
        starter = github.state.add_asset(draft["id"], "model.skops", b"", "other", complete=False)
    pauses: list[float] = []

    def finish_it(seconds: float) -> None:
        pauses.append(seconds)
        with github.state.lock:
            starter.content, starter.state = content, "uploaded"

    _publish(GitHub(TOKEN, REPO, github.base_url), release_files, sleep=finish_it)
    _assert_one_published_release(github, digests)
    assert github.deleted_assets == [] and pauses == [WAITS[0]]


def test_an_upload_that_never_finishes_is_replaced_after_a_bounded_wait(github, release_files):
    draft = github.add_release(TAG, draft=True)
    with github.state.lock:
        github.state.add_asset(draft["id"], "model.skops", b"", "crashed", complete=False)
    pauses: list[float] = []
    _publish(GitHub(TOKEN, REPO, github.base_url), release_files, sleep=pauses.append)
    _assert_one_published_release(github, release_files[1])
    assert [a["state"] for a in github.deleted_assets] == ["starter"]
    assert pauses == list(WAITS) and 25 <= sum(pauses) <= 60


# ----------------------------------------------------------- digest: null (item 9)


def test_assets_without_a_digest_are_verified_by_downloading_them(github, release_files):
    files, digests = release_files
    github.null_digests = True
    outcome = _publish(GitHub(TOKEN, REPO, github.base_url), release_files)
    assert outcome.wrote and not outcome.by_other_run
    _assert_one_published_release(github, digests)
    assert github.count("GET", r"^/_objects/release-assets/\d+$") == len(files)

    before = len(github.requests)
    again = _publish(GitHub(TOKEN, REPO, github.base_url), release_files)
    assert not again.wrote and not again.by_other_run
    assert [r for r in github.requests[before:] if r.method != "GET"] == []


def test_a_published_release_without_digests_that_differs_is_an_error(github, release_files):
    files, _ = release_files
    github.add_release(TAG, {name: path.read_bytes() for name, path in files.items()})
    github.null_digests = True
    with github.state.lock:
        github.state.releases[0].assets[0].content = b"tampered"
    before = len(github.requests)
    with pytest.raises(PublishError, match=r"asset\(s\) \['model.skops'\] differ"):
        _publish(GitHub(TOKEN, REPO, github.base_url), release_files)
    assert [r for r in github.requests[before:] if r.method != "GET"] == []


# ------------------------------------------------------------ real processes


def _git(project: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
        "GIT_COMMITTER_DATE": "2026-11-24T10:00:00Z",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        ["git", *args], cwd=project, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


@pytest.fixture
def project(tmp_path) -> Path:
    """A trained project whose gate passed (no champion), committed."""
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    (root / "models" / "model.skops").write_bytes(b"PK\x03\x04model" * 5000)
    environment = {"python": "3.11.7", "lock_sha256": "e" * 64, "packages": {"skops": "0.16.0"}}
    (root / "models" / "environment.json").write_text(json.dumps(environment))
    (root / "metrics.json").write_text(json.dumps({"roc_auc": 0.86}))
    params = {"model": {"name": "random_forest"}, "gate": {"roc_auc": {"min": 0.75}}}
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    (root / "dvc.lock").write_text(yaml.safe_dump({"schema": "2.0", "stages": {}}))
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "init")
    gate = subprocess.run(
        [sys.executable, "-m", "gitops_ml.cli", "gate", "--project", str(root)],
        env=_env(root, None, tmp_path / "gate"),
        capture_output=True,
        text=True,
    )
    assert gate.returncode == 0, gate.stderr
    return root


def _env(project: Path, standin: GitHubStandIn | None, run_dir: Path) -> dict[str, str]:
    run_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITOPS_ML_"))}
    env |= {
        "GITHUB_SHA": _git(project, "rev-parse", "HEAD").strip(),
        "GITHUB_OUTPUT": str(run_dir / "output"),
        "GITHUB_STEP_SUMMARY": str(run_dir / "summary.md"),
    }
    if standin is not None:
        env |= {
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": standin.base_url,
            "GITHUB_RUN_ID": run_dir.name,
        }
    return env


STARTER = """\
import sys, time
from gitops_ml import cli
print("ready", flush=True)
sys.stdin.readline()
time.sleep(float(sys.argv[1]))
sys.exit(cli.main(sys.argv[2:]))
"""
"""Imports the toolkit, says `ready`, and starts publishing (after a delay) on a line of input."""


def _two_processes(
    project: Path, standin: GitHubStandIn, work: Path, stagger: float = 0.0
) -> list[subprocess.CompletedProcess]:
    """Run `gitops-ml publish` twice, released together once both have started (the second
    `stagger` seconds later)."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, str(delay), "publish", "--project", str(project)],
            env=_env(project, standin, work / f"run{index}"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index, delay in enumerate((0.0, stagger))
    ]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        results.append(
            subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        )
    return results


def _local_digests(project: Path) -> dict[str, str]:
    """What the project's release must hold: name -> SHA-256, SHA256SUMS included."""
    paths = ["models/model.skops", "models/environment.json", "metrics.json"]
    paths += ["params.yaml", "dvc.lock"]
    digests = {Path(p).name: _sha((project / p).read_bytes()) for p in paths}
    digests["SHA256SUMS"] = _sha(render_sums(digests).encode())
    return digests


PUBLISHED = "and marked it latest"
BY_OTHER = "was published by another run"
ALREADY = "is already complete: nothing to do"


def _trial_problems(results: list[subprocess.CompletedProcess], standin, digests) -> list[str]:
    """Why a trial of two processes did not end as it must (empty: it did).

    Exactly one process publishes. The other says the other run published, when it saw the
    release unpublished (the runs overlapped), or that the release is already complete, when
    the first run had finished before it looked: on a loaded machine the second process may
    be scheduled that late."""
    problems = _problems(standin, digests) + standin.contract_errors
    for result in results:
        if result.returncode != 0:
            problems.append(f"exit {result.returncode}: {result.stderr.strip()[-500:]}")
    said = sorted(_outcome(result.stdout) for result in results)
    if said not in (["by other", "published"], ["already", "published"]):
        logs = " | ".join(" / ".join(r.stdout.splitlines()) for r in results)
        problems.append(f"the two processes said {said}: {logs}")
    return problems


def _outcome(stdout: str) -> str:
    """What one `gitops-ml publish` process says it did."""
    lines = stdout.splitlines()
    if any(BY_OTHER in line for line in lines):
        return "by other"
    if any(ALREADY in line for line in lines):
        return "already"
    return "published" if any(PUBLISHED in line for line in lines) else "nothing"


def _overlapped(results: list[subprocess.CompletedProcess], standin) -> bool:
    """Whether the two processes really raced: both created a draft, or one saw the other's."""
    outcomes = [_outcome(result.stdout) for result in results]
    return standin.count("POST", r"/releases$") == 2 or "by other" in outcomes


def test_two_publish_processes_started_together(project, tmp_path):
    digests = _local_digests(project)
    with GitHubStandIn(token=TOKEN) as standin:
        results = _two_processes(project, standin, tmp_path)
        assert _trial_problems(results, standin, digests) == []
    summaries = [(tmp_path / f"run{i}" / "summary.md").read_text() for i in range(2)]
    noted = [("(published by another run" in s) or ("(already complete)" in s) for s in summaries]
    assert sorted(noted) == [False, True], summaries


def test_a_run_that_starts_after_the_other_finished_says_the_release_is_complete(project, tmp_path):
    """What a late process of the trials says when the machine scheduled it that late."""
    digests = _local_digests(project)
    with GitHubStandIn(token=TOKEN) as standin:
        results = [
            subprocess.run(
                [sys.executable, "-m", "gitops_ml.cli", "publish", "--project", str(project)],
                env=_env(project, standin, tmp_path / f"run{index}"),
                capture_output=True,
                text=True,
                timeout=120,
            )
            for index in range(2)
        ]
        assert _trial_problems(results, standin, digests) == []
        assert [_outcome(result.stdout) for result in results] == ["published", "already"]
        assert not _overlapped(results, standin)


@pytest.mark.slow
def test_twenty_trials_of_two_publish_processes(project, tmp_path, capsys):
    """20 trials, every other one with `digest: null`, the second process 0 to 10 ms late.

    Most trials overlap; at least one must, or the trials did not test a race."""
    digests, failed, shapes = _local_digests(project), {}, {"two drafts": 0, "overlapped": 0}
    started = time.monotonic()
    for trial in range(20):
        with GitHubStandIn(token=TOKEN, null_digests=trial % 2 == 1) as standin:
            stagger = random.Random(trial).uniform(0.0, 0.01)
            results = _two_processes(project, standin, tmp_path / f"trial{trial}", stagger)
            problems = _trial_problems(results, standin, digests)
            shapes["two drafts"] += standin.count("POST", r"/releases$") == 2
            shapes["overlapped"] += _overlapped(results, standin)
        if problems:
            failed[trial] = problems
    line = (
        f"{20 - len(failed)}/20 trials: one published release, no draft, all digests match,"
        f" both processes exit 0, one publishes; {shapes['overlapped']} overlapped"
        f" ({shapes['two drafts']} with two drafts created; {time.monotonic() - started:.0f} s)"
    )
    with capsys.disabled():
        print(f"\n{line}")
    assert failed == {}, line
    assert shapes["overlapped"] >= 1, line
