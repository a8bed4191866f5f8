"""Bake the template with every option value; check what each produces and what it refuses."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import TEMPLATE, UV, VENV, bake, cookiecutter_cli, run

CONFIG = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
CHOICES = {k: v for k, v in CONFIG.items() if isinstance(v, list) and not k.startswith("_")}
STRING_CASES = {
    "mlflow_tracking_uri": "https://mlflow.example.com",
    "actions_repo": "acme/ml-actions",
    "actions_ref": "v2.1.0",
    "runs_on": "gpu-runner",
    "drift_schedule": "30 2 * * *",
    "project_name": "Fraud Detector (EU)",
    "description": 'Flags "suspicious" payments \\ fast',
    "author_name": "Zoë O'Brien",
}
OPTION_CASES = [(k, v) for k, values in CHOICES.items() for v in values] + list(
    STRING_CASES.items()
)
ALWAYS = [
    ".gitignore",
    "LICENSE",
    "Makefile",
    "README.md",
    "dvc.yaml",
    "params.yaml",
    "pyproject.toml",
    "tests/conftest.py",
    "tests/test_pipeline.py",
    "tests/test_schema.py",
    "tests/test_validate.py",
    "tests/test_predict.py",
    "tests/test_evaluate.py",
    ".github/workflows/train.yml",
    ".github/workflows/pull-request.yml",
    ".github/workflows/drift.yml",
    ".github/workflows/promote.yml",
    ".github/workflows/pull-request-comment.yml",
    ".github/zizmor.yml",
    ".python-version",
    "uv.lock",
    ".dvc/config",
    ".dvcignore",
]
MODULES = ["__init__", "schema", "validate", "prepare", "features", "train", "evaluate", "predict"]
LIBRARY = "vendor/gitops-ml"
"""The runtime library each bake carries (`hooks/vendor_library.py`)."""
UNRENDERED = re.compile(r"(?<!\$)\{\{|\{%|\{#")
SERVING = [".dockerignore", "Dockerfile", "src/{package}/serve.py", "tests/test_serve.py"]


def compatible_answers(option: str, value: str, messy_answers: dict) -> dict:
    """Answers that set `option` to `value`, with the other answers made to fit it."""
    answers = {option: value}
    if (option, value) in (("task", "regression"), ("dataset", "diabetes")):
        answers |= {"task": "regression", "dataset": "diabetes"}
    if (option, value) == ("dataset", "csv"):
        answers |= messy_answers
    return answers


def text_files(project: Path):
    for path in project.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            yield path


@pytest.mark.parametrize(
    ("option", "value"), OPTION_CASES, ids=[f"{k}={v}" for k, v in OPTION_CASES]
)
def test_every_option_bakes_a_clean_project(tmp_path, messy_answers, option, value):
    answers = compatible_answers(option, value, messy_answers)
    project = bake(tmp_path, **answers)
    package = next((project / "src").iterdir()).name

    # Bytecode the hooks wrote into the template would be copied into every later bake.
    assert not list(project.rglob("__pycache__")) and not list(TEMPLATE.rglob("src/*/__pycache__"))
    for path in text_files(project):
        text = path.read_text(encoding="utf-8")
        # `${{ ... }}` is GitHub Actions' own expression syntax, not Jinja.
        assert not UNRENDERED.search(text), f"unrendered Jinja in {path}"

    expected = ALWAYS + [f"src/{package}/{m}.py" for m in MODULES]
    params = yaml.safe_load((project / "params.yaml").read_text())
    expected.append(params["data"]["raw"])
    serving = [p.format(package=package) for p in SERVING]
    if (answers.get("include_serving") or "no") == "yes":
        expected += serving
    else:
        assert not [p for p in serving if (project / p).exists()]
    assert not [p for p in expected if not (project / p).is_file()]
    check_library(project, answers.get("dataset", "churn"))
    if answers.get("dataset", "churn") != "churn":
        assert not (project / "data/raw/churn.csv").exists()

    assert (project / ".git").is_dir() and (project / ".dvc").is_dir()
    head = run(project, "git", "rev-parse", "--verify", "-q", "HEAD", check=False)
    assert head.returncode != 0, "the hook must not commit on the user's behalf"

    # The shipped lock is this project's, whatever the answers: uv accepts it as it is.
    run(project, UV, "lock", "--locked", "--offline", "--python", sys.executable)
    assert not [
        e for e in ("serve", "s3", "gs", "azure", "ssh") if e not in pyproject_extras(project)
    ]

    ruff = VENV / "bin" / "ruff"
    run(project, ruff, "check", ".")
    run(project, ruff, "format", "--check", ".")
    check_option(project, params, option, value)


def check_library(project: Path, dataset: str) -> None:
    """The bake carries the template's gitops-ml, file for file, and keeps its own code small:
    at most 600 lines with a bundled dataset; a user's CSV adds only its schema's columns."""
    library, vendored = TEMPLATE / "actions", project / LIBRARY
    wanted = ["pyproject.toml", "CHANGELOG.md"]
    wanted += [p.relative_to(library).as_posix() for p in library.glob("gitops_ml/*.py")]
    copied = [p.relative_to(vendored).as_posix() for p in vendored.rglob("*") if p.is_file()]
    assert sorted(copied) == sorted(wanted)
    assert not [n for n in wanted if (vendored / n).read_bytes() != (library / n).read_bytes()]
    lines = {p.name: len(p.read_text().splitlines()) for p in (project / "src").rglob("*.py")}
    if dataset == "csv":
        lines.pop("schema.py")
    assert sum(lines.values()) <= 600, f"src/ has {lines} lines"


def check_option(project: Path, params: dict, option: str, value: str) -> None:
    """What choosing `option=value` must change in the baked project."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    dvc_yaml = yaml.safe_load((project / "dvc.yaml").read_text())
    if option == "python_version":
        # The code supports 3.10+ (one lock covers them all); the choice is the Python that
        # `make setup` and CI use.
        assert pyproject["project"]["requires-python"] == ">=3.10"
        assert (project / ".python-version").read_text().strip() == value
        workflow = yaml.safe_load((project / ".github/workflows/train.yml").read_text())
        setup = next(s for s in workflow["jobs"]["train"]["steps"] if s["name"] == "Set up")
        assert setup["with"]["python-version"] == value
    elif option == "license":
        assert pyproject["project"]["license"] == (
            "LicenseRef-Proprietary" if value == "Proprietary" else value
        )
        first = (project / "LICENSE").read_text().split("\n", 1)[0]
        titles = {
            "MIT": "MIT License",
            "Apache-2.0": "Apache License",
            "BSD-3-Clause": "BSD 3-Clause License",
            "Proprietary": "All rights reserved",
        }
        assert titles[value] in (project / "LICENSE").read_text()[:200], first
    elif option == "task":
        metric = {"classification": "roc_auc", "regression": "r2"}[value]
        assert metric in params["gate"]
        plotted = {next(iter(p)) for p in dvc_yaml["stages"]["evaluate"]["plots"]}
        wanted = {"classification": {"plots/roc.csv", "plots/confusion.csv"}}
        assert plotted == wanted.get(value, {"plots/predictions.csv"})
    elif option == "dataset":
        schema = (project / "src" / project.name.replace("-", "_") / "schema.py").read_text()
        assert f"TARGET = {json.dumps(_target(value))}" in schema
    elif option == "model":
        assert params["model"]["name"] == value
    elif option == "dvc_remote":
        dvc = VENV / "bin" / "dvc"
        default = run(project, dvc, "remote", "default", check=False)
        default = default.stdout.strip() if default.returncode == 0 else ""
        if value == "none":
            assert default == ""
        else:
            assert default == "storage"
            url = run(project, dvc, "config", "remote.storage.url").stdout.strip()
            assert CONFIG_URL_PREFIX[value] in url
            makefile = (project / "Makefile").read_text()
            # Every remote's plugin is a locked extra; `make setup` installs the chosen one.
            assert (f"--extra {value}" in makefile) == (value != "local")
    elif option == "mlflow_tracking_uri":
        assert params["tracking"]["uri"] == value
    elif option in ("actions_repo", "actions_ref"):
        assert value in (project / "README.md").read_text()
        for workflow in ("train.yml", "pull-request.yml"):
            uses = (project / ".github" / "workflows" / workflow).read_text()
            assert f"/actions/setup@{value}" in uses or f"{value}/actions/setup@" in uses
    elif option == "drift_schedule":
        assert f'- cron: "{value}"' in (project / ".github/workflows/drift.yml").read_text()
    elif option == "retrain_on_drift":
        drift = yaml.safe_load((project / ".github/workflows/drift.yml").read_text())
        permissions = drift["jobs"]["drift"]["permissions"]
        assert ("actions" in permissions) == (value == "yes")
        assert drift["jobs"]["drift"]["steps"][-1]["with"]["retrain"] == str(value == "yes").lower()
    elif option == "runs_on":
        for workflow in ("train.yml", "pull-request.yml", "drift.yml"):
            assert f"runs-on: {value}" in (project / ".github" / "workflows" / workflow).read_text()
    elif option == "project_name":
        assert project.name == "fraud-detector-eu"
        assert (project / "src" / "fraud_detector_eu" / "schema.py").is_file()
    elif option == "description":
        assert pyproject["project"]["description"] == value
    elif option == "author_name":
        assert pyproject["project"]["authors"] == [{"name": value}]
        assert value in (project / "LICENSE").read_text()


