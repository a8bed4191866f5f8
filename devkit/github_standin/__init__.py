"""A local stand-in of GitHub's REST API for tests and demos.

Every request and reply is checked against GitHub's published OpenAPI description
(`github_standin/openapi/openapi-subset.json`, or `$GITHUB_OPENAPI_SPEC`)::

    with GitHubStandIn(token="t", read_only_token="r") as github:
        github.inject("POST", r"/releases$", Fault.status(502))
        ...  # point the code under test at github.base_url
        github.assert_contract()
"""

from .app import LoggedRequest
from .faults import Fault
from .standin import GitHubStandIn, serve

__all__ = ["Fault", "GitHubStandIn", "LoggedRequest", "serve"]
