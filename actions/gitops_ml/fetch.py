"""Download a model release's files and verify them against its SHA256SUMS.

Nothing the API says is trusted unchecked: every name must be one plain file name and an asset
of the release, before any byte is written; files are downloaded into a staging folder beside
the destination and renamed into place only once every checksum matches.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from .checksums import SUMS_NAME, mismatches, parse_sums, sha256_file
from .file_names import unsafe_names
from .github import GitHub, GitHubError

SUMS_MAX_SIZE = 1 << 20
"""The largest SHA256SUMS read (it lists a handful of files; 1 MiB is plenty)."""

STAGING_PREFIX = ".gitops-ml-fetch-"
_TAG = re.compile(r"[^\s\x00-\x1f\x7f]+")


class FetchError(Exception):
    """The release or its files cannot be trusted or found; nothing was written."""


def find_release(gh: GitHub, tag: str) -> dict | None:
    """The champion (`latest`) or the published release with this tag; None if there is none."""
    if tag in ("", "latest"):
        return gh.latest_release()
    return gh.published_release_by_tag(tag)


def fetch_release(
    gh: GitHub, tag: str, names: list[str] | None, destination: Path
) -> tuple[str, dict[str, Path]]:
    """Fetch the champion (`latest`) or release `tag` into `destination` as `fetch_files` does;
    return the release's real tag and each file's path."""
    release = find_release(gh, tag)
    if release is None:
        latest = tag in ("", "latest")
        raise FetchError("no champion release yet" if latest else f"no published release {tag}")
    return release["tag_name"], fetch_files(gh, release, names, destination)


def _release_tag(release: dict) -> str:
    tag, release_id = release.get("tag_name"), release.get("id")
    if not isinstance(tag, str) or not _TAG.fullmatch(tag) or type(release_id) is not int:
        raise FetchError("the release's tag_name or id is malformed: refusing it")
    return tag


def _assets_by_name(assets: list, tag: str) -> dict[str, dict]:
    """The release's assets by name; a name listed twice makes the release ambiguous."""
    by_name: dict[str, dict] = {}
    for asset in assets:
        name = asset.get("name") if isinstance(asset, dict) else None
        if not isinstance(name, str):
            raise FetchError(f"release {tag}: an asset without a name")
        if name in by_name:
            raise FetchError(f"release {tag}: two assets named {name!r}")
        by_name[name] = asset
    return by_name


def _check_names(tag: str, names: list[str], assets: dict[str, dict], where: str) -> None:
    unsafe = unsafe_names(list(names))
    if unsafe:
        raise FetchError(f"release {tag}: refusing {where}: {'; '.join(unsafe)}")
    missing = [n for n in names if n not in assets]
    if missing:
        raise FetchError(f"release {tag}: {missing} not assets of the release")
    unfinished = [n for n in names if assets[n].get("state") != "uploaded"]
    if unfinished:
        raise FetchError(f"release {tag}: asset(s) {unfinished} not completely uploaded")


def fetch_files(
    gh: GitHub, release: dict, names: list[str] | None, destination: Path
) -> dict[str, Path]:
    """Download `names` (default: every file SHA256SUMS lists) into `destination`, verified.

    Returns each name's path, SHA256SUMS included. On any failure nothing is left in
    `destination` (and a folder that did not exist is not created).
    """
    tag = _release_tag(release)
    if destination.exists() and not destination.is_dir():
        raise FetchError(f"{destination} exists and is not a folder")
    assets = _assets_by_name(gh.assets(release["id"]), tag)
    if names:
        _check_names(tag, names, assets, "the names asked for")
    if SUMS_NAME not in assets:
        raise FetchError(f"release {tag} has no {SUMS_NAME}: its files cannot be verified")
    sums = gh.read_asset(assets[SUMS_NAME], max_size=SUMS_MAX_SIZE)
    try:
        expected = parse_sums(sums.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise FetchError(f"release {tag}: {SUMS_NAME} is malformed: {err}") from err
    # SHA256SUMS is always placed, once; a name asked for twice is fetched once.
    wanted = [n for n in dict.fromkeys(names or sorted(expected)) if n != SUMS_NAME]
    if not names:
        _check_names(tag, wanted, assets, f"names listed in {SUMS_NAME}")
    unlisted = [n for n in wanted if n not in expected]
    if unlisted:
        raise FetchError(f"release {tag}: {unlisted} not listed in {SUMS_NAME}")
    blocked = [n for n in [*wanted, SUMS_NAME] if (destination / n).is_dir()]
    if blocked:
        raise FetchError(f"{destination}: {blocked} are folders; not replacing them")
    destination.parent.mkdir(parents=True, exist_ok=True)
    # Beside the destination, so that moving a verified file into place is a rename.
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=destination.parent))
    try:
        _download_verified(gh, tag, {n: assets[n] for n in wanted}, expected, staging)
        (staging / SUMS_NAME).write_bytes(sums)
        destination.mkdir(exist_ok=True)
        placed = {}
        for name in [*wanted, SUMS_NAME]:
            os.replace(staging / name, destination / name)
            placed[name] = destination / name
        return placed
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _download_verified(
    gh: GitHub, tag: str, assets: dict[str, dict], expected: dict[str, str], staging: Path
) -> None:
    """Download each asset into `staging` and check every digest; raise FetchError if any fails."""
    for name, asset in assets.items():
        try:
            gh.download_asset(asset, staging / name)
        except GitHubError as err:
            raise FetchError(f"release {tag}: {err}") from err
    actual = {name: sha256_file(staging / name) for name in assets}
    problems = mismatches({n: expected[n] for n in assets}, actual)
    if problems:
        raise FetchError(f"release {tag}: checksum mismatch: {'; '.join(problems)}")
