"""What every pipeline stage shares: where files live, params.yaml, errors, safe writes.

A baked project's stages run with `run_stage`, read `params.yaml` with `load_params` and write
every output with `atomic_write` (or `write_json` / `write_csv`), so a stage that fails leaves
the previous output or none, never a half-written one.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

BATCH_ROWS = 200_000
"""Rows gathered and written at a time by `write_rows`."""


class StageError(Exception):
    """Bad input a stage cannot go on with; the message tells the user what to change."""


@dataclass(frozen=True)
class Paths:
    """The files the stages exchange, relative to the project root (where dvc.yaml is)."""

    root: Path

    @property
    def params(self) -> Path:
        return self.root / "params.yaml"

    @property
    def validated(self) -> Path:
        return self.root / "data" / "interim" / "validated.parquet"

    @property
    def validation_report(self) -> Path:
        return self.root / "reports" / "validation.json"

    @property
    def train(self) -> Path:
        return self.root / "data" / "prepared" / "train.parquet"

    @property
    def test(self) -> Path:
        return self.root / "data" / "prepared" / "test.parquet"

    @property
    def model(self) -> Path:
        return self.root / "models" / "model.skops"

    @property
    def environment(self) -> Path:
        """What trained the model: Python, the lock's SHA-256, the key packages' versions."""
        return self.root / "models" / "environment.json"

    @property
    def uv_lock(self) -> Path:
        return self.root / "uv.lock"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics.json"

    @property
    def plots(self) -> Path:
        return self.root / "plots"


def load_params(paths: Paths) -> dict[str, Any]:
    """Read params.yaml; a missing or malformed file is a `StageError`."""
    try:
        params = yaml.safe_load(paths.params.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise StageError(
            f"{paths.params}: not found (run the stage from the project root)"
        ) from err
    except yaml.YAMLError as err:
        raise StageError(f"{paths.params}: not valid YAML ({err})") from err
    if not isinstance(params, dict):
        raise StageError(f"{paths.params}: expected a mapping of blocks (data, split, model, ...)")
    return params


def _umask() -> int:
    """The process's umask (reading it means setting it, so set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` on a temporary file beside `path`, then rename it into place.

    A stage that fails half-way leaves the previous file (or none), never a truncated one.
    The file gets the usual permissions (0644 under the common umask 022), not the 0600 of a
    temporary file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        tmp.chmod(0o666 & ~_umask())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: Path, data: Any) -> None:
    """Write `data` as indented JSON, atomically."""
    text = json.dumps(data, indent=2, sort_keys=False, default=str) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_csv(path: Path, frame: Any) -> None:
    """Write a DataFrame as CSV (no index, `\\n` line ends), atomically."""
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def write_rows(table: Any, rows: Any, path: Path) -> None:
    """Write the Arrow `table`'s rows at positions `rows`, in that order, to `path` (atomically).

    Rows are gathered and written `BATCH_ROWS` at a time, so the copy never holds more than
    one batch beside the table itself.
    """

    import pyarrow.parquet as pq

    def write(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, table.schema) as writer:
            for start in range(0, len(rows), BATCH_ROWS):
                writer.write_table(table.take(rows[start : start + BATCH_ROWS]))

    atomic_write(path, write)


def write_parquet(path: Path, frames: Iterable[Any]) -> None:
    """Write DataFrames one after the other into one Parquet file, with the first one's types
    (a later chunk's all-empty column still gets them)."""
    import pyarrow as arrow
    import pyarrow.parquet as pq

    writer = None
    try:
        for frame in frames:
            schema = writer.schema if writer else None
            table = arrow.Table.from_pandas(frame, preserve_index=False, schema=schema)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def run_stage(main: Callable[[Paths], None]) -> None:
    """Run a stage from the project root; turn a `StageError` into a message and exit 1."""
    try:
        main(Paths(Path()))  # relative paths: messages name files as the user sees them
    except StageError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
