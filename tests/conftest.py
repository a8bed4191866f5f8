"""Helpers shared by the template's tests: bake a project, run commands in it."""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from github_standin import GitHubStandIn
from gitops_ml.github import GitHub
from messy_data import TARGET, write_messy_csv

TEMPLATE = Path(__file__).resolve().parents[1]
VENV = Path(sys.prefix)
"""The environment running the tests; it holds everything a baked project needs."""
UV = VENV / "bin" / "uv"
TOKEN = "test-token-0123456789"
"""The token the GitHub stand-in of `gh_standin` accepts."""
REPO = "acme/churn-model"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest test files first, so that `tasks.py test` (xdist, whole files per worker, in
    this order) ends with short files filling in, not with one worker idle behind a long one:
    files with tests marked `act`, then files with tests marked `slow`, then the rest."""
    markers: dict[Path, set[str]] = {}
    for item in items:
        markers.setdefault(item.path, set()).update(m.name for m in item.iter_markers())

    def weight(item: pytest.Item) -> int:
        return 0 if "act" in markers[item.path] else 1 if "slow" in markers[item.path] else 2

    items.sort(key=weight)  # stable: a file's own tests keep their order


@functools.cache
def bare_cookiecutter() -> Path:
    """A `cookiecutter` command whose environment holds cookiecutter and nothing else, as
    `pipx install cookiecutter` gives a user: the hooks must bake with the standard library."""
    root = Path(tempfile.mkdtemp(prefix="bare-cookiecutter-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    env_dir = root / "venv"
    subprocess.run([UV, "venv", "-q", "--python", sys.executable, env_dir], check=True)
    subprocess.run(
        [UV, "pip", "install", "-q", "--python", env_dir / "bin" / "python"]
        + [f"cookiecutter=={version('cookiecutter')}"],
        check=True,
    )
    return env_dir / "bin" / "cookiecutter"


def cookiecutter_cli(
    template: str | Path, output_dir: Path, answers: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the bare `cookiecutter --no-input` as a user would; return the finished process."""
    return subprocess.run(
        [str(bare_cookiecutter()), "--no-input", str(template), "-o", str(output_dir)]
        + [f"{key}={value}" for key, value in answers.items()],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def bake(output_dir: Path, **answers: str) -> Path:
    """Bake the template with `answers` (the rest default) into `output_dir`; return the project."""
    output_dir.mkdir(parents=True, exist_ok=True)
    before = set(output_dir.iterdir())
    result = cookiecutter_cli(TEMPLATE, output_dir, answers)
    if result.returncode != 0:
        pytest.fail(
            f"cookiecutter failed\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    (project,) = set(output_dir.iterdir()) - before
    return project


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


@pytest.fixture
def gh_standin() -> Iterator[GitHubStandIn]:
    """A GitHub stand-in accepting `TOKEN`; every exchange is checked against GitHub's
    OpenAPI description when the test ends."""
    with GitHubStandIn(token=TOKEN) as standin:
        yield standin
        standin.assert_contract()


@pytest.fixture
def waits() -> list[float]:
    """The waits `client` would have slept, in order (it never really sleeps)."""
    return []


@pytest.fixture
def client(gh_standin: GitHubStandIn, waits: list[float]) -> GitHub:
    """A toolkit client of the stand-in for `REPO`, recording its waits, its clock frozen."""
    return GitHub(TOKEN, REPO, gh_standin.base_url, sleep=waits.append, clock=lambda: 1000.0)


def write_metrics(project: Path, roc_auc: float) -> None:
    """A churn project's metrics.json, as `evaluate` writes it, without training."""
    metrics = {"roc_auc": roc_auc, "f1": 0.6, "log_loss": 0.4}
    (project / "metrics.json").write_text(json.dumps(metrics))


@pytest.fixture
def monorepo(tmp_path, gh_standin, monkeypatch) -> tuple[Path, Path]:
    """`churn-a` and `churn-b`, baked into one repository; a pull request changes both."""
    root = tmp_path / "mono"
    root.mkdir()
    run(root, "git", "init", "-q", "-b", "main")
    projects = [bake(root, project_name=name) for name in ("Churn A", "Churn B")]
    for project, roc_auc in zip(projects, (0.80, 0.90), strict=True):
        shutil.rmtree(project / ".git")  # folders of the monorepo, not repositories of their own
        write_metrics(project, roc_auc)
    commit_all(root, "two projects")
    run(root, "git", "checkout", "-q", "-b", "tune")
    for project, roc_auc in zip(projects, (0.82, 0.88), strict=True):
        write_metrics(project, roc_auc)
    sha = commit_all(root, "tune both")
    gh_standin.add_pull_request(7, head_sha=sha)
    event = tmp_path / "event.json"
    pull = {"number": 7, "base": {"ref": "main"}, "head": {"sha": sha}}
    event.write_text(json.dumps({"pull_request": pull}))
    for key, value in {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": gh_standin.base_url,
        "GITHUB_SHA": sha,
        "GITHUB_EVENT_PATH": str(event),
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(key, raising=False)
    return projects[0], projects[1]
