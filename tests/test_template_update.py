"""Projects take template updates with cruft.

A project baked with `cruft` from an earlier release of the template, committed and edited by
its user, updates to this working tree with `cruft update`. A project baked with cookiecutter
alone (as the README shows) records its template version in `.cruft.json` as `cruft create`
would, so `cruft check` and `cruft update` work on it too; from a zip or a copied folder it
records nothing and says how to link the project later.

The template repository is a clone of this one (for its history) with one more commit on top,
"current", holding the working tree as it is (uncommitted changes included), so the update is
always to what is being worked on.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import bake, cookiecutter_cli
from template_record import LINK_HINT, record_template

ROOT = Path(__file__).resolve().parents[1]
CRUFT = Path(sys.executable).parent / "cruft"
OLD = "37f7caa"
"""An earlier release of this template: the commit the project is baked from."""
NEW = "current"
"""The template repository's branch holding this working tree."""
PACKAGE = "churn_model"


def git_env() -> dict[str, str]:
    """The environment every command runs in: a git identity, no user or system git config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    return env


def run(cwd: Path, *cmd: str | Path) -> subprocess.CompletedProcess[str]:
    """Run `cmd` in `cwd`; fail the test with its output if it fails."""
    result = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=git_env(), capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, cmd))} failed ({result.returncode})\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def working_tree_files() -> set[str]:
    """The files of this working tree a clone would hold: tracked (unless deleted) or new and
    not ignored."""
    listed = run(ROOT, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return {
        name
        for name in listed.stdout.split("\0")
        if name and ((ROOT / name).is_file() or (ROOT / name).is_symlink())
    }


def template_repository(tmp_path: Path) -> Path:
    """A clone of this repository whose branch `NEW` holds this working tree, committed."""
    clone = tmp_path / "template"
    run(tmp_path, "git", "clone", "-q", "--no-local", ROOT, clone)
    found = subprocess.run(
        ["git", "cat-file", "-e", f"{OLD}^{{commit}}"], cwd=clone, env=git_env(), check=False
    )
    if found.returncode != 0:
        pytest.fail(
            f"commit {OLD} (the earlier release the project is baked from) is not in {ROOT}"
        )
    run(clone, "git", "checkout", "-q", "-b", NEW)
    wanted = working_tree_files()
    tracked = run(clone, "git", "ls-files", "-z").stdout.split("\0")
    for name in tracked:
        if name and name not in wanted:
            (clone / name).unlink()
    for name in wanted:
        target = clone / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()
        shutil.copy2(ROOT / name, target, follow_symlinks=False)
    run(clone, "git", "add", "-A")
    run(clone, "git", "commit", "-q", "--allow-empty", "--no-verify", "-m", "current")
    return clone


def cruft_create(template: Path, checkout: str | None, output_dir: Path, *options: str) -> Path:
    """`cruft create` the template (at `checkout`, or its HEAD) into `output_dir`, from the
    template's parent folder; return the project."""
    at = ["--checkout", checkout] if checkout else []
    run(
        template.parent,
        CRUFT,
        "create",
        template,
        *at,
        "--no-input",
        "--output-dir",
        output_dir,
        *options,
    )
    (project,) = output_dir.iterdir()
    return project


def cruft_update(project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`cruft update` the committed `project` without asking; fail the test if the update was
    not applied cleanly. (cruft exits 0 and records the new commit even when `git apply`
    refused the patch or left conflicts: it only says so.)"""
    update = run(project, CRUFT, "update", *options, "--skip-apply-ask", "--allow-untracked-files")
    refusals = [
        line
        for line in (update.stdout + update.stderr).splitlines()
        if line.startswith(("error:", "Failed to apply", "Project directory may have *.rej"))
        or line.endswith(" with conflicts.")
    ]
    assert not refusals, "cruft update did not apply the update:\n" + "\n".join(refusals)
    return update


def cruft_record(project: Path) -> dict:
    """The project's `.cruft.json`."""
    return json.loads((project / ".cruft.json").read_text(encoding="utf-8"))


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (its `.git` aside) by relative path, with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(folder).parts
    }


