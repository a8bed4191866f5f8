"""Bad data stops the real pipeline at validate, says what is wrong, and writes no model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import bake, commit_all, run

pytestmark = pytest.mark.slow

RAW = Path("data/raw/churn.csv")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = bake(tmp_path_factory.mktemp("pristine"))
    commit_all(project)
    return project


def _frame(project: Path) -> pd.DataFrame:
    return pd.read_csv(project / RAW)


def out_of_range(project: Path) -> None:
    frame = _frame(project)
    frame.loc[[0, 1, 2], "tenure_months"] = -5
    frame.loc[[3, 4], "tenure_months"] = 999
    frame.to_csv(project / RAW, index=False)


def unknown_category(project: Path) -> None:
    frame = _frame(project)
    frame.loc[10:13, "contract"] = "monthly"
    frame.to_csv(project / RAW, index=False)


def text_in_numbers(project: Path) -> None:
    frame = _frame(project).astype({"monthly_charges": object})
    frame.loc[[5, 6], "monthly_charges"] = "twelve"
    frame.to_csv(project / RAW, index=False)


def gaps_where_none_allowed(project: Path) -> None:
    frame = _frame(project)
    frame.loc[[7, 8], "contract"] = None
    frame.to_csv(project / RAW, index=False)


def duplicate_ids(project: Path) -> None:
    frame = _frame(project)
    frame.loc[1, "customer_id"] = frame.loc[0, "customer_id"]
    frame.to_csv(project / RAW, index=False)


def missing_column(project: Path) -> None:
    _frame(project).drop(columns=["age"]).to_csv(project / RAW, index=False)


def missing_target(project: Path) -> None:
    _frame(project).drop(columns=["churned"]).to_csv(project / RAW, index=False)


def single_class(project: Path) -> None:
    frame = _frame(project)
    frame["churned"] = "no"
    frame.to_csv(project / RAW, index=False)


def empty_file(project: Path) -> None:
    (project / RAW).write_text("")


def header_only(project: Path) -> None:
    lines = (project / RAW).read_text().splitlines()
    (project / RAW).write_text(lines[0] + "\n")


def duplicate_column_names(project: Path) -> None:
    lines = (project / RAW).read_text().splitlines()
    (project / RAW).write_text("\n".join(line + "," + line.split(",")[2] for line in lines) + "\n")


def not_utf8(project: Path) -> None:
    frame = _frame(project)
    frame.loc[0, "region"] = "sör"
    frame.to_csv(project / RAW, index=False, encoding="latin-1")


def ragged_rows(project: Path) -> None:
    with (project / RAW).open("a") as handle:
        handle.write("C9,2020-01-01,1,one-year,dsl,x,y,1,2,3,4,north,no,EXTRA,MORE\n")


CASES = {
    out_of_range: [
        "column 'tenure_months'  check in_range(0, 150)  5 failing rows  e.g. -5, 999",
    ],
    unknown_category: ["column 'contract'  check isin(", "4 failing rows  e.g. 'monthly'"],
    text_in_numbers: [
        "column 'monthly_charges'  check coerce_dtype('float64')  2 failing rows",
        "'twelve'",
    ],
    gaps_where_none_allowed: ["column 'contract'  check not_nullable  2 failing rows"],
    duplicate_ids: ["column 'customer_id'  check field_uniqueness  2 failing rows"],
    missing_column: ["check column_in_dataframe", "'age'"],
    missing_target: ["the target column 'churned' is missing"],
    single_class: ["the target column 'churned' holds a single class ['no']"],
    empty_file: ["churn.csv: the file is empty"],
    header_only: ["churn.csv: the file has a header but no rows"],
    duplicate_column_names: ["duplicate column names ['tenure_months']"],
    not_utf8: ["churn.csv: not UTF-8 text (byte 0xf6 on line 2)"],
    ragged_rows: ["churn.csv: not a well-formed CSV file", "Expected 13 fields in line 5002"],
}


@pytest.mark.parametrize("breakage", list(CASES), ids=[f.__name__ for f in CASES])
def test_bad_data_stops_at_validate(pristine, tmp_path, breakage):
    project = Path(shutil.copytree(pristine, tmp_path / "project", symlinks=True))
    breakage(project)
    result = run(project, "dvc", "repro", check=False)
    assert result.returncode != 0
    for fragment in CASES[breakage]:
        assert fragment in result.stderr, result.stderr
    assert "Running stage 'prepare'" not in result.stdout
    assert not (project / "models").exists()
    assert not (project / "data" / "interim" / "validated.parquet").exists()
    report = json.loads((project / "reports" / "validation.json").read_text())
    assert report["passed"] is False and report["failures"]
    assert report["error"] in result.stderr
