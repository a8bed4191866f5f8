"""`gitops-ml promote`: a verified release becomes the champion; every refusal changes nothing."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

import pytest
import yaml
from conftest import REPO, TOKEN
from gitops_ml import cli
from gitops_ml.checksums import render_sums
from gitops_ml.promote import HEADING, notes_with, promotion_line

GATE = {"roc_auc": {"min": 0.75, "max_drop": 0.02}, "f1": {"min": 0.4}}


def release_files(roc_auc: float = 0.86, *, tamper: bool = False) -> dict[str, bytes]:
    """A model release's assets as `publish` uploads them, SHA256SUMS included."""
    files = {
        "model.skops": b"PK\x03\x04 a model " + str(roc_auc).encode(),
        "metrics.json": json.dumps({"roc_auc": roc_auc, "f1": 0.61}).encode(),
        "params.yaml": yaml.safe_dump({"gate": GATE}).encode(),
        "dvc.lock": b"schema: '2.0'\nstages: {}\n",
    }
    sums = {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}
    if tamper:
        files["model.skops"] += b"\0"  # listed with the digest of the bytes it was built from
    return files | {"SHA256SUMS": render_sums(sums).encode()}


@pytest.fixture
def github(gh_standin, monkeypatch):
    for key, value in {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": gh_standin.base_url,
        "GITHUB_ACTOR": "mona",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(key, raising=False)
    gh_standin.add_release("model-1", release_files(0.84), body="The first model.")
    gh_standin.add_release("model-2", release_files(0.86))
    return gh_standin


def promote(*args: str) -> int:
    return cli.main(["promote", *args])


def _latest(standin) -> str:
    from gitops_ml.github import GitHub

    return GitHub(TOKEN, REPO, standin.base_url).latest_release()["tag_name"]


def body_of(standin, tag: str) -> str:
    return next(r["body"] or "" for r in standin.releases if r["tag_name"] == tag)


def test_rolling_back_is_promoting_an_older_release(github, capsys):
    assert _latest(github) == "model-2"
    assert promote("--tag", "model-1", "--reason", "model-2 misses the spring campaign") == 0
    assert _latest(github) == "model-1"
    body = body_of(github, "model-1")
    assert body.startswith("The first model.\n\n" + HEADING + "\n- ")
    assert "made the champion by mona (was `model-2`): model-2 misses the spring campaign" in body
    assert "model-1 is the champion now (was model-2)" in capsys.readouterr().out
    # Promoting the champion again changes nothing, and records nothing twice.
    patches = github.count("PATCH")
    assert promote("--tag", "model-1", "--reason", "again") == 0
    assert github.count("PATCH") == patches and body_of(github, "model-1") == body
    assert "already the champion" in capsys.readouterr().out


def _refused(github, capsys, *args: str) -> str:
    before = {r["tag_name"]: r["body"] for r in github.releases}
    assert promote(*args) == 1
    assert github.count("PATCH") == 0 and github.count("POST") == 0
    assert {r["tag_name"]: r["body"] for r in github.releases} == before
    [line] = capsys.readouterr().err.strip().splitlines()
    return line


def test_a_tag_that_does_not_exist_is_refused(github, capsys):
    line = _refused(github, capsys, "--tag", "model-9", "--reason", "x")
    assert line == "gitops-ml promote: error: no published release model-9"
    assert _latest(github) == "model-2"


def test_a_release_whose_checksums_do_not_verify_is_refused(github, capsys):
    github.add_release("model-3", release_files(0.9, tamper=True), make_latest="false")
    line = _refused(github, capsys, "--tag", "model-3", "--reason", "x")
    assert "release model-3: checksum mismatch: model.skops" in line
    assert _latest(github) == "model-2"


def test_a_release_whose_own_gate_fails_is_refused(github, capsys):
    github.add_release("model-3", release_files(0.61), make_latest="false")
    line = _refused(github, capsys, "--tag", "model-3", "--reason", "x")
    assert "release model-3: its own gate failed: roc_auc" in line
    assert _latest(github) == "model-2"


def test_a_prerelease_and_an_empty_reason_are_refused(github, capsys):
    github.add_release("model-3", release_files(), prerelease=True, make_latest="false")
    assert "is a pre-release" in _refused(github, capsys, "--tag", "model-3", "--reason", "x")
    assert "say why" in _refused(github, capsys, "--tag", "model-1", "--reason", "  ")


def test_the_reason_and_actor_cannot_inject_markdown():
    when = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    line = promotion_line("x](http://evil)", when, "model-2", "<!-- hide --> @team [a](b)\nnext")
    assert "\n" not in line and "<!--" not in line
    assert not re.search(r"(?<!\\)\]\(", line)  # no link: every `](` is escaped
    assert "@team" not in line  # no mention: GitHub would notify the team
    assert line.startswith("- 2026-12-01 09:30 UTC: made the champion by ")
    assert notes_with("", line) == f"{HEADING}\n{line}\n"
    twice = notes_with(notes_with("notes", line), line)
    assert twice.count(HEADING) == 1 and twice.endswith(f"{line}\n{line}\n")
