"""Re-lock the baked project's dependencies (maintainers; needs the package index).

    python tools/lock_project.py            re-lock after editing the baked pyproject.toml
    python tools/lock_project.py --upgrade  also move every pin to its newest release

Bakes the default project, runs `uv lock` in it and copies its `uv.lock` into the template,
where the post-generation hook renames the project's own entry for each bake
(`hooks/project_lock.py`). The lock does not depend on any other answer, which
`tests/test_bake.py` checks for every option with `uv lock --locked`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def main(argv: list[str]) -> int:
    """Bake, lock, copy back; return the exit code."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [BIN / "cookiecutter", "--no-input", TEMPLATE, "-o", tmp], check=True, text=True
        )
        project = Path(tmp) / "churn-model"
        subprocess.run([BIN / "uv", "lock", *argv], cwd=project, check=True)
        shutil.copyfile(project / "uv.lock", TEMPLATE / "{{cookiecutter.project_slug}}/uv.lock")
    print("Updated {{cookiecutter.project_slug}}/uv.lock: commit it with the pyproject change.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
