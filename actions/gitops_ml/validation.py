"""The `validate` stage: check the raw CSV against the project's schema before anything learns.

On success it writes the typed data to `data/interim/validated.parquet` and a short report to
`reports/validation.json`; the file is streamed in chunks, so memory does not grow with it.
On failure it prints, per failing check, the column, the check, how many rows fail and a few
example values, writes the same to the report, writes no data, and exits non-zero.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pandera.pandas as pa

from . import csv_dialect
from .checksums import sha256_file
from .stage import Paths, StageError, atomic_write, write_json, write_parquet

EXAMPLES = 5
"""How many example failing values to show per check."""

MISSING_COLUMN = "column_in_dataframe"
"""pandera's check that a required column is there."""

CHUNK_ROWS = 200_000
"""Rows read, checked and written at a time by `validate_csv`."""


class ValidationFailed(StageError):
    """The data breaks the schema; `failures` holds one entry per failing check."""

    def __init__(self, message: str, failures: list[dict[str, Any]]):
        super().__init__(message)
        self.failures = failures


def _worst_first(failure: dict[str, Any]) -> tuple[bool, int]:
    """Sort key: missing columns first, then the checks most rows fail."""
    return failure["check"] != MISSING_COLUMN, -failure["failing_rows"]


def _failure(column: str | None, check: str, rows: int, examples: list) -> dict[str, Any]:
    return {"column": column, "check": check, "failing_rows": rows, "examples": examples}


def _not_utf8(path: Path) -> ValidationFailed:
    """Say where the first byte that is not UTF-8 is (only called once decoding failed)."""
    raw = path.read_bytes()
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return ValidationFailed(
            f"{path}: not UTF-8 text (byte {raw[err.start]:#x} on line {line}); save the file"
            f" as UTF-8 (in a spreadsheet: 'CSV UTF-8'), or {_convert(path)}",
            [_failure(None, "utf8_encoding", 1, [f"line {line}"])],
        )
    return ValidationFailed(  # pandas decoded differently; still report it as encoding
        f"{path}: not UTF-8 text; save the file as UTF-8, or {_convert(path)}",
        [_failure(None, "utf8_encoding", 1, [])],
    )


def _convert(path: Path) -> str:
    """How to rewrite a file as the plain CSV `validate` reads."""
    return f"convert it: python -m gitops_ml.csv_dialect {path}"


def _not_comma_separated(path: Path) -> ValidationFailed | None:
    """The refusal of a file written with another delimiter (one column when read with
    commas), or None when commas are its delimiter."""
    dialect = csv_dialect.detect(path)
    if dialect.delimiter == ",":
        return None
    notes = dialect.notes()
    return ValidationFailed(
        f"{path}: {'; '.join(notes)}: the pipeline reads UTF-8, comma-separated CSV with"
        f" decimal points; {_convert(path)}",
        [_failure(None, "comma_separated", 1, notes)],
    )


def _header(path: Path) -> list[str]:
    """The column names: the first line that is not blank ([] when every line is)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for record in csv.reader(handle):
            if any(field.strip() for field in record):
                return record
    return []


def text_dtypes(columns: dict[str, pa.Column], names: list[str]) -> dict[str, str]:
    """`dtype=` for `pandas.read_csv`: the schema's text columns among `names`, read as text,
    so codes like "007" keep their zeros and "true"/"false" with gaps stay as written."""
    return {
        name: "str"
        for name, column in columns.items()
        if isinstance(column.dtype, pa.dtypes.String) and name in names
    }


def _open_checked(path: Path, columns: dict[str, pa.Column]) -> tuple[list[str], dict]:
    """Check what can be checked before parsing: the file, its encoding, its header.

    Returns the column names and the `dtype=` for `pd.read_csv`: columns the schema declares
    as text are read as text, so codes like "007" keep their zeros.
    """
    if not path.is_file():
        raise StageError(f"{path}: no such file")
    try:
        names = _header(path)
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except csv.Error as err:
        raise ValidationFailed(
            f"{path}: not a well-formed CSV file ({err})", [_failure(None, "csv_format", 1, [])]
        ) from err
    if not names:
        raise ValidationFailed(f"{path}: the file is empty", [_failure(None, "not_empty", 0, [])])
    if len(names) == 1 and (refusal := _not_comma_separated(path)):
        raise refusal
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:  # pandas would silently rename them
        raise ValidationFailed(
            f"{path}: duplicate column names {duplicates}; every column needs its own name",
            [_failure(name, "unique_column_name", names.count(name), []) for name in duplicates],
        )
    return names, text_dtypes(columns, names)


@contextmanager
def _parse_errors(path: Path) -> Iterator[None]:
    """Turn what pandas raises on a file it cannot parse into a `ValidationFailed`."""
    try:
        yield
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except (pd.errors.ParserError, ValueError) as err:
        raise ValidationFailed(
            f"{path}: not a well-formed CSV file ({err})", [_failure(None, "csv_format", 1, [])]
        ) from err


def _csv_chunks(path: Path, text: dict, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The CSV parsed straight from the file (parsing a decoded string is four times slower),
    `chunk_rows` rows at a time."""
    with (
        _parse_errors(path),
        pd.read_csv(path, encoding="utf-8-sig", dtype=text, chunksize=chunk_rows) as reader,
    ):
        yield from reader


