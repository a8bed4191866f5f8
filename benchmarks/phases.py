"""Time the phases of one stage by importing the baked project's own functions.

Run from the baked project's root with its `src` on PYTHONPATH and `gitops_ml` (the runtime
library its stages import) installed (run.py does):

    python benchmarks/phases.py validate --package churn_model
    python benchmarks/phases.py tracking --package churn_model --repeat 3

`validate`: the streamed `validate_csv`, a whole-file read, pandera alone, the data hash.
`tracking`: what recording the MLflow run adds to `evaluate` (see `tracking_phases`), and
where `model_files.save_model`'s time goes. The model is loaded from `models/model.skops` (left
by `dvc repro`), not refitted.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _timed(call: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call()
    return result, round(time.perf_counter() - started, 4)


def validate_phases(package: str) -> dict[str, Any]:
    """The validate stage in-process: the whole streamed `validate_csv` (read, check, write),
    and, for comparison, reading the whole file and pandera's check of the whole frame."""
    out: dict[str, Any] = {}
    _, out["import_stage"] = _timed(lambda: importlib.import_module(f"{package}.validate"))
    from gitops_ml import stage, validation  # after the timed import, which loads them
    from gitops_ml.checksums import sha256_file

    schema = importlib.import_module(f"{package}.schema")
    paths = stage.Paths(Path())
    params = stage.load_params(paths)
    raw = paths.root / params["data"]["raw"]
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "validated.parquet"
        _, out["validate_csv"] = _timed(
            lambda: validation.validate_csv(
                raw, target, schema.SCHEMA, target=schema.TARGET, task=schema.TASK
            )
        )
    frame, out["read_csv_checked"] = _timed(
        lambda: validation.read_csv_checked(raw, schema.SCHEMA.columns)
    )
    _, out["pandera_validate"] = _timed(lambda: schema.SCHEMA.validate(frame, lazy=True))
    _, out["sha256_file"] = _timed(lambda: sha256_file(raw))
    return out


@dataclass
class _Evaluation:
    """What the evaluate stage hands `log_run`, loaded as the stage loads it."""

    paths: Any
    params: dict[str, Any]
    model: Any
    metrics: dict[str, Any]
    sample: Any
    predictions: Any
    facts: dict[str, Any]
    trusted: list[str]

    def log(self, run_facts: dict[str, Any]) -> float:
        """Seconds one `log_run` call takes to record this evaluation with `run_facts`."""
        from gitops_ml import tracking

        _, seconds = _timed(
            lambda: tracking.log_run(
                self.paths.root,
                self.params,
                run_facts,
                self.metrics,
                self.paths.model,
                self.sample,
                self.predictions,
                self.trusted,
            )
        )
        return seconds


def _load_evaluation(package: str, out: dict[str, Any]) -> _Evaluation:
    """Load the model, test sample and metrics `dvc repro` left; time loading and `run_facts`."""
    from gitops_ml import model_files, stage, tracking

    schema = importlib.import_module(f"{package}.schema")
    features = importlib.import_module(f"{package}.features")
    import pandas as pd

    paths = stage.Paths(Path())
    params = stage.load_params(paths)
    trusted = features.TRUSTED_TYPES
    model, out["load_model"] = _timed(lambda: model_files.load_model(paths.model, trusted))
    test = pd.read_parquet(paths.test, columns=features.feature_columns())
    sample = tracking.signature_sample(features.features(test))
    predictions = model.predict(sample)
    metrics = json.loads(paths.metrics.read_text(encoding="utf-8"))
    facts, out["run_facts"] = _timed(lambda: tracking.run_facts(paths, schema.TASK))
    return _Evaluation(paths, params, model, metrics, sample, predictions, facts, trusted)


def _log_run_phases(evaluation: _Evaluation, repeat: int) -> dict[str, Any]:
    """`log_run` for `repeat` new models, for one seen already, and into a brand-new store."""
    out: dict[str, Any] = {}
    facts = evaluation.facts
    stamp = f"{time.time_ns():x}"
    out["log_run"] = [
        evaluation.log(facts | {"model_sha256": f"{stamp}{n:04d}".rjust(64, "0")})
        for n in range(repeat)
    ]
    out["log_run_update"] = evaluation.log(facts | {"model_sha256": f"{stamp}0000".rjust(64, "0")})
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{Path(tmp, 'fresh.db').as_posix()}"
        out["log_run_fresh_store"] = evaluation.log(facts)
        del os.environ["MLFLOW_TRACKING_URI"]
    return out


def _save_model_phases(model: Any) -> dict[str, Any]:
    """Where `save_model`'s time goes: skops serialisation vs making it reproducible."""
    out: dict[str, Any] = {}
    try:
        import skops.io as sio
        from gitops_ml import model_files

        with tempfile.TemporaryDirectory() as tmp:
            raw, canonical = Path(tmp, "raw.skops"), Path(tmp, "canonical.skops")
            _, out["skops_dump"] = _timed(lambda: sio.dump(model, raw))
            _, out["canonical_skops"] = _timed(lambda: model_files.canonical_skops(raw, canonical))
            raw.unlink()
            canonical.unlink()
            _, out["save_model"] = _timed(
                lambda: model_files.save_model(model, Path(tmp, "m.skops"))
            )
    except Exception as err:  # noqa: BLE001 - a side measurement must not lose the others
        out["save_model_error"] = repr(err)
    return out


def _store_bytes(paths: Any) -> dict[str, Any]:
    """Bytes on disk of the MLflow artifacts (if any) and of the model file."""
    out: dict[str, Any] = {}
    artifacts = Path("mlartifacts")
    if artifacts.is_dir():
        files = [p for p in artifacts.rglob("*") if p.is_file()]
        out["mlartifacts_bytes"] = sum(p.stat().st_size for p in files)
    out["model_bytes"] = paths.model.stat().st_size
    return out


def tracking_phases(package: str, repeat: int) -> dict[str, Any]:
    """What recording a run costs `evaluate` (the one stage that imports MLflow).

    `log_run` is timed `repeat` times, each for a model the store has not seen (a made-up
    `model_sha256`), so each creates a full run: params, tags, metrics and the MLflow model
    around `models/model.skops`. The first call pays for importing mlflow, as the stage does.
    Then: the call that only updates an existing run (re-evaluating the same model), and a
    first run against a brand-new SQLite store (database migrations).
    """
    out: dict[str, Any] = {}
    _, out["import_evaluate_module"] = _timed(
        lambda: importlib.import_module(f"{package}.evaluate")
    )
    evaluation = _load_evaluation(package, out)
    out.update(_log_run_phases(evaluation, repeat))
    out.update(_save_model_phases(evaluation.model))
    out.update(_store_bytes(evaluation.paths))
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
