"""Which hosts get the token and which may serve release assets: pure URL logic, no I/O.

`GITHUB_API_URL` is an input and GitHub Enterprise exists, so the API host is whatever it
says; everything else an API reply names (a pagination link, a redirect) is checked against it.
For github.com the token goes to `api.github.com` and `uploads.github.com` only, and asset
and artifact bytes may come from GitHub's storage hosts too (without the token). For any
other API host (Enterprise, a stand-in) both are that one origin.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urlsplit

GITHUB_API_HOST = "api.github.com"
GITHUB_TOKEN_HOSTS = ("api.github.com", "uploads.github.com")
GITHUB_ASSET_HOSTS = (
    "api.github.com",
    "github.com",
    "objects.githubusercontent.com",
    "release-assets.githubusercontent.com",
)
GITHUB_ARTIFACT_STORAGE = re.compile(r"productionresultssa\d{1,3}\.blob\.core\.windows\.net")
"""Where GitHub's artifact downloads redirect to (Actions' results storage accounts)."""
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Origin(NamedTuple):
    """Scheme, lower-case host and port (the default one filled in)."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        if self.port == _DEFAULT_PORTS[self.scheme]:
            return f"{self.scheme}://{self.host}"
        return f"{self.scheme}://{self.host}:{self.port}"


def origin(url: str) -> Origin | None:
    """The origin of an http(s) URL; None for anything else or anything ambiguous.

    Ambiguous means a URL parsers may read differently: user info (`a@b`), backslashes,
    whitespace or control characters.
    """
    if any(c == "\\" or c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or "@" in parts.netloc or not parts.hostname:
        return None
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        return None
    return Origin(scheme, parts.hostname.lower(), port)


class TrustedHosts:
    """The origins an API URL trusts: with the token, and for asset bytes."""

    def __init__(self, api_url: str) -> None:
        api = origin(api_url)
        if api is None:
            raise ValueError(f"GITHUB_API_URL {api_url!r} is not an http(s) URL")
        self.api = api
        self.github_com = api == Origin("https", GITHUB_API_HOST, 443)
        if self.github_com:
            self.token = frozenset(Origin("https", h, 443) for h in GITHUB_TOKEN_HOSTS)
            self.assets = frozenset(Origin("https", h, 443) for h in GITHUB_ASSET_HOSTS)
        else:
            self.token = self.assets = frozenset({api})

    def sends_token(self, url: str) -> bool:
        """Whether a request to `url` may carry the token."""
        return origin(url) in self.token

    def serves_assets(self, url: str) -> bool:
        """Whether release-asset or run-artifact bytes may be fetched from `url` (without the
        token unless it may)."""
        found = origin(url)
        if found in self.assets:
            return True
        return (
            self.github_com
            and found is not None
            and found.scheme == "https"
            and found.port == 443
            and GITHUB_ARTIFACT_STORAGE.fullmatch(found.host) is not None
        )
