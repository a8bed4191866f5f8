"""The pull-request report as a workflow artifact, read back as hostile input. Pure logic.

A pull request from a fork runs with a read-only token, so its job cannot comment. It uploads
what its report shows instead: `report.json` (the data) and `report.md` (the rendering, for
people reading the run). A workflow on `workflow_run`, which has a write token and never runs
the pull request's code, posts the comment (`gitops-ml post-report`).

Everything in the artifact was made by code the pull request controls, so `read_artifact`
trusts none of it: the zip may hold only those two files, each at most `MAX_FILE_BYTES`;
`report.json` must match the schema below exactly (types, sizes, no duplicate keys, no NaN);
and `check_run` ties it to the run that GitHub says triggered the workflow: the same head
commit, and a pull request whose head is that commit in that repository. The comment is
rendered again from the data by `report.render`, which escapes every value; `report.md` is
never posted.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import gate
from .charts import Curves
from .report import ReportInput, Side

FORMAT = "gitops-ml-report"
VERSION = 1
DATA_NAME = "report.json"
RENDERED_NAME = "report.md"
NAME_PREFIX = "gitops-ml-report"
"""Every report artifact's name starts with this (`artifact_name`)."""

MAX_ARTIFACT_BYTES = 1024 * 1024
"""The largest report artifact (zip) downloaded; a report is a few kilobytes."""
MAX_FILE_BYTES = 1024 * 1024
"""The largest file inside it, uncompressed."""
MAX_TEXT = 1000
"""The longest string in `report.json` (a name, a params value, a ref)."""
MAX_ENTRIES = 5000
"""The most entries of one mapping (metrics, params, data files)."""
MAX_LIST = 100
"""The longest list among params values."""
MAX_POINTS = 2000
"""The most points of a ROC curve (a project's evaluate stage writes about 1,000)."""
MAX_CLASSES = 100
"""The most classes of a confusion matrix carried (more: the fork's comment has no table)."""

_SHA = re.compile(r"[0-9a-f]{40}")
_SAFE_PATH = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")
_TAG = re.compile(r"[A-Za-z0-9._/+-]{1,200}")


class ArtifactError(Exception):
    """The artifact cannot be trusted; the message names the file and the field."""


@dataclass(frozen=True)
class ArtifactReport:
    """What a pull request's job reported: the data the comment is rendered from."""

    pull_request: int
    head_sha: str
    project_path: str
    champion: str
    history: int
    metrics: dict[str, Any]
    params: dict[str, Any]
    data: dict[str, str]
    gate_rules: dict[str, dict]
    base: Side
    plots: Curves | None


@dataclass(frozen=True)
class TriggeringRun:
    """The pull-request workflow run that triggered `workflow_run`, as GitHub's event says."""

    id: int
    head_sha: str
    head_repository: str
    html_url: str
    pull_requests: tuple[int, ...]


def artifact_name(project_path: str) -> str:
    """The artifact's name: `gitops-ml-report`, or with the project's folder for a monorepo
    (`/` is not allowed in artifact names, `+` is not allowed in project folders here)."""
    return f"{NAME_PREFIX}+{project_path.replace('/', '+')}" if project_path else NAME_PREFIX


def dump(pull_request: int, data: ReportInput, champion: str, history: int) -> str:
    """`report.json` for a rendered report's input (what `read_artifact` reads back)."""
    return json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "pull_request": pull_request,
            "head_sha": data.head,
            "project_path": data.project_path,
            "champion": champion,
            "history": history,
            "metrics": data.metrics,
            "params": data.params,
            "data": data.data,
            "gate_rules": data.gate_rules,
            "base": {
                "ref": data.base.ref,
                "metrics": data.base.metrics,
                "params": data.base.params,
                "data": data.base.data,
            },
            "plots": _plots_document(data.plots),
        },
        indent=1,
        allow_nan=False,
    )


def _plots_document(plots: Curves | None) -> dict[str, Any] | None:
    if plots is None:
        return None
    confusion = None
    if plots.confusion is not None and len(plots.confusion[0]) <= MAX_CLASSES:
        confusion = {"labels": plots.confusion[0], "counts": plots.confusion[1]}
    return {"roc": plots.roc, "confusion": confusion, "pred_actual": plots.pred_actual}


# ------------------------------------------------------------------ reading


