"""Stage `evaluate`: score the saved model on the test set.

Writes `metrics.json` (classification: accuracy, precision, recall, f1, roc_auc, log_loss,
macro-averaged when there are more than two classes; regression: rmse, mae, r2), the plot
data `dvc plots show` draws, and records the model with its metrics in MLflow
(`gitops_ml.tracking`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from gitops_ml.evaluation import positive_class, roc_points
from gitops_ml.model_files import load_model
from gitops_ml.stage import Paths, load_params, run_stage, write_csv, write_json
from gitops_ml.tracking import record_evaluation
from sklearn import metrics as skm

from . import schema
from .features import TRUSTED_TYPES, feature_columns, features, score

PLOT_ROWS = 5000
"""At most this many test rows go into the predicted-vs-actual scatter plot."""


def _finite_or_none(value: float) -> float | None:
    return round(float(value), 6) if math.isfinite(value) else None


def classification_metrics(
    y_true: pd.Series, proba: np.ndarray, classes: np.ndarray, positive: Any
) -> dict[str, float | None]:
    """Accuracy, precision, recall, f1, ROC AUC and log loss; `positive` is None if multiclass.

    Labels are compared as their positions in `classes` (a label the model never saw becomes
    -1): the same figures as with the labels themselves, but scikit-learn then checks integer
    arrays instead of sorting hundreds of thousands of strings once per metric.
    """
    truth = pd.Categorical(y_true, categories=classes).codes
    predicted = proba.argmax(axis=1)
    labels = np.arange(len(classes))
    if positive is not None:
        column = list(classes).index(positive)
        averaging: dict[str, Any] = {"average": "binary", "pos_label": column}
    else:
        averaging = {"average": "macro"}
    result = {
        "accuracy": skm.accuracy_score(truth, predicted),
        "precision": skm.precision_score(truth, predicted, zero_division=0, **averaging),
        "recall": skm.recall_score(truth, predicted, zero_division=0, **averaging),
        "f1": skm.f1_score(truth, predicted, zero_division=0, **averaging),
    }
    try:
        if positive is not None:
            result["roc_auc"] = skm.roc_auc_score(truth == column, proba[:, column])
        else:
            result["roc_auc"] = skm.roc_auc_score(
                truth, proba, multi_class="ovr", average="macro", labels=labels
            )
    except ValueError as err:  # e.g. a class absent from the test set
        print(f"evaluate: warning: roc_auc not defined here ({err})")
        result["roc_auc"] = math.nan
    result["log_loss"] = skm.log_loss(truth, proba, labels=labels)
    return {name: _finite_or_none(value) for name, value in result.items()}


def regression_metrics(y_true: pd.Series, predicted: np.ndarray) -> dict[str, float | None]:
    """RMSE, MAE and R²."""
    result = {
        "rmse": skm.root_mean_squared_error(y_true, predicted),
        "mae": skm.mean_absolute_error(y_true, predicted),
        "r2": skm.r2_score(y_true, predicted),
    }
    return {name: _finite_or_none(value) for name, value in result.items()}


def evaluate(paths: Paths) -> None:
    """Run the stage: load the verified model, score the test set, write metrics and plots."""
    params = load_params(paths)
    model = load_model(paths.model, TRUSTED_TYPES)
    test = pd.read_parquet(paths.test, columns=feature_columns() + [schema.TARGET])
    y, scored = test[schema.TARGET], score(model, test)
    paths.plots.mkdir(parents=True, exist_ok=True)
    if schema.TASK == "classification":
        classes = model.classes_
        proba = scored[[f"probability_{label}" for label in classes]].to_numpy()
        positive = positive_class(classes, getattr(schema, "POSITIVE_CLASS", None))
        metrics = classification_metrics(y, proba, classes, positive)
        write_csv(paths.plots / "roc.csv", roc_points(y, proba, classes, positive))
        confusion = pd.DataFrame(
            {"actual": y.astype(str), "predicted": scored["prediction"].astype(str)}
        )
        write_csv(paths.plots / "confusion.csv", confusion)
    else:
        predicted = scored["prediction"].to_numpy()
        metrics = regression_metrics(y, predicted)
        scatter = pd.DataFrame(
            {"actual": y, "predicted": predicted.round(6), "residual": (y - predicted).round(6)}
        )
        write_csv(
            paths.plots / "predictions.csv",
            scatter.sample(n=min(PLOT_ROWS, len(scatter)), random_state=0).sort_index(),
        )
    write_json(paths.metrics, metrics)
    shown = ", ".join(f"{k} {v}" for k, v in metrics.items())
    print(f"evaluate: {len(test):,} test rows: {shown}")
    project = (schema.TASK, TRUSTED_TYPES)
    run_id = record_evaluation(paths, params, model, features(test), metrics, project)
    print(f"evaluate: recorded in MLflow run {run_id}")


if __name__ == "__main__":
    run_stage(evaluate)
