"""Make a published release the champion (`latest`); rolling back is promoting an older one.

Nothing changes until the release has shown it deserves it: it must be published (not a draft or
a pre-release), every file its `SHA256SUMS` lists must download and match, and its own metrics
must pass its own gate (the absolute limits of the `gate:` block in the params.yaml it was
released with; limits relative to a champion do not apply to choosing one). Then it is marked
latest, and one line saying who promoted it, when, from which champion and why is added to its
release notes, where everyone who looks at the release sees it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import gate as gate_rules
from .fetch import FetchError, fetch_files
from .github import GitHub
from .markdown import code, text
from .project import METRICS, PARAMS, ProjectError, read_metrics, read_yaml

HEADING = "### Promotions"
"""The release notes' section that records each promotion, oldest first."""
MAX_REASON = 500
"""The most characters of a reason recorded (a line, not an essay)."""


class PromoteError(Exception):
    """The release cannot be promoted; nothing was changed. The message says why."""


@dataclass(frozen=True)
class Promotion:
    """What `promote` did: the release now latest, the one before it, whether anything changed."""

    tag: str
    previous: str | None
    changed: bool


def promotion_line(actor: str, when: datetime, previous: str | None, reason: str) -> str:
    """The record of one promotion, as a Markdown list item with every value escaped."""
    was = f" (was {code(previous)})" if previous else ""
    why = " ".join(reason.split())[:MAX_REASON]
    stamp = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"- {stamp}: made the champion by {text(actor)}{was}: {text(why)}"


def notes_with(body: str, line: str) -> str:
    """Release notes `body` with `line` added at the end of the promotions section."""
    body = body.rstrip()
    if HEADING not in body:
        body = f"{body}\n\n{HEADING}\n" if body else f"{HEADING}\n"
    return f"{body.rstrip()}\n{line}\n"


def check_release(gh: GitHub, tag: str) -> dict:
    """The published release `tag`, once its checksums and its own gate hold."""
    release = gh.published_release_by_tag(tag)
    if release is None:
        raise PromoteError(f"no published release {tag}")
    if release.get("prerelease"):
        raise PromoteError(f"release {tag} is a pre-release; GitHub cannot make it latest")
    with tempfile.TemporaryDirectory(prefix="gitops-ml-promote-") as tmp:
        try:
            files = fetch_files(gh, release, None, Path(tmp))
            metrics = read_metrics(files[METRICS.name])
            rules = (read_yaml(files[PARAMS.name]) or {}).get("gate")
        except (FetchError, ProjectError) as err:
            raise PromoteError(f"release {tag}: {err}") from err
        except KeyError as err:
            raise PromoteError(f"release {tag} has no {err.args[0]}") from err
    try:
        verdict = gate_rules.evaluate(rules, metrics, None)
    except gate_rules.GateConfigError as err:
        raise PromoteError(f"release {tag}: its gate cannot be applied ({err})") from err
    if not verdict.passed:
        raise PromoteError(f"release {tag}: its own gate {verdict.summary()}")
    return release


def promote(gh: GitHub, tag: str, *, actor: str, reason: str, when: datetime) -> Promotion:
    """Verify release `tag` and make it the champion, recording who, when and why."""
    if not reason.strip():
        raise PromoteError("say why (a reason is recorded with the promotion)")
    release = check_release(gh, tag)
    latest = gh.latest_release()
    previous = latest["tag_name"] if latest else None
    if latest is not None and latest["id"] == release["id"]:
        return Promotion(tag, previous, changed=False)
    notes = notes_with(release.get("body") or "", promotion_line(actor, when, previous, reason))
    gh.update_release(release["id"], make_latest="true", body=notes)
    return Promotion(tag, previous, changed=True)
