"""Schema inference: the roles, checks and code the post-generation hook writes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from messy_data import CLASSES, TARGET, messy_frame
from refresh_churn_schema import SCHEMA as BUNDLED_SCHEMA
from refresh_churn_schema import churn_schema_source
from schema_inference import _widened_range, infer_columns, render_schema_module


def _load(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "schema.py", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def messy_specs():
    return {s.name: s for s in infer_columns(messy_frame(), TARGET, "classification")}


def test_roles_of_a_messy_frame(messy_specs):
    roles = {name: spec.role for name, spec in messy_specs.items()}
    assert roles == {
        "Customer ID": "id",
        "Signup Date": "date",
        "Annual spend ($)": "numeric",
        "Visits / month": "numeric",
        "Weight (kg)": "numeric",
        "Plan type": "categorical",
        "Support notes": "text",
        TARGET: "target",
    }


def test_checks_of_a_messy_frame(messy_specs):
    frame = messy_frame()
    weight = messy_specs["Weight (kg)"]
    assert weight.dtype == "float" and weight.nullable
    assert weight.minimum < frame["Weight (kg)"].min() < frame["Weight (kg)"].max() < weight.maximum
    visits = messy_specs["Visits / month"]
    assert visits.dtype == "int" and not visits.nullable and visits.minimum == 0
    assert messy_specs["Plan type"].allowed == ["basic", "plus", "premium"]
    assert messy_specs["Plan type"].nullable
    assert messy_specs[TARGET].allowed == sorted(CLASSES) and messy_specs[TARGET].nullable
    assert messy_specs["Customer ID"].unique


def test_rendered_module_validates_its_own_data_and_rejects_bad_rows():
    frame = messy_frame()
    specs = infer_columns(frame, TARGET, "classification")
    source = render_schema_module(
        specs, task="classification", target=TARGET, source="data/raw/x.csv", rows=len(frame)
    )
    module = _load(source)
    assert len(module["SCHEMA"].validate(frame)) == len(frame)
    assert module["CATEGORICAL_FEATURES"] == ["Plan type"]
    assert module["POSITIVE_CLASS"] is None  # three classes: macro averages, no positive class
    bad = frame.copy()
    bad.loc[0, "Plan type"] = "platinum"
    bad.loc[1:3, "Visits / month"] = -1
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        module["SCHEMA"].validate(bad, lazy=True)
    failing = caught.value.failure_cases.groupby("column").size().to_dict()
    assert failing == {"Plan type": 1, "Visits / month": 3}


def test_rendered_module_is_ruff_clean():
    frame = messy_frame()
    source = render_schema_module(
        infer_columns(frame, TARGET, "classification"),
        task="classification",
        target=TARGET,
        source="data/raw/x.csv",
        rows=len(frame),
    )
    ruff = [sys.executable, "-m", "ruff"]
    for args in (
        ["check", "--isolated", "--line-length", "100"],
        ["format", "--check", "--isolated", "--line-length", "100"],
    ):
        result = subprocess.run(
            [*ruff, *args, "--stdin-filename", "schema.py", "-"],
            input=source,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_regression_target_gets_a_range():
    frame = pd.DataFrame({"x": np.arange(20.0), "price": np.linspace(10, 200, 20)})
    target = infer_columns(frame, "price", "regression")[1]
    assert target.role == "target" and target.allowed == []
    assert target.minimum <= 10 and target.maximum >= 200


@pytest.mark.parametrize(
    ("values", "dtype", "expected"),
    [
        ([0, 8], "int", (0, 16)),  # non-negative data keeps a non-negative floor
        ([3, 8], "int", (0, 13)),
        ([-1.5, 2.25], "float", (-6, 6)),
        ([5, 5], "int", (0, 10)),  # a single value still gets a margin
        ([0.001, 0.002], "float", (0.0, 0.003)),
        ([17.67, 8332.74], "float", (0, 17000)),  # wide enough for the 1M-row generator
    ],
)
def test_widened_range_contains_the_data(values, dtype, expected):
    low, high = _widened_range(pd.Series(values), dtype)
    assert (low, high) == pytest.approx(expected)
    assert low <= min(values) and high >= max(values)


def test_bundled_churn_schema_is_current():
    assert BUNDLED_SCHEMA.read_text(encoding="utf-8") == churn_schema_source(), (
        "the bundled schema.py is stale: run .venv/bin/python tools/refresh_churn_schema.py"
    )
