"""Shared fixtures: a scratch copy of the project (params.yaml and raw data) to run stages in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }}.stage import Paths

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
