"""The pull-request report and model card render what a reviewer needs. Pure functions."""

from __future__ import annotations

from gitops_ml.card import render_card
from gitops_ml.checksums import mismatches, parse_sums, render_sums
from gitops_ml.gate import evaluate
from gitops_ml.project import data_hashes, flatten
from gitops_ml.report import MARKER, MAX_BODY, ReportInput, Side, mark, params_diff, render, shorten

RULES = {"roc_auc": {"min": 0.75, "max_drop": 0.02}, "log_loss": {"max_rise": 0.05}}


def _input(**changes) -> ReportInput:
    metrics = {"roc_auc": 0.86, "log_loss": 0.40}
    champion = Side(
        "champion model-20261124-abc1234",
        {"roc_auc": 0.85, "log_loss": 0.45},
        {"model.random_forest.n_estimators": 200},
        {"data/raw/churn.csv": "aaa"},
    )
    base = Side(
        "base `main`", {"roc_auc": 0.86, "log_loss": 0.40}, None, {"data/raw/churn.csv": "bbb"}
    )
    values = dict(
        metrics=metrics,
        params={"model.random_forest.n_estimators": 300},
        data={"data/raw/churn.csv": "bbb"},
        verdict=evaluate(RULES, metrics, champion.metrics),
        champion=champion,
        base=base,
        gate_rules=RULES,
        run_url="https://github.com/acme/churn/actions/runs/1",
        head="0123456789abcdef",
    )
    values.update(changes)
    return ReportInput(**values)


def test_report_has_marker_metric_diff_params_data_and_gate():
    body = render(_input())
    assert body.startswith(MARKER + "\n## Model report: ✅ gate passed")
    assert "| roc_auc ↑ | 0.8600 | 0.8500 | +0.0100 🟢 | 0.8600 | +0.0000 ⚪ |" in body
    assert "| log_loss ↓ | 0.4000 | 0.4500 | -0.0500 🟢 |" in body
    assert "| `model.random_forest.n_estimators` | `200` | `300` |" in body
    assert (
        "Data: changed since champion model-20261124-abc1234: `data/raw/churn.csv`;"
        " unchanged since base `main`." in body
    )
    assert "[workflow run](https://github.com/acme/churn/actions/runs/1)" in body


def test_direction_aware_marks():
    assert mark("roc_auc", 0.01, None) == "🟢" and mark("roc_auc", -0.01, None) == "🔴"
    assert mark("rmse", 0.5, None) == "🔴" and mark("rmse", -0.5, None) == "🟢"
    assert mark("roc_auc", 0.0, None) == "⚪" and mark("roc_auc", None, None) == ""


def test_failed_gate_and_no_champion_are_said_plainly():
    metrics = {"roc_auc": 0.70, "log_loss": 0.4}
    body = render(
        _input(metrics=metrics, verdict=evaluate(RULES, metrics, None), champion=Side("champion"))
    )
    assert "## Model report: ❌ gate failed" in body
    assert "No champion release yet: only absolute thresholds" in body
    assert "| roc_auc | 0.7000 | min 0.75, max_drop 0.02 | — | ❌ 0.7000 < min 0.75 |" in body


def test_params_diff_lists_added_removed_and_changed_keys():
    assert params_diff({"a": 1, "b": 2, "d": 4}, {"a": 1, "b": 3, "c": 5}) == [
        ("b", 3, 2),
        ("c", 5, "—"),
        ("d", "—", 4),
    ]


def test_an_oversized_report_is_shortened_with_a_note():
    body = "x" * 100 + "\n" + ("| row |\n" * 20000)
    short = shorten(body)
    assert len(short) <= MAX_BODY and short.endswith("the full report is in the job summary.\n")
    assert shorten("small\n") == "small\n"


def test_flatten_and_data_hashes():
    assert flatten({"model": {"name": "rf", "rf": {"n": 1}}, "gate": {}}) == {
        "model.name": "rf",
        "model.rf.n": 1,
        "gate": {},
    }
    lock = {
        "stages": {
            "validate": {
                "deps": [
                    {"path": "data/raw/x.csv", "md5": "m1"},
                    {"path": "src/p/v.py", "md5": "m2"},
                ],
                "outs": [{"path": "data/interim/v.parquet", "md5": "m3"}],
            },
            "prepare": {"deps": [{"path": "data/interim/v.parquet", "md5": "m3"}]},
        }
    }
    assert data_hashes(lock) == {"data/raw/x.csv": "m1"}


def test_checksums_round_trip_and_mismatch():
    digests = {"model.skops": "a" * 64, "metrics.json": "b" * 64}
    text = render_sums(digests)
    assert text == f"{'b' * 64}  metrics.json\n{'a' * 64}  model.skops\n"
    assert parse_sums(text) == digests
    assert parse_sums(f"{'a' * 64} *model.skops\n") == {"model.skops": "a" * 64}
    assert mismatches(digests, {"model.skops": "c" * 64}) == [
        "metrics.json: missing",
        f"model.skops: sha256 {'c' * 64} != expected {'a' * 64}",
    ]


def _card(**changes) -> str:
    arguments = {
        "tag": "model-20261124-0123456",
        "sha": "0123456789",
        "date": "20261124",
        "metrics": {"roc_auc": 0.86},
        "params": {"model.name": "rf"},
        "data": {"data/raw/churn.csv": "m1"},
        "digests": {"model.skops": "a" * 64},
        "gate": {
            "summary": "passed: 1 metric(s) within thresholds",
            "checks": [],
            "champion": None,
        },
        "run_url": None,
    }
    return render_card(**(arguments | changes))


ENVIRONMENT = {
    "python": "3.11.7",
    "lock_sha256": "c" * 64,
    "packages": {"scikit-learn": "1.7.2", "skops": "0.13.0", "pandas": "2.3.3", "numpy": "2.3.4"},
}


def test_model_card_carries_provenance():
    card = _card(environment=ENVIRONMENT)
    assert "trained from commit `0123456789` (2026-11-24)" in card
    assert "| roc_auc | 0.8600 |" in card and "`data/raw/churn.csv`: md5 `m1`" in card
    assert f"| `model.skops` | `{'a' * 64}` |" in card and "sha256sum -c SHA256SUMS" in card
    environment = card.split("## Environment\n")[1].split("\n## ")[0]
    assert f"- `uv.lock` sha256 `{'c' * 64}`" in environment
    assert "- Python `3.11.7`" in environment
    for name, version in ENVIRONMENT["packages"].items():
        assert f"| {name} | `{version}` |" in environment


def test_model_card_says_when_the_environment_was_not_recorded_or_not_locked():
    unknown = _card().split("## Environment\n")[1].split("\n## ")[0]
    assert "Not recorded" in unknown and "models/environment.json" in unknown
    unlocked = _card(environment=ENVIRONMENT | {"lock_sha256": None})
    assert "- no `uv.lock`: an unlocked environment" in unlocked
    assert "| scikit-learn | `1.7.2` |" in unlocked and "sha256 `None`" not in unlocked
