"""`GitHubStandIn`: start, seed, fault and inspect a local stand-in of GitHub's REST API."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from types import TracebackType
from typing import Any

from .api import Api
from .app import App, LoggedRequest
from .faults import Fault
from .payloads import Payloads
from .server import StandInServer
from .spec import Contract
from .state import PullInfo, RepoState

DEFAULT_USER = "github-actions[bot]"


class GitHubStandIn:
    """A GitHub REST API for one repository, served on `host` (port 0: any free port).

    `token` may do everything; `read_only_token` (a fork's pull request) may read, and every
    write with it is refused with 403. Writes are made as `user`. With `state_file`, the whole
    state is written there as JSON after every request and every seeding call. With
    `null_digests`, every asset and artifact reports `digest: null`, as GitHub may (see
    `null_digests`).
    """

    def __init__(
        self,
        owner: str = "acme",
        repo: str = "churn-model",
        token: str = "test-token",
        read_only_token: str | None = None,
        *,
        user: str = DEFAULT_USER,
        host: str = "127.0.0.1",
        port: int = 0,
        state_file: str | os.PathLike[str] | None = None,
        spec_path: Path | None = None,
        verbose: bool = False,
        null_digests: bool = False,
    ) -> None:
        self.user = user
        self.state = RepoState(owner, repo)
        self.state_file = Path(state_file) if state_file is not None else None
        self.verbose = verbose
        self._server = StandInServer(host, port)
        self.base_url = self._server.base_url
        self.payloads = Payloads(self.base_url, self.state)
        self.payloads.null_digests = null_digests
        self._app = App(
            Contract(self.base_url, spec_path),
            Api(self.state, self.payloads),
            token,
            read_only_token,
            user,
            self._on_request,
        )
        self._server.app = self._app
        self._persist()

    # Lifecycle

    def start(self) -> GitHubStandIn:
        """Start serving in a background thread."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.stop()

    def __enter__(self) -> GitHubStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # Faults and the contract

    def inject(self, method: str, path_regex: str, fault: Fault, times: int = 1) -> None:
        """Answer the next `times` requests matching `method` ("*": any) and `path_regex`
        (searched in the path with its query string) with `fault`, before normal handling."""
        self._app.faults.inject(method, path_regex, fault, times)

    def clear_faults(self) -> None:
        """Disarm every injected fault that has not fired yet."""
        self._app.faults.clear()

    @property
    def pending_faults(self) -> int:
        """How many injected fault firings have not happened yet."""
        return self._app.faults.pending

    @property
    def contract_errors(self) -> list[str]:
        """Requests and replies that did not match GitHub's OpenAPI description."""
        with self._app.lock:
            return list(self._app.contract_errors)

    def assert_contract(self) -> None:
        """Fail, listing them, if any request or reply broke GitHub's OpenAPI description."""
        errors = self.contract_errors
        assert not errors, "GitHub API contract broken:\n" + "\n".join(errors)

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request received, in order: (method, path with query, status or None)."""
        with self._app.lock:
            return list(self._app.requests)

    def count(self, method: str, path_regex: str = "") -> int:
        """How many requests had `method` ("*": any) and a target matching `path_regex`."""
        pattern = re.compile(path_regex)
        return sum(
            1
            for entry in self.requests
            if method.upper() in ("*", entry.method) and pattern.search(entry.target)
        )

    @property
    def null_digests(self) -> bool:
        """Whether every asset and artifact reports `digest: null` (GitHub's description
        allows it)."""
        return self.payloads.null_digests

    @null_digests.setter
    def null_digests(self, value: bool) -> None:
        with self.state.lock:
            self.payloads.null_digests = value

    # What the repository holds (API objects, as a client would read them)

    @property
    def releases(self) -> list[dict[str, Any]]:
        """Every release, drafts included, oldest first, with its assets."""
        with self.state.lock:
            return [self.payloads.release(release) for release in self.state.releases]

    @property
    def latest_release(self) -> dict[str, Any] | None:
        """The release `GET /releases/latest` returns, or None."""
        with self.state.lock:
            latest = self.state.latest_release_id()
            return None if latest is None else self.payloads.release(self.state.release(latest))

    @property
    def deleted_assets(self) -> list[dict[str, Any]]:
        """Every asset deleted on its own (not with its release), as it was: id, release_id,
        name, state and sha256 (None unless its upload was complete)."""
        with self.state.lock:
            return [
                {
                    "id": a.id,
                    "release_id": a.release_id,
                    "name": a.name,
                    "state": a.state,
                    "sha256": a.sha256,
                }
                for a in self.state.deleted_assets
            ]

    def asset_content(self, asset_id: int) -> bytes:
        """The bytes uploaded for an asset."""
        with self.state.lock:
            return self.state.asset(asset_id).content

    def run_artifacts(self, run_id: int) -> list[dict[str, Any]]:
        """The artifacts of a workflow run, oldest first, as the API describes them."""
        with self.state.lock:
            return [self.payloads.artifact(a) for a in self.state.run_artifacts(run_id)]

    def artifact_content(self, artifact_id: int) -> bytes:
        """The zip archive stored for an artifact."""
        with self.state.lock:
            return self.state.artifact(artifact_id).content

    def comments(self, issue_number: int) -> list[dict[str, Any]]:
        """The comments on an issue or pull request, oldest first."""
        with self.state.lock:
            return [self.payloads.comment(c) for c in self.state.comments_on(issue_number)]

    @property
    def issues(self) -> list[dict[str, Any]]:
        """The issues (not pull requests), oldest first."""
        with self.state.lock:
            return [self.payloads.issue(i) for i in self.state.issues if i.pull is None]

    @property
    def statuses(self) -> list[dict[str, Any]]:
        """Commit statuses as set: sha, state, context, description, target_url, creator."""
        with self.state.lock:
            return [asdict(status) for status in self.state.statuses]

    @property
    def dispatches(self) -> list[dict[str, Any]]:
        """Workflow dispatches requested: workflow_id, ref, inputs."""
        with self.state.lock:
            return [asdict(dispatch) for dispatch in self.state.dispatches]

    def snapshot(self) -> dict[str, Any]:
        """The state file's content: the repository, the request log and contract errors."""
        with self.state.lock:
            return {
                "base_url": self.base_url,
                **self.state.snapshot(),
                "requests": [entry._asdict() for entry in self._app.requests],
                "contract_errors": list(self._app.contract_errors),
            }

    # Seeding

    def add_release(
        self,
        tag_name: str,
        assets: Mapping[str, bytes] | None = None,
        *,
        name: str | None = None,
        body: str | None = None,
        target_commitish: str | None = None,
        draft: bool = False,
        prerelease: bool = False,
        make_latest: str = "true",
    ) -> dict[str, Any]:
        """Create a release with uploaded `assets` (name → bytes), as if by `user`."""
        with self.state.lock:
            release = self.state.create_release(
                self.user,
                tag_name,
                target_commitish=target_commitish,
                name=name,
                body=body,
                draft=draft,
                prerelease=prerelease,
                make_latest=make_latest,
            )
            for asset_name, content in (assets or {}).items():
                self.state.add_asset(release.id, asset_name, content, self.user)
            self._persist()
            return self.payloads.release(release)

    def add_pull_request(
        self,
        number: int,
        head_sha: str,
        base_ref: str = "main",
        base_sha: str = "0" * 40,
        *,
        head_ref: str | None = None,
        head_repo: str | None = None,
        title: str | None = None,
        user: str | None = None,
    ) -> dict[str, Any]:
        """Open pull request #`number` from `head_ref` at `head_sha` into `base_ref`, by `user`.

        With `head_repo` (a fork's full name, `outsider/churn-model`), the head is in that
        fork: `head.repo`, `head.label` and `head.user` name it, and `user` defaults to its
        owner (else to "octocat").
        """
        with self.state.lock:
            fork = self.state.fork_name(head_repo)
            pull = PullInfo(head_ref or f"feature-{number}", head_sha, base_ref, base_sha, fork)
            author = user or (fork.split("/")[0] if fork else "octocat")
            issue = self.state.create_issue(
                title or f"Pull request #{number}", author, number=number, pull=pull
            )
            self._persist()
            return self.payloads.pull_request(issue)

    def move_pull_head(self, number: int, head_sha: str) -> dict[str, Any]:
        """A new push to pull request #`number`: its head is now `head_sha`."""
        with self.state.lock:
            issue = self.state.move_pull_head(number, head_sha)
            self._persist()
            return self.payloads.pull_request(issue)

    def add_workflow_run(
        self,
        run_id: int,
        *,
        head_sha: str = "0" * 40,
        head_branch: str | None = None,
        head_repo: str | None = None,
    ) -> None:
        """A workflow run with no artifacts yet (listing its artifacts gives none; an unknown
        run's are 404), on `head_sha` of `head_branch` (default: the default branch), in
        `head_repo` (a fork's full name) or this repository. Its artifacts name this."""
        with self.state.lock:
            self.state.add_run(run_id, head_sha, head_branch, head_repo)
            self._persist()

    def add_run_artifact(
        self, run_id: int, name: str, content: bytes, *, expired: bool = False
    ) -> dict[str, Any]:
        """Upload artifact `name` to workflow run `run_id` (added, with defaults, if unknown):
        `content` is the zip archive's bytes. An `expired` artifact is still listed, and its
        download is refused with 410, as on GitHub."""
        with self.state.lock:
            if run_id not in self.state.runs:
                self.state.add_run(run_id)
            artifact = self.state.add_artifact(run_id, name, content, expired=expired)
            self._persist()
            return self.payloads.artifact(artifact)

    def add_issue(
        self,
        title: str,
        body: str | None = None,
        labels: list[str] | None = None,
        *,
        user: str = "octocat",
    ) -> dict[str, Any]:
        """Open an issue, numbered next."""
        with self.state.lock:
            issue = self.state.create_issue(title, user, body=body, labels=labels)
            self._persist()
            return self.payloads.issue(issue)

    def add_comments(
        self,
        issue_number: int,
        n: int,
        body: str = "Looks good to me.",
        user: str = "octocat",
    ) -> list[dict[str, Any]]:
        """Add `n` comments by `user` to an existing issue or pull request."""
        with self.state.lock:
            added = [self.state.add_comment(issue_number, body, user) for _ in range(n)]
            self._persist()
            return [self.payloads.comment(comment) for comment in added]

    # Internals

    def _on_request(self, entry: LoggedRequest) -> None:
        if self.verbose:
            print(f"{entry.method} {entry.target} -> {entry.status}", file=sys.stderr, flush=True)
        self._persist()

    def _persist(self) -> None:
        """Write the state file (atomically), when there is one."""
        if self.state_file is None:
            return
        partial = self.state_file.with_name(self.state_file.name + ".tmp")
        partial.write_text(json.dumps(self.snapshot(), indent=1), encoding="utf-8")
        os.replace(partial, self.state_file)


@contextmanager
def serve(**options: Any) -> Iterator[GitHubStandIn]:
    """A running `GitHubStandIn(**options)` that checks the contract when the block ends.

    Made for fixtures: `with serve() as github: yield github`. The contract is not checked
    when the block raises, so the original error is the one reported.
    """
    with GitHubStandIn(**options) as standin:
        yield standin
        standin.assert_contract()
