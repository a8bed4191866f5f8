"""Helpers shared by the template's tests: bake a project, run commands in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter
from messy_data import TARGET, write_messy_csv

TEMPLATE = Path(__file__).resolve().parents[1]
VENV = Path(sys.prefix)
"""The environment running the tests; it holds everything a baked project needs."""


def bake(output_dir: Path, **answers: str) -> Path:
    """Bake the template with `answers` (the rest default) into `output_dir`; return the project."""
    return Path(
        cookiecutter(
            str(TEMPLATE), no_input=True, extra_context=answers, output_dir=str(output_dir)
        )
    )


def project_env(project: Path) -> dict[str, str]:
    """The environment a baked project's commands run in, as after `make setup`, offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_", "GIT_"))}
    env.update(
        PATH=f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        # The project is not pip-installed into the shared test environment; put its src first.
        PYTHONPATH=str(project / "src"),
        DVC_NO_ANALYTICS="1",
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
    )
    return env


def run(
    project: Path,
    *cmd: str | Path,
    check: bool = True,
    timeout: float = 600,
    env_extra: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `cmd` in `project`; on an unexpected exit code, fail showing its output."""
    result = subprocess.run(
        [str(c) for c in cmd],
        cwd=project,
        env=project_env(project) | (env_extra or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, cmd))} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def make(project: Path, target: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a target of the baked project's Makefile with the test environment as its venv."""
    return run(project, "make", target, f"VENV={VENV}", check=check)


def commit_all(project: Path, message: str = "baked") -> str:
    """Commit everything in the project (as its user would); return the commit hash."""
    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-q", "-m", message)
    return run(project, "git", "rev-parse", "HEAD").stdout.strip()


@pytest.fixture(scope="session")
def messy_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A messy, semicolon-separated, Windows-1252 CSV with a spaced file name."""
    return write_messy_csv(tmp_path_factory.mktemp("user-data") / "Customer data (2024).csv")


@pytest.fixture(scope="session")
def messy_answers(messy_csv: Path) -> dict[str, str]:
    """Answers that bake a project from the messy CSV."""
    return {"dataset": "csv", "dataset_path": str(messy_csv), "target_column": TARGET}
