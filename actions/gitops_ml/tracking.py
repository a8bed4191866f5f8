"""MLflow tracking: where runs go, and what each run records about the model it evaluated.

By default runs go to a SQLite store (`mlflow.db`) with artifacts in `mlartifacts/`, both
inside the project and ignored by git. Set `tracking.uri` in params.yaml, or the
MLFLOW_TRACKING_URI environment variable, to use a tracking server instead.

One run per model: a project's `evaluate` stage records it (`record_evaluation`) once the test
metrics exist (so MLflow is imported by one stage only), with the parameters, the git commit,
the data's and the model's hashes, the environment that trained it (the SHA-256 of `uv.lock`,
the Python and package versions), the metrics, and the model itself as an MLflow model built
from the skops file `train` already wrote. Evaluating the same model again updates its run
instead of adding another.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

from .checksums import sha256_file
from .model_files import expected_digest
from .stage import Paths

RECORDED_PACKAGES = ("scikit-learn", "skops", "pandas", "numpy")
"""The packages whose versions `models/environment.json` records."""


def training_environment(paths: Paths) -> dict[str, Any]:
    """The environment training runs in; `lock_sha256` is None when there is no uv.lock."""
    lock = paths.uv_lock
    return {
        "python": platform.python_version(),
        "lock_sha256": sha256_file(lock) if lock.is_file() else None,
        "packages": {name: version(name) for name in RECORDED_PACKAGES},
    }


RUNTIME_PACKAGES = ("scikit-learn", "skops", "pandas", "numpy", "scipy")
"""What a process needs to load the logged model (pinned in its requirements.txt)."""


def tracking_uri(root: Path, tracking_params: dict[str, Any]) -> str:
    """The tracking URI: the environment, then params.yaml, then the local SQLite store."""
    return (
        os.environ.get("MLFLOW_TRACKING_URI")
        or (tracking_params.get("uri") or "").strip()
        or f"sqlite:///{(root / 'mlflow.db').resolve().as_posix()}"
    )


def git_commit(root: Path) -> str:
    """The commit being trained, with `-dirty` when the work tree has changes; or 'unknown'."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    try:
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except subprocess.CalledProcessError:
        dirty = False
    return commit + ("-dirty" if dirty else "")


def use_experiment(root: Path, tracking_params: dict[str, Any]) -> str:
    """Point MLflow at the store and experiment; return the tracking URI in use."""
    import mlflow

    uri = tracking_uri(root, tracking_params)
    mlflow.set_tracking_uri(uri)
    name = tracking_params.get("experiment") or root.name
    if uri.startswith("sqlite:") and mlflow.get_experiment_by_name(name) is None:
        mlflow.create_experiment(name, artifact_location=(root / "mlartifacts").resolve().as_uri())
    mlflow.set_experiment(name)
    return uri


def environment_tags(environment: dict[str, Any]) -> dict[str, str]:
    """The run's tags for `models/environment.json`: `lock_sha256` ('none' without a uv.lock),
    `python_version` and `version.<package>`."""
    tags = {
        "lock_sha256": environment.get("lock_sha256") or "none",
        "python_version": str(environment.get("python") or "unknown"),
    }
    tags |= {f"version.{name}": str(v) for name, v in environment.get("packages", {}).items()}
    return tags


