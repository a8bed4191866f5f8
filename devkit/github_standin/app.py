"""The request pipeline: faults, contract checks, authentication, dispatch and the log.

Every request to the API is checked against GitHub's description, and so is every reply;
whatever does not match is recorded in `contract_errors`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

from werkzeug.datastructures import Headers

from .api import Api, Call
from .faults import Fault, FaultQueue
from .replies import Reply, error_reply
from .spec import Contract, ContractRequest, ContractResponse, Route

CONTRACT_MESSAGE = "stand-in: request does not match GitHub's OpenAPI description: "
WRITE, READ = "write", "read"


class LoggedRequest(NamedTuple):
    """One request received: method, path with query, and the status sent (None: dropped)."""

    method: str
    target: str
    status: int | None


class App:
    """Answers requests for `api`, checked against `contract`.

    `token` may do everything, `read_only_token` (a fork's pull request) may only read, and
    requests are made as `user`. `on_request` is called with each logged request.
    """

    def __init__(
        self,
        contract: Contract,
        api: Api,
        token: str,
        read_only_token: str | None,
        user: str,
        on_request: Callable[[LoggedRequest], None],
    ) -> None:
        self.contract = contract
        self.api = api
        self.faults = FaultQueue()
        self.requests: list[LoggedRequest] = []
        self.contract_errors: list[str] = []
        self.lock = api.state.lock
        self._tokens = {token: WRITE}
        if read_only_token:
            self._tokens[read_only_token] = READ
        self._user = user
        self._on_request = on_request

    def respond(
        self, method: str, target: str, headers: Headers, body: bytes, fault: Fault | None
    ) -> Reply:
        """The reply to a complete request; `fault`, if any, replaces normal handling."""
        with self.lock:
            path = urlsplit(target).path
            if self.api.is_download(path):
                reply = fault.reply(time.time()) if fault else self.api.download(target)
            else:
                try:
                    reply = self._api_reply(method, target, headers, body, fault)
                except Exception as error:  # a bug in the stand-in must fail the test, loudly
                    self._violation(method, target, f"stand-in failed: {error!r}")
                    reply = error_reply(500, f"stand-in failed: {error!r}")
            self.log(method, target, reply.status)
            return reply

    def dropped(self, method: str, target: str, headers: Headers, body: bytes) -> None:
        """The connection closed before the whole body arrived (or a drop fault fired).

        An upload cut short leaves a `starter` asset behind, as on GitHub.
        """
        with self.lock:
            url = urlsplit(target)
            found = self.contract.route(method, url.path)
            if found is not None and self._access(headers) == WRITE:
                self.api.abandon_upload(self._call(found, url.query, headers, body))
            self.log(method, target, None)

    def log(self, method: str, target: str, status: int | None) -> None:
        """Record a request and tell `on_request`."""
        entry = LoggedRequest(method, target, status)
        with self.lock:
            self.requests.append(entry)
            self._on_request(entry)

    def _api_reply(
        self, method: str, target: str, headers: Headers, body: bytes, fault: Fault | None
    ) -> Reply:
        request = ContractRequest.build(self.contract.base_url, method, target, headers, body)
        problem = self.contract.check_request(request)
        if problem:
            self._violation(method, target, f"request: {problem}")
        reply = self._decide(method, target, headers, body, fault, problem)
        response = ContractResponse(
            reply.status, reply.body, reply.content_type or "", Headers(list(reply.headers.items()))
        )
        problem = self.contract.check_response(request, response)
        if problem:
            self._violation(method, target, f"response {reply.status}: {problem}")
        return reply

    def _decide(
        self,
        method: str,
        target: str,
        headers: Headers,
        body: bytes,
        fault: Fault | None,
        problem: str | None,
    ) -> Reply:
        if fault is not None:
            return fault.reply(time.time())
        access = self._access(headers)
        if access is None:
            return error_reply(401, "Bad credentials")
        url = urlsplit(target)
        found = self.contract.route(method, url.path)
        if problem or found is None:
            reason = problem or "no operation serves this path"
            return error_reply(422 if found else 404, CONTRACT_MESSAGE + reason)
        route, _ = found
        if access == READ and method.upper() != "GET":
            return error_reply(403, "Resource not accessible by integration", route.docs_url)
        return self.api.handle(self._call(found, url.query, headers, body))

    def _call(
        self, found: tuple[Route, dict[str, str]], query: str, headers: Headers, body: bytes
    ) -> Call:
        route, params = found
        query_params = dict(parse_qsl(query, keep_blank_values=True))
        return Call(route, params, query_params, headers, body, self._user)

    def _access(self, headers: Headers) -> str | None:
        """WRITE, READ, or None for a missing or unknown token (`Bearer` or `token`)."""
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        if scheme.lower() not in ("bearer", "token"):
            return None
        return self._tokens.get(token.strip())

    def _violation(self, method: str, target: str, problem: str) -> None:
        self.contract_errors.append(f"{method} {target}: {problem}")
