"""The pre-generation checks of cookiecutter answers (called directly, no bake)."""

from __future__ import annotations

import json

import pytest
from answers import all_problems, dataset_file
from conftest import TEMPLATE

DEFAULTS = {
    k: (v[0] if isinstance(v, list) else v)
    for k, v in json.loads((TEMPLATE / "cookiecutter.json").read_text()).items()
    if not k.startswith("_")
}
DEFAULTS |= {
    "project_slug": "churn-model",
    "package_name": "churn_model",
    "target_column": "churned",
    "dvc_remote_url": "",
}


def problems(**changes: str) -> list[str]:
    return all_problems(DEFAULTS | changes)


def test_defaults_are_fine():
    assert problems() == []


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"project_slug": "bad/slug"}, "project_slug 'bad/slug' is not a valid folder name"),
        ({"project_slug": "Churn Model"}, "project_slug 'Churn Model'"),
        ({"package_name": "class"}, "package_name 'class' is a Python keyword"),
        ({"package_name": "match"}, "package_name 'match' is a Python keyword"),
        ({"package_name": "9lives"}, "package_name '9lives' is not a valid Python identifier"),
        ({"package_name": "a/b"}, "package_name 'a/b' is not a valid Python identifier"),
        ({"package_name": ""}, "package_name '' is not a valid Python identifier"),
        ({"task": "regression"}, "dataset 'churn' is a classification dataset"),
        (
            {"dataset": "diabetes", "target_column": "progression"},
            "dataset 'diabetes' is a regression dataset",
        ),
        ({"dvc_remote": "s3"}, "dvc_remote_url is empty but dvc_remote is 's3'"),
        ({"dvc_remote": "s3", "dvc_remote_url": "gs://b/x"}, "should start with s3://"),
        ({"mlflow_tracking_uri": "localhost:5000"}, "is not a tracking URI"),
        ({"actions_repo": "just-a-name"}, "actions_repo 'just-a-name' must look like owner/name"),
        ({"dataset": "csv", "dataset_path": ""}, "dataset_path is empty"),
        ({"drift_schedule": "weekly"}, "drift_schedule 'weekly' is not a cron expression"),
        ({"runs_on": "ubuntu latest"}, "runs_on 'ubuntu latest' must be one runner label"),
    ],
)
def test_bad_answers_are_named(changes, fragment):
    found = problems(**changes)
    assert any(fragment in p for p in found), found


def _csv(tmp_path, text: str) -> str:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("text", "target", "task", "fragment"),
    [
        ("", "y", "classification", "the file is empty"),
        ("a,y\n", "y", "classification", "has a header but no rows"),
        ("a,a,y\n1,2,3\n", "y", "classification", "duplicate column names ['a']"),
        ("a,b\n1,2\n3,4\n", "y", "classification", "target_column 'y' is not a column"),
        ("a;b;y\n1;2;3\n", "label", "classification", "is not a column"),
        ("a,y\n1,yes\n2,yes\n", "y", "classification", "has a single value ('yes')"),
        ("a,y\n1,\n2,\n", "y", "classification", "has no values"),
        ("a,y\n1,cat\n2,dog\n", "y", "regression", "holds text ('cat', 'dog'"),
        ("a,y\n1,0.5\n2,1.25\n", "y", "classification", "holds continuous numbers"),
        ("a,y\n1,TRUE\n2,false\n", "y", "regression", "holds text (np.True_, np.False_"),
        ("a,y\n1,7\n2,7\n", "y", "classification", "has a single value (np.int64(7))"),
        ("a,y\n1,2\n3,4,5\n", "y", "classification", "expected 2 fields in line 3, saw 3"),
        ('a,y\n1,2\n3,"4\n', "y", "classification", "field that starts in line 3 is never closed"),
        (",y\n1,a\n2,b\n", "target", "classification", "its columns are: 'Unnamed: 0', 'y'"),
    ],
)
def test_bad_csv_datasets_are_refused(tmp_path, text, target, task, fragment):
    found = problems(
        dataset="csv", dataset_path=_csv(tmp_path, text), target_column=target, task=task
    )
    assert any(fragment in p for p in found), found


def test_too_many_classes_is_refused(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("a,y\n" + "".join(f"{i},class {i % 60}\n" for i in range(120)))
    found = problems(dataset="csv", dataset_path=str(path), target_column="y")
    assert any("has 60 distinct values" in p for p in found), found


def test_messy_csv_is_accepted(messy_answers):
    assert problems(**messy_answers) == []


def test_missing_file_is_named(tmp_path):
    found = problems(dataset="csv", dataset_path=str(tmp_path / "nope.csv"))
    assert any("nope.csv: no such file" in p for p in found), found


def test_diabetes_target_may_be_renamed():
    assert problems(dataset="diabetes", task="regression", target_column="progression") == []
    assert problems(dataset="diabetes", task="regression", target_column="disease score") == []


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("bmi", "target_column 'bmi' is already a feature of the diabetes data"),
        (" ", "target_column is empty"),
    ],
)
def test_diabetes_target_must_be_a_new_name(target, fragment):
    found = problems(dataset="diabetes", task="regression", target_column=target)
    assert any(fragment in p for p in found), found


def test_a_relative_dataset_path_is_taken_from_the_folder_cookiecutter_ran_in(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "shop.csv").write_text("a,y\n1,x\n2,z\n", encoding="utf-8")
    answers = {"dataset": "csv", "dataset_path": "data/shop.csv", "target_column": "y"}
    answers["__working_dir"] = str(tmp_path)
    assert dataset_file(answers) == tmp_path / "data" / "shop.csv"
    assert problems(**answers) == []


def test_a_relative_dataset_path_not_there_is_named_as_typed_and_where_it_was_sought(tmp_path):
    found = problems(dataset="csv", dataset_path="data/wine.csv", __working_dir=str(tmp_path))
    assert found == [f"dataset_path data/wine.csv (= {tmp_path}/data/wine.csv): no such file"]


@pytest.mark.parametrize("typed", ["{home}/x.csv", "~/x.csv", " ~/x.csv "])
def test_absolute_and_home_paths_ignore_the_working_folder(tmp_path, monkeypatch, typed):
    monkeypatch.setenv("HOME", str(tmp_path))
    answers = {"dataset_path": typed.format(home=tmp_path), "__working_dir": "/elsewhere"}
    assert dataset_file(answers) == tmp_path / "x.csv"
