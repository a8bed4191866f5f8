"""The JSON bodies the stand-in returns, built to satisfy the schemas of GitHub's description.

Every required field is present with the documented type, format and nullability. GitHub's
own examples are not used: two of them fail their schemas.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .state import Artifact, Asset, Comment, Issue, Release, RepoState, Status

LABEL_COLOR = "ededed"


class Payloads:
    """Builds API objects for the repository in `state`, with URLs under `base_url`.

    With `null_digests` set, every asset and artifact reports `digest: null`, as GitHub may
    (its description makes the field nullable; assets uploaded before GitHub computed digests,
    and artifacts uploaded by upload-artifact before v4, have none).
    """

    def __init__(self, base_url: str, state: RepoState) -> None:
        self.base_url = base_url
        self.state = state
        self.repo_api = f"{base_url}/repos/{state.owner}/{state.repo}"
        self.repo_html = f"{base_url}/{state.owner}/{state.repo}"
        self.null_digests = False

    def user(self, login: str) -> dict[str, Any]:
        """A `simple-user`: a Bot for `…[bot]` logins, an Organization for the owner."""
        user_id = self.state.user_id(login)
        api = f"{self.base_url}/users/{quote(login)}"
        if login.endswith("[bot]"):
            kind = "Bot"
        elif login == self.state.owner:
            kind = "Organization"
        else:
            kind = "User"
        return {
            "login": login,
            "id": user_id,
            "node_id": f"U_{user_id}",
            "avatar_url": f"{self.base_url}/avatars/u/{user_id}",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{self.base_url}/{quote(login)}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": kind,
            "site_admin": False,
            "user_view_type": "public",
        }

    def repository(self, full_name: str | None = None) -> dict[str, Any]:
        """The repository, valid as both `full-repository` and `repository`; with `full_name`
        (`owner/name`), that fork of it instead, which the token may only read."""
        state = self.state
        fork = state.fork_name(full_name)
        owner, name = fork.split("/") if fork else (state.owner, state.repo)
        api = f"{self.base_url}/repos/{owner}/{name}"
        html = f"{self.base_url}/{owner}/{name}"
        repo_id = state.repository_id(fork)
        created = "2024-01-01T00:00:00Z"
        return {
            "id": repo_id,
            "node_id": f"R_{repo_id}",
            "name": name,
            "full_name": f"{owner}/{name}",
            "owner": self.user(owner),
            "private": True,
            "html_url": html,
            "description": None,
            "fork": fork is not None,
            "url": api,
            "archive_url": f"{api}/{{archive_format}}{{/ref}}",
            "assignees_url": f"{api}/assignees{{/user}}",
            "blobs_url": f"{api}/git/blobs{{/sha}}",
            "branches_url": f"{api}/branches{{/branch}}",
            "collaborators_url": f"{api}/collaborators{{/collaborator}}",
            "comments_url": f"{api}/comments{{/number}}",
            "commits_url": f"{api}/commits{{/sha}}",
            "compare_url": f"{api}/compare/{{base}}...{{head}}",
            "contents_url": f"{api}/contents/{{+path}}",
            "contributors_url": f"{api}/contributors",
            "deployments_url": f"{api}/deployments",
            "downloads_url": f"{api}/downloads",
            "events_url": f"{api}/events",
            "forks_url": f"{api}/forks",
            "git_commits_url": f"{api}/git/commits{{/sha}}",
            "git_refs_url": f"{api}/git/refs{{/sha}}",
            "git_tags_url": f"{api}/git/tags{{/sha}}",
            "git_url": f"git://127.0.0.1/{owner}/{name}.git",
            "hooks_url": f"{api}/hooks",
            "issue_comment_url": f"{api}/issues/comments{{/number}}",
            "issue_events_url": f"{api}/issues/events{{/number}}",
            "issues_url": f"{api}/issues{{/number}}",
            "keys_url": f"{api}/keys{{/key_id}}",
            "labels_url": f"{api}/labels{{/name}}",
            "languages_url": f"{api}/languages",
            "merges_url": f"{api}/merges",
            "milestones_url": f"{api}/milestones{{/number}}",
            "notifications_url": f"{api}/notifications{{?since,all,participating}}",
            "pulls_url": f"{api}/pulls{{/number}}",
            "releases_url": f"{api}/releases{{/id}}",
            "ssh_url": f"git@127.0.0.1:{owner}/{name}.git",
            "stargazers_url": f"{api}/stargazers",
            "statuses_url": f"{api}/statuses/{{sha}}",
            "subscribers_url": f"{api}/subscribers",
            "subscription_url": f"{api}/subscription",
            "tags_url": f"{api}/tags",
            "teams_url": f"{api}/teams",
            "trees_url": f"{api}/git/trees{{/sha}}",
            "clone_url": f"{html}.git",
            "mirror_url": None,
            "svn_url": html,
            "homepage": None,
            "language": "Python",
            "forks": 0,
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers": 0,
            "watchers_count": 0,
            "size": 0,
            "default_branch": state.default_branch,
            "open_issues": 0,
            "open_issues_count": 0,
            "is_template": False,
            "topics": [],
            "has_issues": True,
            "has_projects": False,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": "private",
            "license": None,
            "pushed_at": created,
            "created_at": created,
            "updated_at": created,
            "network_count": 0,
            "subscribers_count": 0,
            "permissions": {
                "admin": False,
                "maintain": False,
                "push": fork is None,
                "triage": fork is None,
                "pull": True,
            },
        }

    def release(self, release: Release) -> dict[str, Any]:
        """A `release`, with its assets and GitHub's `upload_url` template."""
        api = f"{self.repo_api}/releases/{release.id}"
        tag = quote(release.tag_name, safe="")
        return {
            "url": api,
            "html_url": f"{self.repo_html}/releases/tag/{tag}",
            "assets_url": f"{api}/assets",
            "upload_url": f"{api}/assets{{?name,label}}",
            "tarball_url": f"{self.repo_api}/tarball/{tag}",
            "zipball_url": f"{self.repo_api}/zipball/{tag}",
            "id": release.id,
            "node_id": f"RE_{release.id}",
            "tag_name": release.tag_name,
            "target_commitish": release.target_commitish,
            "name": release.name,
            "body": release.body,
            "draft": release.draft,
            "prerelease": release.prerelease,
            "immutable": False,
            "created_at": release.created_at,
            "updated_at": release.updated_at,
            "published_at": release.published_at,
            "author": self.user(release.author),
            "assets": [self.asset(asset, release) for asset in release.assets],
        }

    def asset(self, asset: Asset, release: Release | None = None) -> dict[str, Any]:
        """A `release-asset`; `release` is looked up when not given. Its `digest` is null
        for an unfinished upload, or for every asset while `null_digests` is set."""
        release = release or self.state.release(asset.release_id)
        tag = quote(release.tag_name, safe="")
        return {
            "url": f"{self.repo_api}/releases/assets/{asset.id}",
            "browser_download_url": (
                f"{self.repo_html}/releases/download/{tag}/{quote(asset.name, safe='')}"
            ),
            "id": asset.id,
            "node_id": f"RA_{asset.id}",
            "name": asset.name,
            "label": asset.label,
            "state": asset.state,
            "content_type": asset.content_type,
            "size": asset.size,
            "digest": None if self.null_digests else asset.digest,
            "download_count": asset.download_count,
            "created_at": asset.created_at,
            "updated_at": asset.updated_at,
            "uploader": self.user(asset.uploader),
        }

    def comment(self, comment: Comment) -> dict[str, Any]:
        """An `issue-comment`."""
        issue = self.state.issue(comment.issue_number)
        return {
            "id": comment.id,
            "node_id": f"IC_{comment.id}",
            "url": f"{self.repo_api}/issues/comments/{comment.id}",
            "html_url": f"{self._issue_html(issue)}#issuecomment-{comment.id}",
            "issue_url": f"{self.repo_api}/issues/{issue.number}",
            "body": comment.body,
            "user": self.user(comment.user),
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "author_association": self._association(comment.user),
        }

    def issue(self, issue: Issue) -> dict[str, Any]:
        """An `issue`; a pull request carries the `pull_request` links, as on GitHub.

        `state_reason` is left out: GitHub sends null, which the description's enum (nullable,
        but without null among its values) rejects under OpenAPI 3.0's rules.
        """
        api = f"{self.repo_api}/issues/{issue.number}"
        payload: dict[str, Any] = {
            "id": issue.id,
            "node_id": f"I_{issue.id}",
            "url": api,
            "repository_url": self.repo_api,
            "labels_url": f"{api}/labels{{/name}}",
            "comments_url": f"{api}/comments",
            "events_url": f"{api}/events",
            "html_url": self._issue_html(issue),
            "number": issue.number,
            "state": issue.state,
            "title": issue.title,
            "body": issue.body,
            "user": self.user(issue.user),
            "labels": [self.label(name) for name in issue.labels],
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "locked": False,
            "active_lock_reason": None,
            "comments": self.state.comment_count(issue.number),
            "closed_at": None,
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "author_association": self._association(issue.user),
        }
        if issue.pull is not None:
            html = self._issue_html(issue)
            payload["draft"] = False
            payload["pull_request"] = {
                "url": f"{self.repo_api}/pulls/{issue.number}",
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "merged_at": None,
            }
        return payload

    def pull_request(self, issue: Issue) -> dict[str, Any]:
        """A `pull-request` for an issue number that is a pull request."""
        pull = issue.pull
        if pull is None:
            raise ValueError(f"#{issue.number} is an issue, not a pull request")
        api = f"{self.repo_api}/pulls/{issue.number}"
        html = self._issue_html(issue)
        links = {
            "self": api,
            "html": html,
            "issue": f"{self.repo_api}/issues/{issue.number}",
            "comments": f"{self.repo_api}/issues/{issue.number}/comments",
            "review_comments": f"{api}/comments",
            "review_comment": f"{self.repo_api}/pulls/comments{{/number}}",
            "commits": f"{api}/commits",
            "statuses": f"{self.repo_api}/statuses/{pull.head_sha}",
        }
        return {
            "url": api,
            "id": issue.id,
            "node_id": f"PR_{issue.id}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": links["issue"],
            "commits_url": links["commits"],
            "review_comments_url": links["review_comments"],
            "review_comment_url": links["review_comment"],
            "comments_url": links["comments"],
            "statuses_url": links["statuses"],
            "number": issue.number,
            "state": issue.state,
            "locked": False,
            "title": issue.title,
            "user": self.user(issue.user),
            "body": issue.body,
            "labels": [self.label(name) for name in issue.labels],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": self._branch(pull.head_ref, pull.head_sha, pull.head_repo),
            "base": self._branch(pull.base_ref, pull.base_sha),
            "_links": {name: {"href": href} for name, href in links.items()},
            "author_association": self._association(issue.user),
            "auto_merge": None,
            "draft": False,
            "merged": False,
            "mergeable": None,
            "rebaseable": None,
            "mergeable_state": "unknown",
            "merged_by": None,
            "comments": self.state.comment_count(issue.number),
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": 1,
            "additions": 0,
            "deletions": 0,
            "changed_files": 0,
        }

    def label(self, name: str) -> dict[str, Any]:
        """A label object as issues and pull requests embed it."""
        label_id = self.state.label_id(name)
        return {
            "id": label_id,
            "node_id": f"LA_{label_id}",
            "url": f"{self.repo_api}/labels/{quote(name, safe='')}",
            "name": name,
            "color": LABEL_COLOR,
            "default": False,
            "description": None,
        }

    def status(self, status: Status) -> dict[str, Any]:
        """A commit `status`."""
        creator = self.user(status.creator)
        return {
            "url": f"{self.repo_api}/statuses/{status.sha}",
            "avatar_url": creator["avatar_url"],
            "id": status.id,
            "node_id": f"SC_{status.id}",
            "state": status.state,
            "description": status.description,
            "target_url": status.target_url,
            "context": status.context,
            "created_at": status.created_at,
            "updated_at": status.created_at,
            "creator": creator,
        }

    def artifact(self, artifact: Artifact) -> dict[str, Any]:
        """An `artifact` of a workflow run; its `digest` is null while `null_digests` is set."""
        run = self.state.run(artifact.run_id)
        api = f"{self.repo_api}/actions/artifacts/{artifact.id}"
        return {
            "id": artifact.id,
            "node_id": f"AR_{artifact.id}",
            "name": artifact.name,
            "size_in_bytes": artifact.size,
            "url": api,
            "archive_download_url": f"{api}/zip",
            "expired": artifact.expired,
            "created_at": artifact.created_at,
            "expires_at": artifact.expires_at,
            "updated_at": artifact.updated_at,
            "digest": None if self.null_digests else artifact.digest,
            "workflow_run": {
                "id": run.id,
                "repository_id": self.state.repo_id,
                "head_repository_id": self.state.repository_id(run.head_repo),
                "head_branch": run.head_branch,
                "head_sha": run.head_sha,
            },
        }

    def workflow_run(self, run_id: int) -> dict[str, Any]:
        """A `workflow-dispatch-response` for the run a dispatch started."""
        return {
            "workflow_run_id": run_id,
            "run_url": f"{self.repo_api}/actions/runs/{run_id}",
            "html_url": f"{self.repo_html}/actions/runs/{run_id}",
        }

    @staticmethod
    def rate_limit(limit: int, used: int, reset: int) -> dict[str, Any]:
        """A `rate-limit-overview` whose `core` budget has `used` of `limit` requests."""
        core = {"limit": limit, "used": used, "remaining": max(limit - used, 0), "reset": reset}
        search = {"limit": 30, "used": 0, "remaining": 30, "reset": reset}
        graphql = {"limit": limit, "used": 0, "remaining": limit, "reset": reset}
        return {"resources": {"core": core, "search": search, "graphql": graphql}, "rate": core}

    def _branch(self, ref: str, sha: str, fork: str | None = None) -> dict[str, Any]:
        """A pull request's `head` or `base`: `ref` at `sha` in this repository or `fork`."""
        owner = fork.split("/")[0] if fork else self.state.owner
        return {
            "label": f"{owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": self.user(owner),
            "repo": self.repository(fork),
        }

    def _issue_html(self, issue: Issue) -> str:
        kind = "issues" if issue.pull is None else "pull"
        return f"{self.repo_html}/{kind}/{issue.number}"

    def _association(self, login: str) -> str:
        return "OWNER" if login == self.state.owner else "NONE"
