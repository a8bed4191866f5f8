"""The newcomer loop: `git clone` with nothing set up, then `python3 tasks.py demo`.

    .venv/bin/python benchmarks/newcomer.py [--repo PATH]

Clones the repository (its committed state) into a temporary folder and runs the README's
main command there with an empty uv cache, so environment creation is measured from the
package index: bootstrap uv, the template's locked `.venv`, the bake, the baked project's
`make setup` from its own lock, `make repro` and the push workflow under act. Then it times a
second `make setup` of the baked project into a fresh `.venv` with the now-warm cache (what a
user pays for a new environment, and what the tests pay per act job). Prints both figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Clone, run the demo cold, then one warm `make setup`; print the wall times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=ROOT, help="the repository to clone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newcomer-") as tmp:
        clone, cache = Path(tmp) / "clone", Path(tmp) / "uv-cache"
        subprocess.run(["git", "clone", "-q", str(args.repo), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_"))}
        env["UV_CACHE_DIR"] = str(cache)
        started = time.perf_counter()
        subprocess.run(["python3", "tasks.py", "demo"], cwd=clone, env=env, check=True)
        demo = time.perf_counter() - started
        project = clone / "build" / "demo" / "churn-model"
        shutil.rmtree(project / ".venv")
        started = time.perf_counter()
        subprocess.run(
            ["make", "setup", f"UV={clone / '.venv' / 'bin' / 'uv'}"],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
        )
        setup = time.perf_counter() - started
    print(f"fresh clone -> demo done (cold uv cache): {demo:.0f} s (target < 300 s)")
    print(f"baked project's make setup, fresh .venv, warm cache: {setup:.1f} s")


if __name__ == "__main__":
    main()
