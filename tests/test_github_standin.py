"""The GitHub API stand-in: contract checks, GitHub's behaviours, faults, and the CLI."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from github_standin import Fault, GitHubStandIn, serve
from github_standin.api import handled_operations
from github_standin.spec import Contract, spec_path

TOKEN = "test-token"
READ_ONLY = "read-only-token"
REPO = "/repos/acme/churn-model"
SHA = "a" * 40


def client(standin: GitHubStandIn, token: str | None = TOKEN) -> requests.Session:
    """A session that talks to the stand-in the way the toolkit talks to GitHub."""
    session = requests.Session()
    session.headers.update(
        {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    )
    if token is not None:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


@pytest.fixture
def github() -> Iterator[GitHubStandIn]:
    """A running stand-in whose contract is checked when the test ends."""
    with serve(token=TOKEN, read_only_token=READ_ONLY) as standin:
        yield standin


@pytest.fixture
def api(github: GitHubStandIn) -> Iterator[requests.Session]:
    """A write-token session on `github`."""
    with client(github) as session:
        yield session


def url(standin: GitHubStandIn, path: str) -> str:
    """The stand-in's URL for a path under the repository."""
    return f"{standin.base_url}{REPO}{path}"


def upload(
    session: requests.Session, release: dict, name: str, content: bytes
) -> requests.Response:
    """Upload an asset through the release's `upload_url` template, as GitHub clients do."""
    return session.post(
        release["upload_url"].split("{")[0],
        params={"name": name},
        data=content,
        headers={"Content-Type": "application/octet-stream"},
    )


def test_every_operation_of_the_description_is_served() -> None:
    contract = Contract("http://127.0.0.1:1")
    assert {route.operation_id for route in contract.routes} == handled_operations()
    assert len(handled_operations()) == 25


def test_a_request_outside_the_contract_is_refused_and_recorded() -> None:
    with GitHubStandIn(token=TOKEN) as standin, client(standin) as session:
        reply = session.post(url(standin, "/releases"), json={"name": "no tag"})
        assert reply.status_code == 422
        assert reply.json()["message"].startswith(
            "stand-in: request does not match GitHub's OpenAPI description: "
        )
        assert "'tag_name' is a required property" in reply.json()["message"]
        assert reply.json()["documentation_url"]
        assert session.get(f"{standin.base_url}/repos/acme/churn-model/wiki").status_code == 404
        assert len(standin.contract_errors) == 2
        with pytest.raises(AssertionError, match="tag_name"):
            standin.assert_contract()


def test_a_reply_outside_the_contract_is_recorded() -> None:
    with GitHubStandIn(token=TOKEN) as standin, client(standin) as session:
        standin.inject("POST", "/releases$", Fault.status(422, body={"message": "no docs"}))
        assert session.post(url(standin, "/releases"), json={"tag_name": "v1"}).status_code == 422
        assert standin.contract_errors == [
            f"POST {REPO}/releases: response 422: Invalid data: "
            "'documentation_url' is a required property"
        ]


def test_serve_checks_the_contract_on_exit() -> None:
    with pytest.raises(AssertionError, match="contract broken"):
        with serve(token=TOKEN) as standin, client(standin) as session:
            session.post(url(standin, "/releases"), json={"draft": "yes"})


