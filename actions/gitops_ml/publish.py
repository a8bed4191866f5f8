"""Publish a model as a GitHub Release, idempotently.

Order: find the release by its tag in the paginated list (a draft is not found by tag), else
create it as a draft; upload what is missing, replacing assets not in state `uploaded` or whose
digest differs; upload SHA256SUMS last; verify every asset's digest; only then publish it in one
update. A re-run finishes a half-made release; a complete one is left untouched; a published
release whose files differ from the local ones is an error, never overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .checksums import SUMS_NAME
from .github import GitHub, GitHubError

UPLOAD_TRIES = 3


class PublishError(Exception):
    """Publishing cannot go on safely; the message says why."""


def release_tag(date: str, sha: str) -> str:
    """`model-<yyyymmdd>-<short sha>` for the commit's date."""
    return f"model-{date}-{sha[:7]}"


def _matches(asset: dict | None, digest: str) -> bool:
    return (
        bool(asset) and asset["state"] == "uploaded" and asset.get("digest") == f"sha256:{digest}"
    )


def find_or_create_draft(
    gh: GitHub, tag: str, sha: str, body: str, log: Callable[[str], None]
) -> tuple[dict, bool]:
    """The release with `tag` (draft or not), created as a draft if there is none; and
    whether it was created now."""
    release = gh.release_by_tag(tag)
    if release is not None:
        log(f"found release {tag} ({'draft' if release['draft'] else 'published'})")
        return release, False
    try:
        release = gh.create_release(
            tag_name=tag, target_commitish=sha, name=tag, body=body, draft=True
        )
    except GitHubError as err:
        if not err.has_code("already_exists"):
            raise
        # Another run created it between our listing and our creation: use theirs.
        release = gh.release_by_tag(tag)
        if release is None:
            raise
    log(f"created draft release {tag}")
    return release, True


def upload(gh: GitHub, release: dict, path: Path, name: str, log: Callable[[str], None]) -> None:
    """Upload one asset; after a dropped or conflicting upload, delete the leftover and retry."""
    for attempt in range(1, UPLOAD_TRIES + 1):
        try:
            gh.upload_asset(release, path, name)
            log(f"uploaded {name}")
            return
        except GitHubError as err:
            retryable = err.status is None or err.has_code("already_exists")
            if not retryable or attempt == UPLOAD_TRIES:
                raise
            for leftover in [a for a in gh.assets(release["id"]) if a["name"] == name]:
                log(f"removing incomplete asset {name} (state {leftover['state']})")
                gh.delete_asset(leftover)


def publish(
    gh: GitHub,
    *,
    tag: str,
    sha: str,
    files: dict[str, Path],
    digests: dict[str, str],
    body: str,
    log: Callable[[str], None] = print,
) -> tuple[dict, bool]:
    """Make the release complete and published; return it and whether anything was written.

    `files` maps asset names to local paths and must include SHA256SUMS; `digests` maps every
    name to its SHA-256.
    """
    release, wrote = find_or_create_draft(gh, tag, sha, body, log)
    existing = {a["name"]: a for a in gh.assets(release["id"])}
    order = [n for n in files if n != SUMS_NAME] + [SUMS_NAME]
    stale = [n for n in order if not _matches(existing.get(n), digests[n])]
    if not release["draft"] and stale:
        raise PublishError(
            f"release {tag} is already published but its asset(s) {stale} differ from the local"
            " files (or are missing); refusing to overwrite a published model. Investigate, or"
            " delete the release to publish again."
        )
    for name in stale:
        if name in existing:
            old = existing[name]
            log(f"replacing {name} (state {old['state']}, digest {old.get('digest')})")
            gh.delete_asset(old)
        upload(gh, release, files[name], name, log)
        wrote = True
    final = {a["name"]: a for a in gh.assets(release["id"])}
    wrong = [n for n in order if not _matches(final.get(n), digests[n])]
    if wrong:
        raise PublishError(
            f"release {tag}: asset(s) {wrong} do not match after upload; left as a draft"
        )
    if release["draft"]:
        release = gh.update_release(release["id"], draft=False, make_latest="true")
        log(f"published {tag} and marked it latest")
        wrote = True
    elif not wrote:
        log(f"release {tag} is already complete: nothing to do")
    return release, wrote
