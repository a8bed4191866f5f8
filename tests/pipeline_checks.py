"""Checks shared by the pipeline tests: what `dvc repro` ran, metrics, model checksums."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path


def ran_stages(output: str) -> set[str]:
    """The stages `dvc repro` ran, from its output."""
    return set(re.findall(r"Running stage '(\w+)'", output))


def metrics_of(project: Path) -> dict:
    return json.loads((project / "metrics.json").read_text())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_model_is_checksummed(project: Path) -> str:
    model = project / "models" / "model.skops"
    digest, name = (project / "models" / "model.skops.sha256").read_text().split()
    assert name == "model.skops" and digest == sha256(model)
    return digest
