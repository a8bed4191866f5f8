"""A project's `predict INPUT [-o OUTPUT] [--model PATH | --release TAG]` command.

The model is the local `models/model.skops` by default, or a published release (`--release
latest` for the champion, or a tag), downloaded and checksum-verified (`model_files`). Loading
is safe by construction: checksum first, then only the project's trusted types.

The input, CSV or Parquet, is read in chunks, so memory stays flat however large it is; each
chunk is validated against the schema without the target, and scored. The output (CSV or
Parquet, by its extension) holds the input columns, the prediction, the class probabilities for
classification, and the model's release in a `model_release` column. It is written to a
temporary file and renamed at the end, so a failure leaves no half-written output."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pandera.pandas as pa

from . import csv_dialect
from .model_files import expected_digest, fetch_release, load_model
from .stage import StageError, atomic_write, write_parquet
from .validation import format_failures, summarise_failures, text_dtypes

CHUNK_ROWS = 100_000
RELEASES = Path("models") / "releases"


def input_schema(schema: ModuleType) -> pa.DataFrameSchema:
    """The schema of rows to score: no target, and the columns the model ignores optional."""
    scoring = schema.SCHEMA.remove_columns([schema.TARGET])
    optional = {name: {"required": False} for name in schema.EXCLUDED_COLUMNS}
    return scoring.update_columns(optional) if optional else scoring


def read_chunks(path: Path, rows: int, schema: ModuleType) -> Iterator[pd.DataFrame]:
    """The input in chunks of `rows`, each indexed by its rows' positions in the file (from 0).

    CSV is read as the bake read the project's data (`csv_dialect`): a cp1252, semicolon,
    decimal-comma export scores like the plain file it stands for. Text columns of the schema
    are read as text, so codes like "007" keep their zeros.
    """
    if not path.is_file():
        raise StageError(f"{path}: no such file")
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        start = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
            frame = batch.to_pandas()
            frame.index = pd.RangeIndex(start, start + len(frame))
            start += len(frame)
            yield frame
        return
    dialect = csv_dialect.detect(path)
    if not dialect.is_plain:
        print(f"predict: {path}: {'; '.join(dialect.notes())}", file=sys.stderr)
    try:
        if dialect.is_plain:
            header = pd.read_csv(path, nrows=0).columns.tolist()
            dtypes = text_dtypes(schema.SCHEMA.columns, header)
            yield from pd.read_csv(path, chunksize=rows, dtype=dtypes)
            return
        start = 0
        for chunk_text in csv_dialect.plain_chunks(path, dialect, rows):
            header = pd.read_csv(io.StringIO(chunk_text), nrows=0).columns.tolist()
            dtypes = text_dtypes(schema.SCHEMA.columns, header)
            frame = pd.read_csv(io.StringIO(chunk_text), dtype=dtypes)
            frame.index = pd.RangeIndex(start, start + len(frame))
            start += len(frame)
            yield frame
    except (pd.errors.ParserError, csv.Error) as err:
        raise StageError(f"{path}: not a well-formed CSV file ({err})") from err


def score_chunk(
    model: Any, chunk: pd.DataFrame, release: str, source: Path, project: tuple[ModuleType, ...]
) -> pd.DataFrame:
    """Validate and score one chunk with the project's (`schema`, `features`); its index holds
    the rows' positions for messages."""
    schema, features = project
    try:
        valid = input_schema(schema).validate(chunk, lazy=True)
    except pa.errors.SchemaErrors as err:
        failures = summarise_failures(err)
        rows = err.failure_cases["index"].dropna()
        where = f"rows {chunk.index[0]:,}-{chunk.index[-1]:,}"
        if not rows.empty:
            where += f" (first failing row {int(rows.min()):,})"
        raise StageError(
            f"{source}: {len(failures)} check(s) failed in {where}\n" + format_failures(failures)
        ) from err
    out = pd.concat([chunk, features.score(model, valid)], axis=1)
    out["model_release"] = release
    return out


def predict(
    source: Path,
    output: Path,
    model: tuple[Path, str | None, str],
    project: tuple[ModuleType, ModuleType],
    rows: int = CHUNK_ROWS,
) -> int:
    """Score `source` into `output` with `model` (path, digest or None, release name) and the
    project's (`schema`, `features`); return the number of rows scored."""
    schema, features = project
    model_path, digest, release = model
    loaded = load_model(model_path, features.TRUSTED_TYPES, digest)
    done = 0

    def scored() -> Iterator[pd.DataFrame]:
        nonlocal done
        for chunk in read_chunks(source, rows, schema):
            yield score_chunk(loaded, chunk, release, source, project)
            done += len(chunk)

    def write(tmp: Path) -> None:
        if output.suffix.lower() in (".parquet", ".pq"):
            write_parquet(tmp, scored())
        else:
            for chunk in scored():
                chunk.to_csv(tmp, mode="a", header=done == 0, index=False, lineterminator="\n")
        if done == 0:
            raise StageError(f"{source}: no rows to score")

    atomic_write(output, write)
    return done


def main(argv: list[str] | None, schema: ModuleType, features: ModuleType) -> int:
    """The `predict` command of the project whose `schema` and `features` modules are given."""
    parser = argparse.ArgumentParser(prog="predict", description=__doc__.split("\n\n")[0])
    parser.add_argument("input", type=Path, help="CSV or Parquet file to score")
    parser.add_argument(
        "-o", "--output", type=Path, help="output file (default: <input>.predictions.csv)"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--model", type=Path, default=Path("models/model.skops"), help="local model"
    )
    source.add_argument("--release", help="release tag to score with, or `latest` (the champion)")
    parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS, help="rows per chunk")
    args = parser.parse_args(argv)
    output = args.output or args.input.with_name(args.input.stem + ".predictions.csv")
    try:
        if args.release:
            folder = RELEASES / args.release
            release = fetch_release(args.release, folder, files=("model.skops",))
            model_path = folder / "model.skops"
            digest = expected_digest(model_path)
        else:
            model_path, digest = args.model, None
            release = (
                f"local:{expected_digest(model_path)[:12]}" if model_path.is_file() else "local"
            )
        rows = predict(
            args.input, output, (model_path, digest, release), (schema, features), args.chunk_rows
        )
    except StageError as err:
        print(f"predict: error: {err}", file=sys.stderr)
        return 1
    print(f"predict: scored {rows:,} rows of {args.input} with {release} into {output}")
    return 0
