"""Save and load the model safely: skops format, SHA-256 checked, trusted types only.

A pickle or joblib file runs arbitrary code when loaded, so this project never loads one.
skops files are loaded only after their checksum matches, and only if every type inside is
on `TRUSTED_TYPES`, a list kept here in the code, never read from the file itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .stage import StageError, atomic_write, sha256_file

TRUSTED_TYPES = [
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.tree._tree.Tree",
]
"""Types beyond skops' defaults that this project's three model families contain."""

_ZIP_MAGIC = b"PK\x03\x04"


def checksum_path(model_path: Path) -> Path:
    """Where the model's SHA-256 lives: beside it, `<name>.sha256`, in `sha256sum` format."""
    return model_path.with_name(model_path.name + ".sha256")


def save_model(model: Any, path: Path) -> str:
    """Write `model` as skops and its checksum file, both atomically; return the digest."""
    import skops.io as sio

    atomic_write(path, lambda tmp: sio.dump(model, tmp))
    digest = sha256_file(path)
    line = f"{digest}  {path.name}\n"
    atomic_write(checksum_path(path), lambda tmp: tmp.write_text(line, encoding="utf-8"))
    return digest


def expected_digest(path: Path) -> str:
    """The digest recorded for `path`; a missing or malformed checksum file is an error."""
    sums = checksum_path(path)
    try:
        digest, _, name = sums.read_text(encoding="utf-8").strip().partition(" ")
    except FileNotFoundError as err:
        raise StageError(f"{sums}: missing, so {path.name} cannot be verified") from err
    # `sha256sum` writes "<digest>  <name>", or "<digest> *<name>" in binary mode.
    if len(digest) != 64 or name.strip().lstrip("*") != path.name:
        raise StageError(f"{sums}: not a SHA-256 line for {path.name}")
    return digest


def load_model(path: Path, digest: str | None = None) -> Any:
    """Load a skops model after verifying its SHA-256 and that it holds only trusted types.

    `digest` defaults to the one in the `.sha256` file beside the model.
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
    with path.open("rb") as handle:
        if handle.read(4) != _ZIP_MAGIC:
            raise StageError(f"{path}: not a skops file (a pickle?); refusing to load it")
    untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
    if untrusted:
        raise StageError(
            f"{path}: holds types this project does not trust: {untrusted}. If you added them"
            " yourself, review them and add them to TRUSTED_TYPES in model_io.py"
        )
    return sio.load(path, trusted=TRUSTED_TYPES)
