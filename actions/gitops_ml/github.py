"""A small GitHub REST API client: `requests`, retries by `retry.py`, pagination, clear errors.

Only what the actions need. Requests go to `$GITHUB_API_URL` (GitHub Enterprise and test
stand-ins included); asset uploads go to the `upload_url` a release carries. The token is sent
in the Authorization header, only to the API's own hosts (`hosts.py`: never on a redirect or
a pagination link elsewhere), and never appears in messages. Nothing an API reply names is
trusted unchecked: links and redirects must stay on trusted hosts, asset bytes are cut off at
their declared size, and every wait comes out of one budget (`retry.WaitBudget`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
import urllib3

from .context import Context
from .hosts import TrustedHosts, origin
from .retry import DEFAULT_MAX_WAIT, Wait, WaitBudget, next_wait, over_budget

API_VERSION = "2022-11-28"
USER_AGENT = "gitops-ml"
_NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')
_TOKEN = re.compile(r"[!-~]+")
"""What a token may hold: visible ASCII, as an HTTP header value allows (no whitespace)."""

MAX_ASSET_SIZE = 2 * 1024**3
"""The largest asset downloaded: GitHub's own limit per release file (2 GiB)."""

MAX_REDIRECTS = 5
MAX_PAGES = 1000
"""Pages followed per list (100,000 items): a link that never ends is refused, not followed."""

