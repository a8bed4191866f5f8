"""`gitops-ml`: the commands behind the GitHub actions, runnable locally too.

    gitops-ml pull          restore DVC-tracked data and cached outputs (dvc pull / checkout)
    gitops-ml summary       metrics of the last `dvc repro`, for the job summary
    gitops-ml gate          check metrics against `gate:` in params.yaml (and the champion)
    gitops-ml report        metric/params/data diff as a sticky pull-request comment
    gitops-ml post-report   post a fork's report from its run's artifact (on workflow_run)
    gitops-ml publish       publish the model as a GitHub Release (after a passed gate)
    gitops-ml fetch-model   download the champion (or a tag) and verify SHA256SUMS
    gitops-ml promote       make a verified release the champion (an older tag rolls back)
    gitops-ml drift         compare current data with the training data; issue on drift

GitHub is reached through GITHUB_TOKEN, GITHUB_REPOSITORY and GITHUB_API_URL; outside Actions,
without a token, gate and report compare with nothing remote and say so.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from . import gate as gate_rules
from . import markdown, report_artifact
from .card import render_card
from .checksums import SUMS_NAME, render_sums, sha256_file
from .comment import upsert_comment
from .context import Context
from .fetch import FetchError, fetch_release
from .github import GitHub, GitHubError
from .history import DEFAULT_RELEASES
from .limits import for_comment, for_summary
from .metrics import fmt
from .plot_files import read_curves_from
from .project import (
    ENVIRONMENT,
    LOCK,
    METRICS,
    OPTIONAL_RELEASE_FILES,
    PARAMS,
    RELEASE_FILES,
    ProjectError,
    commit_date,
    data_hashes,
    dvc,
    flatten,
    project_path,
    read_environment,
    read_metrics,
    read_yaml,
)
from .promote import PromoteError, promote
from .publish import PublishError, publish, release_tag
from .report import ReportInput, gate_section, marker, render
from .report_data import base_side, build_report, load_champion, read_plots
from .retry import MAX_WAIT_ENV, parse_max_wait
from .stage import atomic_write

GATE_RESULT = Path("reports/gate.json")
STATUS_CONTEXT = "model-gate"


def status_context(project_path: str) -> str:
    """The commit status of the gate: `model-gate`, or `model-gate (<folder>)` for a project in
    a folder of a monorepo, so each project's gate can be required on its own."""
    return f"{STATUS_CONTEXT} ({project_path})" if project_path else STATUS_CONTEXT


def set_gate_status(
    gh: GitHub, sha: str, verdict: gate_rules.Verdict, context: str, url: str | None
) -> str:
    """Set the gate's commit status on `sha` from `verdict`; returns the state set."""
    state = "success" if verdict.passed else "failure"
    gh.create_status(sha, state, context, verdict.summary(), url)
    return state


class CommandError(Exception):
    """A command cannot do its job; the message says why (exit code 1)."""


def _client(ctx: Context) -> GitHub | None:
    return GitHub.from_context(ctx)


def _head_sha(ctx: Context) -> str:
    """The commit being judged: a pull request's head, else GITHUB_SHA."""
    pull = ctx.event.get("pull_request") or {}
    return (pull.get("head") or {}).get("sha") or ctx.sha


def _rules(project: Path) -> dict:
    params = read_yaml(project / PARAMS) or {}
    return gate_rules.validate_rules(params.get("gate"))


# ------------------------------------------------------------------ commands


def cmd_pull(args: argparse.Namespace, ctx: Context) -> int:
    """Bring DVC-tracked data and cached pipeline outputs into the workspace.

    With a remote: `dvc pull`. Without: `dvc checkout` from the local cache (which the setup
    action restores), so a pipeline whose dvc.lock is unchanged has nothing to rerun.
    """
    remotes = subprocess.run(
        dvc("remote", "list"), cwd=args.project, capture_output=True, text=True
    )
    if remotes.returncode != 0:
        raise CommandError(f"`dvc remote list` failed: {remotes.stderr.strip()}")
    # --allow-missing: on a first run nothing is cached or pushed yet; `dvc repro` builds it.
    if remotes.stdout.strip():
        command, hint = ["pull", "--allow-missing"], " (are the remote's credentials set?)"
    else:
        command, hint = ["checkout", "--allow-missing"], ""
    print(f"gitops-ml: dvc {' '.join(command)}", flush=True)
    if subprocess.run(dvc(*command), cwd=args.project).returncode != 0:
        raise CommandError(f"`dvc {' '.join(command)}` failed{hint}")
    return 0