def changed_paths(project: Path) -> set[str]:
    """The paths `git status` shows as changed in `project` (new, modified or deleted)."""
    status = run(project, "git", "status", "--porcelain=v1", "-z", "--untracked-files=all")
    entries = iter(status.stdout.split("\0"))
    paths = set()
    for entry in entries:
        if entry:
            paths.add(entry[3:])
            if entry[0] in "RC":  # a rename or copy: its source path is the next entry
                paths.add(next(entries))
    return paths


# A project baked with cruft from an earlier release takes the update.
USER_FEATURE = '''

# Our own engineered feature (not from the template): tenure in whole years, for the report.
def tenure_years(frame: pd.DataFrame) -> pd.Series:
    """Each customer's tenure in whole years."""
    return frame["tenure_months"] // 12
'''
"""What the user appends to `src/<package>/features.py`."""
N_ESTIMATORS = re.compile(r"^(\s+n_estimators: )(\d+)$", re.MULTILINE)


def edit_as_user(project: Path) -> int:
    """Append an engineered feature to features.py and raise the forest's n_estimators by 100 in
    params.yaml; return the new n_estimators."""
    features = project / "src" / PACKAGE / "features.py"
    features.write_text(features.read_text() + USER_FEATURE)
    params = project / "params.yaml"
    text = params.read_text()
    (match,) = N_ESTIMATORS.finditer(text)
    n_estimators = int(match[2]) + 100
    params.write_text(N_ESTIMATORS.sub(rf"\g<1>{n_estimators}", text))
    return n_estimators


@pytest.mark.slow
def test_a_project_baked_from_an_earlier_release_takes_the_update(tmp_path: Path) -> None:
    template = template_repository(tmp_path)
    new_commit = run(template, "git", "rev-parse", NEW).stdout.strip()

    # Bake the earlier release. The post-generation hook runs `git init` in every bake, and
    # `cruft update` diffs two fresh bakes (old and new template): without skipping `.git`,
    # their differing .git/index ends up in the patch, `git apply` refuses the whole patch
    # ("invalid path '.git/index'"), and cruft still records the new commit and exits 0.
    project = cruft_create(template, OLD, tmp_path / "old", "--skip", ".git")
    old_bake = tree(project)
    del old_bake[".cruft.json"]
    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-q", "-m", "Baked from the template")

    n_estimators = edit_as_user(project)
    run(project, "git", "commit", "-q", "-am", "Our own feature; a bigger forest")

    cruft_update(project, "--checkout", NEW)

    # A fresh bake of the new template with the project's answers: what the update must give.
    cruft_state = cruft_record(project)
    answers = {k: v for k, v in cruft_state["context"]["cookiecutter"].items() if k[0] != "_"}
    fresh = cruft_create(template, NEW, tmp_path / "fresh", "--extra-context", json.dumps(answers))
    new_bake = tree(fresh)
    del new_bake[".cruft.json"]

    assert cruft_state["commit"] == new_commit
    assert cruft_state["checkout"] == NEW

    workflows = ".github/workflows/"
    project_files = tree(project)
    assert {p: c for p, c in project_files.items() if p.startswith(workflows)} == {
        p: c for p, c in new_bake.items() if p.startswith(workflows)
    }

    features = f"src/{PACKAGE}/features.py"
    assert project_files[features].decode().endswith(USER_FEATURE)
    compile(project_files[features], features, "exec")
    params = yaml.safe_load(project_files["params.yaml"])
    assert params["model"]["random_forest"]["n_estimators"] == n_estimators

    assert not [p for p in project_files if p.endswith(".rej")]
    assert not [p for p, content in project_files.items() if b"<<<<<<<" in content]

    # The project is now the new template plus the user's two edits, and nothing else.
    expected = dict(new_bake)
    expected[features] = new_bake[features] + USER_FEATURE.encode()
    expected["params.yaml"] = N_ESTIMATORS.sub(
        rf"\g<1>{n_estimators}", new_bake["params.yaml"].decode()
    ).encode()
    del project_files[".cruft.json"]
    assert sorted(project_files) == sorted(expected)
    assert [p for p in expected if project_files[p] != expected[p]] == []

    # git shows the update as changes to commit: exactly what the template changed, and the
    # recorded template version.
    template_changes = {
        p for p in old_bake.keys() | new_bake.keys() if old_bake.get(p) != new_bake.get(p)
    }
    assert changed_paths(project) == template_changes | {".cruft.json"}

    # The library pin moves forward: the post-generation hook copies the template's library
    # (actions/: its pyproject.toml and gitops_ml/) into vendor/gitops-ml/, an editable path
    # source of the project, which the project's uv.lock pins.
    toolkit = tomllib.loads((ROOT / "actions" / "pyproject.toml").read_text())
    version = toolkit["project"]["version"]
    vendored = project / "vendor" / "gitops-ml" / "pyproject.toml"
    assert vendored.is_file(), "the project has no vendored library (vendor/gitops-ml/)"
    assert tomllib.loads(vendored.read_text())["project"]["version"] == version
    lock = tomllib.loads((project / "uv.lock").read_text())
    locked = [
        (p.get("version"), p.get("source")) for p in lock["package"] if p["name"] == "gitops-ml"
    ]
    assert locked == [(version, {"editable": "vendor/gitops-ml"})]