def read_csv_checked(path: Path, columns: dict[str, pa.Column] | None = None) -> pd.DataFrame:
    """Read a whole CSV, turning every way it can be unusable into a `ValidationFailed`."""
    _, text = _open_checked(path, columns or {})
    with _parse_errors(path):
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=text)
    if frame.empty:
        raise ValidationFailed(
            f"{path}: the file has a header but no rows", [_failure(None, "has_rows", 0, [])]
        )
    return frame


class FailureTally:
    """Failures found chunk by chunk, merged into one entry per (column, check)."""

    def __init__(self) -> None:
        self._merged: dict[tuple[str | None, str], dict[str, Any]] = {}

    def add(self, failures: list[dict[str, Any]]) -> None:
        """Merge `failures` (as `summarise_failures` returns them) into the tally."""
        for failure in failures:
            key = (failure["column"], failure["check"])
            if key not in self._merged:
                self._merged[key] = dict(failure, examples=list(failure["examples"]))
                continue
            merged = self._merged[key]
            merged["failing_rows"] += failure["failing_rows"]
            new = [e for e in failure["examples"] if e not in merged["examples"]]
            merged["examples"] = (merged["examples"] + new)[:EXAMPLES]

    def __bool__(self) -> bool:
        return bool(self._merged)

    def failures(self) -> list[dict[str, Any]]:
        """Every failing check: missing columns, then the checks most rows fail."""
        return sorted(self._merged.values(), key=_worst_first)


def _duplicates(name: str, parts: list[pd.Series]) -> list[dict[str, Any]]:
    """The `field_uniqueness` failure of a column that must be unique, over all chunks."""
    values = pd.concat(parts, ignore_index=True).dropna()
    repeated = values[values.duplicated(keep=False)]
    if repeated.empty:
        return []
    examples = repeated.drop_duplicates().head(EXAMPLES).tolist()
    return [_failure(name, "field_uniqueness", len(repeated), examples)]


