"""Record the template version a project is baked from: `.cruft.json`, as `cruft create` writes it.

A project baked with `cruft create` gets `.cruft.json` from cruft. One baked with cookiecutter
alone (as the README shows: from a path, a git URL or a zip) gets the same file from here, so
`cruft check` and `cruft update` work on it too. That needs the template to be a git checkout:
the folder the user named, or the clone cookiecutter made of a git URL (`~/.cookiecutters/`).
From anything else (an unpacked zip, a copied folder), or without git, nothing is written and
one line says how to link the project later.

The file is cruft's, key for key: `template` (the URL cookiecutter cloned, or the checkout's
absolute path), `commit` (its HEAD), `checkout` (cookiecutter's `--checkout`, for a clone),
`context` (the answers as cruft records them: in cookiecutter.json's order, with cruft's
`_template` and `_commit` and without cookiecutter's run keys) and `directory`. It has no `skip`:
the baked pyproject.toml's `[tool.cruft] skip` covers `.git`, and cruft adds that list to the
file's own on every update (both would give `.git` three times after one update).

Under cruft (`create`, or the two bakes of `update`) the answers already hold `_commit`; cruft
writes the file itself, so nothing is done here. Standard library only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

TEMPLATE = Path(__file__).resolve().parents[1]
RECORD = ".cruft.json"
LINK_HINT = (
    "{reason}, so the project records no template version: to take template updates with cruft"
    " later, run `cruft link <the template's git URL>` in it."
)
_GIT_LOCATION = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_NAMESPACE")
"""Variables that point git at another repository than `git -C <folder>` names."""


def git(folder: Path, *args: str) -> str | None:
    """The output of `git -C folder args`, stripped; None if git fails."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION}
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def typed_path(answers: dict) -> Path | None:
    """The template as the user typed it (`_template`), made absolute against the folder
    cookiecutter ran in; None when it names no folder there (a URL, an abbreviation)."""
    typed, working_dir = answers.get("_template"), answers.get("__working_dir")
    if not typed or not working_dir:
        return None
    path = Path(os.path.abspath(Path(working_dir, os.path.expanduser(typed))))
    return path if path.is_dir() else None


def template_url(url: str, template: Path) -> str:
    """`url` as cruft records it: a local path (plain or `file://`) becomes absolute."""
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        path = Path(template, parsed.netloc, parsed.path)  # an absolute part replaces the rest
        if path.exists():
            return os.path.abspath(path)
    return url


def cruft_context(answers: dict, url: str, commit: str, template: Path = TEMPLATE) -> dict:
    """The context `cruft create` records for `answers`: cookiecutter.json's keys in its order
    (cookiecutter's answers come here sorted, by Jinja's `tojson`), but `__prompts__`, which
    cookiecutter drops; then `_template` and `_commit`. Cookiecutter's own run keys
    (`_output_dir`, `_repo_dir`, `_checkout`) are not cruft's."""
    questions = json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))
    answered = {
        key: _ordered_like(answers[key], default)
        for key, default in questions.items()
        if key != "__prompts__" and key in answers
    }
    return {"cookiecutter": answered | {"_template": url, "_commit": commit}}


def _ordered_like(value: object, default: object) -> object:
    """`value` with the keys of its dictionaries in `default`'s order (the rest after)."""
    if not (isinstance(value, dict) and isinstance(default, dict)):
        return value
    keys = [k for k in default if k in value] + [k for k in value if k not in default]
    return {k: _ordered_like(value[k], default.get(k)) for k in keys}


def template_source(answers: dict, template: Path = TEMPLATE) -> tuple[str, str, str | None]:
    """The template's URL, commit and checkout for `.cruft.json`.

    Raises LookupError, saying why, when the template is no git checkout or git is missing.
    """
    if shutil.which("git") is None:
        raise LookupError("git is not installed")
    top = git(template, "rev-parse", "--show-toplevel")
    commit = git(template, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    if top is None or Path(top).resolve() != template.resolve() or not commit:
        raise LookupError("The template is not a git checkout")
    local = typed_path(answers)
    if local is not None and local.resolve() == template.resolve():
        if git(template, "status", "--porcelain"):
            print(
                f"Note: the template has uncommitted changes; {RECORD} records its last commit,"
                f" {commit[:12]}, so `cruft update` takes those changes as the project's own."
            )
        return str(local), commit, None
    origin = git(template, "remote", "get-url", "origin")  # the URL cookiecutter cloned
    if origin is None:
        return str(template), commit, None
    return template_url(origin, template), commit, answers.get("_checkout")


def record_template(answers: dict, project: Path, template: Path = TEMPLATE) -> Path | None:
    """Write `project/.cruft.json` when the template is a git checkout; return it (None if not
    written). Under cruft, which writes the file itself, do nothing."""
    if "_commit" in answers:
        return None
    try:
        url, commit, checkout = template_source(answers, template)
    except LookupError as reason:
        print(LINK_HINT.format(reason=reason))
        return None
    record = {
        "template": url,
        "commit": commit,
        "checkout": checkout,
        "context": cruft_context(answers, url, commit, template),
        "directory": None,
    }
    path = project / RECORD
    text = json.dumps(record, ensure_ascii=False, indent=2, separators=(",", ": "))
    path.write_text(text + "\n", encoding="utf-8")
    return path
