"""The repository the stand-in serves, in memory: releases, assets, issues, comments, statuses,
and workflow runs with their artifacts.

Pure logic, no HTTP: each rule mirrors what GitHub does (one published release per tag while
drafts may share one, unique asset names, drafts hidden from look-ups by tag, which release is
the latest). Callers hold `lock` around a sequence of calls that must see one consistent state.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

T = TypeVar("T")

ARTIFACT_RETENTION_DAYS = 90
"""How long GitHub keeps a workflow artifact by default."""


def now(days: float = 0) -> str:
    """The current UTC time, moved by `days`, as GitHub writes timestamps
    (`2024-01-31T12:00:00Z`)."""
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def updated_since(updated_at: str, since: str | None) -> bool:
    """Whether a timestamp is at or after an ISO 8601 `since` filter (None: no filter)."""
    return since is None or _instant(updated_at) >= _instant(since)


def _instant(timestamp: str) -> datetime:
    """An ISO 8601 timestamp as an aware datetime (UTC when it names no offset)."""
    moment = datetime.fromisoformat(timestamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class NotFound(LookupError):
    """The object asked for does not exist (GitHub answers 404)."""


def _first(items: Iterable[T], match: Callable[[T], bool], missing: str) -> T:
    """The first of `items` that `match`es; `NotFound(missing)` when none does."""
    for item in items:
        if match(item):
            return item
    raise NotFound(missing)


class AlreadyExists(ValueError):
    """A unique field is taken (GitHub answers 422 `already_exists`)."""

    def __init__(self, resource: str, field_name: str) -> None:
        super().__init__(f"{resource}.{field_name} already exists")
        self.resource = resource
        self.field = field_name


@dataclass
class Asset:
    """A file attached to a release; `state` is `starter` until its upload completes."""

    id: int
    release_id: int
    name: str
    label: str
    content_type: str
    uploader: str
    created_at: str
    updated_at: str
    content: bytes = b""
    state: str = "uploaded"
    download_count: int = 0

    @property
    def size(self) -> int:
        """The number of bytes uploaded."""
        return len(self.content)

    @property
    def sha256(self) -> str | None:
        """The hex SHA-256 of the content of a complete upload, else None."""
        return hashlib.sha256(self.content).hexdigest() if self.state == "uploaded" else None

    @property
    def digest(self) -> str | None:
        """GitHub's `digest` field: `sha256:<hex>` for a complete upload, else None."""
        return None if self.sha256 is None else f"sha256:{self.sha256}"


@dataclass
class Release:
    """A release (published or draft) and its assets, oldest first."""

    id: int
    tag_name: str
    target_commitish: str
    name: str | None
    body: str | None
    draft: bool
    prerelease: bool
    author: str
    created_at: str
    updated_at: str
    published_at: str | None
    assets: list[Asset] = field(default_factory=list)


@dataclass
class PullInfo:
    """What makes an issue number a pull request: its head and base. `head_repo` is the full
    name of the fork the head is in, or None when it is in this repository."""

    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    head_repo: str | None = None


@dataclass
class Issue:
    """An issue, or a pull request (`pull` set): both share one sequence of numbers."""

    id: int
    number: int
    title: str
    body: str | None
    user: str
    labels: list[str]
    state: str
    created_at: str
    updated_at: str
    pull: PullInfo | None = None


@dataclass
class Comment:
    """A comment on an issue or a pull request."""

    id: int
    issue_number: int
    body: str
    user: str
    created_at: str
    updated_at: str


@dataclass
class Status:
    """A commit status."""

    id: int
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    creator: str
    created_at: str


@dataclass
class WorkflowRun:
    """A workflow run that artifacts belong to: the commit it ran on, and where that commit
    is (`head_repo`: a fork's full name, or None for this repository)."""

    id: int
    head_sha: str
    head_branch: str
    head_repo: str | None = None


