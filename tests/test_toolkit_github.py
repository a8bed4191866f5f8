"""The toolkit against the GitHub stand-in: retries, publish, sticky comment, fetch, gate.

Every request and response is checked against GitHub's OpenAPI description by the stand-in;
each test ends with `assert_contract()`. Waits are injected, so fault tests take no time.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO, TOKEN
from github_standin import Fault, GitHubStandIn
from gitops_ml import cli
from gitops_ml.checksums import parse_sums, render_sums
from gitops_ml.comment import upsert_comment
from gitops_ml.fetch import FetchError, fetch_files
from gitops_ml.github import GitHub, GitHubError
from gitops_ml.publish import PublishError, publish

RELEASED = ["dvc.lock", "metrics.json", "model.skops", "params.yaml"]
"""What a release of the CLI test project lists in SHA256SUMS besides environment.json."""


@pytest.fixture
def gh_standin():
    with GitHubStandIn(token=TOKEN, read_only_token="read-only-token") as standin:
        yield standin
        standin.assert_contract()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ retries


def test_server_error_then_success_is_retried_with_backoff(gh_standin, client, waits):
    gh_standin.inject("GET", r"/releases\?", Fault.status(500), times=2)
    assert list(client.releases()) == []
    assert waits == [1.0, 2.0]


def test_retry_after_is_honoured(gh_standin, client, waits):
    gh_standin.inject("GET", r"/releases\?", Fault.status(429, headers={"retry-after": "7"}))
    assert list(client.releases()) == []
    assert waits == [7.0]


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.secondary_rate_limit(), [60.0]),
        (Fault.secondary_rate_limit(retry_after=3), [3.0]),
        (Fault.secondary_rate_limit(code=429), [60.0]),
    ],
)
def test_secondary_rate_limits_wait_as_github_prescribes(
    gh_standin, client, waits, fault, expected
):
    gh_standin.inject("GET", r"/releases\?", fault)
    assert list(client.releases()) == []
    assert waits == expected


def test_primary_rate_limit_waits_until_reset(gh_standin, waits):
    gh_standin.inject("GET", r"/releases\?", Fault.primary_rate_limit(reset_in=30))
    import time

    client = GitHub(TOKEN, REPO, gh_standin.base_url, sleep=waits.append, clock=time.time)
    assert list(client.releases()) == []
    assert len(waits) == 1 and 29 <= waits[0] <= 32


def test_dropped_connection_is_retried(gh_standin, client, waits):
    gh_standin.inject("GET", r"/releases\?", Fault.drop())
    assert list(client.releases()) == []
    assert waits == [1.0]


def test_attempts_are_bounded_and_the_error_is_one_clear_line(gh_standin, client, waits):
    gh_standin.inject("GET", r"/releases\?", Fault.status(502), times=10)
    with pytest.raises(GitHubError) as caught:
        list(client.releases())
    assert len(waits) == 4 and gh_standin.count("GET", r"/releases\?") == 5
    assert str(caught.value).startswith("list releases failed: HTTP 502:")
    assert "\n" not in str(caught.value)


def test_other_errors_are_final(gh_standin, waits):
    client = GitHub("wrong-secret-token", REPO, gh_standin.base_url, sleep=waits.append)
    with pytest.raises(GitHubError) as caught:
        client.latest_release()
    assert str(caught.value) == "get the latest release failed: HTTP 401: Bad credentials"
    assert waits == []


def test_an_error_message_never_shows_the_token_even_when_the_endpoint_echoes_it(
    gh_standin, client, waits
):
    # GitHub does not echo tokens, but a hostile or broken endpoint may: the message is masked.
    echo = {"message": f"Bad credentials: {TOKEN}\n'{TOKEN}'", "documentation_url": "x"}
    gh_standin.inject("GET", "/releases/latest", Fault.status(401, body={**echo, "status": "401"}))
    with pytest.raises(GitHubError) as caught:
        client.latest_release()
    assert str(caught.value) == (
        "get the latest release failed: HTTP 401: Bad credentials: *** '***'"
    )
    assert waits == []


# ------------------------------------------------------------------ publish


@pytest.fixture
def release_files(tmp_path) -> tuple[dict[str, Path], dict[str, str]]:
    files = {}
    for name, content in {
        "model.skops": b"PK\x03\x04 model bytes " * 1000,
        "metrics.json": b'{"roc_auc": 0.86}\n',
        "params.yaml": b"model:\n  name: random_forest\n",
        "dvc.lock": b"schema: '2.0'\nstages: {}\n",
    }.items():
        files[name] = tmp_path / name
        files[name].write_bytes(content)
    digests = {name: _sha(path.read_bytes()) for name, path in files.items()}
    files["SHA256SUMS"] = tmp_path / "SHA256SUMS"
    files["SHA256SUMS"].write_text(render_sums(digests))
    digests["SHA256SUMS"] = _sha(files["SHA256SUMS"].read_bytes())
    return files, digests


def _publish(client, release_files, tag="model-20261124-abcdef1"):
    files, digests = release_files
    return publish(
        client,
        tag=tag,
        sha="abcdef1234",
        files=files,
        digests=digests,
        body="card",
        log=lambda m: None,
        sleep=lambda s: None,
    )


def _assert_one_complete_release(standin: GitHubStandIn, digests: dict[str, str]) -> dict:
    assert len(standin.releases) == 1
    release = standin.releases[0]
    assert not release["draft"] and standin.latest_release["id"] == release["id"]
    assets = {a["name"]: a for a in release["assets"]}
    assert sorted(assets) == sorted(digests)
    for name, asset in assets.items():
        assert asset["state"] == "uploaded" and asset["digest"] == f"sha256:{digests[name]}"
        assert _sha(standin.asset_content(asset["id"])) == digests[name]
    sums = standin.asset_content(assets["SHA256SUMS"]["id"]).decode()
    listed = dict(line.split("  ")[::-1] for line in sums.splitlines())
    assert {n: d for n, d in digests.items() if n != "SHA256SUMS"} == listed
    return release


def test_publish_creates_one_complete_latest_release(gh_standin, client, release_files):
    release, wrote, by_other_run = _publish(client, release_files)
    assert wrote and not by_other_run and release["tag_name"] == "model-20261124-abcdef1"
    _assert_one_complete_release(gh_standin, release_files[1])
    uploads = [
        r.target for r in gh_standin.requests if r.method == "POST" and "/assets?" in r.target
    ]
    assert "name=SHA256SUMS" in uploads[-1] and len(uploads) == 5
    creates = gh_standin.count("POST", r"/releases$")
    publishes = gh_standin.count("PATCH", r"/releases/\d+$")
    assert (creates, publishes) == (1, 1)


def test_publish_again_writes_nothing(gh_standin, client, release_files):
    _publish(client, release_files)
    before = len(gh_standin.requests)
    release, wrote, by_other_run = _publish(client, release_files)
    writes = [r for r in gh_standin.requests[before:] if r.method != "GET"]
    assert not wrote and not by_other_run and writes == []
    _assert_one_complete_release(gh_standin, release_files[1])


def test_a_dropped_upload_is_cleaned_up_and_retried(gh_standin, client, release_files):
    gh_standin.inject("POST", r"assets\?name=model\.skops", Fault.drop())
    _publish(client, release_files)
    _assert_one_complete_release(gh_standin, release_files[1])


def test_a_failed_publish_is_finished_by_a_rerun(gh_standin, client, release_files):
    # Five 500s exhaust the client's attempts on the third upload: the run fails half-way.
    gh_standin.inject("POST", r"assets\?name=params\.yaml", Fault.status(500), times=5)
    with pytest.raises(GitHubError, match="upload asset params.yaml failed: HTTP 500"):
        _publish(client, release_files)
    assert len(gh_standin.releases) == 1 and gh_standin.releases[0]["draft"]
    assert gh_standin.latest_release is None and gh_standin.pending_faults == 0
    _publish(client, release_files)
    _assert_one_complete_release(gh_standin, release_files[1])
    assert gh_standin.count("POST", r"/releases$") == 1


def test_a_published_release_that_differs_is_an_error_not_an_overwrite(
    gh_standin, client, release_files
):
    files, digests = release_files
    gh_standin.add_release(
        "model-20261124-abcdef1", {name: b"other bytes" for name in files}, draft=False
    )
    before = len(gh_standin.requests)
    with pytest.raises(PublishError, match="already published but its asset"):
        _publish(client, release_files)
    assert [r for r in gh_standin.requests[before:] if r.method != "GET"] == []


def test_a_race_on_creation_uses_the_other_runs_release(gh_standin, client, release_files):
    gh_standin.add_release("model-20261124-abcdef1", draft=True)
    gh_standin.inject("GET", r"/releases\?", Fault.status(200, body=[]))
    _publish(client, release_files)
    _assert_one_complete_release(gh_standin, release_files[1])


# ------------------------------------------------------------------ comment


MARKER = "<!-- gitops-ml:model-report -->"


def test_sticky_comment_is_found_among_250_and_updated(gh_standin, client):
    gh_standin.add_pull_request(7, head_sha="a" * 40)
    gh_standin.add_comments(7, 250, body=f"quoting {MARKER} is not enough", user="octocat")
    action, first = upsert_comment(
        client, 7, f"{MARKER}\nv1", MARKER, "github-actions[bot]", log=lambda m: None
    )
    assert action == "created"
    gh_standin.add_comments(7, 5, user="octocat")
    action, second = upsert_comment(
        client, 7, f"{MARKER}\nv2", MARKER, "github-actions[bot]", log=lambda m: None
    )
    assert action == "updated" and second["id"] == first["id"]
    ours = [c for c in gh_standin.comments(7) if c["user"]["login"] == "github-actions[bot]"]
    assert [c["body"] for c in ours] == [f"{MARKER}\nv2"]
    assert len(gh_standin.comments(7)) == 256


def test_duplicate_sticky_comments_keep_the_oldest(gh_standin, client):
    gh_standin.add_pull_request(8, head_sha="b" * 40)
    first = client.create_comment(8, f"{MARKER}\nold")
    client.create_comment(8, f"{MARKER}\nrace")
    action, kept = upsert_comment(
        client, 8, f"{MARKER}\nnew", MARKER, "github-actions[bot]", log=lambda m: None
    )
    assert action == "updated" and kept["id"] == first["id"]
    assert [c["body"] for c in gh_standin.comments(8)] == [f"{MARKER}\nnew"]


def test_a_bot_comment_that_only_quotes_the_marker_is_not_the_sticky_one(gh_standin, client):
    gh_standin.add_pull_request(9, head_sha="c" * 40)
    quoting = client.create_comment(9, f"another tool's note, quoting {MARKER}")
    action, kept = upsert_comment(
        client, 9, f"{MARKER}\nreport", MARKER, "github-actions[bot]", log=lambda m: None
    )
    assert action == "created" and kept["id"] != quoting["id"]
    assert [c["body"] for c in gh_standin.comments(9)] == [quoting["body"], f"{MARKER}\nreport"]


# ------------------------------------------------------------------ fetch


def test_fetch_verifies_checksums_and_refuses_tampering(gh_standin, client, tmp_path):
    good = {"metrics.json": b'{"roc_auc": 0.9}', "model.skops": b"model"}
    sums = render_sums({n: _sha(c) for n, c in good.items()}).encode()
    release = gh_standin.add_release("model-1", {**good, "SHA256SUMS": sums})
    placed = fetch_files(client, release, None, tmp_path / "ok")
    assert sorted(placed) == ["SHA256SUMS", "metrics.json", "model.skops"]
    assert (tmp_path / "ok" / "model.skops").read_bytes() == b"model"

    tampered = gh_standin.add_release(
        "model-2", {**good, "model.skops": b"evil", "SHA256SUMS": sums}
    )
    with pytest.raises(FetchError, match="checksum mismatch: model.skops"):
        fetch_files(client, tampered, None, tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


# ------------------------------------------------------------------ CLI


def _git(project: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t"}
    env |= {
        "GIT_COMMITTER_EMAIL": "t@e",
        "PATH": "/usr/bin:/bin",
        "GIT_COMMITTER_DATE": "2026-11-24T10:00:00Z",
    }
    return subprocess.run(
        ["git", *args], cwd=project, env=env, check=True, capture_output=True, text=True
    ).stdout


ENVIRONMENT = {
    "python": "3.11.7",
    "lock_sha256": "e" * 64,
    "packages": {"scikit-learn": "1.7.2", "skops": "0.13.0", "pandas": "2.3.3", "numpy": "2.3.4"},
}


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    (root / "models" / "model.skops").write_bytes(b"PK\x03\x04model")
    (root / "metrics.json").write_text(json.dumps({"roc_auc": 0.86, "log_loss": 0.40}))
    params = {
        "model": {"name": "random_forest"},
        "gate": {"roc_auc": {"min": 0.75, "max_drop": 0.02}},
    }
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    lock = {
        "schema": "2.0",
        "stages": {"validate": {"deps": [{"path": "data/raw/x.csv", "md5": "m1"}]}},
    }
    (root / "dvc.lock").write_text(yaml.safe_dump(lock))
    (root / "models" / "environment.json").write_text(json.dumps(ENVIRONMENT))
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "init")
    return root


@pytest.fixture
def actions_env(monkeypatch, gh_standin, tmp_path, project):
    sha = _git(project, "rev-parse", "HEAD").strip()
    env = {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": gh_standin.base_url,
        "GITHUB_SHA": sha,
        "GITHUB_RUN_ID": "42",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    return env


def _outputs(env) -> str:
    return Path(env["GITHUB_OUTPUT"]).read_text()


def _released_sums(standin: GitHubStandIn) -> dict[str, str]:
    """The latest release's SHA256SUMS, after checking that it lists exactly its other assets."""
    assets = {a["name"]: a for a in standin.latest_release["assets"]}
    sums = parse_sums(standin.asset_content(assets["SHA256SUMS"]["id"]).decode())
    assert sorted(sums) == sorted(set(assets) - {"SHA256SUMS"})
    for name, digest in sums.items():
        assert _sha(standin.asset_content(assets[name]["id"])) == digest
    return sums


