"""The HTTP reply the stand-in sends, and GitHub's shapes for error bodies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DOCS_URL = "https://docs.github.com/rest"
"""GitHub's generic `documentation_url` for errors without a more specific page."""

JSON_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """One HTTP response: status, headers and the raw body."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = None


def json_reply(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Reply:
    """A JSON reply, encoded as GitHub does (UTF-8)."""
    return Reply(status, json.dumps(payload).encode(), dict(headers or {}), JSON_TYPE)


def error_body(
    status: int,
    message: str,
    documentation_url: str = DOCS_URL,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """GitHub's error body: `message`, `documentation_url`, `status` and optional `errors`."""
    body: dict[str, Any] = {
        "message": message,
        "documentation_url": documentation_url,
        "status": str(status),
    }
    if errors is not None:
        body["errors"] = errors
    return body


def error_reply(
    status: int,
    message: str,
    documentation_url: str = DOCS_URL,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """A JSON error reply shaped like GitHub's (see `error_body`)."""
    return json_reply(status, error_body(status, message, documentation_url, errors), headers)


def already_exists(resource: str, field_name: str, documentation_url: str = DOCS_URL) -> Reply:
    """GitHub's 422 for a unique field taken by another object (a release tag, an asset name)."""
    errors = [{"resource": resource, "code": "already_exists", "field": field_name}]
    return error_reply(422, "Validation Failed", documentation_url, errors)