def cmd_summary(args: argparse.Namespace, ctx: Context) -> int:
    """Write the pipeline's metrics to the job summary and as the `metrics` output."""
    metrics = read_metrics(args.project / METRICS)
    lines = ["### Model metrics (test set)", "", "| metric | value |", "|---|---:|"]
    lines += [f"| {markdown.text(name)} | {fmt(value)} |" for name, value in metrics.items()]
    report = args.project / "reports" / "validation.json"
    if report.is_file():
        validation = json.loads(report.read_text(encoding="utf-8"))
        rows = validation.get("rows")
        counted = f"{rows:,}" if isinstance(rows, int) else markdown.text(rows or "?")
        lines += ["", f"Validated {counted} rows of {markdown.code(validation.get('file'))}."]
        lines += [f"- ⚠️ {markdown.text(w)}" for w in validation.get("warnings", [])]
    ctx.add_summary(for_summary("\n".join(lines) + "\n"))
    ctx.set_output("metrics", json.dumps(metrics))
    return 0


def cmd_gate(args: argparse.Namespace, ctx: Context) -> int:
    """Evaluate the gate; write reports/gate.json, the summary, the output and the status."""
    rules = _rules(args.project)
    metrics = read_metrics(args.project / METRICS)
    gh = _client(ctx)
    champion = load_champion(gh, args.champion)
    verdict = gate_rules.evaluate(rules, metrics, champion.metrics if champion else None)
    result = {
        "passed": verdict.passed,
        "summary": verdict.summary(),
        "champion": champion.label if champion else None,
        "checks": [check.__dict__ for check in verdict.checks],
    }
    target = args.project / GATE_RESULT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    title = "✅ Model gate passed" if verdict.passed else "❌ Model gate failed"
    against = f"against {champion.label}" if champion else "no champion release yet"
    if gh is None:
        against = "no GitHub token: not compared with a champion"
    ctx.add_summary("\n".join([f"### {title} ({against})", "", *gate_section(verdict)]))
    ctx.set_output("passed", "true" if verdict.passed else "false")
    ctx.set_output("summary", verdict.summary())
    sha = _head_sha(ctx)
    if gh is not None and sha and args.status:
        context = status_context(project_path(args.project))
        try:
            set_gate_status(gh, sha, verdict, context, ctx.run_url)
        except GitHubError as err:
            if err.status != 403:
                raise
            print(f"gitops-ml: warning: could not set the {context} status (read-only token)")
    print(f"gate {verdict.summary()}")
    return 0 if verdict.passed else 1


def cmd_report(args: argparse.Namespace, ctx: Context) -> int:
    """Render the report; post or update the sticky comment (or fall back to the summary).

    The job summary gets the whole report (up to GitHub's 1 MiB); the comment gets it cut to
    GitHub's 65,536 characters when it is longer, with a note pointing to the summary. With
    `--artifact-dir`, the report and its data are also written there, for `post-report`.
    """
    project = args.project
    gh = _client(ctx)
    pull = ctx.event.get("pull_request") or {}
    data = build_report(
        gh,
        args.champion,
        args.history,
        metrics=read_metrics(project / METRICS),
        rules=_rules(project),
        base=base_side(project, args.base_ref or (pull.get("base") or {}).get("ref") or "main"),
        params=flatten(read_yaml(project / PARAMS)),
        data=data_hashes(read_yaml(project / LOCK)) if (project / LOCK).is_file() else {},
        run_url=ctx.run_url,
        head=_head_sha(ctx),
        project_path=project_path(project),
        plots=read_plots("this change", lambda: read_curves_from(project)),
    )
    body = render(data)
    summary = for_summary(body)
    number = args.pr or pull.get("number")
    if args.artifact_dir and number:
        _write_artifact(args.artifact_dir, int(number), data, body, args, ctx)
    if gh is None or not number or not args.comment:
        ctx.add_summary(summary)
        return 0
    try:
        action, comment = upsert_comment(
            gh,
            int(number),
            for_comment(body, ctx.run_url),
            marker(data.project_path),
            args.comment_author or None,
        )
    except GitHubError as err:
        if err.status != 403:
            raise
        note = (
            "> ℹ️ This run's token is read-only (a pull request from a fork): the report"
            " workflow posts this report as the pull request's comment, from this run's"
            " artifact. Here it is too."
        )
        ctx.add_summary(note + "\n\n" + summary)
        print(
            "gitops-ml: the token cannot comment (read-only); the report is in the job summary"
            " and the artifact, for the report workflow to post"
        )
        return 0
    ctx.add_summary(summary)
    ctx.set_output("comment-url", comment.get("html_url", ""))
    ctx.set_output("comment-action", action)
    return 0


