"""validate stops bad data with a message naming the file, column, check and count."""

from __future__ import annotations

import json
import re

import pandas as pd
import pandera.pandas as pa
import pyarrow.parquet as pq
import pytest
from conftest import checked_column, read_raw
from gitops_ml import csv_dialect
from gitops_ml.stage import StageError
from gitops_ml.validation import ValidationFailed, read_csv_checked, validate_csv

from {{ cookiecutter.package_name }} import schema
from {{ cookiecutter.package_name }}.validate import validate

TARGET = {"target": schema.TARGET, "task": schema.TASK}


def _raw(scratch, params):
    return scratch.root / params["data"]["raw"]


def _checked_column() -> tuple[str, tuple[object, object], str]:
    """A column with a value check (a feature's, else the target's, which always has one)."""
    features = schema.NUMERIC_FEATURES + schema.CATEGORICAL_FEATURES
    found = checked_column(features) or checked_column([schema.TARGET])
    assert found is not None, "the target always has a range or a list of classes"
    return found


def test_values_failing_a_check_are_reported(scratch, params):
    column, (bad, _), check = _checked_column()
    frame = read_raw(_raw(scratch, params))
    frame[column] = frame[column].astype(object)
    frame.loc[:2, column] = bad
    frame.to_csv(_raw(scratch, params), index=False)
    with pytest.raises(StageError) as caught:
        validate(scratch)
    message = str(caught.value)
    assert repr(column) in message and check in message and "3 failing rows" in message
    report = json.loads(scratch.validation_report.read_text())
    assert report["passed"] is False
    failure = next(f for f in report["failures"] if f["column"] == column)
    assert failure["failing_rows"] == 3
    assert not scratch.validated.exists()


def test_missing_target_column_is_named(scratch, params):
    frame = read_raw(_raw(scratch, params)).drop(columns=[schema.TARGET])
    frame.to_csv(_raw(scratch, params), index=False)
    with pytest.raises(StageError, match=re.escape(f"target column {schema.TARGET!r} is missing")):
        validate(scratch)
    assert not scratch.validated.exists()


def test_empty_file_is_refused(scratch, params):
    _raw(scratch, params).write_text("")
    with pytest.raises(StageError, match="the file is empty"):
        validate(scratch)


def test_non_utf8_file_is_refused(scratch, params):
    raw = _raw(scratch, params)
    raw.write_bytes(raw.read_bytes() + b"\xff\xfe,\n")
    with pytest.raises(StageError, match="not UTF-8"):
        validate(scratch)


def test_a_spreadsheet_export_is_refused_with_the_command_that_converts_it(scratch, params):
    raw = _raw(scratch, params)
    frame = read_raw(raw)
    # A new export of the data, as a spreadsheet in much of Europe saves CSV.
    frame.to_csv(raw, index=False, sep=";", decimal=",", encoding="utf-8-sig")
    with pytest.raises(StageError) as caught:
        validate(scratch)
    command = f"python -m {csv_dialect.__name__} {raw}"
    assert "semicolon-separated" in str(caught.value) and command in str(caught.value)
    assert not scratch.validated.exists()
    assert csv_dialect.main([str(raw)]) == 0
    validate(scratch)
    pd.testing.assert_frame_equal(pd.read_parquet(scratch.validated), schema.SCHEMA.validate(frame))


def test_valid_data_is_written_with_its_hash(scratch):
    validate(scratch)
    report = json.loads(scratch.validation_report.read_text())
    assert report["passed"] is True and len(report["data_sha256"]) == 64
    assert len(pd.read_parquet(scratch.validated)) == report["rows"]


def _quarter(scratch, params) -> int:
    """A chunk size that splits the project's data into four or five chunks."""
    return max(1, len(read_raw(_raw(scratch, params))) // 4)


def test_streaming_in_chunks_writes_what_one_read_would(scratch, params, tmp_path):
    raw = _raw(scratch, params)
    out = tmp_path / "validated.parquet"
    chunk = _quarter(scratch, params)
    counts = validate_csv(raw, out, schema.SCHEMA, **TARGET, chunk_rows=chunk)
    whole = schema.SCHEMA.validate(read_csv_checked(raw, schema.SCHEMA.columns))
    assert counts["rows"] == len(whole)
    pd.testing.assert_frame_equal(pd.read_parquet(out), whole)
    assert pq.ParquetFile(out).num_row_groups == -(-len(whole) // chunk) >= 4


def test_failures_in_different_chunks_are_counted_together(scratch, params, tmp_path):
    column, (first, last), _ = _checked_column()
    frame = read_raw(_raw(scratch, params))
    frame[column] = frame[column].astype(object)
    frame.loc[0, column] = first
    frame.loc[len(frame) - 1, column] = last
    frame.to_csv(_raw(scratch, params), index=False)
    out = tmp_path / "out" / "validated.parquet"
    chunk = _quarter(scratch, params)
    with pytest.raises(ValidationFailed) as caught:
        validate_csv(_raw(scratch, params), out, schema.SCHEMA, **TARGET, chunk_rows=chunk)
    [failure] = [f for f in caught.value.failures if f["column"] == column]
    assert failure["failing_rows"] == 2
    assert sorted(failure["examples"]) == sorted([first, last])
    assert list(out.parent.iterdir()) == []  # not even a half-written temporary file


def test_duplicates_in_different_chunks_are_found(scratch, params, tmp_path):
    frame = read_raw(_raw(scratch, params))
    frame.insert(0, "row id", range(len(frame)))
    frame.loc[len(frame) - 1, "row id"] = 0  # the first row's id, in the last chunk
    frame.to_csv(_raw(scratch, params), index=False)
    with_ids = schema.SCHEMA.add_columns({"row id": pa.Column(int, unique=True)})
    out = tmp_path / "validated.parquet"
    with pytest.raises(ValidationFailed) as caught:
        raw, rows = _raw(scratch, params), _quarter(scratch, params)
        validate_csv(raw, out, with_ids, **TARGET, chunk_rows=rows)
    assert caught.value.failures == [
        {"column": "row id", "check": "field_uniqueness", "failing_rows": 2, "examples": [0]}
    ]
    assert not out.exists()
