"""Stage `train`: fit the pipeline on the training set, save it safely, record the run.

Writes `models/model.skops` with its SHA-256 beside it, and records an MLflow run with the
parameters, the git commit, the data's hash, the model's hash and the model itself (with its
input signature and an input example); `evaluate` adds the test metrics to that run.
"""

from __future__ import annotations

import json
import time
from importlib.metadata import version
from typing import Any

import pandas as pd

from . import schema
from .features import build_pipeline, features
from .model_io import TRUSTED_TYPES, save_model
from .stage import Paths, StageError, load_params, run_stage
from .tracking import git_commit, use_experiment

RUNTIME_PACKAGES = ("scikit-learn", "skops", "pandas", "numpy", "scipy")


def logged_params(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters that decide the model, flattened to `block.key` names for MLflow."""
    model = params["model"]
    chosen = model.get(model["name"]) or {}
    flat: dict[str, Any] = {"model.name": model["name"], "model.seed": model.get("seed")}
    flat |= {f"model.{model['name']}.{k}": v for k, v in chosen.items()}
    flat |= {f"split.{k}": v for k, v in params.get("split", {}).items()}
    flat |= {f"features.{k}": v for k, v in (params.get("features") or {}).items()}
    return flat


def log_run(paths: Paths, params: dict, model: Any, sample: pd.DataFrame, facts: dict) -> str:
    """Record the run in MLflow; return its id."""
    import mlflow
    from mlflow.models import infer_signature

    use_experiment(paths.root, params.get("tracking") or {})
    with mlflow.start_run(run_name=f"train-{facts['git_commit'][:12]}") as run:
        mlflow.log_params(logged_params(params))
        mlflow.set_tags(
            {
                "mlflow.source.git.commit": facts["git_commit"],
                "git_commit": facts["git_commit"],
                "data_sha256": facts["data_sha256"],
                "model_sha256": facts["model_sha256"],
                "task": schema.TASK,
            }
        )
        mlflow.log_metrics({"train_rows": facts["train_rows"], "fit_seconds": facts["fit_seconds"]})
        mlflow.sklearn.log_model(
            model,
            name="model",
            serialization_format="skops",
            skops_trusted_types=TRUSTED_TYPES,
            signature=infer_signature(sample, model.predict(sample)),
            input_example=sample,
            pip_requirements=[f"{name}=={version(name)}" for name in RUNTIME_PACKAGES],
        )
    return run.info.run_id


def train(paths: Paths) -> None:
    """Run the stage: fit, save with its checksum, record the run in MLflow."""
    params = load_params(paths)
    frame = pd.read_parquet(paths.train)
    x, y = features(frame), frame[schema.TARGET]
    model = build_pipeline(schema.TASK, params)
    started = time.perf_counter()
    try:
        model.fit(x, y)
    except ValueError as err:
        raise StageError(f"training failed: {err}") from err
    fit_seconds = time.perf_counter() - started
    digest = save_model(model, paths.model)
    facts = {
        "git_commit": git_commit(paths.root),
        "data_sha256": json.loads(paths.validation_report.read_text(encoding="utf-8"))[
            "data_sha256"
        ],
        "model_sha256": digest,
        "train_rows": len(frame),
        "fit_seconds": round(fit_seconds, 3),
    }
    # Integer columns are declared as floats in the signature: new data may have gaps.
    sample = x.head(5).astype({c: "float64" for c in x.select_dtypes("integer").columns})
    run_id = log_run(paths, params, model, sample, facts)
    print(
        f"train: {params['model']['name']} on {len(frame):,} rows in {fit_seconds:.1f}s;"
        f" model sha256 {digest[:12]}; MLflow run {run_id}"
    )


if __name__ == "__main__":
    run_stage(train)