def test_cli_gate_publish_then_gate_against_the_champion(gh_standin, actions_env, project):
    assert cli.main(["gate", "--project", str(project)]) == 0
    status = gh_standin.statuses[-1]
    assert (status["context"], status["state"], status["sha"]) == (
        "model-gate",
        "success",
        actions_env["GITHUB_SHA"],
    )
    assert "no champion yet" in status["description"]
    assert "passed<<" in _outputs(actions_env) and "\ntrue\n" in _outputs(actions_env)
    assert cli.main(["publish", "--project", str(project)]) == 0
    tag = f"model-20261124-{actions_env['GITHUB_SHA'][:7]}"
    assert gh_standin.latest_release["tag_name"] == tag
    assert "Gate passed: 1 metric(s)" in gh_standin.latest_release["body"]
    # The environment that trained the model is an asset, checksummed, and on the card.
    sums = _released_sums(gh_standin)
    assert sorted(sums) == sorted([*RELEASED, "environment.json"])
    assert sums["environment.json"] == _sha((project / "models/environment.json").read_bytes())
    card = gh_standin.latest_release["body"]
    assert f"- `uv.lock` sha256 `{'e' * 64}`" in card and "| skops | `0.13.0` |" in card
    before = len(gh_standin.requests)
    assert cli.main(["publish", "--project", str(project)]) == 0  # a re-run: already complete
    assert [r for r in gh_standin.requests[before:] if r.method != "GET"] == []

    (project / "metrics.json").write_text(json.dumps({"roc_auc": 0.80}))
    assert cli.main(["gate", "--project", str(project)]) == 1
    assert gh_standin.statuses[-1]["state"] == "failure"
    assert "dropped 0.0600 from champion 0.8600" in gh_standin.statuses[-1]["description"]
    summary = Path(actions_env["GITHUB_STEP_SUMMARY"]).read_text()
    assert f"❌ Model gate failed (against champion {tag})" in summary
    assert (
        cli.main(["publish", "--project", str(project)]) == 1
    )  # the gate failed: nothing published
    assert len(gh_standin.releases) == 1


