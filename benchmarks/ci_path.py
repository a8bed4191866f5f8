"""Measure 6: the push workflow (train.yml) under `act`, cold and with a warm DVC cache.

    .venv/bin/python -m benchmarks.ci_path [--rows 100000] [--runs 3] [--workdir DIR]

Bakes the default project, puts `--rows` rows of churn data at `data/raw/churn.csv` (the
bundled sample when `--rows 0`), trains it locally and commits it with its `dvc.lock` (as the
project's README asks), and runs the real workflow the way the test suite does
(the devkit's `act_runner`: act on the host, our actions from this checkout, GitHub from the
OpenAPI-validated stand-in). A *cold* run starts from an empty act work folder (no cache
saved, no release yet): it trains (to the same bytes) and publishes. A *warm* run re-runs the
same commit with the cache the cold run saved: it must restore (`cache-hit` true, no stage
run, nothing published). Prints one JSON line and, with `--into`, stores it under `ci_path`
in run.py's results.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from act_runner import push_event, run_act
from github_standin import GitHubStandIn

from .run import make_data

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

TOKEN = "ghs_bench_token"


def _git(project: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        ["git", *args], cwd=project, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def bake_project(workdir: Path, rows: int) -> tuple[Path, str]:
    """The default project with `rows` rows of churn data, committed; (project, sha)."""
    from cookiecutter.main import cookiecutter

    shutil.rmtree(workdir / "project", ignore_errors=True)
    project = Path(cookiecutter(str(REPO), no_input=True, output_dir=str(workdir / "project")))
    if rows:
        shutil.copyfile(make_data(workdir, rows), project / "data" / "raw" / "churn.csv")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", f"churn data, {rows or 'bundled'} rows")
    # As the project's README says: train locally, commit dvc.lock and the metrics, push.
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "PYTHONPATH": str(project / "src"),
        "DVC_NO_ANALYTICS": "1",
        "HOME": str(workdir),
    }
    subprocess.run(["dvc", "repro"], cwd=project, env=env, check=True, capture_output=True)
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "Train the model")
    return project, _git(project, "rev-parse", "HEAD")


def one_run(project: Path, sha: str, github: GitHubStandIn, work: Path) -> dict[str, Any]:
    """Run the push workflow once; its wall time and what it did."""
    started = time.perf_counter()
    result = run_act(
        project, "push", push_event(sha), api_url=github.base_url, token=TOKEN, work=work
    )
    seconds = time.perf_counter() - started
    if not result.succeeded:
        raise RuntimeError(f"act push failed:\n{result.log[-3000:]}")
    return {
        "seconds": round(seconds, 2),
        "cache_hit": result.outputs("setup").get("cache-hit"),
        "stages_run": result.log.count("Running stage '"),
        "published": result.outputs("publish").get("published"),
    }


def measure(rows: int, runs: int, workdir: Path) -> dict[str, Any]:
    """`runs` cold runs (each with a fresh cache and stand-in) and `runs` warm runs."""
    project, sha = bake_project(workdir, rows)
    cold, warm = [], []
    for n in range(runs):
        work = workdir / f"act-{n}"
        shutil.rmtree(work, ignore_errors=True)
        with GitHubStandIn(token=TOKEN) as github:
            cold.append(one_run(project, sha, github, work))
            print(f"  cold #{n + 1}: {cold[-1]}", flush=True)
            warm.append(one_run(project, sha, github, work))
            print(f"  warm #{n + 1}: {warm[-1]}", flush=True)
            github.assert_contract()
    return {
        "rows": rows,
        "cold": cold,
        "warm": warm,
        "cold_median": statistics.median(r["seconds"] for r in cold),
        "warm_median": statistics.median(r["seconds"] for r in warm),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="0: the bundled sample")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/gitops-ml-bench/ci-path"))
    parser.add_argument("--into", type=Path, help="run.py's results.json to add `ci_path` to")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    result = measure(args.rows, args.runs, args.workdir)
    if args.into:
        results = json.loads(args.into.read_text(encoding="utf-8"))
        results.setdefault("ci_path", {})[str(args.rows)] = result
        args.into.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
