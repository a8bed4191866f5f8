"""`predict` scores CSV and Parquet in chunks, validates the input, and never half-writes."""

from __future__ import annotations

import pandas as pd
import pytest

from {{ cookiecutter.package_name }} import schema
from {{ cookiecutter.package_name }}.predict import main
from {{ cookiecutter.package_name }}.prepare import prepare
from {{ cookiecutter.package_name }}.train import train
from {{ cookiecutter.package_name }}.validate import validate


@pytest.fixture
def trained(scratch, params, monkeypatch):
    for stage in (validate, prepare, train):
        stage(scratch)
    monkeypatch.chdir(scratch.root)
    rows = pd.read_csv(scratch.root / params["data"]["raw"]).drop(columns=[schema.TARGET])
    return scratch, rows


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_scores_every_row_in_chunks(trained, suffix):
    scratch, rows = trained
    source = scratch.root / f"incoming{suffix}"
    rows.to_csv(source, index=False) if suffix == ".csv" else rows.to_parquet(source)
    output = scratch.root / f"scored{suffix}"
    assert main([str(source), "-o", str(output), "--chunk-rows", "97"]) == 0
    scored = pd.read_csv(output) if suffix == ".csv" else pd.read_parquet(output)
    assert len(scored) == len(rows)
    assert scored["model_release"].str.startswith("local:").all()
    assert scored["prediction"].notna().all()
    if schema.TASK == "classification":
        probabilities = scored.filter(like="probability_")
        assert list(probabilities.columns) == [f"probability_{c}" for c in schema.CLASSES]
        assert (probabilities.sum(axis=1) - 1).abs().max() < 1e-6


def test_bad_rows_are_named_and_nothing_is_written(trained, capsys):
    scratch, rows = trained
    broken = rows.copy()
    column = (schema.NUMERIC_FEATURES or schema.CATEGORICAL_FEATURES)[0]
    broken[column] = broken[column].astype(object)
    broken.loc[150, column] = "not a value"
    source = scratch.root / "incoming.csv"
    broken.to_csv(source, index=False)
    output = scratch.root / "scored.csv"
    assert main([str(source), "-o", str(output), "--chunk-rows", "100"]) == 1
    message = capsys.readouterr().err
    assert f"column {column!r}" in message and "rows 100-199" in message
    assert not output.exists() and list(scratch.root.glob(".scored.csv.*")) == []
