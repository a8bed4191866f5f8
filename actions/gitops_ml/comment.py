"""One sticky comment per pull request, found by a hidden marker and its author."""

from __future__ import annotations

from collections.abc import Callable

from .github import GitHub


def upsert_comment(
    gh: GitHub,
    number: int,
    body: str,
    marker: str,
    author: str | None,
    log: Callable[[str], None] = print,
) -> tuple[str, dict]:
    """Create the comment, or update the oldest one carrying `marker` (by `author`, if given).

    If a race left several, the oldest is kept and the others are deleted. Returns what was
    done (`created`, `updated` or `unchanged`) and the comment.
    """
    ours = [
        c
        for c in gh.comments(number)
        if marker in (c.get("body") or "")
        and (author is None or (c.get("user") or {}).get("login") == author)
    ]
    ours.sort(key=lambda c: (c.get("created_at", ""), c["id"]))
    if not ours:
        comment = gh.create_comment(number, body)
        log(f"created report comment {comment['id']} on #{number}")
        return "created", comment
    keep, *duplicates = ours
    for duplicate in duplicates:
        gh.delete_comment(duplicate["id"])
        log(f"deleted duplicate report comment {duplicate['id']}")
    if keep.get("body") == body:
        return "unchanged", keep
    comment = gh.update_comment(keep["id"], body)
    log(f"updated report comment {comment['id']} on #{number}")
    return "updated", comment