# A project baked with cookiecutter alone records its template version as cruft would.
PLAIN_ANSWERS = {"model": "linear", "include_serving": "yes"}
"""Answers other than the defaults, to see them recorded."""


@pytest.fixture
def cookiecutters_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where cookiecutter clones git URLs and unpacks zips: the test's own folder (through a
    cookiecutter config file), not the user's `~/.cookiecutters`."""
    config = tmp_path / "cookiecutter.yaml"
    folder = tmp_path / "cookiecutters"
    config.write_text(f"cookiecutters_dir: {folder}\nreplay_dir: {tmp_path / 'replay'}\n")
    monkeypatch.setenv("COOKIECUTTER_CONFIG", str(config))
    return folder


def plain_bake(
    template: str | Path, output_dir: Path, cwd: Path, answers: dict[str, str] = PLAIN_ANSWERS
) -> tuple[Path, str]:
    """Bake with the bare `cookiecutter` alone, as a user does, from `cwd`; return the project
    and what cookiecutter printed."""
    result = cookiecutter_cli(template, output_dir, answers, cwd=cwd)
    if result.returncode != 0:
        pytest.fail(
            f"cookiecutter failed\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    (project,) = (cwd / output_dir).iterdir()
    return project, result.stdout


def cruft_check(project: Path) -> int:
    """`cruft check`'s exit code in `project`: 0 when the project is on the template's HEAD."""
    return subprocess.run(
        [CRUFT, "check"], cwd=project, env=git_env(), capture_output=True, timeout=300
    ).returncode


def test_a_plain_cookiecutter_bake_records_its_template_as_cruft_create_does(
    tmp_path: Path, cookiecutters_dir: Path
) -> None:
    template = template_repository(tmp_path)
    head = run(template, "git", "rev-parse", "HEAD").stdout.strip()

    # From the checkout's path (typed relative) and from its git URL, which cookiecutter
    # clones into its cookiecutters_dir; both from where `cruft create` runs.
    project, printed = plain_bake("template", Path("plain"), tmp_path)
    from_url, _ = plain_bake(f"git+file://{template}", Path("url"), tmp_path)
    assert (cookiecutters_dir / "template" / ".git").is_dir()
    by_cruft = cruft_create(
        template, None, tmp_path / "cruft", "--extra-context", json.dumps(PLAIN_ANSWERS)
    )

    record = (project / ".cruft.json").read_bytes()
    assert record == (by_cruft / ".cruft.json").read_bytes()
    assert record == (from_url / ".cruft.json").read_bytes()
    state = cruft_record(project)
    assert (state["template"], state["commit"], state["checkout"]) == (str(template), head, None)
    assert state["context"]["cookiecutter"]["model"] == "linear"
    assert "skip" not in state  # the baked pyproject.toml's [tool.cruft] skips `.git`
    assert "cruft link" not in printed
    # Left for the user's first commit, as cruft leaves it; the hook stages only DVC's files.
    assert "?? .cruft.json" in run(project, "git", "status", "--porcelain").stdout.splitlines()

    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-q", "-m", "Baked from the template")
    assert cruft_check(project) == 0

    workflow = "{{cookiecutter.project_slug}}/.github/workflows/train.yml"
    change = "# A template change the project takes with `cruft update`.\n"
    with (template / workflow).open("a", encoding="utf-8") as handle:
        handle.write(change)
    run(template, "git", "commit", "-q", "-am", "Change a workflow")
    new_head = run(template, "git", "rev-parse", "HEAD").stdout.strip()
    assert cruft_check(project) != 0

    cruft_update(project)
    assert (project / ".github/workflows/train.yml").read_text(encoding="utf-8").endswith(change)
    assert changed_paths(project) == {".github/workflows/train.yml", ".cruft.json"}
    updated = cruft_record(project)
    assert updated["commit"] == new_head and "skip" not in updated
    assert cruft_check(project) == 0


@pytest.mark.parametrize("form", ["zip", "copied folder", "folder inside another repository"])
def test_a_bake_from_no_git_checkout_records_nothing_and_says_how_to_link(
    tmp_path: Path, cookiecutters_dir: Path, form: str
) -> None:
    files = working_tree_files()
    folder = tmp_path / "outer" / "cookiecutter-gitops-ml"
    for name in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, folder / name, follow_symlinks=False)
    if form == "zip":
        template = shutil.make_archive(str(tmp_path / "template"), "zip", folder.parent)
        shutil.rmtree(folder.parent)
    else:
        template = folder
        if form == "folder inside another repository":
            run(folder.parent, "git", "init", "-q")

    project, printed = plain_bake(template, tmp_path / "out", tmp_path)

    assert not (project / ".cruft.json").exists()
    hint = LINK_HINT.format(reason="The template is not a git checkout")
    assert printed.splitlines().count(hint) == 1


