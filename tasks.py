#!/usr/bin/env python3
"""The template's commands. Needs nothing but Python 3.11: it makes its own environment.

    python3 tasks.py demo    bake the default project into build/demo/ and train it
    python3 tasks.py test    the whole test suite (what CI runs)
    python3 tasks.py quick   the tests not marked slow, for a fast loop while working
    python3 tasks.py lint    ruff over the template's own Python
    python3 tasks.py bench   the benchmarks (long: writes benchmarks/RESULTS.md)

The environment is `.venv/` (from requirements-dev.txt), re-installed when that file changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
REQUIREMENTS = ROOT / "requirements-dev.txt"
STAMP = VENV / ".requirements.sha256"
WHEELHOUSE = VENV / "wheelhouse"
"""Build requirements (setuptools) for installing baked projects offline in workflow tests."""


def run(*cmd: str | Path, **kwargs) -> None:
    """Run a command, echoing it; stop with its exit code if it fails."""
    print("+", " ".join(str(c) for c in cmd), flush=True)
    result = subprocess.run([str(c) for c in cmd], **kwargs)
    if result.returncode:
        sys.exit(result.returncode)


def ensure_venv() -> None:
    """Create `.venv` and install requirements-dev.txt into it, unless already current."""
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    pip = [BIN / "python", "-m", "pip"]
    run(*pip, "install", "--quiet", "--upgrade", "pip", cwd=ROOT)
    run(*pip, "install", "--quiet", "-r", REQUIREMENTS, cwd=ROOT)  # `-e ./actions` is relative
    run(*pip, "download", "--quiet", "--dest", WHEELHOUSE, "setuptools>=77", cwd=ROOT)
    STAMP.write_text(wanted)


def ensure_make() -> None:
    """Baked projects are driven by their Makefile; install GNU make if this machine lacks it."""
    if shutil.which("make"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "make")
        return
    sys.exit("error: the tests drive baked projects with `make`; install GNU make first")


def demo() -> None:
    """Bake the default project into build/demo/, set it up as a user would, and train it."""
    ensure_venv()
    ensure_make()
    run(BIN / "python", ROOT / "tools" / "demo.py")


def test(*pytest_args: str) -> None:
    """Run the test suite on both cores."""
    ensure_venv()
    ensure_make()
    run(BIN / "python", "-m", "pytest", "-n", "2", "--dist", "loadfile", *pytest_args, cwd=ROOT)


def lint() -> None:
    """ruff check and format check over the template's own Python."""
    ensure_venv()
    run(BIN / "ruff", "check", ROOT)
    run(BIN / "ruff", "format", "--check", ROOT)


def bench(*args: str) -> None:
    """Run the benchmarks; they print a table and write benchmarks/RESULTS.md."""
    ensure_venv()
    run(BIN / "python", ROOT / "benchmarks" / "run.py", *args, cwd=ROOT)


def main(argv: list[str]) -> None:
    """Dispatch `python3 tasks.py <command> [args]`."""
    commands = {
        "demo": demo,
        "test": test,
        "quick": lambda *a: test("-m", "not slow", *a),
        "lint": lint,
        "bench": bench,
    }
    if not argv or argv[0] not in commands:
        sys.exit(__doc__)
    commands[argv[0]](*argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
