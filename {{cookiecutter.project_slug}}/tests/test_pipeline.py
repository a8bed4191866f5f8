"""A tiny end-to-end run: every stage on the bundled data, with a small model."""

from __future__ import annotations

import hashlib
import json
import math
import platform
from importlib.metadata import version

from gitops_ml.model_files import expected_digest

from {{ cookiecutter.package_name }}.evaluate import evaluate
from {{ cookiecutter.package_name }}.prepare import prepare
from {{ cookiecutter.package_name }}.schema import TASK
from {{ cookiecutter.package_name }}.train import train
from {{ cookiecutter.package_name }}.validate import validate


def test_stages_run_end_to_end(scratch):
    scratch.uv_lock.write_text("version = 1\n", encoding="utf-8")  # train records its SHA-256
    for stage in (validate, prepare, train, evaluate):
        stage(scratch)
    metrics = json.loads(scratch.metrics.read_text())
    expected = (
        {"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"}
        if TASK == "classification"
        else {"rmse", "mae", "r2"}
    )
    assert set(metrics) == expected
    assert all(value is not None and math.isfinite(value) for value in metrics.values())
    assert (scratch.root / "mlflow.db").exists()
    assert len(expected_digest(scratch.model)) == 64
    assert json.loads(scratch.environment.read_text()) == {
        "python": platform.python_version(),
        "lock_sha256": hashlib.sha256(b"version = 1\n").hexdigest(),
        "packages": {name: version(name) for name in ("scikit-learn", "skops", "pandas", "numpy")},
    }
