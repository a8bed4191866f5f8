"""A small GitHub REST API client: `requests`, retries by `retry.py`, pagination, clear errors.

Only what the actions need. Requests go to `$GITHUB_API_URL` (GitHub Enterprise and test
stand-ins included); asset uploads go to the `upload_url` a release carries. The token is sent
in the Authorization header and never appears in messages.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests

from .retry import retry_delay

API_VERSION = "2022-11-28"
USER_AGENT = "gitops-ml"
_NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


class GitHubError(Exception):
    """An API call failed for good: the operation, the HTTP status and GitHub's message."""

    def __init__(
        self, operation: str, status: int | None, message: str, errors: list | None = None
    ):
        self.operation, self.status, self.errors = operation, status, errors or []
        where = f"HTTP {status}" if status is not None else "no response"
        super().__init__(f"{operation} failed: {where}: {message}")

    def has_code(self, code: str) -> bool:
        """Whether GitHub's `errors` list holds this code (e.g. `already_exists`)."""
        return any(isinstance(e, dict) and e.get("code") == code for e in self.errors)


class GitHub:
    """The REST API of one repository, as one token sees it."""

    def __init__(
        self,
        token: str,
        repository: str,
        api_url: str = "https://api.github.com",
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        timeout: float = 60.0,
    ):
        if not token:
            raise GitHubError("authenticate", None, "no token (set GITHUB_TOKEN)")
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
            raise GitHubError("authenticate", None, f"repository {repository!r} is not owner/name")
        self.repository = repository
        self.api_url = api_url.rstrip("/")
        self._token = token
        self._sleep, self._clock, self._timeout = sleep, clock, timeout
        self._session = requests.Session()
        self._session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": USER_AGENT,
            }
        )

    # ------------------------------------------------------------------ core

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def url(self, path: str) -> str:
        """An absolute URL: `path` relative to the repository (`releases`), or absolute."""
        if path.startswith(("http://", "https://")):
            return path
        if path.startswith("/"):
            return self.api_url + path
        return f"{self.api_url}/repos/{self.repository}/{path}"

    def request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        expected: tuple[int, ...] = (200,),
        **kwargs: Any,
    ) -> requests.Response:
        """Send a request, retrying as `retry.retry_delay` says; raise `GitHubError` on failure."""
        url = self.url(path)
        attempt = 0
        while True:
            attempt += 1
            body = kwargs.get("data")
            if hasattr(body, "seek"):
                body.seek(0)
            try:
                response = self._session.request(method, url, timeout=self._timeout, **kwargs)
            except requests.RequestException as err:
                delay = retry_delay(None, {}, str(err), attempt, self._clock())
                if delay is None:
                    raise GitHubError(operation, None, self._redact(str(err))) from err
                self._wait(operation, delay, "connection failed")
                continue
            if response.status_code in expected:
                return response
            message, errors = _message_of(response)
            delay = retry_delay(
                response.status_code, response.headers, message, attempt, self._clock()
            )
            if delay is None:
                raise GitHubError(operation, response.status_code, self._redact(message), errors)
            self._wait(operation, delay, f"HTTP {response.status_code}")

    def _wait(self, operation: str, delay: float, why: str) -> None:
        print(f"gitops-ml: {operation}: {why}; retrying in {delay:.0f}s", flush=True)
        self._sleep(delay)

    def json(self, operation: str, method: str, path: str, **kwargs: Any) -> Any:
        """`request`, returning the decoded JSON body."""
        return self.request(operation, method, path, **kwargs).json()

    def paginate(
        self, operation: str, path: str, per_page: int = 100, **filters: Any
    ) -> Iterator[dict]:
        """Every item of a list endpoint, following the `Link: rel="next"` headers."""
        url: str | None = self.url(path)
        params: dict[str, Any] | None = {"per_page": per_page, **filters}
        while url:
            response = self.request(operation, "GET", url, params=params)
            yield from response.json()
            match = _NEXT_LINK.search(response.headers.get("Link", ""))
            url, params = (match.group(1), None) if match else (None, None)

    # ------------------------------------------------------------- releases

    def releases(self) -> Iterator[dict]:
        """All releases, drafts included (a draft cannot be found by its tag)."""
        return self.paginate("list releases", "releases")

    def release_by_tag(self, tag: str) -> dict | None:
        """The release (draft or not) whose tag is `tag`, from the paginated list."""
        return next((r for r in self.releases() if r["tag_name"] == tag), None)

    def latest_release(self) -> dict | None:
        """The release marked latest, or None when there is none."""
        try:
            return self.json("get the latest release", "GET", "releases/latest")
        except GitHubError as err:
            if err.status == 404:
                return None
            raise

    def published_release_by_tag(self, tag: str) -> dict | None:
        """A published release by its tag, or None."""
        try:
            return self.json(f"get release {tag}", "GET", f"releases/tags/{tag}")
        except GitHubError as err:
            if err.status == 404:
                return None
            raise

    def create_release(self, **fields: Any) -> dict:
        """Create a release; returns it."""
        return self.json(
            f"create release {fields.get('tag_name')}",
            "POST",
            "releases",
            json=fields,
            expected=(201,),
        )

    def update_release(self, release_id: int, **fields: Any) -> dict:
        """Update a release (e.g. `draft=False, make_latest="true"`); returns it."""
        return self.json(
            f"update release {release_id}", "PATCH", f"releases/{release_id}", json=fields
        )

    def assets(self, release_id: int) -> list[dict]:
        """Every asset of a release, with its `state` and `digest`."""
        return list(self.paginate("list release assets", f"releases/{release_id}/assets"))

    def upload_asset(self, release: dict, path: Path, name: str | None = None) -> dict:
        """Upload `path` to the release's `upload_url`; returns the asset."""
        name = name or path.name
        upload_url = release["upload_url"].split("{", 1)[0]
        with path.open("rb") as handle:
            return self.json(
                f"upload asset {name}",
                "POST",
                upload_url,
                params={"name": name},
                data=handle,
                headers={
                    "Content-Type": "application/octet-stream",
                    "Content-Length": str(path.stat().st_size),
                },
                expected=(201,),
            )

    def delete_asset(self, asset: dict) -> None:
        """Delete an asset."""
        self.request(
            f"delete asset {asset['name']}",
            "DELETE",
            f"releases/assets/{asset['id']}",
            expected=(204,),
        )

    def download_asset(self, asset: dict, destination: Path) -> None:
        """Download an asset's bytes to `destination` (GitHub answers with a redirect)."""
        response = self.request(
            f"download asset {asset['name']}",
            "GET",
            f"releases/assets/{asset['id']}",
            headers={"Accept": "application/octet-stream"},
            stream=True,
        )
        with destination.open("wb") as handle:
            for chunk in response.iter_content(1 << 20):
                handle.write(chunk)

    # ------------------------------------------------------ issues and runs

    def open_issues(self, label: str) -> list[dict]:
        """Open issues (not pull requests) carrying `label`, oldest first."""
        issues = self.paginate("list issues", "issues", state="open", labels=label)
        found = [i for i in issues if "pull_request" not in i]
        return sorted(found, key=lambda i: i["number"])

    def create_issue(self, title: str, body: str, labels: list[str]) -> dict:
        """Open an issue."""
        fields = {"title": title, "body": body, "labels": labels}
        return self.json("open an issue", "POST", "issues", json=fields, expected=(201,))

    def dispatch_workflow(self, workflow: str, ref: str, inputs: dict | None = None) -> None:
        """Start a `workflow_dispatch` run of `workflow` (file name or id) on `ref`."""
        fields: dict[str, Any] = {"ref": ref}
        if inputs:
            fields["inputs"] = inputs
        self.request(
            f"dispatch workflow {workflow}",
            "POST",
            f"actions/workflows/{workflow}/dispatches",
            json=fields,
            expected=(200, 204),
        )

    def default_branch(self) -> str:
        """The repository's default branch."""
        return self.json("get the repository", "GET", f"/repos/{self.repository}")["default_branch"]

    # ------------------------------------------------- comments and statuses

    def comments(self, issue_number: int) -> Iterator[dict]:
        """Every comment of an issue or pull request, oldest first."""
        return self.paginate("list comments", f"issues/{issue_number}/comments")

    def create_comment(self, issue_number: int, body: str) -> dict:
        """Comment on an issue or pull request."""
        return self.json(
            "create the comment",
            "POST",
            f"issues/{issue_number}/comments",
            json={"body": body},
            expected=(201,),
        )

    def update_comment(self, comment_id: int, body: str) -> dict:
        """Replace a comment's body."""
        return self.json(
            "update the comment", "PATCH", f"issues/comments/{comment_id}", json={"body": body}
        )

    def delete_comment(self, comment_id: int) -> None:
        """Delete a comment."""
        self.request(
            "delete a duplicate comment", "DELETE", f"issues/comments/{comment_id}", expected=(204,)
        )

    def create_status(
        self, sha: str, state: str, context: str, description: str, target_url: str | None
    ) -> None:
        """Set a commit status (`success`, `failure`, `error` or `pending`)."""
        fields = {"state": state, "context": context, "description": description[:140]}
        if target_url:
            fields["target_url"] = target_url
        self.request(
            f"set commit status {context}", "POST", f"statuses/{sha}", json=fields, expected=(201,)
        )


def _message_of(response: requests.Response) -> tuple[str, list]:
    """GitHub's error message and `errors` list, or the start of a non-JSON body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason or "", []
    if not isinstance(body, dict):
        return str(body)[:200], []
    message = str(body.get("message") or response.reason or "")
    errors = body.get("errors") or []
    codes = [f"{e.get('code')} {e.get('field', '')}".strip() for e in errors if isinstance(e, dict)]
    if codes:
        message += f" ({', '.join(codes)})"
    return message, errors