def read_artifact(raw: bytes) -> ArtifactReport:
    """Open the artifact's zip and check `report.json` (see the module's docstring)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as err:
        raise ArtifactError(f"not a zip archive ({err})") from None
    with archive:
        members = archive.infolist()
        names = [m.filename for m in members]
        unexpected = sorted(set(names) - {DATA_NAME, RENDERED_NAME})
        if unexpected or len(names) != len(set(names)):
            shown = ", ".join(repr(n[:100]) for n in unexpected) or "a duplicate entry"
            raise ArtifactError(f"holds {shown}: only {DATA_NAME} and {RENDERED_NAME} are expected")
        if DATA_NAME not in names:
            raise ArtifactError(f"{DATA_NAME} is missing")
        with archive.open(DATA_NAME) as handle:
            # Read one byte past the limit: a zip's declared sizes are not trusted.
            content = handle.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise ArtifactError(f"{DATA_NAME} is over {MAX_FILE_BYTES} bytes: refused")
    try:
        document = json.loads(
            content.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
        )
    except UnicodeDecodeError:
        raise ArtifactError(f"{DATA_NAME} is not UTF-8") from None
    except json.JSONDecodeError as err:
        raise ArtifactError(f"{DATA_NAME} is not valid JSON ({err})") from None
    return parse(document)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        duplicate = next(k for k in keys if keys.count(k) > 1)
        raise ArtifactError(f"{DATA_NAME}: key {duplicate[:100]!r} appears twice")
    return dict(pairs)


def _no_constant(name: str) -> Any:
    raise ArtifactError(f"{DATA_NAME}: {name} is not a number JSON allows")


def parse(document: Any) -> ArtifactReport:
    """Check a decoded `report.json` field by field; the first problem is an `ArtifactError`."""
    fields = {
        "format",
        "version",
        "pull_request",
        "head_sha",
        "project_path",
        "champion",
        "history",
        "metrics",
        "params",
        "data",
        "gate_rules",
        "base",
        "plots",
    }
    doc = _object(document, "the document", fields)
    if doc["format"] != FORMAT or doc["version"] != VERSION:
        raise ArtifactError(f"{DATA_NAME}: not a {FORMAT} version {VERSION} report")
    pull_request = _whole(doc["pull_request"], "pull_request", 1)
    head_sha = _matching(doc["head_sha"], "head_sha", _SHA, "a 40-digit commit SHA")
    project_path = doc["project_path"]
    if project_path != "":
        project_path = _matching(project_path, "project_path", _SAFE_PATH, "a folder path")
        if ".." in project_path.split("/"):
            raise ArtifactError(f"{DATA_NAME}: project_path may not climb out with '..'")
    champion = _matching(doc["champion"], "champion", _TAG, "latest, none or a release tag")
    history = _whole(doc["history"], "history", 0, 100)
    base = _object(doc["base"], "base", {"ref", "metrics", "params", "data"})
    try:
        rules = gate.validate_rules(doc["gate_rules"])
    except gate.GateConfigError as err:
        raise ArtifactError(f"{DATA_NAME}: gate_rules: {err}") from None
    return ArtifactReport(
        pull_request=pull_request,
        head_sha=head_sha,
        project_path=project_path,
        champion=champion,
        history=history,
        metrics=_metrics(doc["metrics"], "metrics"),
        params=_params(doc["params"], "params"),
        data=_hashes(doc["data"], "data"),
        gate_rules=rules,
        base=Side(
            "base",
            metrics=_optional(base["metrics"], "base.metrics", _metrics),
            params=_optional(base["params"], "base.params", _params),
            data=_optional(base["data"], "base.data", _hashes),
            ref=_text(base["ref"], "base.ref"),
        ),
        plots=_optional(doc["plots"], "plots", _plots),
    )


def _object(value: Any, where: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ArtifactError(f"{DATA_NAME}: {where} is not an object")
    if set(value) != keys:
        missing, extra = sorted(keys - set(value)), sorted(set(value) - keys)
        what = f"lacks {', '.join(missing)}" if missing else f"has unknown {extra[0][:100]!r}"
        raise ArtifactError(f"{DATA_NAME}: {where} {what}")
    return value


def _whole(value: Any, where: str, low: int, high: int | None = None) -> int:
    if type(value) is not int or value < low or (high is not None and value > high):
        limit = f" from {low} to {high}" if high is not None else f" of at least {low}"
        raise ArtifactError(f"{DATA_NAME}: {where} is not a whole number{limit}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ArtifactError(f"{DATA_NAME}: {where} is not a string of at most {MAX_TEXT}")
    return value


def _matching(value: Any, where: str, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ArtifactError(f"{DATA_NAME}: {where} is not {what}")
    return value


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ArtifactError(f"{DATA_NAME}: {where} is not an object")
    if len(value) > MAX_ENTRIES:
        raise ArtifactError(f"{DATA_NAME}: {where} has over {MAX_ENTRIES} entries")
    for key in value:
        _text(key, f"a key of {where}")
    return value


def _metrics(value: Any, where: str) -> dict[str, float | int | None]:
    metrics = _mapping(value, where)
    for name, number in metrics.items():
        is_number = type(number) in (int, float) and math.isfinite(number)
        if number is not None and not is_number:
            raise ArtifactError(f"{DATA_NAME}: {where}[{name[:100]!r}] is not a number or null")
    return metrics


def _scalar(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_TEXT
    return (
        value is None
        or type(value) in (bool, int)
        or (type(value) is float and math.isfinite(value))
    )


def _params(value: Any, where: str) -> dict[str, Any]:
    params = _mapping(value, where)
    for key, item in params.items():
        items = item if isinstance(item, list) and len(item) <= MAX_LIST else [item]
        if not all(_scalar(i) for i in items):
            raise ArtifactError(
                f"{DATA_NAME}: {where}[{key[:100]!r}] is not a short value or list of them"
            )
    return params


def _hashes(value: Any, where: str) -> dict[str, str]:
    hashes = _mapping(value, where)
    for path, digest in hashes.items():
        _text(digest, f"{where}[{path[:100]!r}]")
    return hashes


def _optional(value: Any, where: str, check: Callable[[Any, str], Any]) -> Any:
    return None if value is None else check(value, where)


def _plots(value: Any, where: str) -> Curves:
    plots = _object(value, where, {"roc", "confusion", "pred_actual"})
    return Curves(
        roc=_optional(plots["roc"], f"{where}.roc", _points),
        confusion=_optional(plots["confusion"], f"{where}.confusion", _confusion),
        pred_actual=_optional(plots["pred_actual"], f"{where}.pred_actual", _points),
    )


def _points(value: Any, where: str) -> list[tuple[float, float]]:
    def number(x: Any) -> bool:
        return type(x) in (int, float) and math.isfinite(x)

    if not isinstance(value, list) or len(value) > MAX_POINTS:
        raise ArtifactError(f"{DATA_NAME}: {where} is not a list of at most {MAX_POINTS} points")
    for point in value:
        if not (isinstance(point, list) and len(point) == 2 and all(map(number, point))):
            raise ArtifactError(f"{DATA_NAME}: {where} holds a point that is not two numbers")
    return [(float(x), float(y)) for x, y in value]


def _confusion(value: Any, where: str) -> tuple[list[str], list[list[int]]]:
    matrix = _object(value, where, {"labels", "counts"})
    labels, counts = matrix["labels"], matrix["counts"]
    if not isinstance(labels, list) or not 0 < len(labels) <= MAX_CLASSES:
        raise ArtifactError(f"{DATA_NAME}: {where}.labels is not a list of 1 to {MAX_CLASSES}")
    for label in labels:
        _text(label, f"a label of {where}")
    square = isinstance(counts, list) and len(counts) == len(labels)
    if not square or not all(
        isinstance(row, list)
        and len(row) == len(labels)
        and all(type(n) is int and n >= 0 for n in row)
        for row in counts
    ):
        raise ArtifactError(
            f"{DATA_NAME}: {where}.counts is not a square of whole numbers, one row per label"
        )
    return labels, counts


# --------------------------------------------------------------- the run


def triggering_run(event: dict[str, Any], repository: str) -> TriggeringRun:
    """The `workflow_run` event's run, which must be a `pull_request` run in `repository`."""
    run = event.get("workflow_run")
    if not isinstance(run, dict):
        raise ArtifactError("not a workflow_run event: run this from the report workflow")
    if run.get("event") != "pull_request":
        raise ArtifactError(f"run {run.get('id')!r} was triggered by {run.get('event')!r}")
    here = ((run.get("repository") or {}).get("full_name") or "").lower()
    if here != repository.lower():
        raise ArtifactError(f"run {run.get('id')!r} belongs to another repository")
    head_repo = (run.get("head_repository") or {}).get("full_name")
    numbers = [(p or {}).get("number") for p in run.get("pull_requests") or []]
    if (
        type(run.get("id")) is not int
        or not _SHA.fullmatch(str(run.get("head_sha")))
        or not isinstance(head_repo, str)
        or not all(type(n) is int for n in numbers)
    ):
        raise ArtifactError("the workflow_run event lacks the run's id, head commit or repository")
    return TriggeringRun(
        run["id"], run["head_sha"], head_repo, run.get("html_url") or "", tuple(numbers)
    )


