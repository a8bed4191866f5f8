"""Checks of the answers given to cookiecutter, run before anything is written.

Each check returns a list of problems, one sentence each, naming the field and what to change.
The pre-generation hook prints them and stops the bake; the tests call the checks directly.
"""

from __future__ import annotations

import keyword
import math
import re
from pathlib import Path

from csv_intake import IntakeError, Table, load_table, read_text
from schema_inference import MAX_CLASSES, parse_column

_SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_DATASET_TASK = {"churn": "classification", "diabetes": "regression"}
DIABETES_FEATURES = ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")
DIABETES_TARGET = "progression"
"""The columns of the bundled `data/raw/diabetes.csv`: its features, then its target, which
the post-generation hook renames to the `target_column` answer."""
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


def dataset_problems(answers: dict) -> list[str]:
    """Problems with the data: the bundled diabetes data's target name, or a user's CSV
    (`dataset=csv`): readable, not empty, target fit for the task."""
    if answers["dataset"] == "diabetes":
        return diabetes_problems(answers["target_column"])
    if answers["dataset"] != "csv":
        return []
    path = answers["dataset_path"].strip()
    if not path:
        return ["dataset_path is empty: dataset=csv needs the path of your CSV file"]
    file = dataset_file(answers)
    try:
        table = load_table(read_text(file))
    except IntakeError as err:
        return [f"dataset_path {_named_as_typed(str(err), file, path)}"]
    if table.rows == 0:
        return [f"dataset_path {path}: the file has a header but no rows"]
    return target_problems(table, answers["target_column"], answers["task"], path)


def dataset_file(answers: dict) -> Path:
    """The user's CSV (`dataset_path`) as an absolute path, `~` expanded.

    Cookiecutter runs the hooks in the new project's folder, so a relative path is taken from
    `__working_dir`: the folder the user ran cookiecutter in (see template_location.py).
    """
    path = Path(answers["dataset_path"].strip()).expanduser()
    if path.is_absolute():
        return path
    return Path(answers.get("__working_dir") or Path.cwd()) / path


def _named_as_typed(message: str, file: Path, typed: str) -> str:
    """An intake message, which starts with the file's absolute path, starting with the path
    as the user typed it (and where that is, when it differs)."""
    if not message.startswith(str(file)):
        return message
    shown = typed if Path(typed) == file else f"{typed} (= {file})"
    return shown + message[len(str(file)) :]


def diabetes_problems(target: str) -> list[str]:
    """Problems with the name given to the diabetes data's target column."""
    if not target.strip():
        return ["target_column is empty: give the diabetes target a name (e.g. 'progression')"]
    if target in DIABETES_FEATURES:
        return [
            f"target_column {target!r} is already a feature of the diabetes data"
            f" ({', '.join(DIABETES_FEATURES)}): choose another name (e.g. 'progression')"
        ]
    return []


def target_problems(table: Table, target: str, task: str, path: str) -> list[str]:
    """Problems with the target column of `table` for `task`."""
    names = list(table.columns)
    if target not in table.columns:
        columns = ", ".join(repr(c) for c in names[:20])
        hint = ""
        if len(names) == 1 and any(sep in names[0] for sep in ";\t|"):
            hint = " (the file may use a delimiter that could not be detected)"
        return [
            f"target_column {target!r} is not a column of {path}; its columns are: {columns}{hint}"
        ]
    column = parse_column(table.columns[target])
    values = column.values
    if not values:
        return [f"target_column {target!r} of {path} has no values"]
    distinct = column.unique()
    if len(distinct) < 2:
        return [
            f"target_column {target!r} of {path} has a single value ({column.show(values[0])}):"
            " a model needs at least two different values to learn from"
        ]
    if task == "regression" and not column.numeric:
        examples = ", ".join(column.show(v) for v in distinct[:3])
        return [
            f"target_column {target!r} of {path} holds text ({examples}, ...), which a"
            " regression cannot predict: choose task=classification"
        ]
    if task == "classification":
        if column.numeric and not all(math.isinf(v) or v == int(v) for v in values):
            return [
                f"target_column {target!r} of {path} holds continuous numbers: choose"
                " task=regression"
            ]
        if len(distinct) > MAX_CLASSES:
            return [
                f"target_column {target!r} of {path} has {len(distinct)} distinct values; at"
                f" most {MAX_CLASSES} classes are supported: choose task=regression, or group"
                " the classes"
            ]
    return []


def all_problems(answers: dict) -> list[str]:
    """Every problem with the answers; the dataset is read only when all else is fine."""
    problems = naming_problems(answers) + option_problems(answers)
    return problems or dataset_problems(answers)