@dataclass
class Artifact:
    """A workflow run's artifact: the zip archive's bytes, as GitHub serves them."""

    id: int
    run_id: int
    name: str
    content: bytes
    expired: bool
    created_at: str
    updated_at: str
    expires_at: str

    @property
    def size(self) -> int:
        """The size of the zip archive in bytes."""
        return len(self.content)

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of the zip archive."""
        return hashlib.sha256(self.content).hexdigest()

    @property
    def digest(self) -> str:
        """GitHub's `digest` field: `sha256:<hex>` of the zip archive."""
        return f"sha256:{self.sha256}"


@dataclass
class Dispatch:
    """A `workflow_dispatch` event that was requested."""

    workflow_id: str
    ref: str
    inputs: dict[str, Any]


class RepoState:
    """One repository's state. Every object gets an id unique across all kinds."""

    def __init__(self, owner: str, repo: str, default_branch: str = "main") -> None:
        self.owner = owner
        self.repo = repo
        self.default_branch = default_branch
        self.lock = threading.RLock()
        self.releases: list[Release] = []
        self.issues: list[Issue] = []
        self.comments: list[Comment] = []
        self.statuses: list[Status] = []
        self.dispatches: list[Dispatch] = []
        self.runs: dict[int, WorkflowRun] = {}
        self.artifacts: list[Artifact] = []
        self.deleted_assets: list[Asset] = []
        self._ids = itertools.count(1000)
        self.repo_id = self.new_id()
        self._user_ids: dict[str, int] = {}
        self._label_ids: dict[str, int] = {}
        self._repo_ids: dict[str, int] = {}
        self._latest_id: int | None = None

    def new_id(self) -> int:
        """A fresh object id."""
        return next(self._ids)

    def user_id(self, login: str) -> int:
        """The stable id of the user `login`."""
        return self._user_ids.setdefault(login, self.new_id())

    def label_id(self, name: str) -> int:
        """The stable id of the label `name`."""
        return self._label_ids.setdefault(name, self.new_id())

    @property
    def full_name(self) -> str:
        """`owner/repo` of this repository."""
        return f"{self.owner}/{self.repo}"

    def fork_name(self, full_name: str | None) -> str | None:
        """`full_name` checked to be `owner/name`; None for None or this repository itself."""
        if full_name is None or full_name.lower() == self.full_name.lower():
            return None
        owner, _, name = full_name.partition("/")
        if not owner or not name or "/" in name:
            raise ValueError(f"not a repository's full name (owner/name): {full_name!r}")
        return full_name

    def repository_id(self, full_name: str | None) -> int:
        """The stable id of the repository `full_name` (None: this repository)."""
        fork = self.fork_name(full_name)
        return self.repo_id if fork is None else self._repo_ids.setdefault(fork, self.new_id())

    # Releases

    def create_release(
        self,
        author: str,
        tag_name: str,
        target_commitish: str | None = None,
        name: str | None = None,
        body: str | None = None,
        draft: bool = False,
        prerelease: bool = False,
        make_latest: str = "true",
    ) -> Release:
        """A new release; raises AlreadyExists when it is published and a published release
        already has `tag_name` (drafts may share a tag, as on GitHub)."""
        if not draft:
            self._check_tag_free(tag_name)
        created = now()
        release = Release(
            id=self.new_id(),
            tag_name=tag_name,
            target_commitish=target_commitish or self.default_branch,
            name=name,
            body=body,
            draft=draft,
            prerelease=prerelease,
            author=author,
            created_at=created,
            updated_at=created,
            published_at=None if draft else created,
        )
        self.releases.append(release)
        self._make_latest(release, make_latest)
        return release

    def release(self, release_id: int) -> Release:
        """The release with this id, draft or not."""
        return _first(self.releases, lambda r: r.id == release_id, f"release {release_id}")

    def release_by_tag(self, tag_name: str) -> Release:
        """The published release with this tag (drafts are not found by tag, as on GitHub)."""
        return _first(
            self.releases,
            lambda r: r.tag_name == tag_name and not r.draft,
            f"release tagged {tag_name}",
        )

    def latest_release(self) -> Release:
        """The latest release: the one `make_latest` chose, else the newest full release."""
        full = [r for r in self.releases if not r.draft and not r.prerelease]
        for release in full:
            if release.id == self._latest_id:
                return release
        if not full:
            raise NotFound("latest release")
        return full[-1]

    def releases_newest_first(self) -> list[Release]:
        """All releases, drafts included, the newest first."""
        return self.releases[::-1]

    def update_release(self, release_id: int, changes: dict[str, Any]) -> Release:
        """Apply a PATCH: publishing a draft sets `published_at` and, by default, latest.

        Raises AlreadyExists when the release would end up published with the tag of another
        published release (publishing a draft, or re-tagging a published release).
        """
        release = self.release(release_id)
        tag_name = changes.get("tag_name", release.tag_name)
        if not changes.get("draft", release.draft):
            self._check_tag_free(tag_name, release)
        publishing = release.draft and changes.get("draft") is False
        for key in ("tag_name", "target_commitish", "name", "body", "draft", "prerelease"):
            if key in changes:
                setattr(release, key, changes[key])
        release.updated_at = now()
        if publishing:
            release.published_at = release.updated_at
        if "make_latest" in changes or publishing:
            self._make_latest(release, changes.get("make_latest", "true"))
        return release

    def delete_release(self, release_id: int) -> None:
        """Remove the release and its assets."""
        self.releases.remove(self.release(release_id))

    def _check_tag_free(self, tag_name: str, release: Release | None = None) -> None:
        """Only published releases claim a tag: drafts may share it (ncipollo/release-action#7)."""
        if any(
            other.tag_name == tag_name and not other.draft and other is not release
            for other in self.releases
        ):
            raise AlreadyExists("Release", "tag_name")

    def _make_latest(self, release: Release, make_latest: str) -> None:
        """Drafts and prereleases cannot be latest; "legacy" falls back to the newest."""
        if release.draft or release.prerelease:
            return
        if make_latest == "true":
            self._latest_id = release.id
        elif make_latest == "legacy":
            self._latest_id = None

    # Assets

    def add_asset(
        self,
        release_id: int,
        name: str,
        content: bytes,
        uploader: str,
        label: str = "",
        content_type: str = "application/octet-stream",
        complete: bool = True,
    ) -> Asset:
        """A new asset; an incomplete upload leaves a `starter` asset with no content.

        Raises AlreadyExists when the release has an asset of that name, finished or not.
        """
        release = self.release(release_id)
        if any(asset.name == name for asset in release.assets):
            raise AlreadyExists("ReleaseAsset", "name")
        created = now()
        asset = Asset(
            id=self.new_id(),
            release_id=release_id,
            name=name,
            label=label,
            content_type=content_type,
            uploader=uploader,
            created_at=created,
            updated_at=created,
            content=content if complete else b"",
            state="uploaded" if complete else "starter",
        )
        release.assets.append(asset)
        return asset

    def asset(self, asset_id: int) -> Asset:
        """The asset with this id."""
        assets = (a for r in self.releases for a in r.assets)
        return _first(assets, lambda a: a.id == asset_id, f"asset {asset_id}")

    def asset_by_name(self, tag_name: str, name: str) -> Asset:
        """The asset `name` of the release tagged `tag_name` (its browser download URL): the
        published release's first, then the drafts' that share the tag."""
        tagged = sorted((r for r in self.releases if r.tag_name == tag_name), key=lambda r: r.draft)
        assets = (a for r in tagged for a in r.assets)
        return _first(assets, lambda a: a.name == name, f"asset {tag_name}/{name}")

    def update_asset(
        self, asset_id: int, name: str | None = None, label: str | None = None
    ) -> Asset:
        """Rename or relabel an asset; the new name must be free on its release."""
        asset = self.asset(asset_id)
        if name is not None and name != asset.name:
            if any(other.name == name for other in self.release(asset.release_id).assets):
                raise AlreadyExists("ReleaseAsset", "name")
            asset.name = name
        if label is not None:
            asset.label = label
        asset.updated_at = now()
        return asset

    def delete_asset(self, asset_id: int) -> None:
        """Remove an asset from its release (kept in `deleted_assets`, as it was, for tests)."""
        asset = self.asset(asset_id)
        self.release(asset.release_id).assets.remove(asset)
        self.deleted_assets.append(asset)

    # Issues, pull requests and their comments

    def issue(self, number: int) -> Issue:
        """The issue or pull request with this number."""
        return _first(self.issues, lambda i: i.number == number, f"issue {number}")

    def create_issue(
        self,
        title: str,
        user: str,
        body: str | None = None,
        labels: list[str] | None = None,
        number: int | None = None,
        pull: PullInfo | None = None,
    ) -> Issue:
        """A new open issue (or pull request, with `pull`), numbered next unless `number`."""
        if number is None:
            number = max((issue.number for issue in self.issues), default=0) + 1
        elif any(issue.number == number for issue in self.issues):
            raise ValueError(f"issue or pull request #{number} already exists")
        created = now()
        issue = Issue(
            id=self.new_id(),
            number=number,
            title=title,
            body=body,
            user=user,
            labels=list(dict.fromkeys(labels or [])),
            state="open",
            created_at=created,
            updated_at=created,
            pull=pull,
        )
        self.issues.append(issue)
        return issue

    def list_issues(
        self,
        state: str = "open",
        labels: list[str] | None = None,
        creator: str | None = None,
        since: str | None = None,
    ) -> list[Issue]:
        """Issues and pull requests matching GitHub's list filters, the newest first."""
        return [
            issue
            for issue in self.issues[::-1]
            if state in ("all", issue.state)
            and set(labels or []) <= set(issue.labels)
            and creator in (None, issue.user)
            and updated_since(issue.updated_at, since)
        ]

    def move_pull_head(self, number: int, head_sha: str) -> Issue:
        """A new push to pull request #`number`: its head is now `head_sha`."""
        issue = self.issue(number)
        if issue.pull is None:
            raise ValueError(f"#{number} is an issue, not a pull request")
        issue.pull.head_sha = head_sha
        issue.updated_at = now()
        return issue

    def comments_on(self, issue_number: int, since: str | None = None) -> list[Comment]:
        """The comments on an issue or pull request, oldest first."""
        self.issue(issue_number)
        return [
            comment
            for comment in self.comments
            if comment.issue_number == issue_number and updated_since(comment.updated_at, since)
        ]

    def comment_count(self, issue_number: int) -> int:
        """How many comments an issue or pull request has."""
        return sum(1 for comment in self.comments if comment.issue_number == issue_number)

    def add_comment(self, issue_number: int, body: str, user: str) -> Comment:
        """A new comment on an existing issue or pull request."""
        issue = self.issue(issue_number)
        created = now()
        comment = Comment(self.new_id(), issue_number, body, user, created, created)
        self.comments.append(comment)
        issue.updated_at = created
        return comment

    def comment(self, comment_id: int) -> Comment:
        """The comment with this id."""
        return _first(self.comments, lambda c: c.id == comment_id, f"comment {comment_id}")

    def update_comment(self, comment_id: int, body: str) -> Comment:
        """Replace a comment's body."""
        comment = self.comment(comment_id)
        comment.body = body
        comment.updated_at = now()
        return comment

    def delete_comment(self, comment_id: int) -> None:
        """Remove a comment."""
        self.comments.remove(self.comment(comment_id))

    # Commit statuses and workflow dispatches

    def add_status(
        self,
        sha: str,
        state: str,
        creator: str,
        context: str = "default",
        description: str | None = None,
        target_url: str | None = None,
    ) -> Status:
        """Record a commit status."""
        status = Status(self.new_id(), sha, state, context, description, target_url, creator, now())
        self.statuses.append(status)
        return status

    def add_dispatch(self, workflow_id: str, ref: str, inputs: dict[str, Any]) -> Dispatch:
        """Record a `workflow_dispatch` request."""
        dispatch = Dispatch(workflow_id, ref, inputs)
        self.dispatches.append(dispatch)
        return dispatch

    # Workflow runs and their artifacts

    def add_run(
        self,
        run_id: int,
        head_sha: str = "0" * 40,
        head_branch: str | None = None,
        head_repo: str | None = None,
    ) -> WorkflowRun:
        """A workflow run with no artifacts yet, on `head_sha` of `head_branch` (default: the
        default branch) in `head_repo` (a fork's full name, or None: this repository)."""
        if run_id in self.runs:
            raise ValueError(f"workflow run {run_id} already exists")
        run = WorkflowRun(
            run_id, head_sha, head_branch or self.default_branch, self.fork_name(head_repo)
        )
        self.runs[run_id] = run
        return run

    def run(self, run_id: int) -> WorkflowRun:
        """The workflow run with this id."""
        if run_id not in self.runs:
            raise NotFound(f"workflow run {run_id}")
        return self.runs[run_id]

    def add_artifact(
        self, run_id: int, name: str, content: bytes, expired: bool = False
    ) -> Artifact:
        """A new artifact of an existing run; an expired one was made a retention period ago.

        Raises ValueError when the run has an artifact of that name (upload-artifact v4
        refuses a second one).
        """
        self.run(run_id)
        if any(a.run_id == run_id and a.name == name for a in self.artifacts):
            raise ValueError(f"workflow run {run_id} already has an artifact named {name!r}")
        age = ARTIFACT_RETENTION_DAYS + 1 if expired else 0
        created = now(-age)
        artifact = Artifact(
            id=self.new_id(),
            run_id=run_id,
            name=name,
            content=content,
            expired=expired,
            created_at=created,
            updated_at=created,
            expires_at=now(ARTIFACT_RETENTION_DAYS - age),
        )
        self.artifacts.append(artifact)
        return artifact

    def artifact(self, artifact_id: int) -> Artifact:
        """The artifact with this id."""
        return _first(self.artifacts, lambda a: a.id == artifact_id, f"artifact {artifact_id}")

    def run_artifacts(self, run_id: int, name: str | None = None) -> list[Artifact]:
        """The artifacts of a run (named `name`, when given), oldest first."""
        self.run(run_id)
        return [a for a in self.artifacts if a.run_id == run_id and name in (None, a.name)]

    def snapshot(self) -> dict[str, Any]:
        """Everything recorded, as JSON-ready data (asset and artifact content as size and
        SHA-256)."""
        return {
            "owner": self.owner,
            "repo": self.repo,
            "latest_release_id": self.latest_release_id(),
            "releases": [
                {
                    **{k: v for k, v in vars(release).items() if k != "assets"},
                    "assets": [
                        {
                            **{k: v for k, v in vars(asset).items() if k != "content"},
                            "size": asset.size,
                            "sha256": asset.sha256,
                        }
                        for asset in release.assets
                    ],
                }
                for release in self.releases
            ],
            "issues": [asdict(issue) for issue in self.issues],
            "comments": [asdict(comment) for comment in self.comments],
            "statuses": [asdict(status) for status in self.statuses],
            "dispatches": [asdict(dispatch) for dispatch in self.dispatches],
            "runs": [asdict(run) for run in self.runs.values()],
            "artifacts": [
                {
                    **{k: v for k, v in vars(artifact).items() if k != "content"},
                    "size": artifact.size,
                    "sha256": artifact.sha256,
                }
                for artifact in self.artifacts
            ],
        }

    def latest_release_id(self) -> int | None:
        """The id of the latest release, or None when there is none."""
        try:
            return self.latest_release().id
        except NotFound:
            return None
