"""Score a file with the model: `predict INPUT [-o OUTPUT] [--model PATH | --release TAG]`.

The model is the local `models/model.skops` by default, or a published release (`--release
latest` for the champion, or a tag), downloaded and checksum-verified by `gitops-ml
fetch-model`. Loading is safe by construction (see `model_io`). The input, CSV or Parquet, is
read in chunks, so memory stays flat however large it is; each chunk is validated against the
schema without the target, and scored. The output (CSV or Parquet, by its extension) holds the
input columns, the prediction, the class probabilities for classification, and the model's
release in a `model_release` column. It is written to a temporary file and renamed at the end,
so a failure leaves no half-written output.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from . import schema
from .features import features
from .model_io import expected_digest, load_model
from .stage import StageError, atomic_write
from .validate import format_failures, summarise_failures

CHUNK_ROWS = 100_000
RELEASES = Path("models") / "releases"


def input_schema() -> pa.DataFrameSchema:
    """The schema of rows to score: no target, and the columns the model ignores optional."""
    scoring = schema.SCHEMA.remove_columns([schema.TARGET])
    optional = {name: {"required": False} for name in schema.EXCLUDED_COLUMNS}
    return scoring.update_columns(optional) if optional else scoring


def fetch_release(tag: str) -> tuple[Path, str, str]:
    """Download a release's model with `gitops-ml fetch-model`; return path, digest, tag."""
    destination = RELEASES / tag
    command = ["gitops-ml", "fetch-model", "--tag", tag, "--dest", str(destination)]
    command += ["--files", "model.skops"]
    try:
        result = subprocess.run(command, capture_output=True, text=True)
    except FileNotFoundError as err:
        raise StageError("gitops-ml is not installed: `make toolkit`, or pass --model") from err
    if result.returncode != 0:
        raise StageError(
            result.stderr.strip() or f"gitops-ml fetch-model exited {result.returncode}"
        )
    released = result.stdout.split(":", 1)[0].strip()
    sums = (destination / "SHA256SUMS").read_text(encoding="utf-8")
    digest = next(line.split()[0] for line in sums.splitlines() if line.endswith("model.skops"))
    return destination / "model.skops", digest, released


def read_chunks(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    """The input in chunks of `rows`; text columns of the schema are read as text."""
    if not path.is_file():
        raise StageError(f"{path}: no such file")
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
            yield batch.to_pandas()
        return
    text = [n for n, c in schema.SCHEMA.columns.items() if str(c.dtype) == "str"]
    header = pd.read_csv(path, nrows=0).columns
    dtypes = {name: "str" for name in text if name in header}
    try:
        yield from pd.read_csv(path, chunksize=rows, dtype=dtypes)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise StageError(f"{path}: not a readable UTF-8 CSV file ({err})") from err


def score(model, chunk: pd.DataFrame, release: str, offset: int, source: Path) -> pd.DataFrame:
    """Validate and score one chunk; rows are numbered from `offset` in messages."""
    try:
        valid = input_schema().validate(chunk, lazy=True)
    except pa.errors.SchemaErrors as err:
        failures = summarise_failures(err)
        first = offset + int(err.failure_cases["index"].dropna().min() or 0)
        raise StageError(
            f"{source}: {len(failures)} check(s) failed in rows {offset:,}-"
            f"{offset + len(chunk) - 1:,} (first failing row {first:,})\n"
            + format_failures(failures)
        ) from err
    out = chunk.copy()
    x = features(valid)
    if schema.TASK == "classification":
        proba = model.predict_proba(x)
        out["prediction"] = model.classes_[proba.argmax(axis=1)]
        for column, label in enumerate(model.classes_):
            out[f"probability_{label}"] = proba[:, column]
    else:
        out["prediction"] = model.predict(x)
    out["model_release"] = release
    return out


def predict(
    source: Path, output: Path, model_path: Path, digest: str | None, release: str, rows: int
) -> int:
    """Score `source` into `output`; return the number of rows scored."""
    model = load_model(model_path, digest)
    parquet = output.suffix.lower() in (".parquet", ".pq")
    done = 0

    def write(tmp: Path) -> None:
        nonlocal done
        writer = None
        try:
            for chunk in read_chunks(source, rows):
                scored = score(model, chunk, release, done, source)
                if parquet:
                    import pyarrow as pa_arrow
                    import pyarrow.parquet as pq

                    table = pa_arrow.Table.from_pandas(scored, preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, table.schema)
                    writer.write_table(table.cast(writer.schema))
                else:
                    scored.to_csv(tmp, mode="a", header=done == 0, index=False, lineterminator="\n")
                done += len(chunk)
        finally:
            if writer is not None:
                writer.close()
        if done == 0:
            raise StageError(f"{source}: no rows to score")

    atomic_write(output, write)
    return done


def main(argv: list[str] | None = None) -> int:
    """The `predict` command."""
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
            model_path, digest, release = fetch_release(args.release)
        else:
            model_path, digest = args.model, None
            release = (
                f"local:{expected_digest(model_path)[:12]}" if model_path.is_file() else "local"
            )
        rows = predict(args.input, output, model_path, digest, release, args.chunk_rows)
    except StageError as err:
        print(f"predict: error: {err}", file=sys.stderr)
        return 1
    print(f"predict: scored {rows:,} rows of {args.input} with {release} into {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