def test_release_flow(github: GitHubStandIn, api: requests.Session) -> None:
    created = api.post(
        url(github, "/releases"),
        json={"tag_name": "model-abc", "name": "model abc", "body": "notes", "draft": True},
    )
    assert created.status_code == 201
    draft = created.json()
    assert draft["draft"] and draft["published_at"] is None
    assert created.headers["Location"] == draft["url"]
    assert draft["upload_url"] == (
        f"{github.base_url}{REPO}/releases/{draft['id']}/assets{{?name,label}}"
    )
    model, metrics = b"\x00model-bytes\xff" * 1000, b'{"auc": 0.91}'
    for name, content in (("model.skops", model), ("metrics.json", metrics)):
        uploaded = upload(api, draft, name, content)
        assert uploaded.status_code == 201
        asset = uploaded.json()
        assert asset["state"] == "uploaded"
        assert asset["size"] == len(content)
        assert asset["digest"] == f"sha256:{hashlib.sha256(content).hexdigest()}"
    listed = api.get(url(github, f"/releases/{draft['id']}/assets")).json()
    assert [asset["name"] for asset in listed] == ["model.skops", "metrics.json"]
    assert api.get(url(github, "/releases/tags/model-abc")).status_code == 404
    assert api.get(url(github, "/releases/latest")).status_code == 404

    published = api.patch(
        url(github, f"/releases/{draft['id']}"), json={"draft": False, "make_latest": "true"}
    )
    assert published.status_code == 200 and published.json()["published_at"]
    latest = api.get(url(github, "/releases/latest")).json()
    assert latest["id"] == draft["id"]
    assert api.get(url(github, "/releases/tags/model-abc")).json()["id"] == draft["id"]
    assert api.get(url(github, f"/releases/{draft['id']}")).json()["tag_name"] == "model-abc"

    asset_url = latest["assets"][0]["url"]
    redirect = api.get(
        asset_url, headers={"Accept": "application/octet-stream"}, allow_redirects=False
    )
    assert redirect.status_code == 302
    assert requests.get(redirect.headers["Location"]).content == model
    assert api.get(asset_url, headers={"Accept": "application/octet-stream"}).content == model
    assert requests.get(latest["assets"][1]["browser_download_url"]).content == metrics
    assert api.get(asset_url).json()["download_count"] == 2

    renamed = api.patch(asset_url, json={"name": "model.bin", "label": "the model"}).json()
    assert (renamed["name"], renamed["label"]) == ("model.bin", "the model")
    assert api.delete(asset_url).status_code == 204
    assert [asset["name"] for asset in github.releases[0]["assets"]] == ["metrics.json"]
    assert github.asset_content(latest["assets"][1]["id"]) == metrics
    assert api.delete(url(github, f"/releases/{draft['id']}")).status_code == 204
    assert github.releases == []


def test_latest_follows_make_latest(github: GitHubStandIn, api: requests.Session) -> None:
    def create(tag: str, **fields: object) -> int:
        reply = api.post(url(github, "/releases"), json={"tag_name": tag, **fields})
        assert reply.status_code == 201
        return reply.json()["id"]

    def latest() -> int:
        return api.get(url(github, "/releases/latest")).json()["id"]

    first = create("v1")
    second = create("v2", make_latest="false")
    create("v3-rc", prerelease=True)
    assert latest() == first
    api.patch(url(github, f"/releases/{second}"), json={"make_latest": "true"})
    assert latest() == second
    newest = create("v4", make_latest="legacy")
    assert latest() == newest == github.latest_release["id"]
    tags = [release["tag_name"] for release in api.get(url(github, "/releases")).json()]
    assert tags == ["v4", "v3-rc", "v2", "v1"]


def test_comments_paginate_like_github(github: GitHubStandIn, api: requests.Session) -> None:
    github.add_pull_request(7, head_sha=SHA)
    github.add_comments(7, 250, body="an old comment", user="octocat")
    comments_url = url(github, "/issues/7/comments")

    pages = []
    next_url: str | None = f"{comments_url}?per_page=100"
    while next_url:
        reply = api.get(next_url)
        pages.append(reply)
        next_url = reply.links.get("next", {}).get("url")
    assert [len(page.json()) for page in pages] == [100, 100, 50]
    assert pages[0].links["last"]["url"] == f"{comments_url}?per_page=100&page=3"
    assert set(pages[1].links) == {"prev", "next", "last", "first"}
    assert set(pages[2].links) == {"prev", "first"}
    default = api.get(comments_url)
    assert len(default.json()) == 30
    assert default.links["last"]["url"] == f"{comments_url}?page=9"
    assert len(api.get(comments_url, params={"per_page": 500}).json()) == 100

    mine = api.post(comments_url, json={"body": "<!-- gitops-ml -->\nreport"})
    assert mine.status_code == 201
    assert mine.json()["user"]["login"] == "github-actions[bot]"
    assert mine.json()["user"]["type"] == "Bot"
    comment_url = mine.json()["url"]
    assert api.patch(comment_url, json={"body": "updated"}).json()["body"] == "updated"
    assert github.comments(7)[-1]["body"] == "updated"
    assert api.delete(comment_url).status_code == 204
    assert len(github.comments(7)) == 250
    assert api.get(url(github, "/pulls/7")).json()["head"]["sha"] == SHA
    assert api.get(url(github, "/issues/8/comments")).status_code == 404


