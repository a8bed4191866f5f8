"""Other baked projects, run for real: every model family, regression, a messy CSV."""

from __future__ import annotations

import math

import pytest
from conftest import bake, make
from mermaid_checks import mermaid_blocks, parse_failures
from messy_data import CLASSES
from pipeline_checks import assert_model_is_checksummed, metrics_of

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("model", ["gradient_boosting", "linear"])
def test_other_model_families_train_on_churn(tmp_path, model):
    project = bake(tmp_path, model=model)
    make(project, "repro")
    assert metrics_of(project)["roc_auc"] >= 0.80
    assert_model_is_checksummed(project)


def test_diabetes_regression_end_to_end(tmp_path):
    project = bake(tmp_path, task="regression", dataset="diabetes")
    make(project, "repro")
    metrics = metrics_of(project)
    assert set(metrics) == {"rmse", "mae", "r2"}
    assert 0.25 <= metrics["r2"] < 0.8 and 30 < metrics["mae"] < metrics["rmse"] < 75
    scatter = (project / "plots" / "predictions.csv").read_text().splitlines()
    assert scatter[0] == "actual,predicted,residual" and len(scatter) == 90
    make(project, "test")
    # The report draws predicted vs actual (10 groups of test rows); Mermaid's parser takes it.
    report = make(project, "report").stdout
    [chart] = mermaid_blocks(report)
    assert 'title "Predicted vs actual (test set)"' in chart and chart.count("line [") == 2
    assert not parse_failures([chart])


def test_messy_csv_multiclass_end_to_end(tmp_path, messy_answers):
    project = bake(tmp_path, **messy_answers)
    result = make(project, "repro")
    assert "left out 8 rows with no 'Customer segment (label)' value" in result.stdout
    metrics = metrics_of(project)
    assert all(v is not None and math.isfinite(v) for v in metrics.values())
    assert metrics["accuracy"] > 0.5 and metrics["roc_auc"] > 0.75  # chance: 0.33 and 0.5
    confusion = (project / "plots" / "confusion.csv").read_text()
    assert all(label in confusion for label in CLASSES)
    make(project, "test")
    # The report: the micro-averaged ROC curve, and a confusion table naming every class.
    report = make(project, "report").stdout
    assert not parse_failures(mermaid_blocks(report))
    table = report[report.index("|actual ↓ predicted →|") :].split("\n\n")[0]
    assert table.count("\n") == len(CLASSES) + 1
