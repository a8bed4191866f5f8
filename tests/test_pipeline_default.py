"""The default baked project, run for real: dvc repro, MLflow, plots, reruns, releases.

Its own `make test` and `make lint` run on a user's setup in test_user_path.py.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import shutil
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from conftest import UV, bake, commit_all, make, run
from mermaid_checks import mermaid_blocks, parse_failures
from pipeline_checks import assert_model_is_checksummed, metrics_of, ran_stages, sha256

pytestmark = pytest.mark.slow

RECORDED_PACKAGES = ("scikit-learn", "skops", "pandas", "numpy")
"""The packages whose versions the model's environment.json and MLflow run record."""


@pytest.fixture(scope="module")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default project, committed as its user would, after `make repro`."""
    project = bake(tmp_path_factory.mktemp("default"))
    commit_all(project)
    result = make(project, "repro")
    assert ran_stages(result.stdout) == {"validate", "prepare", "train", "evaluate"}
    return project


def test_default_metrics_are_present_and_sane(default_project):
    metrics = metrics_of(default_project)
    assert set(metrics) == {"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"}
    assert 0.80 <= metrics["roc_auc"] <= 0.92
    assert 0.75 <= metrics["accuracy"] < 1 and 0 < metrics["f1"] < 1
    assert 0 < metrics["log_loss"] < 0.69  # better than a coin flip
    report = json.loads((default_project / "reports" / "validation.json").read_text())
    assert report["passed"] and report["rows"] == 5000


def test_default_model_and_plots(default_project):
    assert_model_is_checksummed(default_project)
    roc = (default_project / "plots" / "roc.csv").read_text().splitlines()
    assert roc[0] == "fpr,tpr" and roc[1] == "0.0,0.0" and roc[-1] == "1.0,1.0"
    confusion = (default_project / "plots" / "confusion.csv").read_text().splitlines()
    assert confusion[0] == "actual,predicted" and len(confusion) == 1001
    make(default_project, "plots")
    html = (default_project / "dvc_plots" / "index.html").read_text()
    assert "ROC curve (test set)" in html and "Confusion matrix (test set)" in html


def test_default_model_records_the_environment_that_trained_it(default_project):
    lock = default_project / "uv.lock"
    environment = json.loads((default_project / "models" / "environment.json").read_text())
    assert environment == {
        "python": platform.python_version(),
        "lock_sha256": sha256(lock) if lock.is_file() else None,
        "packages": {name: version(name) for name in RECORDED_PACKAGES},
    }


def test_default_run_is_tracked_in_mlflow(default_project):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{default_project / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("churn-model")
    [tracked] = client.search_runs([experiment.experiment_id])
    head = run(default_project, "git", "rev-parse", "HEAD").stdout.strip()
    assert tracked.data.tags["git_commit"] == head
    assert tracked.data.tags["data_sha256"] == sha256(default_project / "data/raw/churn.csv")
    assert tracked.data.tags["model_sha256"] == assert_model_is_checksummed(default_project)
    lock = default_project / "uv.lock"
    assert tracked.data.tags["lock_sha256"] == (sha256(lock) if lock.is_file() else "none")
    assert tracked.data.tags["python_version"] == platform.python_version()
    for name in RECORDED_PACKAGES:
        assert tracked.data.tags[f"version.{name}"] == version(name)
    assert tracked.data.params["model.name"] == "random_forest"
    assert tracked.data.params["model.random_forest.n_estimators"] == "200"
    assert tracked.data.metrics["test_roc_auc"] == pytest.approx(
        metrics_of(default_project)["roc_auc"]
    )
    models = client.search_logged_models(experiment_ids=[tracked.info.experiment_id])
    assert [m.source_run_id for m in models] == [tracked.info.run_id]
    ml_model = yaml.safe_load(
        Path(models[0].artifact_location.removeprefix("file://"), "MLmodel").read_text()
    )
    assert ml_model["flavors"]["sklearn"]["serialization_format"] == "skops"
    assert "signature" in ml_model and "saved_input_example_info" in ml_model
    # The logged model is the very file DVC tracks, and MLflow itself can load it.
    logged = Path(models[0].artifact_location.removeprefix("file://"), "model.skops")
    assert sha256(logged) == tracked.data.tags["model_sha256"]
    loaded = run(
        default_project,
        "python",
        "-c",
        "import sys, mlflow; mlflow.set_tracking_uri(sys.argv[1]);"
        " print(type(mlflow.sklearn.load_model(sys.argv[2])).__name__)",
        f"sqlite:///{default_project / 'mlflow.db'}",
        f"models:/{models[0].model_id}",
    )
    assert loaded.stdout.strip().splitlines()[-1] == "Pipeline"

    # Evaluating the same model again updates its run; it adds no run and no model copy.
    run(default_project, "dvc", "repro", "--force", "--single-item", "evaluate")
    assert [r.info.run_id for r in client.search_runs([experiment.experiment_id])] == [
        tracked.info.run_id
    ]
    assert len(client.search_logged_models(experiment_ids=[experiment.experiment_id])) == 1


def test_make_metrics_shows_the_new_metrics(default_project):
    shown = make(default_project, "metrics").stdout
    roc_auc = metrics_of(default_project)["roc_auc"]
    assert "metrics.json" in shown and f"{roc_auc:.5f}"[:5] in shown


def test_unchanged_pipeline_reruns_nothing_and_one_param_reruns_only_train(
    default_project, tmp_path
):
    project = Path(shutil.copytree(default_project, tmp_path / "copy", symlinks=True))
    again = run(project, "dvc", "repro")
    assert ran_stages(again.stdout) == set()
    assert again.stdout.count("didn't change, skipping") == 4
    params = project / "params.yaml"
    text = params.read_text()
    assert "n_estimators: 200" in text
    params.write_text(text.replace("n_estimators: 200", "n_estimators: 120"))
    tuned = run(project, "dvc", "repro")
    assert ran_stages(tuned.stdout) == {"train", "evaluate"}
    assert sha256(project / "models/model.skops") != sha256(default_project / "models/model.skops")


def test_a_new_gitops_ml_retrains_and_its_unversioned_edits_do_not(default_project, tmp_path):
    project = Path(shutil.copytree(default_project, tmp_path / "bump", symlinks=True))
    library = project / "vendor" / "gitops-ml"
    # Touching the library's code without a new version is not an upgrade: nothing reruns.
    report = library / "gitops_ml" / "report.py"
    report.write_text(report.read_text() + "\n# a local note\n")
    assert ran_stages(run(project, "dvc", "repro").stdout) == set()
    # A new version changes uv.lock, which `train` depends on: the model is trained again.
    pyproject = library / "pyproject.toml"
    text = pyproject.read_text()
    version = re.search(r'^version = "(.+)"$', text, re.M).group(1)
    pyproject.write_text(text.replace(f'version = "{version}"', 'version = "99.0.0"'))
    run(project, UV, "lock", "--offline", "--python", sys.executable)
    assert 'name = "gitops-ml"\nversion = "99.0.0"' in (project / "uv.lock").read_text()
    assert ran_stages(run(project, "dvc", "repro").stdout) == {"train", "evaluate"}


def test_retraining_the_same_commit_gives_the_same_model_bytes(default_project, tmp_path):
    project = Path(shutil.copytree(default_project, tmp_path / "again", symlinks=True))
    run(project, "dvc", "repro", "--force", "--no-run-cache")
    for name in ("models/model.skops", "models/environment.json", "metrics.json", "dvc.lock"):
        assert sha256(project / name) == sha256(default_project / name), name


def test_make_gate_and_report_run_the_toolkit_locally(default_project):
    gate = make(default_project, "gate")
    assert "gate passed: 3 metric(s) within thresholds" in gate.stdout
    assert "no GitHub token: not compared with a champion" in gate.stdout
    verdict = json.loads((default_project / "reports" / "gate.json").read_text())
    assert verdict["passed"] is True and [c["metric"] for c in verdict["checks"]] == [
        "roc_auc",
        "f1",
        "log_loss",
    ]
    report = make(default_project, "report").stdout
    assert "## Model report: ✅ gate passed" in report
    assert "| roc_auc ↑ |" in report
    [chart] = mermaid_blocks(report)  # this change's ROC curve: no champion without a token
    assert chart.count("line [") == 2 and not parse_failures([chart])


def test_predict_scores_with_a_release_and_refuses_a_tampered_one(default_project, tmp_path):
    import pandas as pd
    from github_standin import GitHubStandIn
    from gitops_ml.checksums import render_sums

    incoming = tmp_path / "incoming.csv"
    raw = pd.read_csv(default_project / "data/raw/churn.csv")
    raw.drop(columns=["churned"]).head(700).to_csv(incoming, index=False)
    names = {"model.skops": "models/model.skops", "metrics.json": "metrics.json"}
    contents = {name: (default_project / path).read_bytes() for name, path in names.items()}
    sums = render_sums({n: hashlib.sha256(c).hexdigest() for n, c in contents.items()}).encode()
    with GitHubStandIn(token="t0ken") as github:
        github.add_release("model-20261101-good000", {**contents, "SHA256SUMS": sums})
        env = {"GITHUB_TOKEN": "t0ken", "GITHUB_REPOSITORY": "acme/churn-model"}
        env["GITHUB_API_URL"] = github.base_url
        scored = tmp_path / "scored.parquet"
        predict = ["python", "-m", "churn_model.predict", incoming, "-o", scored]
        run(default_project, *predict, "--release", "latest", "--chunk-rows", "250", env_extra=env)
        frame = pd.read_parquet(scored)
        assert len(frame) == 700 and set(frame["model_release"]) == {"model-20261101-good000"}
        assert list(frame.columns[-4:]) == [
            "prediction",
            "probability_no",
            "probability_yes",
            "model_release",
        ]

        evil = {
            **contents,
            "model.skops": contents["model.skops"] + b"tampered",
            "SHA256SUMS": sums,
        }
        github.add_release("model-20261102-evil000", evil, make_latest="false")
        refused = tmp_path / "refused.csv"
        result = run(
            default_project,
            "python",
            "-m",
            "churn_model.predict",
            incoming,
            "-o",
            refused,
            "--release",
            "model-20261102-evil000",
            check=False,
            env_extra=env,
        )
        assert result.returncode == 1
        assert "checksum mismatch: model.skops" in result.stderr
        assert not refused.exists()
        github.assert_contract()


def test_drift_of_the_model_predictions(default_project, tmp_path):
    import pandas as pd

    current = tmp_path / "current.csv"
    frame = pd.read_csv(default_project / "data/raw/churn.csv").drop(columns=["churned"])
    frame["tenure_months"] = (frame["tenure_months"] // 4).astype(int)  # far newer customers
    frame.to_csv(current, index=False)
    result = run(
        default_project,
        "gitops-ml",
        "drift",
        "--current",
        current,
        "--model",
        "models/model.skops",
        "--no-issue",
        check=False,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads((default_project / "reports/drift.json").read_text())
    predictions = next(r for r in report["columns"] if r["kind"] == "prediction")
    assert predictions["statistic"] == "psi" and predictions["value"] > 0.1
