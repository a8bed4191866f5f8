"""The main job: bake the default project into build/demo/, set it up and train it.

Run through `python3 tasks.py demo`. It does what a new user does: `cookiecutter`, then
`make setup` (a virtual environment of the project's own), a first commit, `make repro`;
then it prints the metrics and where to look next.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from cookiecutter.main import cookiecutter

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "demo"


def step(title: str, *cmd: str, cwd: Path, env: dict[str, str]) -> None:
    """Run one step of the demo, timing it; stop the demo if it fails."""
    print(f"\n== {title}: {' '.join(cmd)}", flush=True)
    started = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env)
    if result.returncode:
        sys.exit(f"demo: '{' '.join(cmd)}' failed with exit code {result.returncode}")
    print(f"   ({time.perf_counter() - started:.1f}s)")


def main() -> None:
    """Bake, set up, commit and train the default project; print its metrics."""
    started = time.perf_counter()
    shutil.rmtree(BUILD, ignore_errors=True)
    BUILD.mkdir(parents=True)
    print(f"== bake the default project into {BUILD.relative_to(ROOT)}/")
    project = Path(cookiecutter(str(ROOT), no_input=True, output_dir=str(BUILD)))
    env = dict(os.environ, DVC_NO_ANALYTICS="1")
    env.setdefault("GIT_AUTHOR_NAME", "Demo")
    env.setdefault("GIT_AUTHOR_EMAIL", "demo@example.com")
    env.setdefault("GIT_COMMITTER_NAME", env["GIT_AUTHOR_NAME"])
    env.setdefault("GIT_COMMITTER_EMAIL", env["GIT_AUTHOR_EMAIL"])
    step("set up the project's environment", "make", "setup", cwd=project, env=env)
    step("first commit", "git", "add", "-A", cwd=project, env=env)
    step("first commit", "git", "commit", "-q", "-m", "Bake the project", cwd=project, env=env)
    step("train", "make", "repro", cwd=project, env=env)
    metrics = json.loads((project / "metrics.json").read_text())
    print("\n== metrics.json (test set)")
    for name, value in metrics.items():
        print(f"   {name:<10} {value}")
    print(f"\nThe project is in {project}: read its README.md.")
    print(f"Model: {project / 'models' / 'model.skops'} (SHA-256 beside it)")
    print(f"Demo took {time.perf_counter() - started:.0f}s.")


if __name__ == "__main__":
    main()
