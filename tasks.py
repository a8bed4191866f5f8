#!/usr/bin/env python3
"""The template's commands. Needs nothing but Python 3.11: it makes its own environment.

    python3 tasks.py demo    bake the default project into build/demo/ and train it
    python3 tasks.py test    the whole test suite (what CI runs)
    python3 tasks.py quick   the tests not marked slow, for a fast loop while working
    python3 tasks.py lint    ruff over the template's own Python
    python3 tasks.py bench   the benchmarks (long: writes benchmarks/RESULTS.md)

The environment is `.venv/`: exactly what uv.lock pins (from pyproject.toml), synced again when
either changes. uv itself is bootstrapped with pip, the one installer a fresh machine has.
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
LOCKED = (
    ROOT / "pyproject.toml",
    ROOT / "uv.lock",
    ROOT / "actions" / "pyproject.toml",
    ROOT / "devkit" / "pyproject.toml",
)
STAMP = VENV / ".lock.sha256"
UV_VERSION = "0.13.9"
"""The uv that bootstraps .venv (the lock pins the same one, so `uv sync` keeps it)."""
WHEELHOUSE = VENV / "wheelhouse"
"""uv's wheel, for the workflow tests: their setup step installs uv with pip, offline."""
MERMAID = ROOT / "tests" / "mermaid"
"""Mermaid's own parser, run under node by the tests to check the report's charts."""
NODE_STAMP = MERMAID / "node_modules" / ".package-lock.sha256"


def run(*cmd: str | Path, **kwargs) -> None:
    """Run a command, echoing it; stop with its exit code if it fails."""
    print("+", " ".join(str(c) for c in cmd), flush=True)
    result = subprocess.run([str(c) for c in cmd], **kwargs)
    if result.returncode:
        sys.exit(result.returncode)


def ensure_venv() -> None:
    """Create `.venv` with exactly the versions in uv.lock, unless it is already current."""
    wanted = hashlib.sha256(b"".join(path.read_bytes() for path in LOCKED)).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    if not any(WHEELHOUSE.glob(f"uv-{UV_VERSION}-*.whl")):
        pip = [BIN / "python", "-m", "pip", "--disable-pip-version-check", "--quiet"]
        run(*pip, "download", "--no-deps", "--dest", WHEELHOUSE, f"uv=={UV_VERSION}")
        run(*pip, "install", "--no-index", "--find-links", WHEELHOUSE, f"uv=={UV_VERSION}")
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
    }
    run(BIN / "uv", "sync", "--locked", "--python", BIN / "python", cwd=ROOT, env=env)
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


def ensure_node() -> None:
    """The tests parse every Mermaid chart the report draws with mermaid itself, under node:
    install node.js and npm if this machine lacks them (Debian 12's nodejs 18 will do), then
    tests/mermaid's locked packages with `npm ci`, unless they are those of its lock already."""
    packages = {"node": "nodejs", "npm": "npm"}
    missing = [package for tool, package in packages.items() if not shutil.which(tool)]
    if missing:
        if not (os.geteuid() == 0 and shutil.which("apt-get")):
            sys.exit("error: the tests parse Mermaid charts with node; install node.js and npm")
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", *missing)
    wanted = hashlib.sha256((MERMAID / "package-lock.json").read_bytes()).hexdigest()
    if NODE_STAMP.exists() and NODE_STAMP.read_text() == wanted:
        return
    run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", cwd=MERMAID)
    NODE_STAMP.write_text(wanted)


def demo() -> None:
    """Bake the default project into build/demo/, set it up as a user would, and train it."""
    ensure_venv()
    ensure_make()
    run(BIN / "python", ROOT / "tools" / "demo.py", env=with_bytecode_caches())


def with_bytecode_caches() -> dict[str, str]:
    """This environment, without PYTHONDONTWRITEBYTECODE.

    The suite starts thousands of Python processes (pipeline stages, toolkit commands, baked
    projects' tests) that import pandas, scikit-learn and MLflow. Where a machine sets
    PYTHONDONTWRITEBYTECODE, each of them compiles those from source again (10 CPU seconds
    to import the stack, against 4 with the caches); written once, the caches serve them all,
    as on a user's machine or a GitHub runner.
    """
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def test(*pytest_args: str) -> None:
    """Run the test suite on both cores."""
    ensure_venv()
    ensure_make()
    ensure_node()
    # Whole files per worker, in the order conftest sorts them (longest first), not by size.
    run(
        BIN / "python",
        "-m",
        "pytest",
        "-n",
        "2",
        "--dist",
        "loadfile",
        "--no-loadscope-reorder",
        *pytest_args,
        cwd=ROOT,
        env=with_bytecode_caches(),
    )


def lint() -> None:
    """ruff check and format check over the template's own Python."""
    ensure_venv()
    run(BIN / "ruff", "check", ROOT)
    run(BIN / "ruff", "format", "--check", ROOT)


def bench(*args: str) -> None:
    """Run the benchmarks; they print a table and write benchmarks/RESULTS.md."""
    ensure_venv()
    run(BIN / "python", "-m", "benchmarks.run", *args, cwd=ROOT)


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
