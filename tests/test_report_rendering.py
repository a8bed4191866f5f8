"""The pull-request report, model card and drift report render what a reviewer needs, and
nothing a project's values could make them say. Pure functions."""

from __future__ import annotations

import re

import pytest
from gitops_ml import drift, limits
from gitops_ml.card import render_card
from gitops_ml.checksums import mismatches, parse_sums, render_sums
from gitops_ml.drift_stats import ColumnDrift
from gitops_ml.gate import evaluate
from gitops_ml.markdown import WORD_JOINER, cell_code, code, one_line, text
from gitops_ml.project import data_hashes, flatten
from gitops_ml.report import MARKER, ReportInput, Side, gate_section, mark, params_diff, render
from markdown_checks import HOSTILE, assert_inert, code_spans, plain_text

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
        "base", {"roc_auc": 0.86, "log_loss": 0.40}, None, {"data/raw/churn.csv": "bbb"}, "main"
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
    assert "| roc_auc | 0.7000 | min 0.75, max_drop 0.02 | — | ❌ 0.7000 \\< min 0.75 |" in body


def test_params_diff_lists_added_removed_and_changed_keys():
    assert params_diff({"a": 1, "b": 2, "d": 4}, {"a": 1, "b": 3, "c": 5}) == [
        ("b", 3, 2),
        ("c", 5, "—"),
        ("d", "—", 4),
    ]


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


# ------------------------------------------------- project values cannot act in Markdown


def _shown(value: str) -> str:
    """What a reader sees of `value`: line breaks and controls as their pictures."""
    return one_line(value)


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_shows_as_written_in_code_and_text_in_a_paragraph_and_a_table(value):
    paragraph = f"x {code(value)} y {text(value)} z\n"
    [span] = code_spans(paragraph)
    assert span.replace(WORD_JOINER, "") == (_shown(value) or " ")
    words = plain_text(paragraph).replace(WORD_JOINER, "")
    assert words.endswith(f" y {_shown(value)} z")
    table = f"| a | b |\n|---|---|\n| {cell_code(value)} | {text(value)} |\n"
    [span] = code_spans(table)
    assert span.replace(WORD_JOINER, "") == (_shown(value) or " ")
    assert plain_text(table).replace(WORD_JOINER, "").split("\n")[2:] == (
        [_shown(value).strip()] if _shown(value).strip() else []
    )
    assert_inert(paragraph, "x `v` y v z\n", None)
    assert_inert(table, "| a | b |\n|---|---|\n| `v` | v |\n", None)


def test_identifiers_stay_readable_in_the_raw_markdown():
    assert (
        text("roc_auc") == "roc_auc" and text("model-20261101-champ01") == "model-20261101-champ01"
    )
    assert text("_private") == "\\_private" and text("2 * 3") == "2 \\* 3"
    assert code("a`b") == "``a`b``" and code("`x") == "`` `x ``" and code("") == "` `"
    assert cell_code("a|b") == "`a\\|b`" and code("a|b") == "`a|b`"


def _values(hostile: bool) -> list[str]:
    """The hostile values, or as many harmless ones."""
    return list(HOSTILE) if hostile else [f"value{i}" for i in range(len(HOSTILE))]


def _hostile_report(hostile: bool) -> str:
    values = _values(hostile)
    metrics = {f"metric {v}": 0.5 for v in values} | {"roc_auc": values[0]}
    rules = {"roc_auc": {"min": "\n0.75\n"}} | {f"metric {v}": {"min": 0.1} for v in values}
    champion = Side(
        f"champion {values[1]}",
        {f"metric {v}": 0.4 for v in values},
        {f"key {v}": f"old {v}" for v in values},
        {f"data/{v}.csv": "aaa" for v in values},
    )
    base = Side("base", None, None, {f"data/{v}.csv": "bbb" for v in values}, values[2])
    return render(
        ReportInput(
            metrics=metrics,
            params={f"key {v}": v for v in values},
            data={f"data/{v}.csv": "ccc" for v in values},
            verdict=evaluate(rules, metrics, champion.metrics),
            champion=champion,
            base=base,
            gate_rules=rules,
            run_url="https://github.com/acme/churn/actions/runs/1",
            head="0123456789abcdef",
        )
    )


def test_hostile_values_cannot_act_in_the_report():
    hostile = _hostile_report(True)
    assert_inert(hostile, _hostile_report(False), MARKER)
    assert hostile.startswith(MARKER + "\n## Model report: ❌ gate failed\n")
    spans = {span.replace(WORD_JOINER, "") for span in code_spans(hostile)}
    for value in HOSTILE:  # each param value is there, as written, in a code span
        assert (_shown(value) or " ") in spans
        assert f"key {_shown(value)}" in spans and f"old {_shown(value)}" in spans
    words = plain_text(hostile).replace(WORD_JOINER, "")
    assert f"metric {_shown(HOSTILE[3])}" in words and "is not a number" in words