def _write_artifact(
    folder: Path, number: int, data: ReportInput, body: str, args, ctx: Context
) -> None:
    """`report.json` and `report.md` into `folder`, and its name as the `artifact-name` output."""
    folder.mkdir(parents=True, exist_ok=True)
    document = report_artifact.dump(number, data, args.champion, args.history)
    for name, content in (
        (report_artifact.DATA_NAME, document + "\n"),
        (report_artifact.RENDERED_NAME, body),
    ):
        atomic_write(
            folder / name, lambda tmp, text=content: tmp.write_text(text, encoding="utf-8")
        )
    ctx.set_output("artifact-name", report_artifact.artifact_name(data.project_path))
    ctx.set_output("artifact-path", str(folder))


def cmd_post_report(args: argparse.Namespace, ctx: Context) -> int:
    """On `workflow_run`: post the report a pull request's run left as an artifact.

    Every report artifact of the triggering run is downloaded and checked as hostile input
    (`report_artifact`) before anything is written; then each gets its sticky comment,
    rendered here from its data, and its gate status, evaluated here against the champion
    read from Releases. Nothing of the pull request's code runs.
    """
    gh = _client(ctx)
    if gh is None:
        raise CommandError("needs GITHUB_TOKEN and GITHUB_REPOSITORY")
    try:
        run = report_artifact.triggering_run(ctx.event, ctx.repository)
        reports = []
        for artifact in gh.run_artifacts(run.id):
            name = artifact.get("name")
            if not isinstance(name, str) or not name.startswith(report_artifact.NAME_PREFIX):
                continue
            if artifact.get("expired"):
                raise report_artifact.ArtifactError(f"artifact {name!r} has expired")
            raw = gh.read_artifact(artifact, max_size=report_artifact.MAX_ARTIFACT_BYTES)
            try:
                report = report_artifact.read_artifact(raw)
                report_artifact.check_run(report, name, run, gh.pull_request(report.pull_request))
            except report_artifact.ArtifactError as err:
                raise report_artifact.ArtifactError(f"artifact {name[:100]!r}: {err}") from None
            reports.append(report)
    except (report_artifact.ArtifactError, GitHubError) as err:
        raise CommandError(f"{err}; nothing posted") from None
    if not reports:
        print(f"gitops-ml: run {run.id} left no report artifact: nothing to post")
        return 0
    for report in reports:
        data = build_report(
            gh,
            report.champion,
            report.history,
            metrics=report.metrics,
            rules=report.gate_rules,
            base=report.base,
            params=report.params,
            data=report.data,
            run_url=run.html_url or None,
            head=report.head_sha,
            project_path=report.project_path,
            plots=report.plots,
        )
        body = render(data)
        action, comment = upsert_comment(
            gh,
            report.pull_request,
            for_comment(body, run.html_url or None),
            marker(report.project_path),
            args.comment_author or None,
        )
        assert data.verdict is not None
        context = status_context(report.project_path)
        state = set_gate_status(gh, report.head_sha, data.verdict, context, run.html_url or None)
        print(f"gitops-ml: #{report.pull_request}: comment {action}, {context} {state}")
        ctx.set_output("comment-url", comment.get("html_url", ""))
    return 0