_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 1 << 16


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
    """The REST API of one repository, as one token sees it.

    `max_wait` is the budget of all waits (seconds), `max_asset_size` caps a download;
    `sleep`, `clock` and `session` are there to be replaced in tests.
    """

    @classmethod
    def from_context(cls, ctx: Context) -> GitHub | None:
        """The client for the run `ctx` describes; None without a token or a repository."""
        if not ctx.can_call_github:
            return None
        return cls(ctx.token, ctx.repository, ctx.api_url, max_wait=ctx.max_wait)

    def __init__(
        self,
        token: str,
        repository: str,
        api_url: str = "https://api.github.com",
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        timeout: float = 60.0,
        max_wait: float = DEFAULT_MAX_WAIT,
        max_asset_size: int = MAX_ASSET_SIZE,
        session: requests.Session | None = None,
    ):
        if not token:
            raise GitHubError("authenticate", None, "no token (set GITHUB_TOKEN)")
        if not _TOKEN.fullmatch(token):
            # Checked before any request: `requests` would quote the header, token and all.
            raise GitHubError(
                "authenticate",
                None,
                "the token (GITHUB_TOKEN or the github-token input) holds whitespace or a"
                " character an HTTP header cannot carry, often a trailing newline from a"
                " copy-paste; set it again without it (the token is not shown)",
            )
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
            raise GitHubError("authenticate", None, f"repository {repository!r} is not owner/name")
        try:
            self._hosts = TrustedHosts(api_url)
        except ValueError as err:
            raise GitHubError("authenticate", None, str(err)) from None
        self.repository = repository
        self.api_url = api_url.rstrip("/")
        self._token = token
        # Looked up on each call, not bound at import: tests replace `time.sleep`.
        self._sleep = sleep or (lambda seconds: time.sleep(seconds))
        self._clock = clock or (lambda: time.time())
        self._timeout = timeout
        self._budget = WaitBudget(max_wait)
        self.max_asset_size = max_asset_size
        self._session = session or requests.Session()
        # No Authorization here: `_send` adds it per request, for the token's hosts only.
        self._session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": USER_AGENT,
            }
        )

    # ------------------------------------------------------------------ core

    def _redact(self, text: str) -> str:
        """`text` fit for one line of a log: the token masked, control characters gone."""
        if self._token:
            text = text.replace(self._token, "***")
        return "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text)[:500]

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
        assets: bool = False,
        **kwargs: Any,
    ) -> requests.Response:
        """Send a request, retrying as `retry.next_wait` says; raise `GitHubError` on failure.

        The URL must be on a host the token may go to. A GET follows redirects to such hosts
        (with the token) and, with `assets`, to GitHub's asset hosts (without it); a redirect
        anywhere else is refused. Every wait comes out of the client's wait budget.
        """
        url = self.url(path)
        if not self._hosts.sends_token(url):
            raise GitHubError(operation, None, self._refusal(url, "the API"))
        attempt = 0
        while True:
            attempt += 1
            body = kwargs.get("data")
            if hasattr(body, "seek"):
                body.seek(0)
            try:
                response = self._send(operation, method, url, assets, kwargs)
            except requests.RequestException as err:
                wait = next_wait(None, {}, str(err), attempt, self._clock())
                if wait is None:
                    raise GitHubError(operation, None, self._redact(str(err))) from err
                self._wait(operation, wait, "connection failed", None)
                continue
            if response.status_code in expected:
                return response
            message, errors = _message_of(response)
            response.close()
            wait = next_wait(
                response.status_code, response.headers, message, attempt, self._clock()
            )
            if wait is None:
                raise GitHubError(operation, response.status_code, self._redact(message), errors)
            self._wait(operation, wait, f"HTTP {response.status_code}", response.status_code)

    def _send(
        self, operation: str, method: str, url: str, assets: bool, kwargs: dict[str, Any]
    ) -> requests.Response:
        """One try: the request, then (GET only) each redirect hop, every hop's host checked."""
        for _ in range(MAX_REDIRECTS + 1):
            headers = dict(kwargs.get("headers") or {})
            if self._hosts.sends_token(url):
                headers["Authorization"] = f"Bearer {self._token}"
            response = self._session.request(
                method,
                url,
                timeout=self._timeout,
                allow_redirects=False,
                **{**kwargs, "headers": headers},
            )
            location = response.headers.get("Location")
            if method != "GET" or response.status_code not in _REDIRECTS or not location:
                return response
            response.close()
            url = urljoin(url, location)
            if not (self._hosts.sends_token(url) or (assets and self._hosts.serves_assets(url))):
                where = "GitHub's asset hosts" if assets else "the API"
                raise GitHubError(operation, response.status_code, self._refusal(url, where))
            kwargs = {k: v for k, v in kwargs.items() if k != "params"}
        raise GitHubError(operation, None, f"more than {MAX_REDIRECTS} redirects: refused")

    def _refusal(self, url: str, where: str) -> str:
        found = origin(url)
        host = str(found) if found else "a malformed URL"
        return (
            f"refused to follow a URL on {self._redact(host)}: not a host of {where}"
            f" ({self._hosts.api}); the token and downloads stay on trusted hosts"
        )

    def _wait(self, operation: str, wait: Wait, why: str, status: int | None) -> None:
        """Sleep before the next try, or fail in one line if the budget cannot cover it."""
        if not self._budget.allows(wait.seconds):
            raise GitHubError(operation, status, over_budget(wait, self._budget, self._clock()))
        print(f"gitops-ml: {operation}: {why}; retrying in {wait.seconds:.0f}s", flush=True)
        self._budget.spend(wait.seconds)
        self._sleep(wait.seconds)

    def json(self, operation: str, method: str, path: str, **kwargs: Any) -> Any:
        """`request`, returning the decoded JSON body."""
        response = self.request(operation, method, path, **kwargs)
        try:
            return response.json()
        except ValueError as err:
            raise GitHubError(operation, response.status_code, "the reply is not JSON") from err

    def paginate(
        self, operation: str, path: str, per_page: int = 100, **filters: Any
    ) -> Iterator[dict]:
        """Every item of a list endpoint, following the `Link: rel="next"` headers.

        A link to another host is refused by `request`; one that repeats, or more than
        `MAX_PAGES` of them, is refused here.
        """
        url: str | None = self.url(path)
        params: dict[str, Any] | None = {"per_page": per_page, **filters}
        seen: set[str] = set()
        while url:
            if url in seen or len(seen) >= MAX_PAGES:
                raise GitHubError(operation, None, "the pagination links loop or never end")
            seen.add(url)
            response = self.request(operation, "GET", url, params=params)
            try:
                page = response.json()
            except ValueError:
                page = None
            if not isinstance(page, list):
                raise GitHubError(operation, response.status_code, "the reply is not a JSON list")
            yield from page
            match = _NEXT_LINK.search(response.headers.get("Link", ""))
            url, params = (match.group(1), None) if match else (None, None)

    # ------------------------------------------------------------- releases

    def releases(self) -> Iterator[dict]:
        """All releases, drafts included (a draft cannot be found by its tag)."""
        return self.paginate("list releases", "releases")

    def release_by_tag(self, tag: str) -> dict | None:
        """The release (draft or not) whose tag is `tag`, from the paginated list: the
        published one if any, else the oldest draft (several drafts may share a tag)."""
        tagged = self.releases_with_tag(tag)
        return min(tagged, key=lambda r: (r["draft"], r["id"]), default=None)

    def releases_with_tag(self, tag: str) -> list[dict]:
        """Every release whose tag is `tag`: at most one published, and any number of drafts."""
        return [r for r in self.releases() if r["tag_name"] == tag]

    def release(self, release_id: int) -> dict | None:
        """A release (draft or not) by its id, or None when it is gone."""
        try:
            return self.json(f"get release {release_id}", "GET", f"releases/{release_id}")
        except GitHubError as err:
            if err.status == 404:
                return None
            raise

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

    def delete_release(self, release_id: int) -> bool:
        """Delete a release and its assets; False when it was already gone."""
        return self._delete(f"delete release {release_id}", f"releases/{release_id}")

    def _delete(self, operation: str, path: str) -> bool:
        """DELETE `path`; False when it was already gone (404), so racing runs may both try."""
        try:
            self.request(operation, "DELETE", path, expected=(204,))
        except GitHubError as err:
            if err.status == 404:
                return False
            raise
        return True

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

    def delete_asset(self, asset: dict) -> bool:
        """Delete an asset; False when it was already gone."""
        return self._delete(f"delete asset {asset['name']}", f"releases/assets/{asset['id']}")

    def download_asset(
        self, asset: dict, destination: Path, *, max_size: int | None = None
    ) -> None:
        """Download an asset's bytes to `destination` (GitHub answers with a redirect).

        The asset's declared `size` is checked against `max_size` (and the client's
        `max_asset_size`) before the request, and the download is cut off and refused as soon
        as it passes that size, or when it ends short of it; a refused download leaves no file.
        """
        operation, response, size = self._open_asset(asset, max_size)
        with response:
            try:
                with destination.open("wb") as handle:
                    for chunk in self._counted(operation, response, size):
                        handle.write(chunk)
            except BaseException:
                destination.unlink(missing_ok=True)
                raise

    def read_asset(self, asset: dict, *, max_size: int) -> bytes:
        """An asset's bytes in memory (a small file such as SHA256SUMS), checked as above."""
        operation, response, size = self._open_asset(asset, max_size)
        with response:
            return b"".join(self._counted(operation, response, size))

    def _open_asset(self, asset: dict, max_size: int | None) -> tuple[str, requests.Response, int]:
        """Check the asset's id and declared size, then start its download (streamed)."""
        name, asset_id, size = asset.get("name"), asset.get("id"), asset.get("size")
        operation = f"download asset {self._redact(name if isinstance(name, str) else repr(name))}"
        return self._open_download(
            operation, "asset", asset_id, size, max_size, "releases/assets/{}"
        )

    def _open_download(
        self,
        operation: str,
        kind: str,
        item_id: Any,
        size: Any,
        max_size: int | None,
        path: str,
        accept: str = "application/octet-stream",
    ) -> tuple[str, requests.Response, int]:
        """Check an item's id and declared size against the limit, then start its download
        (streamed, following the redirect to GitHub's storage without the token)."""
        if type(item_id) is not int or type(size) is not int or size < 0:
            raise GitHubError(operation, None, f"the {kind}'s id or size is not a whole number")
        limit = self.max_asset_size if max_size is None else min(max_size, self.max_asset_size)
        if size > limit:
            raise GitHubError(
                operation, None, f"declared size {size} bytes is over {limit}: refused"
            )
        response = self.request(
            operation,
            "GET",
            path.format(item_id),
            # identity: the bytes counted are the bytes stored, never a decompressed bomb
            headers={"Accept": accept, "Accept-Encoding": "identity"},
            stream=True,
            assets=True,
        )
        return operation, response, size

    def _counted(self, operation: str, response: requests.Response, size: int) -> Iterator[bytes]:
        """The body's raw bytes, refused past `size` (and short of it) as they arrive."""
        length = response.headers.get("Content-Length", "")
        if length.isascii() and length.isdigit() and int(length) > size:
            raise GitHubError(
                operation, 200, f"{length} bytes sent, more than its declared {size}: refused"
            )
        received = 0
        try:
            for chunk in response.raw.stream(_CHUNK, decode_content=False):
                received += len(chunk)
                if received > size:
                    raise GitHubError(
                        operation, 200, f"more bytes than its declared {size}: cut off, refused"
                    )
                yield chunk
        except (urllib3.exceptions.HTTPError, requests.RequestException) as err:
            message = f"download cut short: {self._redact(str(err))}"
            raise GitHubError(operation, None, message) from err
        if received != size:
            raise GitHubError(operation, 200, f"{received} bytes, not its declared {size}: refused")

    # ------------------------------------------------- workflow run artifacts

    def run_artifacts(self, run_id: int) -> list[dict]:
        """The artifacts of workflow run `run_id` (one page of 100: a run of ours has a few)."""
        operation = f"list the artifacts of run {run_id}"
        reply = self.json(
            operation, "GET", f"actions/runs/{run_id}/artifacts", params={"per_page": 100}
        )
        artifacts = reply.get("artifacts") if isinstance(reply, dict) else None
        if not isinstance(artifacts, list) or not all(isinstance(a, dict) for a in artifacts):
            raise GitHubError(operation, 200, "the reply is not a list of artifacts")
        if reply.get("total_count", 0) > len(artifacts):
            raise GitHubError(operation, 200, "more than 100 artifacts: refused")
        return artifacts

    def read_artifact(self, artifact: dict, *, max_size: int) -> bytes:
        """A run artifact's zip in memory, refused past its declared size or `max_size`."""
        name = artifact.get("name")
        operation = (
            f"download artifact {self._redact(name if isinstance(name, str) else repr(name))}"
        )
        operation, response, size = self._open_download(
            operation,
            "artifact",
            artifact.get("id"),
            artifact.get("size_in_bytes"),
            max_size,
            "actions/artifacts/{}/zip",
            accept="application/vnd.github+json",
        )
        with response:
            return b"".join(self._counted(operation, response, size))

    def pull_request(self, number: int) -> dict | None:
        """Pull request #`number`, or None when there is none."""
        try:
            return self.json(f"get pull request #{number}", "GET", f"pulls/{number}")
        except GitHubError as err:
            if err.status == 404:
                return None
            raise

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
