"""Shared fixtures: a scratch copy of the project (params.yaml and raw data) to run stages in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from gitops_ml.stage import Paths
from gitops_ml.validation import read_csv_checked

from {{ cookiecutter.package_name }} import schema

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project_root() -> Path:
    """The project folder (where dvc.yaml is)."""
    return PROJECT


@pytest.fixture
def params() -> dict:
    """The project's params.yaml."""
    return yaml.safe_load((PROJECT / "params.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def scratch(tmp_path: Path, params: dict, monkeypatch: pytest.MonkeyPatch) -> Paths:
    """A scratch project root holding params.yaml and a copy of the raw data.

    Model sizes are cut down so the end-to-end test stays quick, and MLflow records to a
    store inside the scratch folder, never to the project's own.
    """
    raw = tmp_path / params["data"]["raw"]
    raw.parent.mkdir(parents=True)
    shutil.copyfile(PROJECT / params["data"]["raw"], raw)
    params["model"]["random_forest"]["n_estimators"] = 20
    params["model"]["gradient_boosting"]["max_iter"] = 20
    params["tracking"] = {"uri": "", "experiment": "tests"}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return Paths(tmp_path)


def read_raw(path: Path) -> pd.DataFrame:
    """A CSV read as `validate` reads it: text columns as written ("007", "true" stay)."""
    return read_csv_checked(path, schema.SCHEMA.columns)


def checked_column(names: list[str]) -> tuple[str, tuple[object, object], str] | None:
    """The first of `names` with a value check, two values that fail it, and the check's name.

    The tests break the project's own schema, whatever its columns: numbers far outside a
    column's range, or categories that are not in its list.
    """
    for name in names:
        for check in schema.SCHEMA.columns[name].checks:
            if check.name == "in_range":
                low, high = check.statistics["min_value"], check.statistics["max_value"]
                far = 1000 * (abs(low) + abs(high)) + 10**6
                return name, (int(high + far), int(low - far)), "in_range"
            if check.name == "isin":
                return name, ("not one of the categories", "nor this one"), "isin"
    return None