def cmd_publish(args: argparse.Namespace, ctx: Context) -> int:
    """Publish the model release for this commit, if the gate passed."""
    project = args.project
    result_path = project / GATE_RESULT
    if not result_path.is_file():
        raise CommandError(
            f"{GATE_RESULT} not found: run `gitops-ml gate` first; nothing published"
        )
    gate_result = json.loads(result_path.read_text(encoding="utf-8"))
    if not gate_result.get("passed"):
        raise CommandError(
            f"the gate did not pass ({gate_result.get('summary')}); nothing published"
        )
    gh = _client(ctx)
    if gh is None:
        raise CommandError("GITHUB_TOKEN and GITHUB_REPOSITORY are needed to publish")
    sha = args.sha or ctx.sha
    if not sha:
        raise CommandError("no commit to publish: pass --sha or set GITHUB_SHA")
    files = {path.name: project / path for path in RELEASE_FILES}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise CommandError(f"missing {missing}: run the pipeline first; nothing published")
    files |= {p.name: project / p for p in OPTIONAL_RELEASE_FILES if (project / p).is_file()}
    environment = read_environment(project / ENVIRONMENT)
    digests = {name: sha256_file(path) for name, path in files.items()}
    metrics = read_metrics(project / METRICS)
    date = commit_date(project, sha)
    tag = release_tag(date, sha)
    with tempfile.TemporaryDirectory(prefix="gitops-ml-publish-") as tmp:
        sums = Path(tmp) / SUMS_NAME
        sums.write_text(render_sums(digests), encoding="utf-8")
        files[SUMS_NAME] = sums
        digests[SUMS_NAME] = sha256_file(sums)
        body = render_card(
            tag=tag,
            sha=sha,
            date=date,
            metrics=metrics,
            params=flatten(read_yaml(project / PARAMS)),
            data=data_hashes(read_yaml(project / LOCK)),
            digests={k: v for k, v in digests.items() if k != SUMS_NAME},
            gate=gate_result,
            run_url=ctx.run_url,
            environment=environment,
        )
        outcome = publish(gh, tag=tag, sha=sha, files=files, digests=digests, body=body)
    url = outcome.release.get("html_url", "")
    ctx.set_output("tag", tag)
    ctx.set_output("release-url", url)
    ctx.set_output("published", "true" if outcome.wrote else "false")
    if outcome.by_other_run:
        note = " (published by another run; its assets match this run's)"
    else:
        note = "" if outcome.wrote else " (already complete)"
    ctx.add_summary(f"### 📦 Released [{tag}]({url}){note}")
    return 0


def cmd_fetch_model(args: argparse.Namespace, ctx: Context) -> int:
    """Download the champion (or --tag) into --dest, verified against SHA256SUMS."""
    gh = _client(ctx)
    if gh is None:
        raise CommandError("GITHUB_TOKEN and GITHUB_REPOSITORY are needed to fetch a release")
    names = [n for n in args.files.split(",") if n] if args.files else None
    tag, placed = fetch_release(gh, args.tag, names, args.dest)
    for name, path in placed.items():
        print(f"{tag}: {path} (verified)" if name != SUMS_NAME else f"{tag}: {path}")
    ctx.set_output("tag", tag)
    ctx.set_output("path", str(args.dest))
    return 0


def cmd_promote(args: argparse.Namespace, ctx: Context) -> int:
    """Make --tag the champion after verifying it; an older tag rolls back."""
    gh = _client(ctx)
    if gh is None:
        raise CommandError("GITHUB_TOKEN and GITHUB_REPOSITORY are needed to promote a release")
    actor = args.actor or os.environ.get("GITHUB_ACTOR") or getpass.getuser()
    done = promote(gh, args.tag, actor=actor, reason=args.reason, when=datetime.now(UTC))
    ctx.set_output("previous", done.previous or "")
    if not done.changed:
        message = f"{done.tag} is already the champion: nothing changed"
    else:
        message = f"{done.tag} is the champion now (was {done.previous or 'none'})"
    ctx.add_summary(f"### 🏆 {markdown.text(message)}")
    print(f"gitops-ml promote: {message}")
    return 0