def test_taken_tag_and_asset_name_are_already_exists(
    github: GitHubStandIn, api: requests.Session
) -> None:
    release = api.post(url(github, "/releases"), json={"tag_name": "v1"}).json()
    again = api.post(url(github, "/releases"), json={"tag_name": "v1"})
    assert again.status_code == 422
    assert again.json()["message"] == "Validation Failed"
    assert again.json()["errors"] == [
        {"resource": "Release", "code": "already_exists", "field": "tag_name"}
    ]
    assert upload(api, release, "model.skops", b"one").status_code == 201
    duplicate = upload(api, release, "model.skops", b"two")
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"] == [
        {"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}
    ]


def test_drafts_may_share_a_tag_but_only_one_release_with_it_is_published(
    github: GitHubStandIn, api: requests.Session
) -> None:
    """GitHub's rule (ncipollo/release-action#7): only publishing checks the tag."""
    taken = [{"resource": "Release", "code": "already_exists", "field": "tag_name"}]

    def create(**fields: object) -> requests.Response:
        return api.post(url(github, "/releases"), json={"tag_name": "v1", **fields})

    def publish(release_id: int) -> requests.Response:
        return api.patch(url(github, f"/releases/{release_id}"), json={"draft": False})

    first, second = (create(draft=True) for _ in range(2))
    assert (first.status_code, second.status_code) == (201, 201)
    published = create()
    assert published.status_code == 201
    again = create()
    assert again.status_code == 422 and again.json()["errors"] == taken
    refused = publish(first.json()["id"])
    assert refused.status_code == 422 and refused.json()["errors"] == taken
    assert github.releases[0]["draft"]
    renamed = api.patch(url(github, f"/releases/{first.json()['id']}"), json={"name": "still"})
    assert renamed.status_code == 200 and renamed.json()["draft"]
    assert api.get(url(github, "/releases/tags/v1")).json()["id"] == published.json()["id"]
    other = create(tag_name="v2").json()
    retag = api.patch(url(github, f"/releases/{other['id']}"), json={"tag_name": "v1"})
    assert retag.status_code == 422 and retag.json()["errors"] == taken

    assert upload(api, second.json(), "m.bin", b"draft").status_code == 201
    assert upload(api, published.json(), "m.bin", b"published").status_code == 201
    download = api.get(url(github, "/releases/tags/v1")).json()["assets"][0]
    assert requests.get(download["browser_download_url"]).content == b"published"
    assert api.delete(url(github, f"/releases/{published.json()['id']}")).status_code == 204
    assert publish(first.json()["id"]).status_code == 200
    assert publish(second.json()["id"]).status_code == 422
    assert [r["tag_name"] for r in api.get(url(github, "/releases")).json()] == ["v2", "v1", "v1"]


def test_assets_may_report_a_null_digest(github: GitHubStandIn, api: requests.Session) -> None:
    release = api.post(url(github, "/releases"), json={"tag_name": "v1", "draft": True}).json()
    github.null_digests = True
    uploaded = upload(api, release, "model.skops", b"model")
    assert uploaded.status_code == 201
    assert (uploaded.json()["state"], uploaded.json()["digest"]) == ("uploaded", None)
    (listed,) = api.get(url(github, f"/releases/{release['id']}/assets")).json()
    assert listed["digest"] is None and github.releases[0]["assets"][0]["digest"] is None
    octets = {"Accept": "application/octet-stream"}
    assert api.get(listed["url"], headers=octets).content == b"model"
    github.null_digests = False
    (listed,) = api.get(url(github, f"/releases/{release['id']}/assets")).json()
    assert listed["digest"] == f"sha256:{hashlib.sha256(b'model').hexdigest()}"
    with GitHubStandIn(token=TOKEN, null_digests=True) as other:
        assert other.null_digests


