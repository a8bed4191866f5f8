"""GitHub's OpenAPI description: loading it, routing by it, and checking traffic against it."""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_document
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_ENV = "GITHUB_OPENAPI_SPEC"
"""Environment variable naming another copy of the description to use."""

DEFAULT_SPEC = Path(__file__).resolve().parent / "openapi" / "openapi-subset.json"
"""GitHub's published description, the subset of endpoints we use (see openapi/README.md)."""

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def spec_path() -> Path:
    """The description in use: `$GITHUB_OPENAPI_SPEC`, else the copy in `openapi/`."""
    return Path(os.environ.get(SPEC_ENV) or DEFAULT_SPEC)


@cache
def _validated_document(path: Path) -> dict[str, Any]:
    """The description at `path`, checked once per process to be valid OpenAPI."""
    document = json.loads(path.read_text(encoding="utf-8"))
    validate_document(document)
    return document


def _served_at(document: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A copy of `document` whose every `servers` entry is `base_url`, and known deviations.

    The one deviation: GitHub reports an asset whose upload was cut short with
    `state: "starter"`, a value the description's `release-asset.state` enum omits.
    """
    served = copy.deepcopy(document)
    servers = [{"url": base_url}]
    served["servers"] = servers
    for item in served["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "servers" in operation:
                operation["servers"] = servers
    state = served["components"]["schemas"]["release-asset"]["properties"]["state"]
    state["enum"] = [*state["enum"], "starter"]
    return served


@dataclass(frozen=True)
class Route:
    """One operation of the description: method, path template and how to match it."""

    method: str
    template: str
    operation_id: str
    docs_url: str
    pattern: re.Pattern[str]
    literals: int

    @classmethod
    def build(cls, method: str, template: str, operation: dict[str, Any]) -> Route:
        """The route of `operation`, served at `template` with `method`."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        return cls(
            method=method.upper(),
            template=template,
            operation_id=operation["operationId"],
            docs_url=operation.get("externalDocs", {}).get("url", ""),
            pattern=re.compile(f"^{regex}$"),
            literals=len(re.findall(r"/[^/{]+(?=/|$)", template)),
        )

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The decoded path parameters when this route serves `method` `path`, else None."""
        found = self.pattern.match(path) if method.upper() == self.method else None
        return None if found is None else {k: unquote(v) for k, v in found.groupdict().items()}


@dataclass
class ContractRequest:
    """A received request in the form openapi-core's `Request` protocol expects."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    content_type: str
    body: bytes | None

    @classmethod
    def build(
        cls, host_url: str, method: str, target: str, headers: Headers, body: bytes
    ) -> ContractRequest:
        """The request `method` `target` (path and query) with `headers` and `body`."""
        url = urlsplit(target)
        parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(url.query, keep_blank_values=True)),
            header=headers,
        )
        content_type = headers.get("Content-Type", "").lower()
        return cls(host_url, url.path, method.lower(), parameters, content_type, body)


@dataclass
class ContractResponse:
    """A reply in the form openapi-core's `Response` protocol expects."""

    status_code: int
    data: bytes | None
    content_type: str
    headers: Headers = field(default_factory=Headers)


def describe(error: BaseException) -> str:
    """A one-line account of an openapi-core validation error: what failed, and where."""
    chain = [error]
    while chain[-1].__cause__ is not None:
        chain.append(chain[-1].__cause__)
    for cause in chain:
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            headline = re.sub(r"(?<!^)(?=[A-Z])", " ", type(error).__name__).capitalize()
            return f"{headline}: " + "; ".join(map(_located, schema_errors))
    parts: list[str] = []
    for cause in chain:
        text = str(cause)
        if not any(text in part for part in parts):
            parts.append(text)
    return "; ".join(parts)


def _located(schema_error: Any) -> str:
    """A jsonschema error, prefixed with where in the document it is (`$.field`)."""
    where = getattr(schema_error, "json_path", "$")
    return schema_error.message if where == "$" else f"{where}: {schema_error.message}"


class Contract:
    """GitHub's description served at `base_url`: routes, request and response checks."""

    def __init__(self, base_url: str, path: Path | None = None) -> None:
        document = _served_at(_validated_document(path or spec_path()), base_url)
        self.base_url = base_url
        self._api = OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))
        self._basic_error = OAS30Validator(document["components"]["schemas"]["basic-error"])
        self.routes = sorted(
            (
                Route.build(method, template, operation)
                for template, item in document["paths"].items()
                for method, operation in item.items()
                if method in METHODS
            ),
            key=lambda route: -route.literals,
        )

    def route(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The operation serving `method` `path` and its path parameters, or None."""
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                return route, params
        return None

    def check_request(self, request: ContractRequest) -> str | None:
        """Why `request` does not match the description, or None when it does."""
        try:
            self._api.validate_request(request)
        except OpenAPIError as error:
            return describe(error)
        return None

    def check_response(self, request: ContractRequest, response: ContractResponse) -> str | None:
        """Why `response` to `request` does not match the description, or None when it does.

        An error status the operation does not list (GitHub sends 401, 403, 429 and 5xx on
        any endpoint), or any error to a request outside the description, is checked against
        GitHub's generic `basic-error` schema instead.
        """
        try:
            self._api.validate_response(request, response)
        except (ResponseNotFound, PathNotFound, OperationNotFound) as error:
            if response.status_code < 400:
                return describe(error)
            return self._check_basic_error(response)
        except OpenAPIError as error:
            return describe(error)
        return None

    def _check_basic_error(self, response: ContractResponse) -> str | None:
        try:
            body = json.loads(response.data or b"")
        except ValueError:
            return f"error status {response.status_code} without a JSON body"
        problems = [error.message for error in self._basic_error.iter_errors(body)]
        return "; ".join(problems) or None