def logged_params(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters that decide the model, flattened to `block.key` names for MLflow."""
    model = params["model"]
    chosen = model.get(model["name"]) or {}
    flat: dict[str, Any] = {"model.name": model["name"], "model.seed": model.get("seed")}
    flat |= {f"model.{model['name']}.{k}": v for k, v in chosen.items()}
    flat |= {f"split.{k}": v for k, v in params.get("split", {}).items()}
    flat |= {f"features.{k}": v for k, v in (params.get("features") or {}).items()}
    return flat


class SkopsFileFlavor:
    """An MLflow flavor module (see `mlflow.models.Model.log`) that saves an existing skops file.

    `mlflow.sklearn.log_model` serialises the model again and then loads it back twice (to
    check its types and its input example): for a large forest that is most of the stage's
    time. This writes the same sklearn-flavor MLflow model (`mlflow.sklearn.load_model` and
    `mlflow.pyfunc.load_model` load it) around the file `train` already wrote and verified.
    """

    @staticmethod
    def save_model(
        path: str,
        mlflow_model: Any,
        model_file: Path,
        signature: Any,
        input_example: pd.DataFrame,
        trusted_types: Sequence[str] = (),
        **_: Any,
    ) -> None:
        """Write the MLflow model folder at `path` (called by `Model.log`)."""
        import sklearn
        from mlflow import pyfunc
        from mlflow.models.utils import _save_example

        folder = Path(path)
        folder.mkdir(parents=True)
        data = folder / "model.skops"
        try:
            os.link(model_file, data)  # the artifact store copies it; no need to copy twice
        except OSError:
            shutil.copyfile(model_file, data)
        _save_example(mlflow_model, input_example, str(folder))
        mlflow_model.signature = signature
        pyfunc.add_to_model(mlflow_model, loader_module="mlflow.sklearn", model_path=data.name)
        mlflow_model.add_flavor(
            "sklearn",
            pickled_model=data.name,
            sklearn_version=sklearn.__version__,
            serialization_format="skops",
            code=None,
            skops_trusted_types=list(trusted_types),
        )
        mlflow_model.model_size_bytes = data.stat().st_size
        mlflow_model.save(str(folder / "MLmodel"))
        pins = "".join(f"{name}=={version(name)}\n" for name in RUNTIME_PACKAGES)
        (folder / "requirements.txt").write_text(pins, encoding="utf-8")


def log_run(
    root: Path,
    params: dict[str, Any],
    facts: dict[str, Any],
    metrics: dict[str, float | None],
    model_file: Path,
    sample: pd.DataFrame,
    predictions: Any,
    trusted_types: Sequence[str],
) -> str:
    """Record the evaluated model in MLflow (or update its run); return the run id.

    `facts` holds the tags `git_commit`, `data_sha256`, `model_sha256`, `task`, the count
    `train_rows` and `environment` (what `train` wrote to models/environment.json, recorded
    with `environment_tags`); `sample` and `predictions` give the logged model its signature
    and example; `trusted_types` are the skops types MLflow may load it with.
    """
    import mlflow
    from mlflow.models import Model, infer_signature

    use_experiment(root, params.get("tracking") or {})
    test_metrics = {f"test_{k}": v for k, v in metrics.items() if v is not None}
    runs = mlflow.search_runs(
        # A run that failed half-way (status FAILED) may lack the model: record a new one.
        filter_string=(
            f"tags.model_sha256 = '{facts['model_sha256']}' and attributes.status = 'FINISHED'"
        ),
        order_by=["attributes.start_time DESC"],
        max_results=1,
        output_format="list",
    )
    environment = environment_tags(facts["environment"])
    if runs:
        with mlflow.start_run(run_id=runs[0].info.run_id) as run:
            mlflow.log_metrics(test_metrics)
            mlflow.set_tags(environment)  # the same bytes, retrained: record who made them last
        return run.info.run_id
    with mlflow.start_run(run_name=f"{params['model']['name']}-{facts['git_commit'][:12]}") as run:
        mlflow.log_params(logged_params(params))
        mlflow.set_tags(
            {
                "mlflow.source.git.commit": facts["git_commit"],
                "git_commit": facts["git_commit"],
                "data_sha256": facts["data_sha256"],
                "model_sha256": facts["model_sha256"],
                "task": facts["task"],
                **environment,
            }
        )
        mlflow.log_metrics({"train_rows": facts["train_rows"], **test_metrics})
        Model.log(
            artifact_path=None,
            name="model",
            flavor=SkopsFileFlavor,
            model_file=model_file,
            signature=infer_signature(sample, predictions),
            input_example=sample,
            trusted_types=trusted_types,
            validate_serving_input=False,  # evaluate has just loaded this file and scored it
        )
    return run.info.run_id


def run_facts(paths: Paths, task: str) -> dict[str, Any]:
    """What the MLflow run records about where the model came from: the commit, the data's
    and the model's SHA-256, the training rows and what `train` recorded about its
    environment (the validation report and models/environment.json are DVC dependencies)."""
    import pyarrow.parquet as pq

    report = json.loads(paths.validation_report.read_text(encoding="utf-8"))
    return {
        "git_commit": git_commit(paths.root),
        "data_sha256": report["data_sha256"],
        "model_sha256": expected_digest(paths.model),
        "train_rows": pq.read_metadata(paths.train).num_rows,
        "task": task,
        "environment": json.loads(paths.environment.read_text(encoding="utf-8")),
    }


def signature_sample(x: pd.DataFrame) -> pd.DataFrame:
    """A few input rows for the logged model's signature and example.

    Integer columns are declared as floats: new data may have gaps.
    """
    sample = x.head(5)
    return sample.astype({c: "float64" for c in sample.select_dtypes("integer").columns})


def record_evaluation(
    paths: Paths,
    params: dict[str, Any],
    model: Any,
    x: pd.DataFrame,
    metrics: dict[str, float | None],
    project: tuple[str, Sequence[str]],
) -> str:
    """Record the evaluated model (its input rows `x`, its test `metrics`) in MLflow; return
    the run id. `project` is the task and the skops types the project trusts."""
    task, trusted = project
    sample = signature_sample(x)
    return log_run(
        paths.root,
        params,
        run_facts(paths, task),
        metrics,
        paths.model,
        sample,
        model.predict(sample),
        trusted,
    )
