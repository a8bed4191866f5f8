"""evaluate, predict, serve and drift score rows the same way: through the project's `score`.

One baked project (with serving) is trained for real; then the test rows are scored by each
path and the answers compared. The forest is fitted with one thread here: with several, its
trees are summed in any order, and a row whose two probabilities tie at 0.5 may go either way
between two calls (that is scikit-learn's, not a difference between the paths).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from conftest import bake, make, run
from gitops_ml import cli
from gitops_ml.drift_stats import psi_numeric

pytestmark = pytest.mark.slow

SERVE_SCRIPT = """
import json, sys
from pathlib import Path
import pandas as pd
from starlette.testclient import TestClient
from gitops_ml.serve import ServedProject, create_app
from {package} import features, schema

project = ServedProject.from_modules(schema, features, "{package}")
frame = pd.read_parquet(sys.argv[1]).drop(columns=["churned"])
rows = json.loads(frame.to_json(orient="records"))
app = create_app(project, Path("models/model.skops"), release="test", max_rows=10**6)
client = TestClient(app)
answer = client.post("/predict", json={{"rows": rows}})
print(json.dumps(answer.json()))
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    project = bake(tmp_path_factory.mktemp("scoring"), include_serving="yes")
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["model"]["random_forest"]["n_jobs"] = 1
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    make(project, "repro")
    return project


def _rows(project, name: str):
    """The prepared rows of `name` without the target, as a CSV file a user would score."""
    frame = pd.read_parquet(project / "data" / "prepared" / f"{name}.parquet")
    path = project / "data" / f"{name}-rows.csv"
    frame.drop(columns=["churned"]).to_csv(path, index=False)
    return path


def _predict(project, rows) -> pd.DataFrame:
    out = rows.with_suffix(".scored.csv")
    run(project, "python", "-m", "churn_model.predict", rows, "-o", out)
    return pd.read_csv(out)


def test_evaluate_predict_and_serve_give_the_same_answers(trained):
    rows, test = _rows(trained, "test"), trained / "data" / "prepared" / "test.parquet"
    predicted = _predict(trained, rows)
    evaluated = pd.read_csv(trained / "plots" / "confusion.csv")
    assert len(evaluated) == len(predicted) > 100
    assert predicted["prediction"].tolist() == evaluated["predicted"].tolist()

    served = json.loads(
        run(trained, "python", "-c", SERVE_SCRIPT.format(package="churn_model"), test).stdout
    )
    assert served["predictions"] == predicted["prediction"].tolist()
    probabilities = pd.DataFrame(served["probabilities"]).add_prefix("probability_")
    pd.testing.assert_frame_equal(probabilities, predicted[probabilities.columns], atol=1e-12)


def test_drift_scores_the_models_answers_as_predict_does(trained, tmp_path, monkeypatch):
    reference, current = _rows(trained, "train"), _rows(trained, "test")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    for name in ("GITHUB_OUTPUT", "GITHUB_EVENT_PATH", "GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    command = ["drift", "--project", str(trained), "--no-issue", "--model", "models/model.skops"]
    cli.main([*command, "--reference", str(reference), "--current", str(current)])
    report = json.loads((trained / "reports" / "drift.json").read_text())
    [row] = [r for r in report["columns"] if r["column"] == "(model predictions)"]
    # The positive class's probability (POSITIVE_CLASS, "yes"), as predict writes it.
    expected = psi_numeric(
        _predict(trained, reference)["probability_yes"],
        _predict(trained, current)["probability_yes"],
    )
    assert row["value"] == pytest.approx(expected, abs=1e-12)
