"""`gitops-ml drift` on a baked project against the GitHub stand-in: one issue, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import bake
from github_standin import GitHubStandIn
from gitops_ml import cli
from make_churn_data import generate

TOKEN = "ghs_test_write_token"
BOT = "github-actions[bot]"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return bake(tmp_path_factory.mktemp("drift"))


def current_data(
    project: Path, name: str, *, shift: float = 0.0, new_contract: float = 0.0, european=False
) -> str:
    """Fresh churn-like data (another seed); optionally shifted or with a new category, or
    written as a European spreadsheet writes CSV (cp1252, semicolons, decimal commas)."""
    frame = generate(3000, seed=7)
    charges = frame["monthly_charges"]
    frame["monthly_charges"] = (charges + shift * charges.std()).round(2)
    if new_contract:
        rng = np.random.default_rng(3)
        contract = frame["contract"].astype(str)
        contract[rng.random(len(frame)) < new_contract] = "three-year"
        frame["contract"] = contract
    path = project / "data" / "current" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    dialect = {"sep": ";", "decimal": ",", "encoding": "cp1252"} if european else {}
    frame.drop(columns=["churned"]).to_csv(path, index=False, **dialect)
    return f"data/current/{name}"


@pytest.fixture
def github(monkeypatch, tmp_path):
    with GitHubStandIn(token=TOKEN) as standin:
        for key, value in {
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_REPOSITORY": "acme/churn-model",
            "GITHUB_API_URL": standin.base_url,
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        }.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
        monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
        yield standin
        standin.assert_contract()


def drift(project: Path, current: str, *extra: str) -> int:
    return cli.main(["drift", "--project", str(project), "--current", current, *extra])


def test_same_distribution_is_no_drift_and_opens_nothing(project, github):
    assert drift(project, current_data(project, "same.csv")) == 0
    report = json.loads((project / "reports" / "drift.json").read_text())
    assert report["status"] == "no drift"
    psi = {r["column"]: r["value"] for r in report["columns"] if r["statistic"] == "psi"}
    assert set(psi) == {
        "tenure_months", "monthly_charges", "total_charges", "support_calls", "age",
        "contract", "internet_service", "payment_method", "paperless_billing", "region",
    }  # fmt: skip
    assert max(psi.values()) < 0.1
    assert github.issues == [] and github.dispatches == []


def test_a_spreadsheet_export_is_read_as_the_bake_reads_it(project, github):
    psi = {}
    for name, european in (("plain.csv", False), ("export.csv", True)):
        assert drift(project, current_data(project, name, european=european)) == 0
        report = json.loads((project / "reports" / "drift.json").read_text())
        psi[name] = {r["column"]: r["value"] for r in report["columns"]}
    assert psi["export.csv"] == psi["plain.csv"]
    assert github.issues == []


def test_drift_opens_one_issue_then_updates_it_and_retrains(project, github, tmp_path):
    current = current_data(project, "shifted.csv", shift=1.0, new_contract=0.3)
    assert drift(project, current, "--retrain-if", "true") == 1
    report = json.loads((project / "reports" / "drift.json").read_text())
    worst = report["columns"][0]
    assert worst["verdict"] == "alert" and worst["column"] in ("monthly_charges", "contract")
    contract = next(
        r for r in report["columns"] if r["column"] == "contract" and r["statistic"] == "psi"
    )
    assert "new categories: three-year" in contract["detail"]
    [issue] = github.issues
    assert issue["title"] == "Data drift detected" and [lb["name"] for lb in issue["labels"]] == [
        "drift"
    ]
    assert "| monthly_charges | psi |" in issue["body"]
    assert len(github.dispatches) == 1 and github.dispatches[0]["ref"] == "main"

    assert drift(project, current) == 1  # again, without retraining
    assert len(github.issues) == 1
    [comment] = github.comments(issue["number"])
    assert "## Data drift: drift" in comment["body"]
    assert drift(project, current) == 1
    assert len(github.comments(issue["number"])) == 1 and len(github.dispatches) == 1
    summary = Path(tmp_path / "summary.md").read_text()
    assert summary.index("🔴 alert") < summary.index("🟢 ok")  # worst first


def test_drift_leaves_another_users_comment_carrying_the_marker_alone(project, github):
    from gitops_ml.drift import MARKER

    issue = github.add_issue("Data drift detected", "an earlier report", ["drift"], user=BOT)
    [forged] = github.add_comments(
        issue["number"], 1, body=f"{MARKER}\nwritten by a person", user="mallory"
    )
    assert drift(project, current_data(project, "shifted-again.csv", shift=1.0)) == 1
    comments = github.comments(issue["number"])
    assert [c for c in comments if c["user"]["login"] == "mallory"] == [forged]
    [report] = [c for c in comments if c["user"]["login"] == BOT]
    assert report["body"].startswith(f"{MARKER}\n## Data drift: drift")


def test_schema_invalid_data_is_reported_not_drift(project, github):
    path = project / "data" / "current" / "broken.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("tenure_months,contract\nmany,one-year\n")
    assert drift(project, "data/current/broken.csv") == 2
    summary = Path(github_summary()).read_text()
    assert "Drift could not be checked" in summary and "column_in_dataframe" in summary
    assert "coerce_dtype('int64')" in summary
    assert github.issues == []


def github_summary() -> str:
    import os

    return os.environ["GITHUB_STEP_SUMMARY"]


def test_a_tampered_model_is_one_line_not_a_traceback(project, github, capsys):
    model = project / "models" / "tampered.skops"
    model.parent.mkdir(exist_ok=True)
    model.write_bytes(b"PK\x03\x04 not the model that was trained")
    (model.parent / "tampered.skops.sha256").write_text(f"{'0' * 64}  tampered.skops\n")
    current = current_data(project, "same.csv")
    assert drift(project, current, "--model", "models/tampered.skops") == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "could not check" in line and "SHA-256 mismatch" in line
    assert github.issues == []


def test_current_data_from_a_url(project, github):
    import functools
    import http.server
    import threading

    current_data(project, "served.csv", shift=1.0)
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(project / "data" / "current")
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/served.csv"
        assert drift(project, url, "--no-issue") == 1
        assert drift(project, url.replace("served", "missing"), "--no-issue") == 2
    finally:
        server.shutdown()
    report = json.loads((project / "reports" / "drift.json").read_text())
    assert report["current"] == url and report["status"] == "drift"


def test_current_data_from_a_dvc_tracked_path(tmp_path, github):
    from conftest import commit_all, run

    project = bake(tmp_path, dvc_remote="local")
    current = current_data(project, "tracked.csv")
    run(project, "dvc", "add", current)
    run(project, "dvc", "push", current)
    commit_all(project)
    (project / current).unlink()
    run(project, "rm", "-rf", ".dvc/cache")
    assert drift(project, current, "--no-issue") == 0
    assert (project / current).is_file()
