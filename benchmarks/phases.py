"""Time the phases of one stage by importing the baked project's own functions.

Run from the baked project's root with its `src` on PYTHONPATH (run.py does):

    python benchmarks/phases.py validate --package churn_model
    python benchmarks/phases.py tracking --package churn_model --repeat 3

`validate`: read/check the CSV, pandera validation, parquet write, data hash, each timed.
`tracking`: what MLflow adds to `train` and `evaluate` once the store exists: `train.log_run`
(params, tags, metrics, the skops model with signature and input example) and
`evaluate.log_to_run`, each `--repeat` times (the first call pays for importing mlflow), then
once against a brand-new SQLite store (database migrations). The model is loaded from
`models/model.skops` (left by `dvc repro`), not refitted, so the fit is not repeated.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _timed(call: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call()
    return result, round(time.perf_counter() - started, 4)


def validate_phases(package: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _, out["import_stage"] = _timed(lambda: importlib.import_module(f"{package}.validate"))
    validate = importlib.import_module(f"{package}.validate")
    schema = importlib.import_module(f"{package}.schema")
    stage = importlib.import_module(f"{package}.stage")
    paths = stage.Paths(Path())
    params = stage.load_params(paths)
    raw = paths.root / params["data"]["raw"]
    frame, out["read_csv_checked"] = _timed(
        lambda: validate.read_csv_checked(raw, schema.SCHEMA.columns)
    )
    _, out["check_target"] = _timed(lambda: validate.check_target(frame, raw))
    valid, out["pandera_validate"] = _timed(
        lambda: validate.validate_frame(frame, raw, schema.SCHEMA)
    )
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "validated.parquet"
        _, out["to_parquet"] = _timed(lambda: valid.to_parquet(target, index=False))
    _, out["sha256_file"] = _timed(lambda: stage.sha256_file(raw))
    return out


def tracking_phases(package: str, repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _, out["import_train_module"] = _timed(lambda: importlib.import_module(f"{package}.train"))
    train = importlib.import_module(f"{package}.train")
    evaluate = importlib.import_module(f"{package}.evaluate")
    model_io = importlib.import_module(f"{package}.model_io")
    tracking = importlib.import_module(f"{package}.tracking")
    features = importlib.import_module(f"{package}.features")
    stage = importlib.import_module(f"{package}.stage")
    import pandas as pd

    paths = stage.Paths(Path())
    params = stage.load_params(paths)
    frame = pd.read_parquet(paths.train)
    x = features.features(frame)
    model, out["load_model_not_counted"] = _timed(lambda: model_io.load_model(paths.model))
    try:  # where save_model's time goes: skops serialisation vs making it reproducible
        import skops.io as sio

        blob, out["skops_dumps"] = _timed(lambda: sio.dumps(model))
        _, out["canonical_skops"] = _timed(lambda: model_io.canonical_skops(blob))
        blob = b""
        with tempfile.TemporaryDirectory() as tmp:
            _, out["save_model"] = _timed(lambda: model_io.save_model(model, Path(tmp, "m.skops")))
    except Exception as err:  # noqa: BLE001 - a side measurement must not lose the others
        out["save_model_error"] = repr(err)
    commit, out["git_commit"] = _timed(lambda: tracking.git_commit(paths.root))
    report = json.loads(paths.validation_report.read_text(encoding="utf-8"))
    facts = {
        "git_commit": commit,
        "data_sha256": report["data_sha256"],
        "model_sha256": model_io.expected_digest(paths.model),
        "train_rows": len(frame),
        "fit_seconds": 0.0,
    }
    sample = x.head(5).astype({c: "float64" for c in x.select_dtypes("integer").columns})
    metrics = json.loads(paths.metrics.read_text(encoding="utf-8"))
    big = paths.model.stat().st_size > 1_000_000_000
    if big:  # a multi-GB forest: one timed call, no fresh-store call, to keep the run short
        repeat = 1
    out["log_run"] = []
    out["log_to_run"] = []
    for _ in range(repeat):
        _, seconds = _timed(lambda: train.log_run(paths, params, model, sample, facts))
        out["log_run"].append(seconds)
        _, seconds = _timed(lambda: evaluate.log_to_run(paths, metrics, facts["model_sha256"]))
        out["log_to_run"].append(seconds)
    # A brand-new store: what the very first run of a fresh clone pays (migrations).
    with tempfile.TemporaryDirectory() as tmp:
        if big:
            return out | {"model_bytes": paths.model.stat().st_size, "skipped_fresh": True}
        os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{Path(tmp, 'fresh.db').as_posix()}"
        _, out["log_run_fresh_store"] = _timed(
            lambda: train.log_run(paths, params, model, sample, facts)
        )
        del os.environ["MLFLOW_TRACKING_URI"]
    artifacts = Path("mlartifacts")
    if artifacts.is_dir():
        files = [p for p in artifacts.rglob("*") if p.is_file()]
        out["mlartifacts_bytes"] = sum(p.stat().st_size for p in files)
    out["model_bytes"] = paths.model.stat().st_size
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["validate", "tracking"])
    parser.add_argument("--package", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.what == "validate":
        result = validate_phases(args.package)
    else:
        result = tracking_phases(args.package, args.repeat)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
