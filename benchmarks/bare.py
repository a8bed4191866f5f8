"""The same work as the baked pipeline, in one process, with no pipeline around it.

Reads the CSV, splits it the same way (`split:` in params.yaml), fits the same scikit-learn
pipeline (the baked project's own `features.build_pipeline`), predicts the test set, computes
the same metrics (the project's own `evaluate` functions, with the positive class and the text
columns as the stages take them from `gitops_ml`) and saves the model with skops. No
validation, no parquet hand-offs, no checksums, no DVC, no MLflow.

Run it with the baked project's `src` on PYTHONPATH and `gitops_ml` installed (run.py does):

    python benchmarks/bare.py --project <baked project> --package churn_model --out <model>

Prints one JSON line: seconds per phase.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any


class _Laps:
    """Seconds between successive marks, each recorded under the name of the phase it ended."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self.mark = time.perf_counter()

    def lap(self, name: str) -> None:
        """Record the seconds since the previous mark as phase `name`; start the next one."""
        now = time.perf_counter()
        self.phases[name] = round(now - self.mark, 3)
        self.mark = now


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--package", required=True)
    parser.add_argument("--csv", type=Path, help="default: data.raw of params.yaml")
    parser.add_argument("--out", type=Path, required=True, help="where to save the model")
    return parser


def _text_dtypes(schema: ModuleType) -> dict[str, str]:
    """The dtypes `read_csv` needs to keep the schema's text columns text (as validate reads)."""
    from gitops_ml.validation import text_dtypes

    return text_dtypes(schema.SCHEMA.columns, list(schema.SCHEMA.columns))


def _stratify(frame: Any, split: dict[str, Any], schema: ModuleType) -> Any:
    """The target to stratify the split by (classification, unless `split:` says not), or None."""
    if schema.TASK == "classification" and split.get("stratify", True):
        return frame[schema.TARGET]
    return None


def _metrics(
    model: Any, test: Any, schema: ModuleType, features: ModuleType, evaluate: ModuleType
) -> dict[str, Any]:
    """Predict the test set and compute the project's own metrics for its task."""
    from gitops_ml.evaluation import positive_class

    x_test, y_test = features.features(test), test[schema.TARGET]
    if schema.TASK == "classification":
        proba = model.predict_proba(x_test)
        classes = model.classes_
        positive = positive_class(classes, getattr(schema, "POSITIVE_CLASS", None))
        return evaluate.classification_metrics(y_test, proba, classes, positive)
    return evaluate.regression_metrics(y_test, model.predict(x_test))


def main(argv: list[str] | None = None) -> int:
    """Do the work phase by phase; print the seconds per phase and the metrics as JSON."""
    args = _parser().parse_args(argv)
    laps = _Laps()

    import pandas as pd
    import skops.io as sio
    import yaml
    from sklearn.model_selection import train_test_split

    schema = importlib.import_module(f"{args.package}.schema")
    features = importlib.import_module(f"{args.package}.features")
    evaluate = importlib.import_module(f"{args.package}.evaluate")
    laps.lap("imports")

    params = yaml.safe_load((args.project / "params.yaml").read_text(encoding="utf-8"))
    csv_path = args.csv or args.project / params["data"]["raw"]
    frame = pd.read_csv(csv_path, dtype=_text_dtypes(schema))
    laps.lap("read_csv")

    frame = frame.dropna(subset=[schema.TARGET])
    split = params["split"]
    train, test = train_test_split(
        frame,
        test_size=split["test_size"],
        random_state=split["seed"],
        stratify=_stratify(frame, split, schema),
    )
    laps.lap("split")

    model = features.build_pipeline(schema.TASK, params)
    model.fit(features.features(train), train[schema.TARGET])
    laps.lap("fit")

    metrics = _metrics(model, test, schema, features, evaluate)
    laps.lap("predict_metrics")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(model, args.out)
    laps.lap("save_model")

    print(json.dumps({"phases": laps.phases, "metrics": metrics}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
