"""Measure 4b: what recording a run costs when `tracking.uri` is an MLflow tracking server.

    .venv/bin/python benchmarks/tracking_server.py [--runs 3] [--workdir DIR]

Bakes the default project (bundled sample), runs `dvc repro` once, starts `mlflow server`
(this checkout's `.venv`, SQLite backend, artifacts proxied by the server) on a free local
port, and runs `phases.py tracking` against it `--runs` times, each in a fresh process, with
`MLFLOW_TRACKING_URI` pointing at the server. The server runs on the same two CPUs, so the
figures include its share of them. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV_BIN = REPO / ".venv" / "bin"
sys.path.insert(0, str(HERE))

from install import free_port, http_get  # noqa: E402

SERVER_WAIT = 90.0


def _env(project: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_"))}
    env.update(
        PATH=f"{VENV_BIN}:{env.get('PATH', '')}",
        PYTHONPATH=str(project / "src"),
        DVC_NO_ANALYTICS="1",
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.com",
        **extra,
    )
    return env


def _last_json(output: str) -> Any:
    return json.loads([line for line in output.splitlines() if line.startswith("{")][-1])


def measure(runs: int, workdir: Path) -> dict[str, Any]:
    """`runs` fresh-process tracking measurements against a local MLflow server."""
    from cookiecutter.main import cookiecutter

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    project = Path(cookiecutter(str(REPO), no_input=True, output_dir=str(workdir / "project")))
    env = _env(project)
    for cmd in (["git", "add", "-A"], ["git", "commit", "-qm", "baked"], ["dvc", "repro"]):
        subprocess.run(cmd, cwd=project, env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [
            str(VENV_BIN / "mlflow"),
            "server",
            "--backend-store-uri",
            f"sqlite:///{workdir / 'server.db'}",
            "--artifacts-destination",
            str(workdir / "server-artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=workdir,
        env=_env(project),
        stdout=(workdir / "server.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        while True:
            if server.poll() is not None or time.perf_counter() - started > SERVER_WAIT:
                raise RuntimeError((workdir / "server.log").read_text()[-3000:])
            try:
                if http_get(f"{uri}/health")[0] == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(1)
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
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
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
