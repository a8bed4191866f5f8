"""Checks of the answers given to cookiecutter, run before anything is written.

Each check returns a list of problems, one sentence each, naming the field and what to change.
The pre-generation hook prints them and stops the bake; the tests call the checks directly.
"""

from __future__ import annotations

import importlib.util
import keyword
import re

from csv_intake import IntakeError, duplicate_columns, header, load_frame, read_text
from schema_inference import MAX_CLASSES

_SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_DATASET_TASK = {"churn": "classification", "diabetes": "regression"}
_REMOTE_SCHEMES = {
    "s3": ("s3://",),
    "gs": ("gs://",),
    "azure": ("azure://",),
    "ssh": ("ssh://",),
}


def naming_problems(answers: dict) -> list[str]:
    """Problems with `project_slug` and `package_name`."""
    problems = []
    slug, package = answers["project_slug"], answers["package_name"]
    if "/" in slug or "\\" in slug or not _SLUG.match(slug):
        problems.append(
            f"project_slug {slug!r} is not a valid folder name: use lower-case letters, digits"
            " and single hyphens, starting with a letter (e.g. 'churn-model')"
        )
    if "/" in package or "\\" in package or not package.isidentifier():
        problems.append(
            f"package_name {package!r} is not a valid Python identifier: use lower-case"
            " letters, digits and underscores, starting with a letter (e.g. 'churn_model')"
        )
    elif keyword.iskeyword(package) or keyword.issoftkeyword(package):
        problems.append(f"package_name {package!r} is a Python keyword: choose another name")
    elif package != package.lower():
        problems.append(f"package_name {package!r} must be lower case (PEP 8)")
    return problems


def option_problems(answers: dict) -> list[str]:
    """Problems with combinations of options that cannot work together."""
    problems = []
    dataset, task = answers["dataset"], answers["task"]
    if dataset in _DATASET_TASK and _DATASET_TASK[dataset] != task:
        problems.append(
            f"dataset {dataset!r} is a {_DATASET_TASK[dataset]} dataset but task is {task!r}:"
            f" choose task={_DATASET_TASK[dataset]}, or another dataset"
        )
    remote, url = answers["dvc_remote"], answers["dvc_remote_url"].strip()
    if remote != "none" and not url:
        problems.append(f"dvc_remote_url is empty but dvc_remote is {remote!r}: give its URL")
    if remote in _REMOTE_SCHEMES and not url.startswith(_REMOTE_SCHEMES[remote]):
        problems.append(
            f"dvc_remote_url {url!r} does not fit dvc_remote {remote!r}: it should start"
            f" with {_REMOTE_SCHEMES[remote][0]}"
        )
    uri = answers["mlflow_tracking_uri"].strip()
    if uri and not re.match(r"^(https?|databricks|sqlite|postgresql|mysql|file)[:+]", uri):
        problems.append(
            f"mlflow_tracking_uri {uri!r} is not a tracking URI: leave it empty for a local"
            " store, or give e.g. https://mlflow.example.com"
        )
    if not re.match(r"^[\w.-]+/[\w.-]+$", answers["actions_repo"]):
        problems.append(f"actions_repo {answers['actions_repo']!r} must look like owner/name")
    if not re.match(r"^[\w./-]+$", answers["actions_ref"]):
        problems.append("actions_ref must be a tag, branch or commit (e.g. v1)")
    cron = answers.get("drift_schedule", "0 6 * * 1").split()
    if len(cron) != 5 or not all(re.match(r"^[\d*/,\-A-Za-z]+$", field) for field in cron):
        problems.append(
            f"drift_schedule {answers.get('drift_schedule')!r} is not a cron expression of five"
            " fields (e.g. '0 6 * * 1': Mondays 06:00 UTC)"
        )
    if not re.match(r"^[\w.-]+$", answers.get("runs_on", "ubuntu-latest")):
        problems.append(
            f"runs_on {answers.get('runs_on')!r} must be one runner label (e.g. ubuntu-latest)"
        )
    return problems


def tool_problems(answers: dict) -> list[str]:
    """Packages the bake itself needs in the Python that runs cookiecutter."""
    needed = []
    if answers["dataset"] in ("csv", "diabetes"):
        needed.append("pandas")
    if answers["dataset"] == "diabetes":
        needed.append("scikit-learn")
    missing = [
        name
        for name in needed
        if importlib.util.find_spec(name.replace("scikit-learn", "sklearn")) is None
    ]
    if not missing:
        return []
    return [
        f"dataset={answers['dataset']} needs {' and '.join(missing)} where cookiecutter runs,"
        " to infer the data schema: install it next to cookiecutter"
        f" (pip install {' '.join(missing)})"
    ]


def dataset_problems(answers: dict) -> list[str]:
    """Problems with a user's CSV (`dataset=csv`): readable, not empty, target fit for the task."""
    if answers["dataset"] != "csv":
        return []
    path = answers["dataset_path"].strip()
    if not path:
        return ["dataset_path is empty: dataset=csv needs the path of your CSV file"]
    try:
        csv_text = read_text(path)
        duplicates = duplicate_columns(header(csv_text))
        if duplicates:
            return [
                f"dataset_path {path}: duplicate column names {duplicates}: every column"
                " needs its own name"
            ]
        frame = load_frame(csv_text)
    except IntakeError as err:
        return [f"dataset_path {err}"]
    if frame.empty:
        return [f"dataset_path {path}: the file has a header but no rows"]
    return target_problems(frame, answers["target_column"], answers["task"], path)


def target_problems(frame, target: str, task: str, path: str) -> list[str]:
    """Problems with the target column of `frame` for `task`."""
    if target not in frame.columns:
        columns = ", ".join(repr(c) for c in frame.columns[:20])
        hint = ""
        if len(frame.columns) == 1 and any(sep in frame.columns[0] for sep in ";\t|"):
            hint = " (the file may use a delimiter that could not be detected)"
        return [
            f"target_column {target!r} is not a column of {path}; its columns are: {columns}{hint}"
        ]
    values = frame[target].dropna()
    if values.empty:
        return [f"target_column {target!r} of {path} has no values"]
    distinct = values.nunique()
    if distinct < 2:
        return [
            f"target_column {target!r} of {path} has a single value ({values.iloc[0]!r}):"
            " a model needs at least two different values to learn from"
        ]
    numeric = frame[target].dtype.kind in "iuf"
    if task == "regression" and not numeric:
        examples = ", ".join(repr(v) for v in values.unique()[:3])
        return [
            f"target_column {target!r} of {path} holds text ({examples}, ...), which a"
            " regression cannot predict: choose task=classification"
        ]
    if task == "classification":
        if numeric and not (values == values.round()).all():
            return [
                f"target_column {target!r} of {path} holds continuous numbers: choose"
                " task=regression"
            ]
        if distinct > MAX_CLASSES:
            return [
                f"target_column {target!r} of {path} has {distinct} distinct values; at most"
                f" {MAX_CLASSES} classes are supported: choose task=regression, or group the"
                " classes"
            ]
    return []


def all_problems(answers: dict) -> list[str]:
    """Every problem with the answers; the dataset is read only when all else is fine."""
    problems = naming_problems(answers) + option_problems(answers) + tool_problems(answers)
    return problems or dataset_problems(answers)