@dataclass
class _WholeFile:
    """What `validate_csv` learns about the whole file while it reads it chunk by chunk: the
    counts, the target's classes, the values of columns that must be unique, the failures."""

    path: Path
    names: list[str]
    target: str
    task: str
    unique: list[str]
    tally: FailureTally = field(default_factory=FailureTally)
    classes: set[Any] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    unique_parts: dict[str, list[pd.Series]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.counts = {"rows": 0, "columns": len(self.names), "missing_target": 0, "labelled": 0}
        self.unique_parts = {name: [] for name in self.unique}

    def observe(self, chunk: pd.DataFrame) -> None:
        """Count the chunk's rows and labels; keep its classes and its unique columns' values."""
        self.counts["rows"] += len(chunk)
        if self.target in self.names:
            labels = chunk[self.target].dropna()
            self.counts["labelled"] += len(labels)
            self.counts["missing_target"] += len(chunk) - len(labels)
            if self.task == "classification" and len(self.classes) < 2:
                self.classes.update(labels.unique().tolist())
        for name in self.unique:
            self.unique_parts[name].append(chunk[name].copy())  # not a view of the chunk

    def raise_failures(self) -> None:
        """Raise `ValidationFailed` if the file as a whole, or any chunk, failed a check."""
        path, target, rows = self.path, self.target, self.counts["rows"]
        for name, parts in self.unique_parts.items():
            self.tally.add(_duplicates(name, parts))
        if target not in self.names:
            raise ValidationFailed(
                f"{path}: the target column {target!r} is missing; its columns are"
                f" {self.names[:20]}",
                [_failure(target, "column_in_dataframe", rows, [])],
            )
        if rows == 0:
            raise ValidationFailed(
                f"{path}: the file has a header but no rows", [_failure(None, "has_rows", 0, [])]
            )
        if self.task == "classification" and len(self.classes) < 2:
            seen = sorted(self.classes, key=str)[:1]
            raise ValidationFailed(
                f"{path}: the target column {target!r} holds a single class {seen}; a"
                " classifier needs at least two",
                [_failure(target, "at_least_two_classes", self.counts["labelled"], seen)],
            )
        if failures := self.tally.failures():
            raise ValidationFailed(
                f"{path}: {len(failures)} check(s) failed on {rows:,} rows", failures
            )


def _valid_chunks(
    chunks: Iterator[pd.DataFrame], chunk_schema: pa.DataFrameSchema, whole: _WholeFile
) -> Iterator[pd.DataFrame]:
    """Each chunk checked and typed, while none has failed; after a failure the rest are still
    checked (every failure is reported), but none is worth writing."""
    for chunk in chunks:
        whole.observe(chunk)
        try:
            valid = chunk_schema.validate(chunk, lazy=True)
        except pa.errors.SchemaErrors as err:
            whole.tally.add(summarise_failures(err))
            continue
        if not whole.tally:
            yield valid


def validate_csv(
    path: Path,
    out: Path,
    data_schema: pa.DataFrameSchema,
    *,
    target: str,
    task: str,
    chunk_rows: int = CHUNK_ROWS,
) -> dict[str, Any]:
    """Check the CSV at `path` against `data_schema` (whose `target` column the model learns,
    for `task`) and write the typed rows to `out`.

    The file is read, checked and written `chunk_rows` rows at a time, so memory stays flat
    however large it is; uniqueness and the target's classes are checked over the whole file.
    Every check runs (a failing chunk does not stop the rest from being checked); on any
    failure `ValidationFailed` lists them all and nothing is written. Returns the counts for
    the report: rows, columns, rows without a target value.
    """
    names, text = _open_checked(path, data_schema.columns)
    unique = [n for n, c in data_schema.columns.items() if c.unique and n in names]
    chunk_schema = data_schema.update_columns({n: {"unique": False} for n in unique})
    whole = _WholeFile(path, names, target, task, unique)

    def write(tmp: Path) -> None:
        chunks = _csv_chunks(path, text, chunk_rows)
        write_parquet(tmp, _valid_chunks(chunks, chunk_schema, whole))
        whole.raise_failures()

    atomic_write(out, write)
    return whole.counts


def summarise_failures(error: pa.errors.SchemaErrors) -> list[dict[str, Any]]:
    """Group pandera's failure cases into one entry per (column, check), largest first."""
    cases = error.failure_cases
    # A value that cannot be converted to the column's type also fails the column's dtype and
    # value checks (with a TypeError as the "failure case"): report only the conversion.
    conversion = cases["check"].astype(str).str.startswith("coerce_dtype")
    unconvertible = set(cases.loc[conversion, "column"])
    cases = cases[conversion | ~cases["column"].isin(unconvertible)]
    failures = []
    missing = cases["check"].astype(str) == MISSING_COLUMN  # the column field names the schema
    for name in cases.loc[missing, "failure_case"].drop_duplicates():
        failures.append(_failure(str(name), MISSING_COLUMN, 0, []))
    cases = cases[~missing]
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
        examples = group["failure_case"].dropna().drop_duplicates().head(EXAMPLES).tolist()
        column_name = None if pd.isna(column) else str(column)
        failures.append(_failure(column_name, str(check), len(group), examples))
    failures.sort(key=_worst_first)
    return failures


def format_failures(failures: list[dict[str, Any]]) -> str:
    """The failures as aligned lines: column, check, failing rows, examples."""
    lines = []
    for failure in failures:
        column = "(table)" if failure["column"] is None else repr(failure["column"])
        if failure["check"] == MISSING_COLUMN:
            lines.append(f"  column {column}  check {MISSING_COLUMN}  not in the file")
            continue
        examples = ", ".join(repr(v) for v in failure["examples"])
        lines.append(
            f"  column {column}  check {failure['check']}  {failure['failing_rows']:,} failing"
            f" rows{'  e.g. ' + examples if examples else ''}"
        )
    return "\n".join(lines)


def validate_stage(paths: Paths, raw_name: str, schema: ModuleType) -> None:
    """The stage: check `raw_name` (relative to the project root) against the project's
    `schema` and write the data typed, or write the failure report and raise `StageError`."""
    raw = paths.root / raw_name
    paths.validated.unlink(missing_ok=True)
    try:
        counts = validate_csv(
            raw, paths.validated, schema.SCHEMA, target=schema.TARGET, task=schema.TASK
        )
    except ValidationFailed as err:
        write_json(
            paths.validation_report,
            {
                "passed": False,
                "file": str(raw_name),
                "error": str(err),
                "failures": err.failures,
            },
        )
        report = paths.validation_report.relative_to(paths.root)
        raise StageError(f"{err}\n{format_failures(err.failures)}\nDetails: {report}") from err
    warnings = []
    if counts["missing_target"]:
        warnings.append(
            f"{counts['missing_target']:,} rows have no {schema.TARGET!r}: prepare leaves them out"
        )
    write_json(
        paths.validation_report,
        {
            "passed": True,
            "file": str(raw_name),
            "rows": counts["rows"],
            "columns": counts["columns"],
            "data_sha256": sha256_file(raw),
            "warnings": warnings,
        },
    )
    checked = len(schema.SCHEMA.columns)
    print(f"validate: {raw.name}: {counts['rows']:,} rows passed the checks of {checked} columns")
    for warning in warnings:
        print(f"validate: warning: {warning}")