def test_deleted_assets_are_recorded_as_they_were(
    github: GitHubStandIn, api: requests.Session
) -> None:
    release = api.post(url(github, "/releases"), json={"tag_name": "v1", "draft": True}).json()
    asset = upload(api, release, "model.skops", b"model").json()
    assert api.delete(asset["url"]).status_code == 204
    assert github.deleted_assets == [
        {
            "id": asset["id"],
            "release_id": release["id"],
            "name": "model.skops",
            "state": "uploaded",
            "sha256": hashlib.sha256(b"model").hexdigest(),
        }
    ]


def test_a_dropped_upload_leaves_a_starter_asset(
    github: GitHubStandIn, api: requests.Session
) -> None:
    release = api.post(url(github, "/releases"), json={"tag_name": "v1", "draft": True}).json()
    github.inject("POST", r"/assets\?name=model", Fault.drop())
    with pytest.raises(requests.ConnectionError):
        upload(api, release, "model.skops", b"x" * 100_000)
    assert github.requests[-1].status is None

    (starter,) = api.get(url(github, f"/releases/{release['id']}/assets")).json()
    assert (starter["state"], starter["digest"], starter["size"]) == ("starter", None, 0)
    assert upload(api, release, "model.skops", b"x" * 100_000).status_code == 422
    assert api.delete(starter["url"]).status_code == 204
    retried = upload(api, release, "model.skops", b"x" * 100_000)
    assert retried.status_code == 201 and retried.json()["state"] == "uploaded"


def test_a_client_that_hangs_up_mid_upload_leaves_a_starter_asset(
    github: GitHubStandIn, api: requests.Session
) -> None:
    release = api.post(url(github, "/releases"), json={"tag_name": "v1"}).json()
    target = f"{REPO}/releases/{release['id']}/assets?name=half.bin"
    with socket.create_connection(("127.0.0.1", int(github.base_url.rsplit(":", 1)[1]))) as sock:
        sock.sendall(
            f"POST {target} HTTP/1.1\r\nHost: x\r\nAuthorization: token {TOKEN}\r\n"
            "Content-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n".encode()
            + b"y" * 10
        )
    deadline = time.monotonic() + 5
    while github.count("POST", "half.bin") == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    (asset,) = github.releases[0]["assets"]
    assert (asset["name"], asset["state"], asset["digest"]) == ("half.bin", "starter", None)


@pytest.mark.parametrize(
    ("fault", "status", "message", "headers"),
    [
        (Fault.status(500), 500, "Internal Server Error", {}),
        (Fault.status(502), 502, "Bad Gateway", {}),
        (Fault.status(429, headers={"retry-after": "2"}), 429, "Too Many", {"retry-after": "2"}),
        (Fault.secondary_rate_limit(), 403, "secondary rate limit", {}),
        (Fault.secondary_rate_limit(retry_after=7), 403, "secondary", {"retry-after": "7"}),
        (Fault.primary_rate_limit(reset_in=3), 403, "rate limit exceeded", {}),
        (Fault.primary_rate_limit(code=429), 429, "rate limit exceeded", {}),
        (
            Fault.status(
                422, body={"message": "Validation Failed", "documentation_url": "https://x"}
            ),
            422,
            "Validation Failed",
            {},
        ),
    ],
)
def test_injected_faults_fire_in_order_then_stop(
    github: GitHubStandIn,
    api: requests.Session,
    fault: Fault,
    status: int,
    message: str,
    headers: dict[str, str],
) -> None:
    comments_url = url(github, "/issues/1/comments")
    github.add_issue("drift detected")
    github.inject("post", "/issues/1/comments$", fault, times=2)
    for _ in range(2):
        reply = api.post(comments_url, json={"body": "hi"})
        assert reply.status_code == status
        assert message in reply.json()["message"]
        assert reply.json()["documentation_url"]
        assert headers.items() <= reply.headers.items()
    if fault.reset_in is not None:
        assert reply.headers["x-ratelimit-remaining"] == "0"
        assert 0 < int(reply.headers["x-ratelimit-reset"]) - time.time() <= fault.reset_in + 1
    assert api.post(comments_url, json={"body": "hi"}).status_code == 201
    assert github.pending_faults == 0
    assert github.count("POST", "/issues/1/comments") == 3


