"""The same work as the baked pipeline, in one process, with no pipeline around it.

Reads the CSV, splits it the same way (`split:` in params.yaml), fits the same scikit-learn
pipeline (the baked project's own `features.build_pipeline`), predicts the test set, computes
the same metrics (the project's own `evaluate` functions) and saves the model with skops.
No validation, no parquet hand-offs, no checksums, no DVC, no MLflow.

Run it with the baked project's `src` on PYTHONPATH (run.py does):

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--package", required=True)
    parser.add_argument("--csv", type=Path, help="default: data.raw of params.yaml")
    parser.add_argument("--out", type=Path, required=True, help="where to save the model")
    args = parser.parse_args(argv)

    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 3)
        mark = now

    import pandas as pd
    import skops.io as sio
    import yaml
    from sklearn.model_selection import train_test_split

    schema = importlib.import_module(f"{args.package}.schema")
    features = importlib.import_module(f"{args.package}.features")
    evaluate = importlib.import_module(f"{args.package}.evaluate")
    lap("imports")

    params = yaml.safe_load((args.project / "params.yaml").read_text(encoding="utf-8"))
    csv_path = args.csv or args.project / params["data"]["raw"]
    validate = importlib.import_module(f"{args.package}.validate")
    text = validate.text_dtypes(schema.SCHEMA.columns, list(schema.SCHEMA.columns))
    frame = pd.read_csv(csv_path, dtype=text)
    lap("read_csv")

    frame = frame.dropna(subset=[schema.TARGET])
    split = params["split"]
    stratify = None
    if schema.TASK == "classification" and split.get("stratify", True):
        stratify = frame[schema.TARGET]
    train, test = train_test_split(
        frame, test_size=split["test_size"], random_state=split["seed"], stratify=stratify
    )
    lap("split")

    model = features.build_pipeline(schema.TASK, params)
    model.fit(features.features(train), train[schema.TARGET])
    lap("fit")

    x_test, y_test = features.features(test), test[schema.TARGET]
    if schema.TASK == "classification":
        proba = model.predict_proba(x_test)
        classes = model.classes_
        metrics = evaluate.classification_metrics(
            y_test, proba, classes, evaluate.positive_class(classes)
        )
    else:
        metrics = evaluate.regression_metrics(y_test, model.predict(x_test))
    lap("predict_metrics")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(model, args.out)
    lap("save_model")

    print(json.dumps({"phases": phases, "metrics": metrics}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
