"""Give a baked project its own `uv.lock`.

The template ships one lock (`{{cookiecutter.project_slug}}/uv.lock`, made by
`tools/lock_project.py`) for a project named `LOCKED_NAME`. Its pins do not depend on the
answers: `requires-python` is fixed and every option's extra is declared and locked. Only the
project's own name does, so the hook renames that one entry and puts it where uv sorts it;
`uv sync --locked` then accepts the lock as this project's. Standard library only.
"""

from __future__ import annotations

import re
from pathlib import Path

LOCKED_NAME = "churn-model"
"""The project name the shipped lock was made for (the template's default `project_slug`)."""

_SEPARATOR = "\n[[package]]\n"
_NAME = re.compile(r'^name = "([^"]+)"$', re.M)
_EDITABLE_ROOT = 'source = { editable = "." }'


def renamed_lock(text: str, name: str) -> str:
    """The lock `text` with its root package renamed to `name`, in uv's order (by name)."""
    header, *blocks = text.split(_SEPARATOR)
    roots = [i for i, block in enumerate(blocks) if _EDITABLE_ROOT in block.split("\n", 3)[2]]
    if len(roots) != 1 or _NAME.match(blocks[roots[0]]).group(1) != LOCKED_NAME:
        raise ValueError(f"uv.lock does not hold exactly one project named {LOCKED_NAME!r}")
    blocks[roots[0]] = _NAME.sub(f'name = "{name}"', blocks[roots[0]], count=1)
    # Every block ends with one newline (the separator adds the blank line), so they reorder
    # freely; the sort is stable, keeping a package's versions in uv's order.
    blocks.sort(key=lambda block: _NAME.match(block).group(1))
    return _SEPARATOR.join([header, *blocks])


def write_project_lock(project: Path, name: str) -> None:
    """Rename the root package of `project/uv.lock` (copied from the template) to `name`."""
    lock = project / "uv.lock"
    if name != LOCKED_NAME:
        lock.write_text(renamed_lock(lock.read_text(encoding="utf-8"), name), encoding="utf-8")