DRIFT_EXIT = {"no drift": 0, "drift": 1}
DRIFT_UNCHECKED = 2
DRIFT_REPORT = Path("reports/drift.json")


def cmd_drift(args: argparse.Namespace, ctx: Context) -> int:
    """Compare --current with --reference; report; on drift open/update the issue, maybe retrain.

    Exit 0: no drift; 1: drift; 2: could not check (bad input, schema-invalid data).
    """
    from . import drift

    project = args.project
    params = read_yaml(project / PARAMS) or {}
    reference_source = args.reference or params.get("data", {}).get("raw", "")
    try:
        limits = drift.thresholds(params)
        schema = drift.load_schema(project)
        reference = drift.check_schema(
            drift.read_data(reference_source, project, schema), schema, reference_source
        )
        current = drift.check_schema(
            drift.read_data(args.current, project, schema), schema, args.current
        )
        rows = drift.compare(reference, current, schema, limits)
        if args.model:
            model = project / args.model
            rows += [drift.prediction_drift(model, reference, current, schema, limits)]
    except drift.DriftInputError as err:
        message = f"### ⚠️ Drift could not be checked\n\n{markdown.text(err)}"
        ctx.add_summary(message)
        ctx.set_output("status", "could not check")
        print(f"gitops-ml drift: could not check: {err}", file=sys.stderr)
        return DRIFT_UNCHECKED
    rows = drift.sort_worst_first(rows)
    status = drift.overall(rows)
    body = drift.render(rows, reference_source, args.current, status)
    target = project / DRIFT_REPORT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps(drift.as_json(rows, status, reference_source, args.current), indent=2) + "\n",
        encoding="utf-8",
    )
    ctx.add_summary(for_summary(body))
    ctx.set_output("status", status)
    print(f"gitops-ml drift: {status} ({sum(r.verdict == 'alert' for r in rows)} alert(s))")
    gh = _client(ctx)
    if status == "drift" and gh is not None and args.issue:
        open_issue(gh, for_comment(body, ctx.run_url), args.label, args.comment_author or None)
        if args.retrain:
            gh.dispatch_workflow(args.workflow, gh.default_branch())
            print(f"gitops-ml drift: dispatched {args.workflow}")
            ctx.set_output("dispatched", "true")
    return DRIFT_EXIT[status]


def open_issue(gh: GitHub, body: str, label: str, author: str | None) -> None:
    """Open one drift issue, or update the report comment on the one already open.

    The report comment is `author`'s (None: anyone's), as for the pull-request report: another
    user's comment carrying the marker, quoted or forged, is neither updated nor deleted.
    """
    from .drift import MARKER

    existing = gh.open_issues(label)
    if not existing:
        issue = gh.create_issue("Data drift detected", body, [label])
        print(f"gitops-ml drift: opened issue #{issue['number']}")
        return
    action, _ = upsert_comment(gh, existing[0]["number"], body, MARKER, author)
    print(f"gitops-ml drift: {action} the report on open issue #{existing[0]['number']}")


# ---------------------------------------------------------------------- main