def test_a_bake_from_this_checkout_records_its_path_and_head(tmp_path: Path) -> None:
    project = bake(tmp_path)
    state = cruft_record(project)
    assert state["template"] == str(ROOT)
    assert state["commit"] == run(ROOT, "git", "rev-parse", "HEAD").stdout.strip()


def test_uncommitted_template_changes_are_named(tmp_path: Path, capsys) -> None:
    template = template_repository(tmp_path)
    head = run(template, "git", "rev-parse", "HEAD").stdout.strip()
    (template / "README.md").write_text("Edited, not committed.\n")
    answers = {"project_name": "X", "_template": str(template), "__working_dir": str(tmp_path)}

    record_template(answers, tmp_path, template)

    assert cruft_record(tmp_path)["commit"] == head
    assert f"uncommitted changes; .cruft.json records its last commit, {head[:12]}" in (
        capsys.readouterr().out
    )


def test_without_git_nothing_is_recorded(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no git on it
    answers = {"_template": str(ROOT), "__working_dir": str(tmp_path)}

    assert record_template(answers, tmp_path, ROOT) is None

    assert not (tmp_path / ".cruft.json").exists()
    assert capsys.readouterr().out == LINK_HINT.format(reason="git is not installed") + "\n"


def test_under_cruft_cruft_writes_the_record(tmp_path: Path, capsys) -> None:
    """`cruft create` and the two bakes of `cruft update` set `_commit`: cruft writes the file
    (in an update's bakes, a file from the hook would be a change to merge, in conflict)."""
    answers = {"_template": str(ROOT), "_commit": "0" * 40, "__working_dir": str(ROOT)}

    assert record_template(answers, tmp_path, ROOT) is None

    assert not (tmp_path / ".cruft.json").exists()
    assert capsys.readouterr().out == ""
