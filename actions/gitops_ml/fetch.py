"""Download a model release's files and verify them against its SHA256SUMS."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .checksums import SUMS_NAME, mismatches, parse_sums, sha256_file
from .github import GitHub


class FetchError(Exception):
    """The release or its files cannot be trusted or found; nothing was written."""


def find_release(gh: GitHub, tag: str) -> dict | None:
    """The champion (`latest`) or the published release with this tag; None if there is none."""
    if tag in ("", "latest"):
        return gh.latest_release()
    return gh.published_release_by_tag(tag)


def fetch_files(
    gh: GitHub, release: dict, names: list[str] | None, destination: Path
) -> dict[str, Path]:
    """Download `names` (default: every file SHA256SUMS lists) into `destination`, verified.

    Files are downloaded to a temporary folder and moved into place only when every checksum
    matches, so a tampered or truncated release leaves nothing behind.
    """
    assets = {asset["name"]: asset for asset in gh.assets(release["id"])}
    tag = release["tag_name"]
    if SUMS_NAME not in assets:
        raise FetchError(f"release {tag} has no {SUMS_NAME}: its files cannot be verified")
    with tempfile.TemporaryDirectory(prefix="gitops-ml-") as tmp:
        staging = Path(tmp)
        gh.download_asset(assets[SUMS_NAME], staging / SUMS_NAME)
        try:
            expected = parse_sums((staging / SUMS_NAME).read_text(encoding="utf-8"))
        except ValueError as err:
            raise FetchError(f"release {tag}: {err}") from err
        wanted = names or sorted(expected)
        unlisted = [n for n in wanted if n not in expected]
        if unlisted:
            raise FetchError(f"release {tag}: {unlisted} not listed in {SUMS_NAME}")
        missing = [n for n in wanted if n not in assets]
        if missing:
            raise FetchError(f"release {tag}: asset(s) {missing} missing")
        for name in wanted:
            gh.download_asset(assets[name], staging / name)
        actual = {name: sha256_file(staging / name) for name in wanted}
        problems = mismatches({n: expected[n] for n in wanted}, actual)
        if problems:
            raise FetchError(f"release {tag}: checksum mismatch: {'; '.join(problems)}")
        destination.mkdir(parents=True, exist_ok=True)
        placed = {}
        for name in [*wanted, SUMS_NAME]:
            placed[name] = Path(shutil.move(staging / name, destination / name))
    return placed
