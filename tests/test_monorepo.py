"""Two baked projects in one repository keep their own sticky comment and gate status."""

from __future__ import annotations

from gitops_ml import cli
from gitops_ml.metrics import fmt
from gitops_ml.report import MARKER, marker


def test_each_project_keeps_its_own_comment_and_status(monorepo, gh_standin):
    a, b = monorepo
    for project in (a, b, a):  # `a` again: its comment is updated, not added
        assert cli.main(["report", "--project", str(project), "--champion", "none"]) == 0
    comments = gh_standin.comments(7)
    assert len(comments) == 2
    by_marker = {c["body"].split("\n", 1)[0]: c["body"] for c in comments}
    assert sorted(by_marker) == sorted([marker("churn-a"), marker("churn-b")])
    assert MARKER not in by_marker  # the root project's marker stays free
    body_a = by_marker[marker("churn-a")]
    assert "## Model report of `churn-a`" in body_a
    # Each compares with its own base file (./metrics.json), not the repository root's.
    assert fmt(0.80) in body_a and fmt(0.90) not in body_a
    assert fmt(0.90) in by_marker[marker("churn-b")]

    for project in (a, b):
        assert cli.main(["gate", "--project", str(project), "--champion", "none"]) == 0
    contexts = sorted(s["context"] for s in gh_standin.statuses)
    assert contexts == ["model-gate (churn-a)", "model-gate (churn-b)"]


def test_a_project_at_the_root_keeps_the_plain_marker_and_context():
    assert marker("") == MARKER and cli.status_context("") == "model-gate"
    assert marker("we ird -->") != marker("we ird") and "-->" not in marker("x -->")[:-4]
