"""Model files: saved reproducibly as skops, checksummed, loaded only when verified and trusted.

A pickle or joblib file runs arbitrary code when loaded, so a project never loads one. skops
files are loaded only after their SHA-256 matches, and only if every type inside is on the
trusted list the project passes in (its `features.TRUSTED_TYPES`), never read from the file.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .checksums import SUMS_NAME, parse_sums, sha256_file
from .stage import StageError, atomic_write

_ZIP_MAGIC = b"PK\x03\x04"
COPY_CHUNK = 1 << 22
"""Bytes copied at a time when rewriting an archive entry."""


def checksum_path(model_path: Path) -> Path:
    """Where the model's SHA-256 lives: beside it, `<name>.sha256`, in `sha256sum` format."""
    return model_path.with_name(model_path.name + ".sha256")


def canonical_skops(source: Path, target: Path) -> None:
    """Copy the skops archive `source` to `target`, byte-for-byte reproducible.

    skops names its entries and references after Python object ids and stamps them with the
    current time, so the same model would get a new checksum on every save. Renumbering both
    in order of appearance and fixing the timestamps makes an identical model give identical
    bytes, so re-running the pipeline on the same commit re-publishes nothing. Entries are
    copied one at a time, so a multi-gigabyte forest is never held in memory twice.
    """
    with (
        zipfile.ZipFile(source) as archive,
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as out,
    ):
        ids: dict[int, int] = {}
        names = archive.namelist()
        files = {name: f"{n:05d}{Path(name).suffix}" for n, name in enumerate(names)}

        def renumber(node: Any) -> Any:
            if isinstance(node, dict):
                renamed = {}
                for key, value in node.items():
                    if key == "__id__" and isinstance(value, int):
                        renamed[key] = ids.setdefault(value, len(ids))
                    elif key == "file" and isinstance(value, str) and value in files:
                        renamed[key] = files[value]
                    else:
                        renamed[key] = renumber(value)
                return renamed
            if isinstance(node, list):
                return [renumber(item) for item in node]
            return node

        schema = renumber(json.loads(archive.read("schema.json")))
        files["schema.json"] = "schema.json"
        for name in names:
            info = zipfile.ZipInfo(files[name], date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            if name == "schema.json":
                out.writestr(info, json.dumps(schema, indent=2).encode())
                continue
            info.file_size = archive.getinfo(name).file_size
            with archive.open(name) as entry, out.open(info, "w") as copy:
                shutil.copyfileobj(entry, copy, COPY_CHUNK)


def save_model(model: Any, path: Path) -> str:
    """Write `model` as skops and its checksum file, both atomically; return the digest."""
    import skops.io as sio

    def write(tmp: Path) -> None:
        raw = tmp.with_name(tmp.name + ".raw")
        try:
            sio.dump(model, raw)
            canonical_skops(raw, tmp)
        finally:
            raw.unlink(missing_ok=True)

    atomic_write(path, write)
    digest = sha256_file(path)
    line = f"{digest}  {path.name}\n"
    atomic_write(checksum_path(path), lambda tmp: tmp.write_text(line, encoding="utf-8"))
    return digest


def read_sums(path: Path) -> dict[str, str]:
    """Name -> SHA-256 of a `sha256sum` file (a model's `.sha256`, a release's `SHA256SUMS`)."""
    try:
        return parse_sums(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise StageError(f"{path}: {err}") from err


def expected_digest(path: Path) -> str:
    """The digest recorded for `path`: in `<name>.sha256` beside it (written by `train`), else
    in the `SHA256SUMS` of a release fetched into its folder. None at all is an error."""
    for sums in (checksum_path(path), path.parent / SUMS_NAME):
        if sums.is_file():
            digest = read_sums(sums).get(path.name)
            if digest is None:
                raise StageError(f"{sums}: lists no SHA-256 for {path.name}")
            return digest
    raise StageError(f"{checksum_path(path)}: missing, so {path.name} cannot be verified")


def fetch_release(tag: str, folder: Path, files: Sequence[str] = ()) -> str:
    """Download release `tag` (`latest`: the champion) into `folder`, every file verified
    against the release's SHA256SUMS; return the release's real tag.

    Needs GITHUB_TOKEN and GITHUB_REPOSITORY (and GITHUB_API_URL off github.com).
    """
    from .context import Context
    from .fetch import FetchError, fetch_release
    from .github import GitHub, GitHubError

    try:
        gh = GitHub.from_context(Context.from_env())
        if gh is None:
            raise StageError(f"fetching {tag} needs GITHUB_TOKEN and GITHUB_REPOSITORY")
        real_tag, _ = fetch_release(gh, tag, list(files) or None, folder)
    except FetchError as err:  # it names the release
        raise StageError(str(err)) from err
    except (GitHubError, ValueError) as err:
        raise StageError(f"fetching release {tag}: {err}") from err
    return real_tag


def _check_skops_archive(path: Path) -> None:
    """Raise StageError unless `path` is a zip archive holding skops' `schema.json`.

    A pickle is no zip; a zip is not necessarily skops: skops itself would fail on either with
    a KeyError or a zip error instead of saying what the file is.
    """
    with path.open("rb") as handle:
        if handle.read(4) != _ZIP_MAGIC:
            raise StageError(f"{path}: not a skops file (a pickle?); refusing to load it")
    try:
        with zipfile.ZipFile(path) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (KeyError, zipfile.BadZipFile, ValueError) as err:
        why = "a zip without skops' schema.json" if isinstance(err, KeyError) else str(err)
        raise StageError(f"{path}: not a skops file ({why}); refusing to load it") from err
    if not isinstance(schema, dict) or not isinstance(schema.get("protocol"), int):
        raise StageError(
            f"{path}: not a skops file (its schema.json is not skops'); refusing to load it"
        )


def load_model(path: Path, trusted: Sequence[str], digest: str | None = None) -> Any:
    """Load a skops model after verifying its SHA-256 and that it holds only `trusted` types
    (beyond skops' own defaults).

    `digest` defaults to the one recorded beside the model (`expected_digest`).
    """
    import skops.io as sio

    if path.suffix in (".pkl", ".pickle", ".joblib"):
        raise StageError(
            f"{path}: pickle/joblib files can run code when loaded; use a .skops model"
        )
    if not path.is_file():
        raise StageError(f"{path}: no such model file (run `dvc repro` first)")
    want = digest or expected_digest(path)
    got = sha256_file(path)
    if got != want:
        raise StageError(f"{path}: SHA-256 mismatch (expected {want}, got {got}); not loading it")
    _check_skops_archive(path)
    try:
        found = sio.get_untrusted_types(file=path)
    except (KeyError, TypeError, ValueError, AttributeError, zipfile.BadZipFile) as err:
        raise StageError(f"{path}: not a skops file ({err}); refusing to load it") from err
    untrusted = [t for t in found if t not in trusted]
    if untrusted:
        raise StageError(
            f"{path}: holds types this project does not trust: {untrusted}. If you added them"
            " yourself, review them and add them to TRUSTED_TYPES in features.py"
        )
    return sio.load(path, trusted=list(trusted))
