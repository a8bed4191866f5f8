"""Measure 4b: what recording a run costs when `tracking.uri` is an MLflow tracking server.

    .venv/bin/python -m benchmarks.tracking_server [--runs 3] [--workdir DIR]

Bakes the default project (bundled sample), runs `dvc repro` once, starts `mlflow server`
(this checkout's `.venv`, SQLite backend, artifacts proxied by the server) on a free local
port, and runs `phases.py tracking` against it `--runs` times, each in a fresh process, with
`MLFLOW_TRACKING_URI` pointing at the server. The server runs on the same two CPUs, so the
figures include its share of them. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .install import mlflow_server, wait_healthy
from .run import GIT, env_for

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV_BIN = REPO / ".venv" / "bin"


def _env(project: Path, **extra: str) -> dict[str, str]:
    """The baked project's environment, as the other measures build it, plus `extra`."""
    return env_for(project) | extra


def _last_json(output: str) -> Any:
    return json.loads([line for line in output.splitlines() if line.startswith("{")][-1])


def measure(runs: int, workdir: Path) -> dict[str, Any]:
    """`runs` fresh-process tracking measurements against a local MLflow server."""
    from cookiecutter.main import cookiecutter

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    project = Path(cookiecutter(str(REPO), no_input=True, output_dir=str(workdir / "project")))
    env = _env(project)
    for cmd in ([*GIT, "add", "-A"], [*GIT, "commit", "-qm", "baked"], ["dvc", "repro"]):
        subprocess.run(cmd, cwd=project, env=env, check=True, capture_output=True)
    with mlflow_server(
        VENV_BIN / "mlflow",
        workdir / "server.db",
        workdir / "server.log",
        _env(project),
        ("--artifacts-destination", str(workdir / "server-artifacts")),
    ) as (server, uri):
        if wait_healthy(server, uri) is None:
            raise RuntimeError((workdir / "server.log").read_text()[-3000:])
        time.sleep(5)  # let the server's background workers settle before timing
        measured = []
        for _ in range(runs):
            done = subprocess.run(
                [
                    str(VENV_BIN / "python"),
                    str(HERE / "phases.py"),
                    "tracking",
                    "--package",
                    "churn_model",
                    "--repeat",
                    "3",
                ],
                cwd=project,
                env=_env(project, MLFLOW_TRACKING_URI=uri),
                capture_output=True,
                text=True,
                check=True,
            )
            measured.append(_last_json(done.stdout)["log_run"])
    firsts = sorted(r[0] for r in measured)
    return {
        "uri": "http://127.0.0.1:<port>",
        "log_run": measured,
        "first_median": firsts[len(firsts) // 2],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--workdir", type=Path, default=Path("/tmp/gitops-ml-bench/tracking-server")
    )
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.runs, args.workdir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
