"""Reading a baked project's files: params.yaml, metrics.json, dvc.lock, and git history."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

MODEL = Path("models/model.skops")
METRICS = Path("metrics.json")
PARAMS = Path("params.yaml")
LOCK = Path("dvc.lock")
ENVIRONMENT = Path("models/environment.json")
RELEASE_FILES = (MODEL, METRICS, PARAMS, LOCK)
"""What a release carries besides SHA256SUMS and the model card."""
ROC_PLOT = Path("plots/roc.csv")
CONFUSION_PLOT = Path("plots/confusion.csv")
PREDICTIONS_PLOT = Path("plots/predictions.csv")
"""The plot data `evaluate` writes (`plot_files` reads them)."""
PLOTS_RELEASED = (ROC_PLOT, PREDICTIONS_PLOT)
"""The plot data a release carries, so later reports can draw the champion's curves (a few
hundred KB at most; `plots/confusion.csv` has a row per test row and stays out)."""
OPTIONAL_RELEASE_FILES = (ENVIRONMENT, *PLOTS_RELEASED)
"""Released when present: projects baked before the train stage wrote them lack them, and a
project has either a ROC curve or predictions, by its task."""


class ProjectError(Exception):
    """A project file is missing or unreadable; the message names it."""


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; a missing or malformed file is a `ProjectError`."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ProjectError(f"{path}: not found") from err
    except yaml.YAMLError as err:
        raise ProjectError(f"{path}: not valid YAML ({err})") from err


def parse_yaml(text: str) -> Any:
    """Parse YAML text (e.g. a file from another git ref); malformed text is a `ProjectError`."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ProjectError(f"not valid YAML ({err})") from err


def read_metrics(path: Path) -> dict[str, Any]:
    """Parse metrics.json; a missing or malformed file is a `ProjectError`."""
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ProjectError(f"{path}: not found (did the pipeline run? `dvc repro`)") from err
    except json.JSONDecodeError as err:
        raise ProjectError(f"{path}: not valid JSON ({err})") from err
    if not isinstance(metrics, dict):
        raise ProjectError(f"{path}: expected an object of metric names to values")
    return metrics


def read_environment(path: Path) -> dict[str, Any] | None:
    """Parse models/environment.json (what trained the model); None if the project has none."""
    try:
        environment = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as err:
        raise ProjectError(f"{path}: not valid JSON ({err})") from err
    if not isinstance(environment, dict) or not isinstance(environment.get("packages"), dict):
        raise ProjectError(f"{path}: expected an object with python, lock_sha256 and packages")
    return environment


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as `a.b.c` keys (lists and scalars are leaves)."""
    if not isinstance(tree, dict):
        return {prefix: tree} if prefix else {}
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        flat.update(flatten(value, name) if isinstance(value, dict) and value else {name: value})
    return flat


def data_hashes(lock: Any) -> dict[str, str]:
    """The pipeline's input data: `{path: md5}` of dependencies no stage produces, outside src/."""
    stages = (lock or {}).get("stages", {}) if isinstance(lock, dict) else {}
    produced = {o["path"] for s in stages.values() for o in s.get("outs", []) or []}
    hashes = {}
    for stage in stages.values():
        for dep in stage.get("deps", []) or []:
            path = dep.get("path", "")
            if path not in produced and not path.startswith("src/") and "md5" in dep:
                hashes[path] = dep["md5"]
    return hashes


def dvc(*args: str) -> list[str]:
    """A `dvc` command line: the `dvc` on PATH, else DVC from this Python environment."""
    found = shutil.which("dvc")
    if found is None and importlib.util.find_spec("dvc") is not None:
        return [sys.executable, "-m", "dvc", *args]
    return [found or "dvc", *args]


def git(project: Path, *args: str) -> str | None:
    """Output of a git command in `project`, or None if it fails."""
    result = subprocess.run(["git", *args], cwd=project, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def file_at(project: Path, ref: str, path: Path) -> str | None:
    """A file's text at a git ref (e.g. the base branch), or None if absent there."""
    for candidate in (ref, f"origin/{ref}"):
        # `./`: relative to the project's folder, which in a monorepo is not the repository's root
        text = git(project, "show", f"{candidate}:./{path.as_posix()}")
        if text is not None:
            return text
    return None


def project_path(project: Path) -> str:
    """Where the project is in its git repository ("" at the root, or outside git), e.g.
    `models/churn`: what tells two projects of one repository apart in comments and statuses."""
    prefix = git(project, "rev-parse", "--show-prefix")
    return (prefix or "").strip().strip("/")


def commit_date(project: Path, sha: str) -> str:
    """The commit's date as YYYYMMDD (UTC), so a re-run names the same release."""
    stamp = git(project, "show", "-s", "--format=%cd", "--date=format-local:%Y%m%d", sha)
    if not stamp:
        raise ProjectError(f"commit {sha} is not in this repository (fetch it first)")
    return stamp.strip()
