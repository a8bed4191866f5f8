"""GitHub's endpoints: one handler per operation of the description, plus the downloads of
release assets and artifacts that GitHub's replies point to.

Handlers see requests that already match the description and come from an authorised
token; they apply the request to the repository state and build GitHub's reply.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from werkzeug.datastructures import Headers

from .faults import RATE_LIMIT
from .pagination import paginate
from .payloads import Payloads
from .replies import Reply, already_exists, error_reply, json_reply
from .spec import Route
from .state import AlreadyExists, Asset, NotFound, RepoState

OBJECTS_PATH = "/_objects/release-assets/"
"""Where the stand-in serves asset bytes (GitHub redirects to a storage host instead)."""

ARTIFACTS_PATH = "/_objects/artifacts/"
"""Where the stand-in serves artifact zips, at signed URLs (GitHub's are on blob storage)."""

SIGNED_URL_SECONDS = 60.0
"""How long an artifact's download URL works: GitHub documents 1 minute."""

SIGNATURE_REFUSED = (
    b'<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code>'
    b"<Message>Server failed to authenticate the request. Make sure the value of "
    b"Authorization header is formed correctly including the signature.</Message></Error>"
)
"""What blob storage answers (403) to a download URL that is unsigned, forged or expired."""


@dataclass(frozen=True)
class Call:
    """A request to one operation, as the handlers see it."""

    route: Route
    params: dict[str, str]
    query: dict[str, str]
    headers: Headers
    body: bytes
    user: str

    def json(self) -> dict[str, Any]:
        """The JSON body (an empty object when there is none)."""
        return json.loads(self.body) if self.body else {}

    def number(self, name: str) -> int:
        """The integer path parameter `name`."""
        return int(self.params[name])


Handler = Callable[["Api", Call], Reply]
_HANDLERS: dict[str, Handler] = {}


def operation(operation_id: str) -> Callable[[Handler], Handler]:
    """Register the decorated method as the handler of `operation_id`."""

    def register(handler: Handler) -> Handler:
        _HANDLERS[operation_id] = handler
        return handler

    return register


def handled_operations() -> frozenset[str]:
    """The operationIds the stand-in implements."""
    return frozenset(_HANDLERS)


class Api:
    """The repository in `state`, served through GitHub's REST operations."""

    def __init__(self, state: RepoState, payloads: Payloads) -> None:
        self.state = state
        self.payloads = payloads
        self.used = 0
        self.reset = int(time.time()) + 3600
        self.signed_url_seconds = SIGNED_URL_SECONDS
        self._signatures: dict[str, tuple[int, float]] = {}
        repo_path = re.escape(f"/{state.owner}/{state.repo}")
        self._downloads = re.compile(
            rf"{re.escape(OBJECTS_PATH)}(?P<asset_id>\d+)"
            rf"|{re.escape(ARTIFACTS_PATH)}(?P<artifact_id>\d+)"
            rf"|{repo_path}/releases/download/(?P<tag>[^/]+)/(?P<name>[^/]+)"
        )

    def handle(self, call: Call) -> Reply:
        """The reply to `call`: 404 for another repository or a missing object."""
        self.used += 1
        docs = call.route.docs_url
        try:
            if not self._is_this_repository(call.params):
                raise NotFound("repository")
            reply = _HANDLERS[call.route.operation_id](self, call)
        except NotFound:
            reply = error_reply(404, "Not Found", docs)
        except AlreadyExists as error:
            reply = already_exists(error.resource, error.field, docs)
        headers = {**self.rate_headers(), **reply.headers}
        return Reply(reply.status, reply.body, headers, reply.content_type)

    def _is_this_repository(self, params: dict[str, str]) -> bool:
        """Owner and repository names are not case sensitive."""
        if "owner" not in params:
            return True
        asked = (params["owner"].lower(), params["repo"].lower())
        return asked == (self.state.owner.lower(), self.state.repo.lower())

    def rate_headers(self) -> dict[str, str]:
        """The `x-ratelimit-*` headers GitHub sends with every API reply."""
        return {
            "x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(max(RATE_LIMIT - self.used, 0)),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-reset": str(self.reset),
            "x-ratelimit-resource": "core",
        }

    def abandon_upload(self, call: Call) -> None:
        """An upload whose body never fully arrived leaves a `starter` asset, as on GitHub.

        Anything else cut short, or an upload GitHub would have refused, leaves nothing.
        """
        if (
            call.route.operation_id != "repos/upload-release-asset"
            or "name" not in call.query
            or not call.params["release_id"].isdigit()
            or not self._is_this_repository(call.params)
        ):
            return
        with suppress(NotFound, AlreadyExists):
            self._store_asset(call, complete=False)

    def is_download(self, path: str) -> bool:
        """Whether `path` is an asset's storage URL or `browser_download_url`, or an
        artifact's storage URL."""
        return self._downloads.fullmatch(path) is not None

    def download(self, target: str) -> Reply:
        """The bytes at a download `target` (path and query): an asset's (404 if missing or
        never completed), or an artifact's zip (403 unless the URL's signature is current)."""
        url = urlsplit(target)
        found = self._downloads.fullmatch(url.path)
        if found is not None and found["artifact_id"]:
            return self._artifact_zip(int(found["artifact_id"]), url.query)
        try:
            asset = self._asset_at(url.path)
        except NotFound:
            return Reply(404, b"Not Found", {}, "text/plain")
        if asset.state != "uploaded":
            return Reply(404, b"Not Found", {}, "text/plain")
        asset.download_count += 1
        disposition = {"Content-Disposition": f'attachment; filename="{asset.name}"'}
        return Reply(200, asset.content, disposition, "application/octet-stream")

    def _sign(self, artifact_id: int) -> str:
        """A download URL for an artifact's zip that works for `signed_url_seconds`."""
        moment = time.monotonic()
        self._signatures = {k: v for k, v in self._signatures.items() if v[1] >= moment}
        signature = secrets.token_urlsafe(24)
        self._signatures[signature] = (artifact_id, moment + self.signed_url_seconds)
        return f"{self.payloads.base_url}{ARTIFACTS_PATH}{artifact_id}?sig={signature}"

    def _artifact_zip(self, artifact_id: int, query: str) -> Reply:
        signature = dict(parse_qsl(query)).get("sig", "")
        signed = self._signatures.get(signature)
        if signed is None or signed[0] != artifact_id or signed[1] < time.monotonic():
            return Reply(403, SIGNATURE_REFUSED, {}, "application/xml")
        try:
            artifact = self.state.artifact(artifact_id)
        except NotFound:
            return Reply(404, b"Not Found", {}, "text/plain")
        disposition = {"Content-Disposition": f'attachment; filename="{artifact.name}.zip"'}
        return Reply(200, artifact.content, disposition, "application/zip")

    def _asset_at(self, path: str) -> Asset:
        found = self._downloads.fullmatch(path)
        if found is None:
            raise NotFound(path)
        if found["asset_id"]:
            return self.state.asset(int(found["asset_id"]))
        return self.state.asset_by_name(unquote(found["tag"]), unquote(found["name"]))

    def _page(self, call: Call, items: list[Any], build: Callable[[Any], Any]) -> Reply:
        chunk, headers = paginate(items, call.query, self._url(call))
        return json_reply(200, [build(item) for item in chunk], headers)

    def _url(self, call: Call) -> str:
        """The URL `call` was made to, without its query."""
        return f"{self.payloads.base_url}{call.route.template}".format(**call.params)

    def _created(self, payload: dict[str, Any]) -> Reply:
        return json_reply(201, payload, {"Location": payload["url"]})

    def _store_asset(self, call: Call, complete: bool) -> Asset:
        return self.state.add_asset(
            call.number("release_id"),
            name=call.query["name"],
            content=call.body,
            uploader=call.user,
            label=call.query.get("label", ""),
            content_type=call.headers.get("Content-Type", "application/octet-stream"),
            complete=complete,
        )

    # Meta

    @operation("rate-limit/get")
    def get_rate_limit(self, call: Call) -> Reply:
        """GET /rate_limit."""
        payload = self.payloads.rate_limit(RATE_LIMIT, self.used, self.reset)
        return json_reply(200, payload)

    @operation("repos/get")
    def get_repo(self, call: Call) -> Reply:
        """GET /repos/{owner}/{repo}."""
        return json_reply(200, self.payloads.repository())

    # Releases

    @operation("repos/list-releases")
    def list_releases(self, call: Call) -> Reply:
        """GET /repos/{owner}/{repo}/releases: the newest first, paginated."""
        return self._page(call, self.state.releases_newest_first(), self.payloads.release)

    @operation("repos/create-release")
    def create_release(self, call: Call) -> Reply:
        """POST /repos/{owner}/{repo}/releases."""
        body = call.json()
        release = self.state.create_release(
            call.user,
            body["tag_name"],
            target_commitish=body.get("target_commitish"),
            name=body.get("name"),
            body=body.get("body"),
            draft=body.get("draft", False),
            prerelease=body.get("prerelease", False),
            make_latest=body.get("make_latest", "true"),
        )
        return self._created(self.payloads.release(release))

    @operation("repos/get-latest-release")
    def get_latest_release(self, call: Call) -> Reply:
        """GET /repos/{owner}/{repo}/releases/latest."""
        return json_reply(200, self.payloads.release(self.state.latest_release()))

    @operation("repos/get-release-by-tag")
    def get_release_by_tag(self, call: Call) -> Reply:
        """GET /repos/{owner}/{repo}/releases/tags/{tag} (never a draft)."""
        return json_reply(200, self.payloads.release(self.state.release_by_tag(call.params["tag"])))

    @operation("repos/get-release")
    def get_release(self, call: Call) -> Reply:
        """GET /repos/{owner}/{repo}/releases/{release_id}."""
        return json_reply(200, self.payloads.release(self.state.release(call.number("release_id"))))

    @operation("repos/update-release")
    def update_release(self, call: Call) -> Reply:
        """PATCH /repos/{owner}/{repo}/releases/{release_id}."""
        release = self.state.update_release(call.number("release_id"), call.json())
        return json_reply(200, self.payloads.release(release))

    @operation("repos/delete-release")
    def delete_release(self, call: Call) -> Reply:
        """DELETE /repos/{owner}/{repo}/releases/{release_id}."""
        self.state.delete_release(call.number("release_id"))
        return Reply(204)

    # Release assets

    @operation("repos/list-release-assets")
    def list_release_assets(self, call: Call) -> Reply:
        """GET /repos/{owner}/{repo}/releases/{release_id}/assets, paginated."""
        release = self.state.release(call.number("release_id"))
        return self._page(call, release.assets, lambda asset: self.payloads.asset(asset, release))

    @operation("repos/upload-release-asset")
    def upload_release_asset(self, call: Call) -> Reply:
        """POST /repos/{owner}/{repo}/releases/{release_id}/assets?name=…&label=…"""
        try:
            asset = self._store_asset(call, complete=True)
        except AlreadyExists:
            # GitHub answers with the generic docs link here, not the operation's page.
            return already_exists("ReleaseAsset", "name")
        return json_reply(201, self.payloads.asset(asset))

    @operation("repos/get-release-asset")
    def get_release_asset(self, call: Call) -> Reply:
        """GET /repos/{owner}/{repo}/releases/assets/{asset_id}: JSON, or 302 to the bytes."""
        asset = self.state.asset(call.number("asset_id"))
        if "application/octet-stream" in call.headers.get("Accept", ""):
            location = f"{self.payloads.base_url}{OBJECTS_PATH}{asset.id}"
            return Reply(302, b"", {"Location": location})
        return json_reply(200, self.payloads.asset(asset))

    @operation("repos/update-release-asset")
    def update_release_asset(self, call: Call) -> Reply:
        """PATCH /repos/{owner}/{repo}/releases/assets/{asset_id}: name and label."""
        body = call.json()
        asset = self.state.update_asset(
            call.number("asset_id"), name=body.get("name"), label=body.get("label")
        )
        return json_reply(200, self.payloads.asset(asset))

    @operation("repos/delete-release-asset")
    def delete_release_asset(self, call: Call) -> Reply:
        """DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}."""
        self.state.delete_asset(call.number("asset_id"))
        return Reply(204)

    # Issue and pull request comments

    @operation("issues/list-comments")
    def list_comments(self, call: Call) -> Reply:
        """GET /repos/{owner}/{repo}/issues/{issue_number}/comments, oldest first, paginated."""
        comments = self.state.comments_on(call.number("issue_number"), call.query.get("since"))
        return self._page(call, comments, self.payloads.comment)

    @operation("issues/create-comment")
    def create_comment(self, call: Call) -> Reply:
        """POST /repos/{owner}/{repo}/issues/{issue_number}/comments."""
        number = call.number("issue_number")
        comment = self.state.add_comment(number, call.json()["body"], call.user)
        return self._created(self.payloads.comment(comment))

    @operation("issues/update-comment")
    def update_comment(self, call: Call) -> Reply:
        """PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}."""
        comment = self.state.update_comment(call.number("comment_id"), call.json()["body"])
        return json_reply(200, self.payloads.comment(comment))

    @operation("issues/delete-comment")
    def delete_comment(self, call: Call) -> Reply:
        """DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}."""
        self.state.delete_comment(call.number("comment_id"))
        return Reply(204)

    # Pull requests and issues

    @operation("pulls/get")
    def get_pull(self, call: Call) -> Reply:
        """GET /repos/{owner}/{repo}/pulls/{pull_number} (404 for a plain issue)."""
        issue = self.state.issue(call.number("pull_number"))
        if issue.pull is None:
            raise NotFound(f"pull request {issue.number}")
        return json_reply(200, self.payloads.pull_request(issue))

    @operation("issues/list-for-repo")
    def list_issues(self, call: Call) -> Reply:
        """GET /repos/{owner}/{repo}/issues: issues and pull requests, filtered, paginated."""
        query = call.query
        labels = [name.strip() for name in query.get("labels", "").split(",") if name.strip()]
        issues = self.state.list_issues(
            state=query.get("state", "open"),
            labels=labels,
            creator=query.get("creator"),
            since=query.get("since"),
        )
        sort = query.get("sort", "created")
        if sort == "comments":
            issues.sort(key=lambda issue: self.state.comment_count(issue.number), reverse=True)
        elif sort == "updated":
            issues.sort(key=lambda issue: (issue.updated_at, issue.id), reverse=True)
        if query.get("direction") == "asc":
            issues.reverse()
        return self._page(call, issues, self.payloads.issue)

    @operation("issues/create")
    def create_issue(self, call: Call) -> Reply:
        """POST /repos/{owner}/{repo}/issues (title, body, labels)."""
        body = call.json()
        labels = [
            label if isinstance(label, str) else label.get("name", "")
            for label in body.get("labels", [])
        ]
        issue = self.state.create_issue(
            str(body["title"]), call.user, body=body.get("body"), labels=[n for n in labels if n]
        )
        return self._created(self.payloads.issue(issue))

    # Actions: workflow dispatches and run artifacts

    @operation("actions/list-workflow-run-artifacts")
    def list_run_artifacts(self, call: Call) -> Reply:
        """GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts?name=…&direction=…:
        `{total_count, artifacts}`, the newest first unless `direction=asc`, paginated."""
        artifacts = self.state.run_artifacts(call.number("run_id"), call.query.get("name"))
        if call.query.get("direction", "desc") == "desc":
            artifacts.reverse()
        chunk, headers = paginate(artifacts, call.query, self._url(call))
        payload = {
            "total_count": len(artifacts),
            "artifacts": [self.payloads.artifact(artifact) for artifact in chunk],
        }
        return json_reply(200, payload, headers)

    @operation("actions/download-artifact")
    def download_artifact(self, call: Call) -> Reply:
        """GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}: 302 to
        a signed URL of the zip; 410 once expired; 404 for a format other than `zip`."""
        artifact = self.state.artifact(call.number("artifact_id"))
        if call.params["archive_format"] != "zip":
            raise NotFound(f"archive format {call.params['archive_format']}")
        if artifact.expired:
            return error_reply(410, "Artifact has expired", call.route.docs_url)
        return Reply(302, b"", {"Location": self._sign(artifact.id)})

    @operation("actions/create-workflow-dispatch")
    def dispatch_workflow(self, call: Call) -> Reply:
        """POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches."""
        body = call.json()
        self.state.add_dispatch(call.params["workflow_id"], body["ref"], body.get("inputs", {}))
        if body.get("return_run_details"):
            return json_reply(200, self.payloads.workflow_run(self.state.new_id()))
        return Reply(204)

    # Commit statuses

    @operation("repos/create-commit-status")
    def create_status(self, call: Call) -> Reply:
        """POST /repos/{owner}/{repo}/statuses/{sha}."""
        body = call.json()
        status = self.state.add_status(
            call.params["sha"],
            body["state"],
            call.user,
            context=body.get("context", "default"),
            description=body.get("description"),
            target_url=body.get("target_url"),
        )
        return self._created(self.payloads.status(status))
