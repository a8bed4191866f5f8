"""Stage `validate`: check the raw CSV against the schema before anything learns from it.

On success it writes the typed data to `data/interim/validated.parquet` and a short report to
`reports/validation.json`. On failure it prints, per failing check, the column, the check, how
many rows fail and a few example values, writes the same to the report, writes no data, and
exits non-zero.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from . import schema
from .stage import Paths, StageError, atomic_write, load_params, run_stage, sha256_file, write_json

EXAMPLES = 5
"""How many example failing values to show per check."""


class ValidationFailed(StageError):
    """The data breaks the schema; `failures` holds one entry per failing check."""

    def __init__(self, message: str, failures: list[dict[str, Any]]):
        super().__init__(message)
        self.failures = failures


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
            " as UTF-8 (in a spreadsheet: 'CSV UTF-8')",
            [_failure(None, "utf8_encoding", 1, [f"line {line}"])],
        )
    return ValidationFailed(  # pandas decoded differently; still report it as encoding
        f"{path}: not UTF-8 text; save the file as UTF-8",
        [_failure(None, "utf8_encoding", 1, [])],
    )


def _header(path: Path) -> list[str]:
    """The column names: the first line that is not blank ([] when every line is)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for record in csv.reader(handle):
            if any(field.strip() for field in record):
                return record
    return []


def read_csv_checked(path: Path, columns: dict[str, pa.Column] | None = None) -> pd.DataFrame:
    """Read a CSV, turning every way it can be unusable into a `ValidationFailed`.

    Columns the schema declares as text are read as text, so codes like "007" keep their zeros.
    pandas parses straight from the file (parsing from a decoded string is four times slower
    and holds the whole text in memory); only the header is read separately, to catch
    duplicate names that pandas would silently rename.
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
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValidationFailed(
            f"{path}: duplicate column names {duplicates}; every column needs its own name",
            [_failure(name, "unique_column_name", names.count(name), []) for name in duplicates],
        )
    text_columns = {
        name: "str"
        for name, column in (columns or {}).items()
        if str(column.dtype) == "str" and name in names
    }
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=text_columns)
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except (pd.errors.ParserError, ValueError) as err:
        raise ValidationFailed(
            f"{path}: not a well-formed CSV file ({err})", [_failure(None, "csv_format", 1, [])]
        ) from err
    if frame.empty:
        raise ValidationFailed(
            f"{path}: the file has a header but no rows", [_failure(None, "has_rows", 0, [])]
        )
    return frame


def check_target(frame: pd.DataFrame, path: Path) -> None:
    """The target must be there and, for classification, hold at least two classes."""
    if schema.TARGET not in frame.columns:
        raise ValidationFailed(
            f"{path}: the target column {schema.TARGET!r} is missing; its columns are"
            f" {list(frame.columns)[:20]}",
            [_failure(schema.TARGET, "column_in_dataframe", len(frame), [])],
        )
    values = frame[schema.TARGET].dropna()
    if schema.TASK == "classification" and values.nunique() < 2:
        seen = values.unique().tolist()[:1]
        raise ValidationFailed(
            f"{path}: the target column {schema.TARGET!r} holds a single class {seen}; a"
            " classifier needs at least two",
            [_failure(schema.TARGET, "at_least_two_classes", len(values), seen)],
        )


def summarise_failures(error: pa.errors.SchemaErrors) -> list[dict[str, Any]]:
    """Group pandera's failure cases into one entry per (column, check), largest first."""
    cases = error.failure_cases
    # A value that cannot be converted to the column's type also fails the column's dtype and
    # value checks (with a TypeError as the "failure case"): report only the conversion.
    conversion = cases["check"].astype(str).str.startswith("coerce_dtype")
    unconvertible = set(cases.loc[conversion, "column"])
    cases = cases[conversion | ~cases["column"].isin(unconvertible)]
    failures = []
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
        examples = group["failure_case"].dropna().drop_duplicates().head(EXAMPLES).tolist()
        column_name = None if pd.isna(column) else str(column)
        failures.append(_failure(column_name, str(check), len(group), examples))
    failures.sort(key=lambda f: -f["failing_rows"])
    return failures


def validate_frame(
    frame: pd.DataFrame, path: Path, data_schema: pa.DataFrameSchema
) -> pd.DataFrame:
    """Validate `frame` lazily (every check runs); raise `ValidationFailed` listing all failures."""
    try:
        return data_schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        failures = summarise_failures(err)
        raise ValidationFailed(
            f"{path}: {len(failures)} check(s) failed on {len(frame):,} rows", failures
        ) from err


def format_failures(failures: list[dict[str, Any]]) -> str:
    """The failures as aligned lines: column, check, failing rows, examples."""
    lines = []
    for failure in failures:
        column = "(table)" if failure["column"] is None else repr(failure["column"])
        examples = ", ".join(repr(v) for v in failure["examples"])
        lines.append(
            f"  column {column}  check {failure['check']}  {failure['failing_rows']:,} failing"
            f" rows{'  e.g. ' + examples if examples else ''}"
        )
    return "\n".join(lines)


def validate(paths: Paths) -> None:
    """Run the stage: read, check, and write the validated data or the failure report."""
    params = load_params(paths)
    raw = paths.root / params["data"]["raw"]
    paths.validated.unlink(missing_ok=True)
    try:
        frame = read_csv_checked(raw, schema.SCHEMA.columns)
        check_target(frame, raw)
        valid = validate_frame(frame, raw, schema.SCHEMA)
    except ValidationFailed as err:
        write_json(
            paths.validation_report,
            {
                "passed": False,
                "file": str(params["data"]["raw"]),
                "error": str(err),
                "failures": err.failures,
            },
        )
        report = paths.validation_report.relative_to(paths.root)
        raise StageError(f"{err}\n{format_failures(err.failures)}\nDetails: {report}") from err
    missing_target = int(valid[schema.TARGET].isna().sum())
    warnings = []
    if missing_target:
        warnings.append(
            f"{missing_target:,} rows have no {schema.TARGET!r}: prepare leaves them out"
        )
    atomic_write(paths.validated, lambda tmp: valid.to_parquet(tmp, index=False))
    write_json(
        paths.validation_report,
        {
            "passed": True,
            "file": str(params["data"]["raw"]),
            "rows": len(valid),
            "columns": len(valid.columns),
            "data_sha256": sha256_file(raw),
            "warnings": warnings,
        },
    )
    checked = len(schema.SCHEMA.columns)
    print(f"validate: {raw.name}: {len(valid):,} rows passed the checks of {checked} columns")
    for warning in warnings:
        print(f"validate: warning: {warning}")


if __name__ == "__main__":
    run_stage(validate)
