"""Which names from a release may become file names: pure checks, no I/O.

Asset names and `SHA256SUMS` entries come from the API, which may be hostile (`GITHUB_API_URL`
is an input). A name becomes a file inside the destination folder, so it must be one plain
name: no folder, no way up, nothing a shell or a log would read differently.
"""

from __future__ import annotations


def unsafe_reason(name: object) -> str | None:
    """Why `name` cannot be a file name in the destination folder, or None when it can."""
    if not isinstance(name, str) or not name:
        return "is not a name"
    if "/" in name or "\\" in name:
        return "holds a path separator"
    if ".." in name:
        return "holds '..'"
    if name == ".":
        return "is '.'"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "holds a control character"
    if len(name.encode("utf-8")) > 255:
        return "is longer than a file name may be"
    return None


def unsafe_names(names: list[object]) -> list[str]:
    """One readable line per name that cannot be a file name (names shown quoted)."""
    return [f"{name!r} {why}" for name in names if (why := unsafe_reason(name)) is not None]
