"""`predict` scores CSV and Parquet in chunks, validates the input, and never half-writes.

Sizes, rows and the columns to break come from the project's own schema and data.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import checked_column, read_raw

from {{ cookiecutter.package_name }} import schema
from {{ cookiecutter.package_name }}.predict import main
from {{ cookiecutter.package_name }}.prepare import prepare
from {{ cookiecutter.package_name }}.train import train
from {{ cookiecutter.package_name }}.validate import validate

FEATURES = schema.NUMERIC_FEATURES + schema.CATEGORICAL_FEATURES


@pytest.fixture
def trained(scratch, params, monkeypatch):
    for stage in (validate, prepare, train):
        stage(scratch)
    monkeypatch.chdir(scratch.root)
    rows = read_raw(scratch.root / params["data"]["raw"]).drop(columns=[schema.TARGET])
    return scratch, rows


def _third(rows: pd.DataFrame) -> int:
    """A chunk size that splits the rows into three or four chunks."""
    return max(1, len(rows) // 3)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_scores_every_row_in_chunks(trained, suffix):
    scratch, rows = trained
    source = scratch.root / f"incoming{suffix}"
    rows.to_csv(source, index=False) if suffix == ".csv" else rows.to_parquet(source)
    output = scratch.root / f"scored{suffix}"
    assert main([str(source), "-o", str(output), "--chunk-rows", str(_third(rows))]) == 0
    scored = pd.read_csv(output) if suffix == ".csv" else pd.read_parquet(output)
    assert len(scored) == len(rows)
    assert scored["model_release"].str.startswith("local:").all()
    assert scored["prediction"].notna().all()
    if schema.TASK == "classification":
        probabilities = scored.filter(like="probability_")
        assert list(probabilities.columns) == [f"probability_{c}" for c in schema.CLASSES]
        assert (probabilities.sum(axis=1) - 1).abs().max() < 1e-6


def test_a_spreadsheet_export_of_the_rows_scores_the_same(trained, capsys):
    scratch, rows = trained
    plain, export = scratch.root / "plain.csv", scratch.root / "export.csv"
    rows.to_csv(plain, index=False)
    # As a spreadsheet in much of Europe saves CSV: semicolons and decimal commas.
    rows.to_csv(export, index=False, sep=";", decimal=",", encoding="utf-8-sig")
    assert main([str(plain), "-o", str(scratch.root / "a.csv")]) == 0
    assert main([str(export), "-o", str(scratch.root / "b.csv")]) == 0
    assert "semicolon-separated" in capsys.readouterr().err
    first, second = (pd.read_csv(scratch.root / name) for name in ("a.csv", "b.csv"))
    pd.testing.assert_frame_equal(_scores(first), _scores(second), atol=1e-9)


def _scores(scored: pd.DataFrame) -> pd.DataFrame:
    """The model's numbers: class probabilities, or the predicted values of a regression.

    Not the predicted class: a forest fitted with n_jobs sums its trees in any order, so a
    row whose top two probabilities tie may go either way from one run to the next.
    """
    if schema.TASK == "classification":
        return scored.filter(like="probability_")
    return scored[["prediction"]]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_bad_rows_are_named_and_nothing_is_written(trained, capsys, suffix):
    scratch, rows = trained
    found = checked_column(FEATURES)
    if found is None:
        pytest.skip("no feature of this schema has a range or a list of categories to break")
    column, (bad, _), check = found
    chunk = _third(rows)
    row = chunk + chunk // 2  # in the second chunk
    broken = rows.copy()
    broken[column] = broken[column].astype(object)
    broken.loc[row, column] = bad
    source = scratch.root / f"incoming{suffix}"
    broken.to_csv(source, index=False) if suffix == ".csv" else broken.to_parquet(source)
    output = scratch.root / "scored.csv"
    assert main([str(source), "-o", str(output), "--chunk-rows", str(chunk)]) == 1
    message = capsys.readouterr().err
    assert f"column {column!r}" in message and check in message
    assert f"rows {chunk:,}-{2 * chunk - 1:,} (first failing row {row:,})" in message
    assert not output.exists() and list(scratch.root.glob(".scored.csv.*")) == []


def test_a_missing_column_is_named_without_a_traceback(trained, capsys):
    scratch, rows = trained
    column = FEATURES[-1]
    source = scratch.root / "incoming.csv"
    rows.drop(columns=[column]).to_csv(source, index=False)
    output = scratch.root / "scored.csv"
    assert main([str(source), "-o", str(output)]) == 1
    message = capsys.readouterr().err
    assert f"column {column!r}  check column_in_dataframe  not in the file" in message
    assert "Traceback" not in message and not output.exists()
