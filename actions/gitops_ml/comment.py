"""One sticky comment per issue or pull request, found by its hidden marker and its author.

Several runs may write it at once (two pushes in a row, a re-run), and GitHub has no lock on
a thread, so every run converges on the same comment: the oldest of the author's comments
that start with the marker (by `created_at`, then `id`). A run that finds none creates one,
then lists again, since another run may have created one meanwhile. Every marked comment but
the oldest is deleted, this run's own included, and the oldest gets this run's body.

No run ever deletes the oldest, and every run that lists after it exists keeps it, so
whatever the interleaving, one comment is left, holding the body of the last run to write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .github import GitHub, GitHubError

MAX_ROUNDS = 3
"""Lists of the comments a run makes at most: after creating one, or after the comment it
kept was deleted under it (a person can still delete it)."""


def is_sticky(comment: dict, marker: str, author: str | None) -> bool:
    """Whether `comment` is the sticky one: its body starts with `marker` and (unless `author`
    is None) `author` wrote it. A marker quoted later in a body, or by someone else, is not."""
    login = (comment.get("user") or {}).get("login")
    return (comment.get("body") or "").startswith(marker) and author in (None, login)


def sticky_comments(comments: Iterable[dict], marker: str, author: str | None) -> list[dict]:
    """The sticky comments among `comments`, the oldest first."""
    found = [c for c in comments if is_sticky(c, marker, author)]
    return sorted(found, key=lambda c: (c.get("created_at") or "", c["id"]))


def upsert_comment(
    gh: GitHub,
    number: int,
    body: str,
    marker: str,
    author: str | None,
    log: Callable[[str], None] = print,
) -> tuple[str, dict]:
    """Leave exactly one comment with `marker` by `author` (None: anyone) on #`number`,
    holding `body`; see the module's docstring for how racing runs agree.

    Returns what this run did (`created`, `updated` or `unchanged`) and the comment kept.
    """
    created: dict | None = None
    for _ in range(MAX_ROUNDS):
        ours = sticky_comments(gh.comments(number), marker, author)
        if not ours:
            created = gh.create_comment(number, body)
            log(f"created comment {created['id']} on #{number}")
            continue  # look again: another run may have created one meanwhile
        keep, *duplicates = ours
        for duplicate in duplicates:
            _delete(gh, duplicate, log)
        mine = created is not None and keep["id"] == created["id"]
        if keep.get("body") == body:
            return ("created" if mine else "unchanged"), keep
        try:
            comment = gh.update_comment(keep["id"], body)
        except GitHubError as err:
            if err.status != 404:
                raise
            continue  # deleted under us: look again
        log(f"updated comment {comment['id']} on #{number}")
        return ("created" if mine else "updated"), comment
    raise GitHubError(
        f"keep one comment on #{number}",
        None,
        f"its comments kept changing under {MAX_ROUNDS} looks; run again",
    )


def _delete(gh: GitHub, comment: dict, log: Callable[[str], None]) -> None:
    """Delete a duplicate; one another run deleted first is already gone (404), as wanted."""
    try:
        gh.delete_comment(comment["id"])
    except GitHubError as err:
        if err.status != 404:
            raise
        return
    log(f"deleted duplicate comment {comment['id']}")
