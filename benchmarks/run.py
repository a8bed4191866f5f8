"""Benchmark the baked pipeline against the same work done in one bare script.

    .venv/bin/python -m benchmarks.run [--sizes 100000 1000000] [--runs 3]
        [--models random_forest linear] [--slow-runs 1] [--workdir /tmp/gitops-ml-bench]

Per model and size: bakes a project (`cookiecutter --no-input . model=<model>`), puts churn
data from `tools/make_churn_data.py` at `data/raw/churn.csv`, commits it (in the baked
project only), then measures

1. overhead: `dvc repro` from a clean state (outputs, dvc.lock, .dvc/cache and the MLflow
   store removed) over `benchmarks/bare.py` doing the same work in one process;
2. no-op: `dvc repro` with nothing changed;
3. validation: `python -m <pkg>.validate` alone over `pandas.read_csv` of the same file;
4. tracking: what `tracking.log_run` (called by `evaluate`) adds once the store exists, to
   the local SQLite store and (`tracking_server.py`) to an MLflow server;
5. memory: each stage's peak RSS (GNU time, via a `python` shim on PATH during the clean
   runs) over the raw DataFrame's `memory_usage(deep=True)`;
6. CI path: the push workflow under `act`, cold and with a warm cache (`ci_path.py`);
7. footprint: installed size of the baked project's dependency tree (core, `serve`), and
   install time and size in fresh venvs, with the mlflow-skinny alternative (`install.py`).

Results accumulate in `<workdir>/results.json` (so a long run can be stopped and rendered);
the table is printed and `benchmarks/RESULTS.md` written after every configuration.
`--render-only` re-renders from the JSON. Configurations with a model in `--slow-models`
at `--slow-size` rows or more run `--slow-runs` times instead of `--runs`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from . import report

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV_BIN = REPO / ".venv" / "bin"
PYTHON = VENV_BIN / "python"
PACKAGE = "churn_model"
SLUG = "churn-model"
STAGES = ("validate", "prepare", "train", "evaluate")
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
"""git in a baked throw-away project (MLflow records its commit)."""


def env_for(project: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(project / "src")
    env["DVC_NO_ANALYTICS"] = "1"
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str], check: bool = True) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if check and done.returncode != 0:
        raise RuntimeError(f"{cmd} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout + done.stderr


def last_json(output: str) -> Any:
    """The last line of `output` that is a JSON object (libraries log around it)."""
    lines = [line for line in output.splitlines() if line.startswith("{")]
    return json.loads(lines[-1])


def cpu_busy(seconds: float = 1.0) -> float:
    """Share of all CPUs busy over `seconds` (0-1), from /proc/stat; -1 where unavailable."""

    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return -1.0
    return round(1 - (idle1 - idle0) / max(1, total1 - total0), 3)


QUIET_WAIT = 0.0
FITTED: dict[str, Any] = {}
BUSY_SEEN: list[float] = []


def wait_quiet() -> None:
    """Before a timed run: wait (up to QUIET_WAIT s) until other processes leave the CPUs
    mostly idle, and record how busy they were when the run started."""
    deadline = time.monotonic() + QUIET_WAIT
    busy = cpu_busy()
    while busy > 0.25 and time.monotonic() < deadline:
        time.sleep(4)
        busy = cpu_busy()
    BUSY_SEEN.append(busy)


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "runs": [round(v, 3) for v in values],
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "n": len(values),
    }


def machine_facts() -> dict[str, Any]:
    packages = ["dvc", "mlflow", "pandas", "pandera", "scikit-learn", "skops", "numpy", "pyarrow"]
    versions = {}
    for name in [*packages, "cookiecutter"]:
        try:
            versions[name] = version(name)
        except Exception:  # noqa: BLE001 - a missing package is a fact, not an error
            versions[name] = "missing"
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024**2:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


def make_data(workdir: Path, rows: int) -> Path:
    out = workdir / "data" / f"churn_{rows}.csv"
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                str(PYTHON),
                str(REPO / "tools" / "make_churn_data.py"),
                "--rows",
                str(rows),
                "--seed",
                "42",
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
    return out


def bake(workdir: Path, name: str, model: str, csv: Path | None, extra: tuple = ()) -> Path:
    where = workdir / name
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    env = env_for(where)
    run(
        [
            str(VENV_BIN / "cookiecutter"),
            "--no-input",
            str(REPO),
            "-o",
            str(where),
            f"model={model}",
            *extra,
        ],
        cwd=where,
        env=env,
    )
    project = where / SLUG
    if csv is not None:
        target = project / "data" / "raw" / "churn.csv"
        shutil.copyfile(csv, target)
        _, output = run(
            [str(PYTHON), str(HERE / "fit_schema.py"), str(target), "--package", PACKAGE],
            cwd=project,
            env=env_for(project),
        )
        FITTED[csv.name] = last_json(output)
        # The only git commands: inside the baked throw-away project, so MLflow gets a commit.
        run([*GIT, "add", "-A"], cwd=project, env=env)
        run([*GIT, "commit", "-q", "-m", "benchmark data"], cwd=project, env=env)
    return project


def clean(project: Path) -> None:
    for rel in (
        "data/interim",
        "data/prepared",
        "models",
        "reports",
        "plots",
        "mlartifacts",
        "mlruns",
        ".dvc/cache",
        ".dvc/tmp",
    ):
        shutil.rmtree(project / rel, ignore_errors=True)
    for rel in ("metrics.json", "dvc.lock", "mlflow.db"):
        (project / rel).unlink(missing_ok=True)


def parse_stage_log(log: Path) -> dict[str, dict[str, float]]:
    stages: dict[str, dict[str, float]] = {}
    for line in log.read_text().splitlines():
        if "wall=" not in line:
            continue
        head, _, tail = line.rpartition(" wall=")
        wall, _, rss = tail.partition(" maxrss_kb=")
        stage = head.rsplit(".", 1)[-1].strip()
        stages[stage] = {"wall": float(wall), "maxrss_bytes": int(rss) * 1024}
    return stages


def raw_frame_facts(csv: Path, runs: int) -> dict[str, Any]:
    import pandas as pd

    times = []
    frame = None
    for _ in range(runs):
        started = time.perf_counter()
        frame = pd.read_csv(csv)
        times.append(time.perf_counter() - started)
    assert frame is not None
    return {
        "read_csv": summary(times),
        "df_bytes": int(frame.memory_usage(deep=True).sum()),
        "csv_bytes": csv.stat().st_size,
    }


def _clean_repros(
    args: argparse.Namespace, key: str, project: Path, runs: int, out: dict, results: dict
) -> None:
    """1 + 5: clean `dvc repro`, per-stage wall time and peak RSS through the python shim."""
    env = env_for(project)
    shim_dir = args.workdir / "shim"
    shim_dir.mkdir(exist_ok=True)
    shutil.copyfile(HERE / "python_shim.sh", shim_dir / "python")
    (shim_dir / "python").chmod(0o755)
    repro_times, stage_runs = [], []
    for i in range(runs):
        clean(project)
        log = args.workdir / f"stages-{key}-{i}.log"
        log.unlink(missing_ok=True)
        shim_env = dict(
            env,
            PATH=f"{shim_dir}:{env['PATH']}",
            BENCH_STAGE_LOG=str(log),
            BENCH_PYTHON=str(PYTHON),
        )
        wait_quiet()
        seconds, output = run([str(VENV_BIN / "dvc"), "repro"], cwd=project, env=shim_env)
        repro_times.append(seconds)
        stage_runs.append(parse_stage_log(log))
        out["repro_clean"] = summary(repro_times)
        out["stages"] = stage_runs
        out["repro_output_tail"] = output[-1500:]
        save(args, results)
        print(f"  {key}: clean dvc repro #{i + 1}: {seconds:.1f}s", flush=True)


def _noop_repros(
    args: argparse.Namespace, project: Path, runs: int, out: dict, results: dict
) -> None:
    """2: `dvc repro` with nothing changed."""
    noop = []
    for _ in range(max(runs, 3)):
        wait_quiet()
        noop.append(run([str(VENV_BIN / "dvc"), "repro"], cwd=project, env=env_for(project))[0])
    out["repro_noop"] = summary(noop)
    save(args, results)


def _bare_runs(
    args: argparse.Namespace, key: str, project: Path, runs: int, out: dict, results: dict
) -> None:
    """1: the same work in one bare script, with its peak RSS from GNU time."""
    bare_times, bare_phases, bare_rss = [], [], []
    for _ in range(runs):
        stats = args.workdir / f"bare-{key}.time"
        wait_quiet()
        seconds, output = run(
            [
                "/usr/bin/time",
                "-o",
                str(stats),
                "-f",
                "%M",
                str(PYTHON),
                str(HERE / "bare.py"),
                "--project",
                str(project),
                "--package",
                PACKAGE,
                "--out",
                str(args.workdir / f"bare-{key}.skops"),
            ],
            cwd=project,
            env=env_for(project),
        )
        bare_times.append(seconds)
        bare_phases.append(last_json(output))
        bare_rss.append(int(stats.read_text().split()[-1]) * 1024)
        out["bare"] = summary(bare_times)
        out["bare_phases"] = bare_phases
        out["bare_maxrss_bytes"] = max(bare_rss)
        save(args, results)
        print(f"  {key}: bare #{len(bare_times)}: {seconds:.1f}s", flush=True)
    (args.workdir / f"bare-{key}.skops").unlink(missing_ok=True)


def _validate_alone(args: argparse.Namespace, rows: int, project: Path, results: dict) -> None:
    """3: the validate stage alone, timed whole, and its phases in-process."""
    env = env_for(project)
    times = []
    for _ in range(max(args.runs, 3)):
        wait_quiet()
        times.append(run([str(PYTHON), "-m", f"{PACKAGE}.validate"], cwd=project, env=env)[0])
    _, phases = run(
        [str(PYTHON), str(HERE / "phases.py"), "validate", "--package", PACKAGE],
        cwd=project,
        env=env,
    )
    results["data"][f"validate@{rows}"] = {
        "stage": summary(times),
        "phases": last_json(phases),
    }
    save(args, results)


def _tracking_runs(project: Path, runs: int, out: dict) -> None:
    """4: tracking, with the store left by the clean runs.

    Each process's first `log_run` pays for importing mlflow, as the evaluate stage does,
    so take it from several processes.
    """
    tracking_runs = []
    for _ in range(max(runs, 3)):
        wait_quiet()
        _, phases = run(
            [
                str(PYTHON),
                str(HERE / "phases.py"),
                "tracking",
                "--package",
                PACKAGE,
                "--repeat",
                "3",
            ],
            cwd=project,
            env=env_for(project),
        )
        tracking_runs.append(last_json(phases))
    out["tracking_runs"] = tracking_runs
    out["tracking"] = tracking_runs[-1]


def bench_config(args: argparse.Namespace, model: str, rows: int, results: dict) -> None:
    """Measure `model` on `rows` rows into `results`, saving after every step."""
    key = f"{model}@{rows}"
    slow = model in args.slow_models and rows >= args.slow_size
    runs = args.slow_runs if slow else args.runs
    out: dict[str, Any] = {"model": model, "rows": rows, "runs_planned": runs}
    BUSY_SEEN.clear()
    results["configs"][key] = out
    csv = make_data(args.workdir, rows)
    if f"data@{rows}" not in results["data"]:
        wait_quiet()
        results["data"][f"data@{rows}"] = raw_frame_facts(csv, max(args.runs, 3))
        save(args, results)
    project = bake(args.workdir, f"{model}-{rows}", model, csv)
    out["schema_fit"] = FITTED.get(csv.name)
    _clean_repros(args, key, project, runs, out, results)
    _noop_repros(args, project, runs, out, results)
    _bare_runs(args, key, project, runs, out, results)
    # Once per size: validation does not depend on the model.
    if f"validate@{rows}" not in results["data"]:
        _validate_alone(args, rows, project, results)
    _tracking_runs(project, runs, out)
    out["background_cpu_busy"] = list(BUSY_SEEN)
    out["done"] = True
    save(args, results)
    if not args.keep:
        clean(project)


def save(args: argparse.Namespace, results: dict) -> None:
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    (args.workdir / "results.json").write_text(json.dumps(results, indent=1))
    text = report.render(results)
    (HERE / "RESULTS.md").write_text(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--models", nargs="+", default=["random_forest", "linear"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slow-models", nargs="*", default=["random_forest"])
    parser.add_argument("--slow-size", type=int, default=1_000_000)
    parser.add_argument("--slow-runs", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/gitops-ml-bench"))
    parser.add_argument("--keep", action="store_true", help="keep outputs of the last run")
    parser.add_argument("--render-only", action="store_true")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=90.0,
        help="before each timed run, wait up to this many seconds for other load to go",
    )
    parser.add_argument("--skip-footprint", action="store_true")
    parser.add_argument("--skip-install", action="store_true", help="no install-time measure")
    parser.add_argument("--skip-tracking-server", action="store_true")
    parser.add_argument(
        "--ci-rows",
        type=int,
        nargs="*",
        default=[100_000],
        help="rows for the CI-path measure (push workflow under act); 0: the bundled sample",
    )
    return parser


def _measure_footprint(args: argparse.Namespace, results: dict) -> None:
    if not args.skip_footprint and "footprint" not in results:
        from . import footprint

        serving = bake(args.workdir, "serving", "linear", None, ("include_serving=yes",))
        results["footprint"] = footprint.footprint(serving / "pyproject.toml")
        save(args, results)


def _measure_configs(args: argparse.Namespace, results: dict, store: Path) -> None:
    """Every model at every size not measured yet, the slow ones last."""
    order = sorted(
        ((m, s) for m in args.models for s in args.sizes),
        key=lambda ms: (ms[0] in args.slow_models and ms[1] >= args.slow_size, ms[1]),
    )
    for model, rows in order:
        if results["configs"].get(f"{model}@{rows}", {}).get("done"):
            print(f"{model}@{rows}: already measured (delete {store} to redo)", flush=True)
            continue
        print(f"{model}@{rows}: measuring", flush=True)
        bench_config(args, model, rows, results)


def _measure_install(args: argparse.Namespace, results: dict) -> None:
    if not args.skip_install and "install" not in results:
        print("install time and size: measuring (about 17 minutes)", flush=True)
        _, output = run(
            [str(PYTHON), str(HERE / "install.py"), "--workdir", str(args.workdir / "install")],
            cwd=REPO,
            env=dict(os.environ),
        )
        results["install"] = last_json(output)
        save(args, results)


def _measure_tracking_server(args: argparse.Namespace, results: dict) -> None:
    if not args.skip_tracking_server and "tracking_server" not in results:
        from . import tracking_server

        print("tracking to an MLflow server: measuring", flush=True)
        wait_quiet()
        results["tracking_server"] = tracking_server.measure(
            max(args.runs, 3), args.workdir / "tracking-server"
        )
        save(args, results)


def _measure_ci_path(args: argparse.Namespace, results: dict) -> None:
    for rows in args.ci_rows:
        if str(rows) in results.get("ci_path", {}):
            continue
        from . import ci_path

        print(f"CI path, {rows:,} rows: measuring", flush=True)
        wait_quiet()
        measured = ci_path.measure(rows, args.runs, args.workdir / "ci-path")
        results.setdefault("ci_path", {})[str(rows)] = measured
        save(args, results)


def main(argv: list[str] | None = None) -> int:
    """Measure what is not in `<workdir>/results.json` yet (or only re-render); print the table."""
    args = _parser().parse_args(argv)
    global QUIET_WAIT
    QUIET_WAIT = args.quiet_wait
    args.workdir.mkdir(parents=True, exist_ok=True)
    store = args.workdir / "results.json"
    if args.render_only:
        results = json.loads(store.read_text())
        (HERE / "RESULTS.md").write_text(report.render(results))
        print(report.table(results))
        return 0
    results = json.loads(store.read_text()) if store.is_file() else {}
    results.setdefault("configs", {})
    results.setdefault("data", {})
    results["machine"] = machine_facts()
    results["started"] = results.get("started") or datetime.now(UTC).isoformat(timespec="seconds")
    _measure_footprint(args, results)
    _measure_configs(args, results, store)
    _measure_install(args, results)
    _measure_tracking_server(args, results)
    _measure_ci_path(args, results)
    print(report.table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