def _hostile_card(hostile: bool) -> str:
    values = _values(hostile)
    checks = [
        {"metric": v, "thresholds": f"min {v}", "passed": False, "reason": f"is {v}"}
        for v in values
    ]
    return render_card(
        tag=values[0],
        sha=values[1],
        date="20261124",
        metrics={f"metric {v}": 0.5 for v in values},
        params={f"key {v}": v for v in values},
        data={f"data/{v}.csv": v for v in values},
        digests={f"file {v}": "a" * 64 for v in values},
        gate={"summary": f"failed: {values[3]}", "champion": values[4], "checks": checks},
        run_url=None,
        environment={
            "python": values[5],
            "lock_sha256": values[6],
            "packages": {f"package {v}": v for v in values},
        },
    )


def test_hostile_values_cannot_act_in_the_model_card():
    hostile = _hostile_card(True)
    assert_inert(hostile, _hostile_card(False), None)
    spans = {span.replace(WORD_JOINER, "") for span in code_spans(hostile)}
    assert all((_shown(v) or " ") in spans and f"key {_shown(v)}" in spans for v in HOSTILE)


def _hostile_drift(hostile: bool) -> str:
    values = _values(hostile)
    rows = [
        ColumnDrift(v, "categorical", "psi", 0.3, 0.25, "alert", f"new categories: {v}, x")
        for v in values
    ]
    return drift.render(rows, values[0], values[1], "drift")


def test_hostile_values_cannot_act_in_the_drift_report():
    hostile = _hostile_drift(True)
    assert_inert(hostile, _hostile_drift(False), drift.MARKER)
    words = plain_text(hostile).replace(WORD_JOINER, "")
    assert all(f"new categories: {_shown(v)}, x" in words for v in HOSTILE if v.strip())


def test_hostile_values_cannot_act_in_the_gate_summary():
    def summary(hostile: bool) -> str:
        values = _values(hostile)
        rules = {v: {"min": 0.5} for v in values}
        metrics = {v: v for v in values}
        return "\n".join(["### Model gate", "", *gate_section(evaluate(rules, metrics, None))])

    assert_inert(summary(True), summary(False), None)


# ------------------------------------------------------ a long report: comment and summary


def _params_report(n: int, width: int) -> str:
    head = {f"model.grid.param_{i:05d}": f"{i:05d}-new-" + "v" * width for i in range(n)}
    old = {key: value.replace("-new-", "-old-") for key, value in head.items()}
    champion = Side("champion model-1", {"roc_auc": 0.85, "log_loss": 0.45}, old, {})
    return render(_input(params=head, champion=champion))


def _param_rows(body: str) -> list[str]:
    return re.findall(r"^\| `model\.grid\.param_\d{5}` \|.*$", body, flags=re.M)


def test_a_3000_parameter_diff_is_whole_in_the_job_summary_and_cut_in_the_comment():
    full = _params_report(3000, 20)
    assert limits.COMMENT_LIMIT < len(full) < limits.SUMMARY_BUDGET
    url = "https://github.com/acme/churn/actions/runs/1"
    summary, comment = limits.for_summary(full), limits.for_comment(full, url)

    assert summary == full and len(_param_rows(summary)) == 3000
    assert "✂️" not in summary

    assert len(comment) <= limits.COMMENT_LIMIT
    kept, note = comment.rsplit("\n> ✂️ ", 1)
    assert full.startswith(kept) and kept.endswith("\n")  # cut on a line boundary
    left_out = len(full.splitlines()) - len(kept.splitlines())
    total = len(full.splitlines())
    assert 0 < len(_param_rows(comment)) < 3000
    assert note == (
        "This report is over GitHub's limit of 65,536 characters for a comment:"
        f" the last {left_out:,} of its {total:,} lines are left out."
        f" The full report is in the job summary of [this workflow run]({url}).\n"
    )


def test_a_report_over_a_mebibyte_is_cut_in_the_summary_too_and_the_comment_says_so():
    full = _params_report(3000, 400)
    assert limits.utf8_size(full) > limits.SUMMARY_LIMIT
    summary, comment = limits.for_summary(full), limits.for_comment(full)
    assert limits.utf8_size(summary) <= limits.SUMMARY_BUDGET < limits.SUMMARY_LIMIT
    kept, note = summary.rsplit("\n> ✂️ ", 1)
    assert full.startswith(kept) and 0 < len(_param_rows(kept)) < 3000
    left_out = len(full.splitlines()) - len(kept.splitlines())
    assert note == (
        "This report is over GitHub's 1 MiB limit for a job summary:"
        f" the last {left_out:,} of its {len(full.splitlines()):,} lines are left out.\n"
    )
    assert len(comment) <= limits.COMMENT_LIMIT
    assert "full report" not in comment
    assert comment.endswith("More of it, up to GitHub's 1 MiB limit, is in the job summary.\n")


def test_a_report_within_the_limits_is_left_whole():
    body = render(_input())
    assert limits.for_comment(body) == body == limits.for_summary(body)
