"""MLflow tracking: where runs go, and what each run records about where it came from.

By default runs go to a SQLite store (`mlflow.db`) with artifacts in `mlartifacts/`, both
inside the project and ignored by git. Set `tracking.uri` in params.yaml, or the
MLFLOW_TRACKING_URI environment variable, to use a tracking server instead.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any


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