def _seconds(text: str) -> float:
    try:
        return parse_max_wait(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    top = argparse.ArgumentParser(prog="gitops-ml", description=__doc__.split("\n\n")[0])
    top.add_argument(
        "--max-wait",
        type=_seconds,
        metavar="SECONDS",
        help=f"most seconds to spend waiting on GitHub (rate limits, retries) in all"
        f" (default: ${MAX_WAIT_ENV}, else 600)",
    )
    sub = top.add_subparsers(dest="command", required=True)

    def command(
        name: str, handler, help_text: str, *, project: bool = True
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        if project:
            p.add_argument(
                "--project", type=Path, default=Path("."), help="the project folder (default: .)"
            )
        return p

    command("pull", cmd_pull, "restore DVC-tracked data and cached outputs")
    command("summary", cmd_summary, "write the pipeline's metrics to the job summary")
    gate = command("gate", cmd_gate, "check metrics against the gate thresholds in params.yaml")
    gate.add_argument(
        "--champion",
        default="latest",
        help="release to compare with: latest (default), a tag, or none",
    )
    gate.add_argument(
        "--no-status",
        dest="status",
        action="store_false",
        help="do not set the model-gate commit status",
    )
    report = command(
        "report", cmd_report, "post the metric/params/data diff as a sticky PR comment"
    )
    report.add_argument(
        "--champion", default="latest", help="release to compare with: latest, a tag, or none"
    )
    report.add_argument(
        "--history",
        type=int,
        default=DEFAULT_RELEASES,
        metavar="N",
        help=f"show the gated metrics of the last N releases (default {DEFAULT_RELEASES}; 0: none)",
    )
    report.add_argument("--pr", type=int, help="pull request number (default: from the event)")
    report.add_argument("--base-ref", help="base branch (default: from the event, else main)")
    report.add_argument(
        "--comment-author",
        default="github-actions[bot]",
        help="login owning the sticky comment ('' for any)",
    )
    report.add_argument(
        "--no-comment", dest="comment", action="store_false", help="only write the job summary"
    )
    report.add_argument(
        "--artifact-dir",
        type=Path,
        help="also write the report and its data here, for the report workflow (post-report)",
    )
    posting = command(
        "post-report",
        cmd_post_report,
        "post the report a pull request's run left as an artifact (on workflow_run)",
        project=False,  # it reads no project: only the artifact, the event and Releases
    )
    posting.add_argument(
        "--comment-author",
        default="github-actions[bot]",
        help="login owning the sticky comment ('' for any)",
    )
    pub = command("publish", cmd_publish, "publish the model as a GitHub Release")
    pub.add_argument("--sha", help="commit to release (default: GITHUB_SHA)")
    fetch = command(
        "fetch-model", cmd_fetch_model, "download a model release and verify its checksums"
    )
    fetch.add_argument("--tag", default="latest", help="release tag, or latest (the champion)")
    fetch.add_argument("--dest", type=Path, default=Path("champion"), help="folder for the files")
    fetch.add_argument(
        "--files", default="", help="comma-separated asset names (default: all in SHA256SUMS)"
    )
    promoting = command(
        "promote", cmd_promote, "make a verified release the champion; an older tag rolls back"
    )
    promoting.add_argument("--tag", required=True, help="the release to make the champion")
    promoting.add_argument("--reason", required=True, help="why (recorded in the release notes)")
    promoting.add_argument("--actor", help="who (default: $GITHUB_ACTOR, else the local user)")
    drift = command("drift", cmd_drift, "compare current data with the training data")
    drift.add_argument(
        "--current", required=True, help="current data: a path, a URL, or a DVC-tracked path"
    )
    drift.add_argument("--reference", help="reference data (default: data.raw in params.yaml)")
    drift.add_argument("--model", help="also compare the model's predictions (models/model.skops)")
    drift.add_argument("--label", default="drift", help="label of the drift issue (default: drift)")
    drift.add_argument(
        "--comment-author",
        default="github-actions[bot]",
        help="login owning the report comment on the drift issue ('' for any)",
    )
    drift.add_argument(
        "--no-issue", dest="issue", action="store_false", help="never open or update an issue"
    )
    drift.add_argument(
        "--retrain-if",
        dest="retrain",
        type=lambda v: v.strip().lower() in ("true", "yes", "1"),
        default=False,
        help="true: on drift, dispatch the train workflow",
    )
    drift.add_argument("--workflow", default="train.yml", help="workflow to dispatch on drift")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run one command; errors become one clear line and exit code 1."""
    args = parser().parse_args(argv)
    try:
        ctx = Context.from_env()
    except ValueError as err:  # a malformed GITOPS_ML_MAX_WAIT
        print(f"gitops-ml {args.command}: error: {err}", file=sys.stderr)
        return 1
    if args.max_wait is not None:
        ctx.max_wait = args.max_wait
    try:
        return args.handler(args, ctx)
    except (
        CommandError,
        FetchError,
        GitHubError,
        ProjectError,
        PublishError,
        PromoteError,
        gate_rules.GateConfigError,
    ) as err:
        print(f"gitops-ml {args.command}: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
