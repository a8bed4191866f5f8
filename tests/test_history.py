"""The report's History section: the last releases' gated metrics, this change last."""

from __future__ import annotations

from gitops_ml import cli
from gitops_ml.history import BARS, MISSING, Point, history_section, load_history, sparkline
from test_promote import release_files


def test_the_sparkline_scales_between_the_smallest_and_the_largest():
    assert sparkline([0.0, 0.5, 1.0, 0.25]) == BARS[0] + BARS[4] + BARS[-1] + BARS[2]
    assert sparkline([0.5, None, 0.5]) == BARS[3] + MISSING + BARS[3]  # flat: mid-height
    assert sparkline([None, None]) == MISSING * 2


def test_each_gated_metric_gets_a_row_with_this_change_last_and_in_bold():
    points = [
        Point("model-1", {"roc_auc": 0.80, "log_loss": 0.5}),
        Point("model-2", {"roc_auc": 0.9}),
    ]
    rules = {"roc_auc": {"min": 0.75}, "log_loss": {"max_rise": 0.05}}
    lines = history_section(points, {"roc_auc": 0.9, "log_loss": 0.4}, rules)
    [roc] = [line for line in lines if line.startswith("| roc_auc ↑")]
    assert roc == f"| roc_auc ↑ | `{BARS[0]}{BARS[-1]}` **{BARS[-1]}** | 0.8000 – 0.9000 | 0.9000 |"
    [loss] = [line for line in lines if line.startswith("| log_loss ↓")]
    assert f"`{BARS[-1]}{MISSING}` **{BARS[0]}**" in loss and "0.5000 – 0.5000" in loss
    assert lines[-1] == "<sub>From `model-1` to `model-2`.</sub>"
    assert history_section([], {"roc_auc": 0.8}, rules) == [
        "No published release yet: nothing to compare with."
    ]


def test_the_last_releases_are_read_verified_oldest_first(gh_standin, client):
    for n, roc_auc in enumerate((0.81, 0.83, 0.85, 0.84), 1):
        gh_standin.add_release(f"model-{n}", release_files(roc_auc))
    forged = release_files(0.99)
    forged["metrics.json"] = forged["metrics.json"].replace(b"0.99", b"0.999")  # not as listed
    gh_standin.add_release("model-5", forged)
    gh_standin.add_release("model-6", release_files(0.5), draft=True, make_latest="false")
    gh_standin.add_release("model-7", release_files(0.7), prerelease=True, make_latest="false")
    points, skipped = load_history(client, limit=3)
    assert [p.tag for p in points] == ["model-2", "model-3", "model-4"]
    assert [p.metrics["roc_auc"] for p in points] == [0.83, 0.85, 0.84]
    [note] = skipped
    assert note.startswith("model-5: ") and "checksum mismatch" in note and "/tmp" not in note


def test_the_comment_shows_the_history(monorepo, gh_standin):
    project, _ = monorepo
    for n, roc_auc in enumerate((0.78, 0.8), 1):
        gh_standin.add_release(f"model-{n}", release_files(roc_auc))
    argv = ["report", "--project", str(project), "--champion", "none"]
    assert cli.main([*argv, "--history", "5"]) == 0
    [comment] = gh_standin.comments(7)
    assert "### History" in comment["body"]
    assert "From `model-1` to `model-2`." in comment["body"]
    assert "| roc_auc ↑ |" in comment["body"] and "0.7800 – 0.8000 | 0.8200 |" in comment["body"]
    assert cli.main([*argv, "--history", "0"]) == 0
    assert "### History" not in gh_standin.comments(7)[0]["body"]