def test_a_dropped_request_and_a_faulty_download(
    github: GitHubStandIn, api: requests.Session
) -> None:
    github.inject("GET", "/releases$", Fault.drop())
    with pytest.raises(requests.ConnectionError):
        api.get(url(github, "/releases"))
    assert api.get(url(github, "/releases")).status_code == 200
    release = github.add_release("v1", {"model.skops": b"model"})
    download = release["assets"][0]["browser_download_url"]
    github.inject("*", "/releases/download/", Fault.status(503))
    assert requests.get(download).status_code == 503
    assert requests.get(download).content == b"model"


def test_tokens(github: GitHubStandIn) -> None:
    github.add_pull_request(3, head_sha=SHA)
    comments_url = url(github, "/issues/3/comments")
    for token in (None, "wrong"):
        with client(github, token) as anonymous:
            reply = anonymous.get(comments_url)
            assert (reply.status_code, reply.json()["message"]) == (401, "Bad credentials")
    with client(github, READ_ONLY) as fork:
        assert fork.get(comments_url).status_code == 200
        refused = fork.post(comments_url, json={"body": "report"})
        assert refused.status_code == 403
        assert refused.json()["message"] == "Resource not accessible by integration"
        assert refused.json()["status"] == "403"
        assert refused.json()["documentation_url"].startswith("https://docs.github.com/")
        assert (
            fork.post(url(github, "/statuses/" + SHA), json={"state": "success"}).status_code == 403
        )
    with requests.Session() as classic:
        classic.headers["Authorization"] = f"token {TOKEN}"
        assert classic.post(comments_url, json={"body": "report"}).status_code == 201


def test_repository_rate_limit_issues_statuses_and_dispatches(
    github: GitHubStandIn, api: requests.Session
) -> None:
    assert api.get(url(github, "")).json()["default_branch"] == "main"
    assert api.get(f"{github.base_url}/repos/acme/other").status_code == 404
    limits = api.get(f"{github.base_url}/rate_limit")
    assert limits.json()["resources"]["core"]["limit"] == 5000
    assert int(limits.headers["x-ratelimit-remaining"]) < 5000

    github.add_pull_request(1, head_sha=SHA)
    opened = api.post(url(github, "/issues"), json={"title": "Drift", "labels": ["drift"]})
    assert opened.status_code == 201 and opened.json()["number"] == 2
    api.post(url(github, "/issues"), json={"title": "Other", "labels": ["bug"]})
    everything = api.get(url(github, "/issues")).json()
    assert [issue["number"] for issue in everything] == [3, 2, 1]
    assert "pull_request" in everything[-1]
    drift = api.get(
        url(github, "/issues"), params={"labels": "drift", "creator": "github-actions[bot]"}
    )
    assert [issue["title"] for issue in drift.json()] == ["Drift"]
    assert [issue["title"] for issue in github.issues] == ["Drift", "Other"]

    status = api.post(
        url(github, f"/statuses/{SHA}"),
        json={"state": "failure", "context": "model-gate", "description": "auc dropped"},
    )
    assert status.status_code == 201
    assert github.statuses[0]["sha"] == SHA
    assert github.statuses[0]["context"] == "model-gate"
    dispatches_url = url(github, "/actions/workflows/train.yml/dispatches")
    assert (
        api.post(dispatches_url, json={"ref": "main", "inputs": {"why": "drift"}}).status_code
        == 204
    )
    run = api.post(dispatches_url, json={"ref": "main", "return_run_details": True})
    assert run.status_code == 200 and run.json()["workflow_run_id"]
    assert github.dispatches[0] == {
        "workflow_id": "train.yml",
        "ref": "main",
        "inputs": {"why": "drift"},
    }


def test_the_command_line_serves_until_sigterm(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "github_standin", "--port", "0", "--state-file", str(state_file)],
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},  # installed, not on a path
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        reply = requests.get(f"{base_url}/rate_limit", headers={"Authorization": f"Bearer {TOKEN}"})
        assert reply.status_code == 200
        state = json.loads(state_file.read_text())
        assert state["requests"] == [{"method": "GET", "target": "/rate_limit", "status": 200}]
        assert state["contract_errors"] == []
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait()


