"""Stage `train`: fit the pipeline on the training set and save it safely.

Writes `models/model.skops` with its SHA-256 beside it, and `models/environment.json`: the
Python version, the SHA-256 of `uv.lock` and the versions of the packages that make the
model. `evaluate` scores it and records it in MLflow, so this stage never imports MLflow.
"""

from __future__ import annotations

import time

import pandas as pd
from gitops_ml.model_files import save_model
from gitops_ml.stage import Paths, StageError, load_params, run_stage, write_json
from gitops_ml.tracking import training_environment

from . import schema
from .features import build_pipeline, feature_columns, features


def train(paths: Paths) -> None:
    """Run the stage: fit, save the model with its checksum and the environment that made it."""
    params = load_params(paths)
    frame = pd.read_parquet(paths.train, columns=feature_columns() + [schema.TARGET])
    x, y = features(frame), frame[schema.TARGET]
    model = build_pipeline(schema.TASK, params)
    started = time.perf_counter()
    try:
        model.fit(x, y)
    except ValueError as err:
        raise StageError(f"training failed: {err}") from err
    fit_seconds = time.perf_counter() - started
    digest = save_model(model, paths.model)
    write_json(paths.environment, training_environment(paths))
    print(
        f"train: {params['model']['name']} on {len(frame):,} rows in {fit_seconds:.1f}s;"
        f" model sha256 {digest[:12]}"
    )


if __name__ == "__main__":
    run_stage(train)
