"""Schema inference: the roles, checks and code the post-generation hook writes."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest
from csv_intake import CsvText, Table, load_table, read_plain
from messy_data import CLASSES, TARGET, messy_frame
from refresh_churn_schema import SCHEMA as BUNDLED_SCHEMA
from refresh_churn_schema import churn_schema_source
from schema_inference import (
    MIN_ROW_NUMBER_ROWS,
    _widened_range,
    infer_columns,
    render_schema_module,
)

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


# ---------------------------------------------------------------- identifiers


def _specs_of(path: Path, target: str = "y") -> dict:
    table = load_table(read_plain(path))
    return {s.name: s for s in infer_columns(table, target, "classification")}


def _schema_of(path: Path, target: str = "y") -> dict:
    table = load_table(read_plain(path))
    specs = infer_columns(table, target, "classification")
    return _load(
        render_schema_module(
            specs, task="classification", target=target, source="x.csv", rows=table.rows
        )
    )


def _sorted_by_target(rows: int = 60) -> pd.DataFrame:
    """Features with a target, sorted by the target: a saved index then 'predicts' it."""
    frame = pd.DataFrame(
        {
            "age": [20 + i % 7 for i in range(rows)],
            "plan": [["basic", "plus"][i % 2] for i in range(rows)],
            "y": [i % 3 == 0 for i in range(rows)],
        }
    )
    return frame.sort_values("y", kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("save", ["to_csv()", "read and saved again"])
def test_a_saved_row_index_is_an_identifier_not_a_feature(tmp_path, save):
    path = tmp_path / "saved.csv"
    _sorted_by_target().to_csv(path)  # the index, under an empty header
    if save == "read and saved again":
        pd.read_csv(path).to_csv(path, index=False)  # the header is now "Unnamed: 0"
    spec = _specs_of(path)["Unnamed: 0"]
    assert (spec.role, spec.dtype, spec.unique) == ("id", "int", True)
    assert spec.reason == "identifier: an unnamed column, most likely a saved row index"
    schema = _schema_of(path)
    assert schema["NUMERIC_FEATURES"] == ["age"]
    assert schema["EXCLUDED_COLUMNS"] == {"Unnamed: 0": spec.reason}
    frame = pd.read_csv(path)
    assert len(schema["SCHEMA"].validate(frame)) == len(frame)


def _column_file(tmp_path: Path, name: str, cells: list) -> Path:
    path = tmp_path / "data.csv"
    frame = pd.DataFrame({name: cells, "y": [i % 2 for i in range(len(cells))]})
    frame.to_csv(path, index=False)
    return path


ROWS = 40
SHUFFLED = [1001 + (i * 7) % ROWS for i in range(ROWS)]  # 1001..1040, each once, out of order

IDENTIFIERS = {
    "Individual ID": ([f"IND-{i // 2:04d}" for i in range(120)], "the name says ID", False),
    "customerID": ([i // 3 for i in range(ROWS)], "the name says ID", False),
    "userId": ([5, 9, 2, 7] * 10, "the name says ID", False),
    "PassengerId": (list(range(1, ROWS + 1)), "a different value on every row", True),
    "row": (list(range(ROWS)), "consecutive whole numbers, one per row (a row number)", True),
    "n": (SHUFFLED, "consecutive whole numbers, one per row (a row number)", True),
}


@pytest.mark.parametrize("name", list(IDENTIFIERS))
def test_identifiers_are_kept_out_of_the_model(tmp_path, name):
    cells, reason, unique = IDENTIFIERS[name]
    path = _column_file(tmp_path, name, cells)
    spec = _specs_of(path)[name]
    assert (spec.role, spec.reason, spec.unique) == ("id", f"identifier: {reason}", unique)
    schema = _schema_of(path)
    assert schema["NUMERIC_FEATURES"] == schema["CATEGORICAL_FEATURES"] == []
    assert name in schema["EXCLUDED_COLUMNS"]
    frame = pd.read_csv(path)
    assert len(schema["SCHEMA"].validate(frame)) == len(frame)  # repeated IDs are fine


NOT_IDENTIFIERS = {
    "age": [20 + i % 30 for i in range(ROWS)],  # whole numbers that repeat
    "Paid": [i * 3 for i in range(ROWS)],  # ends in "id"; one value per row, but with gaps
    "Valid": [i % 6 for i in range(ROWS)],
    "Humid": [50 + i % 9 for i in range(ROWS)],
    "Acid": [i % 5 for i in range(ROWS)],
    "Squid": [i % 4 for i in range(ROWS)],
    "one_skipped": [*range(1, 20), *range(21, ROWS + 2)],  # whole, unique, but no 20
    "tiny": list(range(MIN_ROW_NUMBER_ROWS - 1)),  # 0..8: too few rows to tell
}


@pytest.mark.parametrize("name", list(NOT_IDENTIFIERS))
def test_numbers_that_are_not_identifiers_stay_features(tmp_path, name):
    spec = _specs_of(_column_file(tmp_path, name, NOT_IDENTIFIERS[name]))[name]
    assert (spec.role, spec.dtype, spec.reason, spec.unique) == ("numeric", "int", "number", False)


def test_row_numbers_with_a_gap_are_a_float_feature(tmp_path):
    """pandas reads 1..n with a missing cell as float; without all its rows it is no row number."""
    cells = [*range(1, 20), None, *range(21, ROWS + 1)]
    spec = _specs_of(_column_file(tmp_path, "n", cells))["n"]
    assert (spec.role, spec.dtype, spec.nullable) == ("numeric", "float", True)


def test_text_codes_with_gaps_are_not_declared_unique(tmp_path):
    """pandera's unique check takes two gaps for a duplicate: the data would fail its schema."""
    codes = [f"C{i:04d}" for i in range(ROWS * 2)]
    codes[3] = codes[5] = ""
    path = _column_file(tmp_path, "code", codes)
    spec = _specs_of(path)["code"]
    assert (spec.role, spec.unique) == ("id", False)
    frame = pd.read_csv(path)
    assert len(_schema_of(path)["SCHEMA"].validate(frame)) == len(frame)
