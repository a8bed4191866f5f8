"""Schema inference: the roles, checks and code the post-generation hook writes."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest
from csv_intake import CsvText, Table, load_table
from messy_data import CLASSES, TARGET, messy_frame
from refresh_churn_schema import SCHEMA as BUNDLED_SCHEMA
from refresh_churn_schema import churn_schema_source
from schema_inference import _widened_range, infer_columns, render_schema_module

MESSY_CSV = messy_frame().to_csv(index=False)


def _table(text: str) -> Table:
    return load_table(CsvText(Path("data.csv"), text, "utf-8", ","))


def _frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


def _load(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "schema.py", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def messy_specs():
    return {s.name: s for s in infer_columns(_table(MESSY_CSV), TARGET, "classification")}


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
    frame = _frame(MESSY_CSV)
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
    frame = _frame(MESSY_CSV)
    table = _table(MESSY_CSV)
    specs = infer_columns(table, TARGET, "classification")
    source = render_schema_module(
        specs, task="classification", target=TARGET, source="data/raw/x.csv", rows=table.rows
    )
    assert table.rows == len(frame) == 600
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
    table = _table(MESSY_CSV)
    source = render_schema_module(
        infer_columns(table, TARGET, "classification"),
        task="classification",
        target=TARGET,
        source="data/raw/x.csv",
        rows=table.rows,
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
    rows = "".join(f"{x}.0,{10 + x * 10}.0\n" for x in range(20))
    target = infer_columns(_table("x,price\n" + rows), "price", "regression")[1]
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
    low, high = _widened_range(values, dtype)
    assert (low, high) == pytest.approx(expected)
    assert low <= min(values) and high >= max(values)


def test_bundled_churn_schema_is_current():
    assert BUNDLED_SCHEMA.read_text(encoding="utf-8") == churn_schema_source(), (
        "the bundled schema.py is stale: run .venv/bin/python tools/refresh_churn_schema.py"
    )


def test_infinite_values_get_no_range():
    """A range from infinite values cannot be computed (and would reject the data's own rows)."""
    specs = infer_columns(_table("x,y\n1.5,a\ninf,b\n-2,a\n"), "y", "classification")
    assert (specs[0].role, specs[0].dtype, specs[0].minimum, specs[0].maximum) == (
        "numeric",
        "float",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (["5", "5"], "constant: a single value (np.int64(5))"),
        (["2.5", "", "2.5"], "constant: a single value (np.float64(2.5))"),
        (["true", "TRUE"], "constant: a single value (np.True_)"),
        # With gaps, validate reads the column as text: the value as written.
        (["true", ""], "constant: a single value ('true')"),
        (["x", "x", "NA"], "constant: a single value ('x')"),
        (["", "NA"], "empty: no values at all"),
    ],
)
def test_constant_and_empty_columns_are_named_as_before(cells, reason):
    """The reasons quote the value as pandas handed it out (numpy scalars), as they always did."""
    text = "c,y\n" + "".join(f"{cell},{i % 2}\n" for i, cell in enumerate(cells))
    assert infer_columns(_table(text), "y", "classification")[0].reason == reason


@pytest.mark.parametrize(
    ("values", "is_date"),
    [
        (["2024-01-05", "2024-1-6", "2024/01/07", "2024.01.08"], True),
        (["01/31/2024", "31/01/2024", "1-5-24", "31.12.99"], True),
        (
            ["2024-01-05 12:30", "2024-01-05T12:30:45.5Z", "2024-01-05 1:30 PM", "5/1/24 07:05"],
            True,
        ),
        (["2024-01-05T12:30:45+02:00", "2024-01-05 12:30:45 UTC", "2024-02-29 00:00"], True),
        (["2024-02-30", "2024-01-05", "2024-01-06", "2024-01-07"], False),  # no 30 February
        (["2024-13-01", "2024-01-05", "2024-01-06", "2024-01-07"], False),  # no month 13
        (["13/13/2024", "2024-01-05", "2024-01-06", "2024-01-07"], False),
        (["2024-01-05 24:00", "2024-01-05", "2024-01-06", "2024-01-07"], False),
        (["2024-01-05 13:30 PM", "2024-01-05", "2024-01-06", "2024-01-07"], False),
        (["2024-01-05 12:30 foo", "2024-01-05", "2024-01-06", "2024-01-07"], False),
    ],
)
def test_dates_are_told_from_date_like_text(values, is_date):
    """The role pandas' `to_datetime(format="mixed")` gave, from the standard library alone."""
    text = "when,y\n" + "".join(f"{v},{i % 2}\n" for i, v in enumerate(values))
    role = infer_columns(_table(text), "y", "classification")[0].role
    assert (role == "date") is is_date
    parsed = pd.to_datetime(pd.Series(values), errors="coerce", format="mixed", utc=True)
    assert bool(parsed.notna().all()) is is_date  # the answer pandas gives