def check_run(report: ArtifactReport, name: str, run: TriggeringRun, pull: dict | None) -> None:
    """Refuse a report that does not belong to `run`: another commit, another pull request,
    another project's name, or a pull request whose head is not the run's commit."""
    number = report.pull_request
    if name != artifact_name(report.project_path):
        raise ArtifactError(f"its name does not match its project_path {report.project_path!r}")
    if report.head_sha != run.head_sha:
        raise ArtifactError(
            f"it reports commit {report.head_sha[:12]}, but run {run.id} built"
            f" {run.head_sha[:12]}: refused"
        )
    if run.pull_requests and number not in run.pull_requests:
        raise ArtifactError(f"pull request #{number} is not one of run {run.id}'s: refused")
    if pull is None:
        raise ArtifactError(f"pull request #{number} does not exist: refused")
    head = pull.get("head") or {}
    head_repo = (head.get("repo") or {}).get("full_name")
    if head.get("sha") != run.head_sha or head_repo != run.head_repository:
        raise ArtifactError(
            f"pull request #{number}'s head is {str(head.get('sha'))[:12]} in {head_repo},"
            f" not run {run.id}'s {run.head_sha[:12]} in {run.head_repository}: refused"
            " (a forged number, or the pull request moved on and a newer run reports)"
        )
