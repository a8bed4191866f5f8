"""SHA-256 checksums of release assets, in `sha256sum` format (`SHA256SUMS`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

SUMS_NAME = "SHA256SUMS"


def sha256_file(path: Path) -> str:
    """The SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def render_sums(digests: dict[str, str]) -> str:
    """`SHA256SUMS` text: one `<digest>  <name>` line per file, sorted by name."""
    return "".join(f"{digests[name]}  {name}\n" for name in sorted(digests))


def parse_sums(text: str) -> dict[str, str]:
    """Parse `SHA256SUMS` text (text or binary mode lines); raise ValueError on a bad line.

    A name listed twice is an error: which of its digests holds would be a guess.
    """
    digests: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        digest, _, name = line.partition(" ")
        name = name.strip().lstrip("*")
        if len(digest) != 64 or not name or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"{SUMS_NAME} line {number} is not '<sha256>  <name>': {line!r}")
        if name in digests:
            raise ValueError(f"{SUMS_NAME} line {number} lists {name!r} a second time")
        digests[name] = digest
    return digests


def mismatches(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    """Names whose digest differs or is missing in `actual`, as readable lines."""
    problems = []
    for name, digest in sorted(expected.items()):
        if name not in actual:
            problems.append(f"{name}: missing")
        elif actual[name] != digest:
            problems.append(f"{name}: sha256 {actual[name]} != expected {digest}")
    return problems