def test_since_filters_and_the_spec_override(
    github: GitHubStandIn, api: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    github.add_issue("old")
    github.add_comments(1, 2)
    comments_url = url(github, "/issues/1/comments")
    assert len(api.get(comments_url, params={"since": "2000-01-01T00:00:00Z"}).json()) == 2
    assert api.get(comments_url, params={"since": "2999-01-01T00:00:00+02:00"}).json() == []
    assert api.get(url(github, "/issues"), params={"since": "2999-01-01T00:00:00Z"}).json() == []
    monkeypatch.setenv("GITHUB_OPENAPI_SPEC", "/elsewhere/openapi.json")
    assert spec_path() == Path("/elsewhere/openapi.json")


def zipped(**files: str) -> bytes:
    """A zip archive holding `files` (name → text), as upload-artifact makes one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_run_artifacts_list_like_github(github: GitHubStandIn, api: requests.Session) -> None:
    github.add_workflow_run(42, head_sha=SHA, head_branch="fix", head_repo="outsider/churn-model")
    reports = [zipped(**{"report.json": f'{{"n": {n}}}'}) for n in range(5)]
    added = [github.add_run_artifact(42, f"report-{n}", z) for n, z in enumerate(reports)]
    github.add_run_artifact(43, "report-0", zipped(other="run"))
    artifacts_url = url(github, "/actions/runs/42/artifacts")

    listed = api.get(artifacts_url).json()
    assert listed["total_count"] == 5
    assert [a["name"] for a in listed["artifacts"]] == [f"report-{n}" for n in (4, 3, 2, 1, 0)]
    first = listed["artifacts"][-1]
    assert first == added[0] == github.run_artifacts(42)[0]
    assert first["size_in_bytes"] == len(reports[0])
    assert first["digest"] == f"sha256:{hashlib.sha256(reports[0]).hexdigest()}"
    assert first["archive_download_url"] == url(github, f"/actions/artifacts/{first['id']}/zip")
    assert first["expired"] is False and first["expires_at"] > first["created_at"]
    assert first["workflow_run"]["id"] == 42
    assert (first["workflow_run"]["head_sha"], first["workflow_run"]["head_branch"]) == (SHA, "fix")
    assert first["workflow_run"]["head_repository_id"] != first["workflow_run"]["repository_id"]
    ascending = api.get(artifacts_url, params={"direction": "asc"}).json()["artifacts"]
    assert [a["id"] for a in ascending] == [a["id"] for a in added]

    pages = []
    next_url: str | None = f"{artifacts_url}?per_page=2"
    while next_url:
        reply = api.get(next_url)
        pages.append(reply.json())
        next_url = reply.links.get("next", {}).get("url")
    assert [len(page["artifacts"]) for page in pages] == [2, 2, 1]
    assert {page["total_count"] for page in pages} == {5}
    assert [a["id"] for page in pages for a in page["artifacts"]] == [a["id"] for a in added][::-1]

    named = api.get(artifacts_url, params={"name": "report-3"}).json()
    assert (named["total_count"], [a["id"] for a in named["artifacts"]]) == (1, [added[3]["id"]])
    assert api.get(artifacts_url, params={"name": "report"}).json() == {
        "total_count": 0,
        "artifacts": [],
    }
    github.add_workflow_run(44)
    assert api.get(url(github, "/actions/runs/44/artifacts")).json()["total_count"] == 0
    assert api.get(url(github, "/actions/runs/45/artifacts")).status_code == 404


def test_an_artifact_downloads_through_a_signed_redirect(github: GitHubStandIn) -> None:
    report = zipped(**{"report.json": "{}", "report.md": "# Model report"})
    artifact = github.add_run_artifact(7, "gitops-ml-report", report)
    with client(github, READ_ONLY) as fork_token:  # the job token of `workflow_run` reads
        redirect = fork_token.get(artifact["archive_download_url"], allow_redirects=False)
        assert redirect.status_code == 302 and redirect.content == b""
        location = redirect.headers["Location"]
        assert location.startswith(f"{github.base_url}/_objects/artifacts/{artifact['id']}?sig=")
        blob = requests.get(location)
        assert blob.status_code == 200 and blob.content == report
        assert blob.headers["Content-Type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(blob.content)) as archive:
            assert archive.read("report.md") == b"# Model report"
        assert requests.get(location).content == report  # valid for a minute, not once
        followed = fork_token.get(artifact["archive_download_url"])
        assert followed.content == report == github.artifact_content(artifact["id"])
        again = fork_token.get(artifact["archive_download_url"], allow_redirects=False)
        assert again.headers["Location"] != location
    unsigned = location.split("?")[0]
    assert requests.get(unsigned).status_code == 403
    assert requests.get(f"{unsigned}?sig=forged").status_code == 403
    other = github.add_run_artifact(7, "other", zipped(x="y"))
    assert requests.get(location.replace(str(artifact["id"]), str(other["id"]))).status_code == 403


def test_expired_unknown_and_non_zip_artifacts(
    github: GitHubStandIn, api: requests.Session
) -> None:
    expired = github.add_run_artifact(8, "gitops-ml-report", zipped(old="report"), expired=True)
    (listed,) = api.get(url(github, "/actions/runs/8/artifacts")).json()["artifacts"]
    assert listed["expired"] is True
    assert listed["expires_at"] < time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    gone = api.get(expired["archive_download_url"], allow_redirects=False)
    assert gone.status_code == 410
    assert gone.json()["message"] == "Artifact has expired"
    assert gone.json()["documentation_url"].endswith("/actions/artifacts#download-an-artifact")
    assert api.get(url(github, "/actions/artifacts/999999/zip")).status_code == 404
    fresh = github.add_run_artifact(8, "fresh", zipped(new="report"))
    tarball = api.get(fresh["archive_download_url"].replace("/zip", "/tar"), allow_redirects=False)
    assert tarball.status_code == 404 and tarball.json()["message"] == "Not Found"
    assert github.count("GET", "/_objects/artifacts/") == 0


def test_a_pull_request_from_a_fork_and_a_head_that_moves(
    github: GitHubStandIn, api: requests.Session
) -> None:
    opened = github.add_pull_request(
        12, head_sha=SHA, head_ref="better-model", head_repo="outsider/churn-model"
    )
    pull = api.get(url(github, "/pulls/12")).json()
    assert pull == opened
    head, base = pull["head"], pull["base"]
    assert head["repo"]["full_name"] == "outsider/churn-model" and head["repo"]["fork"] is True
    assert (head["label"], head["ref"], head["sha"]) == (
        "outsider:better-model",
        "better-model",
        SHA,
    )
    assert head["user"]["login"] == head["repo"]["owner"]["login"] == "outsider"
    assert head["repo"]["url"] == f"{github.base_url}/repos/outsider/churn-model"
    assert head["repo"]["permissions"]["push"] is False
    assert base["repo"]["full_name"] == "acme/churn-model" and base["repo"]["fork"] is False
    assert base["label"] == "acme:main" and head["repo"]["id"] != base["repo"]["id"]
    assert pull["user"]["login"] == "outsider"
    artifact = github.add_run_artifact(50, "gitops-ml-report", zipped(r="r"))
    assert artifact["workflow_run"]["head_repository_id"] == base["repo"]["id"]
    github.add_workflow_run(51, head_sha=SHA, head_repo="outsider/churn-model")
    from_fork = github.add_run_artifact(51, "gitops-ml-report", zipped(r="r"))
    assert from_fork["workflow_run"]["head_repository_id"] == head["repo"]["id"]

    pushed = "b" * 40
    moved = github.move_pull_head(12, pushed)
    assert moved["head"]["sha"] == pushed and moved["statuses_url"].endswith(f"/statuses/{pushed}")
    again = api.get(url(github, "/pulls/12")).json()
    assert again["head"]["sha"] == pushed and again["head"]["repo"]["full_name"] == (
        "outsider/churn-model"
    )
    assert again["base"]["sha"] == base["sha"]
    issue = github.add_issue("not a pull request")
    with pytest.raises(ValueError, match="not a pull request"):
        github.move_pull_head(issue["number"], pushed)
    own = github.add_pull_request(20, head_sha=SHA, head_repo="ACME/churn-model")
    assert own["head"]["repo"]["full_name"] == "acme/churn-model"
    assert own["user"]["login"] == "octocat"
    with pytest.raises(ValueError, match="owner/name"):
        github.add_pull_request(21, head_sha=SHA, head_repo="outsider")