def pyproject_extras(project: Path) -> dict:
    """The optional dependencies the baked pyproject.toml declares."""
    return tomllib.loads((project / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]


CONFIG_URL_PREFIX = {"local": "dvc-storage", "s3": "s3://", "gs": "gs://", "azure": "azure://"}
CONFIG_URL_PREFIX["ssh"] = "ssh://"


def _target(dataset: str) -> str:
    from messy_data import TARGET

    return {"churn": "churned", "diabetes": "progression", "csv": TARGET}[dataset]


def test_the_cookiecutter_command_bakes_the_default(tmp_path):
    result = cookiecutter_cli(TEMPLATE, tmp_path, {})
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["churn-model"]
    assert "make repro" in result.stdout


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


REFUSALS = [
    ({"project_slug": "bad/slug"}, "project_slug 'bad/slug' is not a valid folder name"),
    ({"project_name": "class"}, "package_name 'class' is a Python keyword"),
    ({"package_name": "2fast"}, "package_name '2fast' is not a valid Python identifier"),
    ({"task": "regression"}, "dataset 'churn' is a classification dataset"),
    ({"dataset": "csv", "dataset_path": "/nonexistent/data.csv"}, "no such file"),
    ({"dataset": "csv", "dataset_path": "@empty"}, "the file is empty"),
    ({"dataset": "csv", "dataset_path": "@numbers", "target_column": "y"}, "target_column 'y'"),
    ({"dataset": "csv", "dataset_path": "@single", "target_column": "y"}, "has a single value"),
    ({"dvc_remote": "gs", "dvc_remote_url": "s3://x"}, "should start with gs://"),
]


@pytest.mark.parametrize(("answers", "message"), REFUSALS, ids=[m for _, m in REFUSALS])
def test_bad_answers_stop_the_bake_and_leave_nothing(tmp_path, answers, message):
    files = {
        "@empty": "",
        "@numbers": "a,b\n1,2\n3,4\n",
        "@single": "a,y\n1,yes\n2,yes\n",
    }
    answers = dict(answers)
    if answers.get("dataset_path", "").startswith("@"):
        key = answers["dataset_path"]
        answers["dataset_path"] = _write(tmp_path, "data.csv", files[key])
    output = tmp_path / "out"
    output.mkdir()
    result = cookiecutter_cli(TEMPLATE, output, answers)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert "Nothing was generated" in result.stderr
    # A slug with a slash makes cookiecutter create the parent folder before the hook runs;
    # the project folder itself is removed, so no file at all may remain.
    assert [p for p in output.rglob("*") if not p.is_dir()] == []
    assert not (output / answers.get("project_slug", "churn-model")).exists()
