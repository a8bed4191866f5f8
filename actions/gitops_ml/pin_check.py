"""Is the project's gitops-ml at least as new as the actions its workflows run?

The workflows pin the actions (`uses: <repo>/actions/<name>@<ref>`), the project pins the
library (`uv.lock`, from vendor/gitops-ml or an index). When the actions are newer, a step may
call a command or option the project's copy lacks; the setup action runs this check first, from
the actions' own copy, and stops with one line saying which to bump. Standard library only: it
runs before the project's environment is on PATH, on any Python the workflow set up.

    python -m gitops_ml.pin_check --project . --actions-pyproject <actions>/pyproject.toml
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

NAME = "gitops-ml"
_VERSION = re.compile(r'^version = "([^"]+)"$', re.M)


def version_tuple(text: str) -> tuple[int, ...]:
    """`1.2.0` -> (1, 2, 0); a pre-release or local suffix is ignored (`1.2.0rc1` -> 1.2.0)."""
    return tuple(int(re.match(r"\d+", part).group()) for part in text.split(".")[:3])


def locked_version(lock_text: str, name: str = NAME) -> str | None:
    """The version `uv.lock` pins for package `name`, or None when it does not list it."""
    for block in lock_text.split("\n[[package]]\n")[1:]:
        if re.search(rf'^name = "{re.escape(name)}"$', block, re.M):
            found = _VERSION.search(block)
            return found.group(1) if found else None
    return None


def pin_problem(project: str | None, actions: str) -> str | None:
    """The one-line complaint when the project's gitops-ml (`project`, None if it has none) is
    older than the `actions`' version; None when it is not."""
    if project is None:
        return (
            f"this project does not depend on {NAME} (uv.lock lists none), but its workflows run"
            f" actions of {NAME} {actions}: update the project from the template (`cruft update`)"
        )
    if version_tuple(project) >= version_tuple(actions):
        return None
    return (
        f"this project's {NAME} is {project}, older than the {actions} of the actions its"
        f" workflows use: bump it to {actions} (`cruft update`, or pin {NAME}>={actions} and"
        " run `uv lock`), or pin the actions to the release that matches it"
    )


def main(argv: list[str] | None = None) -> int:
    """Compare the versions; print the problem as a workflow error and return 1, else 0."""
    parser = argparse.ArgumentParser(prog="pin_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=Path(), help="the project's folder")
    parser.add_argument("--actions-pyproject", type=Path, required=True)
    args = parser.parse_args(argv)
    found = _VERSION.search(args.actions_pyproject.read_text(encoding="utf-8"))
    if found is None:
        print(f"::error::{args.actions_pyproject}: no version line", file=sys.stderr)
        return 1
    lock = args.project / "uv.lock"
    project = locked_version(lock.read_text(encoding="utf-8")) if lock.is_file() else None
    problem = pin_problem(project, found.group(1))
    if problem:
        print(f"::error::{problem}")
        return 1
    print(f"{NAME} {project} (project) serves the actions' {found.group(1)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