def test_cli_publish_of_a_project_without_environment_json_says_so_on_the_card(
    gh_standin, actions_env, project
):
    (project / "models" / "environment.json").unlink()  # a project baked before it existed
    assert cli.main(["gate", "--project", str(project)]) == 0
    assert cli.main(["publish", "--project", str(project)]) == 0
    assert sorted(_released_sums(gh_standin)) == RELEASED
    card = gh_standin.latest_release["body"]
    assert "## Environment\n\nNot recorded" in card and "models/environment.json" in card


def test_cli_publish_refuses_a_malformed_environment_json(gh_standin, actions_env, project, capsys):
    (project / "models" / "environment.json").write_text('{"python": "3.11.7"')
    assert cli.main(["gate", "--project", str(project)]) == 0
    assert cli.main(["publish", "--project", str(project)]) == 1
    assert "models/environment.json: not valid JSON" in capsys.readouterr().err
    assert gh_standin.releases == []


def test_cli_report_falls_back_to_the_summary_on_a_read_only_token(
    gh_standin, actions_env, project, monkeypatch, tmp_path
):
    gh_standin.add_pull_request(5, head_sha=actions_env["GITHUB_SHA"])
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "pull_request": {
                    "number": 5,
                    "base": {"ref": "main"},
                    "head": {"sha": actions_env["GITHUB_SHA"]},
                }
            }
        )
    )
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_TOKEN", "read-only-token")
    assert cli.main(["report", "--project", str(project)]) == 0
    summary = Path(actions_env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "the report workflow posts this report as the pull request's comment" in summary
    assert MARKER in summary
    assert gh_standin.comments(5) == []
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    assert cli.main(["report", "--project", str(project)]) == 0
    assert [MARKER in c["body"] for c in gh_standin.comments(5)] == [True]
