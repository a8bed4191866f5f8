"""Footprint: size on disk and install time of a baked project's virtual environment.

    .venv/bin/python benchmarks/install.py [--workdir /tmp/gitops-ml-bench/install]
        [--python python3.11] [--into results.json] [--skip-pipeline] [--skip-server] [--keep]

Bakes the template twice (`cookiecutter --no-input .`, and with `include_serving=yes`), then
for each variant

- core:   `pip install <project> <project>/vendor/gitops-ml` (default bake);
- serve:  `pip install "<project>[serve]" <project>/vendor/gitops-ml` (the
  `include_serving=yes` bake);
- skinny: the default bake and its vendored gitops-ml installed with `--no-deps`, then their
  dependencies (the project's, and gitops-ml's with the extras the project asks for) with
  `mlflow` swapped for `mlflow-skinny==<the version core resolved>`, `sqlalchemy` and
  `alembic` (what the SQLite tracking store needs);

(The project's runtime library, gitops-ml, is vendored in the bake and found through uv's
`[tool.uv.sources]`, which pip does not read: pip is given its folder beside the project.)

creates a fresh venv (`<python> -m venv`, its bundled pip, nothing upgraded) and times the
install three times, each in a fresh venv:

- cold: an empty `--cache-dir <workdir>/pip-cache-<variant>`, so everything is fetched;
- warm: the same cache dir, as the cold run left it. pip caches a download only when the
  index's response allows it (Cache-Control/ETag); `pip_cache_bytes` shows what it kept, and
  an index that sends no such headers leaves warm no faster than cold;
- wheelhouse: `--no-index --find-links <workdir>/wheelhouse-<variant>`, filled beforehand by
  `pip wheel` (not timed as install): every wheel on disk, the floor a warm cache reaches.

It records wall seconds, `du -sb` of the venv, the number of installed distributions
(`pip list`), how many wheels were downloaded, `pip check`, and the ten largest
`site-packages` entries (and, for core, the ten largest distributions by their RECORD).

Then it checks the skinny venv for real: in a copy of the default bake (committed with git),
`dvc repro` with the skinny venv first on PATH; whether an MLflow run and a logged model are in
the project's `mlflow.db`, and whether the logged model loads and predicts. For both core and
skinny, `mlflow ui --help`, `mlflow server --help`, and an actual `mlflow server` start probed
over HTTP (the web UI is what a tracking-client-only install would miss).

Prints one JSON line; `--into FILE` also merges it under the key "install" into that JSON file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORKDIR = Path("/tmp/gitops-ml-bench/install")
TAIL_CHARS = 1500
INSTALL_TIMEOUT = 3600
PIPELINE_TIMEOUT = 1800
SERVER_WAIT = 120.0
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}

# What `log_run` queries afterwards: runs, logged models, and whether the model loads back.
TRACKING_PROBE = r"""
import json, sys
out = {}
try:
    import mlflow
    from mlflow.tracking import MlflowClient
    out["mlflow_version"] = mlflow.__version__
    client = MlflowClient(tracking_uri=sys.argv[1])
    ids = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(experiment_ids=ids)
    out["experiments"] = len(ids)
    out["runs"] = [
        {"name": r.info.run_name, "status": r.info.status, "metrics": sorted(r.data.metrics)}
        for r in runs
    ]
    models = client.search_logged_models(experiment_ids=ids)
    out["logged_models"] = [{"model_id": m.model_id, "name": m.name} for m in models]
    if models:
        mlflow.set_tracking_uri(sys.argv[1])
        try:
            loaded = mlflow.pyfunc.load_model(f"models:/{models[0].model_id}")
            example = loaded.input_example
            out["model_loads"] = True
            if example is not None:
                out["model_predicts_rows"] = len(loaded.predict(example))
        except Exception as err:  # noqa: BLE001
            out["model_loads"] = False
            out["model_load_error"] = f"{type(err).__name__}: {err}"[-1500:]
except Exception as err:  # noqa: BLE001
    out["error"] = f"{type(err).__name__}: {err}"[-1500:]
print(json.dumps(out))
"""

# Size of each installed distribution, summed over the files its RECORD lists.
DIST_SIZES = r"""
import json
from importlib import metadata
from pathlib import Path
sizes = {}
for dist in metadata.distributions():
    total = 0
    for f in dist.files or []:
        try:
            total += Path(dist.locate_file(f)).stat().st_size
        except OSError:
            pass
    sizes[dist.metadata["Name"]] = total
print(json.dumps(sizes))
"""


def tail(text: str, chars: int = TAIL_CHARS) -> str:
    return text[-chars:].strip()


def clean_env(extra_path: Path | None = None) -> dict[str, str]:
    """This process's environment without any active venv, optionally a bin dir first."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["DVC_NO_ANALYTICS"] = "1"
    if extra_path is not None:
        env["PATH"] = f"{extra_path}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(extra_path.parent)
    return env


def run(
    cmd: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Run `cmd`; return ok, returncode, wall seconds and the output's tail (all of it to log)."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            env=env if env is not None else clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        output, returncode = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as err:
        out = err.stdout or ""
        output = (out.decode() if isinstance(out, bytes) else out) + f"\n[timeout {timeout}s]"
        returncode = -1
    except OSError as err:
        output, returncode = f"{type(err).__name__}: {err}", -1
    seconds = round(time.perf_counter() - start, 2)
    if log is not None:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"$ {' '.join(cmd)}\n{output}\n[rc={returncode} {seconds}s]\n\n")
    result: dict[str, Any] = {"ok": returncode == 0, "returncode": returncode, "seconds": seconds}
    if returncode != 0:
        result["tail"] = tail(output)
    result["output"] = output
    return result


def du_bytes(path: Path) -> int:
    out = subprocess.run(
        ["du", "-sb", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return int(out.split()[0])


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python*/site-packages"))


def venv_python(venv: Path) -> str:
    return str(venv / "bin" / "python")


def make_venv(python: str, venv: Path) -> float:
    if venv.exists():
        shutil.rmtree(venv)
    start = time.perf_counter()
    subprocess.run([python, "-m", "venv", str(venv)], check=True, env=clean_env())
    return round(time.perf_counter() - start, 2)


def pip_list(venv: Path) -> list[dict[str, str]]:
    out = subprocess.run(
        [venv_python(venv), "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
        env=clean_env(),
    ).stdout
    return json.loads(out)


def dist_version(dists: list[dict[str, str]], name: str) -> str | None:
    wanted = canonicalize_name(name)
    for dist in dists:
        if canonicalize_name(dist["name"]) == wanted:
            return dist["version"]
    return None


def bake(output_dir: Path, extra_context: dict[str, str]) -> Path:
    from cookiecutter.main import cookiecutter

    if output_dir.exists():
        shutil.rmtree(output_dir)
    output_dir.mkdir(parents=True)
    # The post-gen hook runs `dvc init` with this interpreter (the repo's venv has DVC). Its
    # messages go to stderr (at the descriptor level: the hook is a subprocess), so stdout
    # carries only the JSON line.
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        project = cookiecutter(
            str(REPO), no_input=True, extra_context=extra_context, output_dir=str(output_dir)
        )
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
    return Path(project)


def distribution_name(project: Path) -> str:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    return str(pyproject["project"]["name"])


def vendored_library(project: Path) -> Path:
    """The gitops-ml source the bake carries (its `[tool.uv.sources]` path for gitops-ml)."""
    return project / "vendor" / "gitops-ml"


def _flat_requirements(project: Path) -> list[str]:
    """The project's dependencies, with gitops-ml replaced by its own dependencies (those of
    the extras the project asks for): the requirements `--no-deps` installs leave to pip."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    library = tomllib.loads(
        (vendored_library(project) / "pyproject.toml").read_text(encoding="utf-8")
    )["project"]
    flat: list[str] = []
    for dep in pyproject["project"]["dependencies"]:
        req = Requirement(dep)
        if canonicalize_name(req.name) != "gitops-ml":
            flat.append(dep)
            continue
        flat += library.get("dependencies", [])
        for extra in sorted(req.extras):
            flat += library.get("optional-dependencies", {}).get(extra, [])
    return list(dict.fromkeys(flat))


def skinny_requirements(project: Path, mlflow_version: str) -> list[str]:
    """The project's dependencies with mlflow swapped for mlflow-skinny + the SQL store."""
    swapped: list[str] = []
    for dep in _flat_requirements(project):
        if canonicalize_name(Requirement(dep).name) == "mlflow":
            swapped += [f"mlflow-skinny=={mlflow_version}", "sqlalchemy", "alembic"]
        else:
            swapped.append(dep)
    return swapped


def fetch_counts(output: str) -> dict[str, int]:
    """How pip got its wheels: downloaded from the index, or taken from a local file/cache."""
    lines = [line.strip() for line in output.splitlines()]
    return {
        "downloaded": sum(line.startswith("Downloading ") for line in lines),
        "local_file": sum(line.startswith("Processing /") for line in lines),
        "from_cache": sum(line.startswith("Using cached ") for line in lines),
    }


def install_once(
    python: str, venv: Path, steps: list[list[str]], options: list[str], log: Path
) -> dict[str, Any]:
    """Fresh venv, then each `pip install <options> <step>`; the figures."""
    result: dict[str, Any] = {"venv": str(venv), "venv_create_seconds": make_venv(python, venv)}
    seconds = 0.0
    output = ""
    for step in steps:
        cmd = [venv_python(venv), "-m", "pip", "install", "--progress-bar", "off", *options]
        outcome = run([*cmd, *step], log=log, timeout=INSTALL_TIMEOUT)
        seconds += outcome["seconds"]
        output += outcome["output"]
        if not outcome["ok"]:
            result.update(ok=False, failed_step=step, tail=outcome["tail"])
            result["install_seconds"] = round(seconds, 2)
            return result
    dists = pip_list(venv)
    check = run([venv_python(venv), "-m", "pip", "check"], log=log)
    result.update(
        ok=True,
        install_seconds=round(seconds, 2),
        venv_bytes=du_bytes(venv),
        site_packages_bytes=du_bytes(site_packages(venv)),
        distributions=len(dists),
        wheels=fetch_counts(output),
        pip_check=tail(check["output"], 600) or "ok",
    )
    result["_dists"] = dists
    return result


def measure(
    name: str,
    python: str,
    workdir: Path,
    steps: list[list[str]],
    offline_steps: list[list[str]],
    keep: bool,
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Cold, warm (pip cache) and wheelhouse installs of one variant.

    Returns the figures and the cold venv's distributions. `offline_steps` name the project
    by its distribution name, as found in the wheelhouse that `pip wheel` filled.
    """
    cache = workdir / f"pip-cache-{name}"
    wheelhouse = workdir / f"wheelhouse-{name}"
    for folder in (cache, wheelhouse):
        if folder.exists():
            shutil.rmtree(folder)
    cache.mkdir()
    log = workdir / f"pip-{name}.log"
    log.write_text("", encoding="utf-8")
    figures: dict[str, Any] = {"steps": [" ".join(s) for s in steps], "log": str(log)}
    cache_option = ["--cache-dir", str(cache)]
    cold = install_once(python, workdir / f"venv-{name}", steps, cache_option, log)
    dists = cold.pop("_dists", [])
    figures["cold"] = cold
    if cold["ok"]:
        figures["pip_cache_bytes"] = du_bytes(cache)
        warm_venv = workdir / f"venv-{name}-warm"
        warm = install_once(python, warm_venv, steps, cache_option, log)
        warm.pop("_dists", None)
        figures["warm"] = warm
        # The same install with every wheel already on disk and no index (`pip wheel` fills
        # the wheelhouse first, untimed as install): the floor a warm cache could reach.
        ok = True
        fill_seconds = 0.0
        for step in steps:
            cmd = [venv_python(workdir / f"venv-{name}"), "-m", "pip", "wheel", "--progress-bar"]
            cmd += ["off", "--no-cache-dir", "-w", str(wheelhouse), *step]
            outcome = run(cmd, log=log, timeout=INSTALL_TIMEOUT)
            fill_seconds += outcome["seconds"]
            if not outcome["ok"]:
                ok = False
                figures["wheelhouse"] = {"ok": False, "step": step, "tail": outcome["tail"]}
                break
        if ok:
            offline_venv = workdir / f"venv-{name}-wheelhouse"
            options = ["--no-index", "--find-links", str(wheelhouse)]
            offline = install_once(python, offline_venv, offline_steps, options, log)
            offline.pop("_dists", None)
            offline["wheelhouse_bytes"] = du_bytes(wheelhouse)
            offline["fill_seconds"] = round(fill_seconds, 2)
            figures["wheelhouse"] = offline
            if not keep:
                shutil.rmtree(offline_venv)
        if not keep:
            shutil.rmtree(warm_venv)
    print(f"[install] {name}: {json.dumps(figures)}", file=sys.stderr, flush=True)
    return figures, dists


def top_dirs(venv: Path, count: int = 10) -> list[dict[str, Any]]:
    entries = sorted(site_packages(venv).iterdir())
    out = subprocess.run(
        ["du", "-sb", *map(str, entries)], capture_output=True, text=True, check=True
    ).stdout
    sizes = []
    for line in out.splitlines():
        size, path = line.split("\t", 1)
        sizes.append({"name": Path(path).name, "bytes": int(size)})
    sizes.sort(key=lambda item: item["bytes"], reverse=True)
    return [{**item, "mb": round(item["bytes"] / 1e6, 1)} for item in sizes[:count]]


def top_dists(venv: Path, count: int = 10) -> list[dict[str, Any]]:
    out = subprocess.run(
        [venv_python(venv), "-c", DIST_SIZES],
        capture_output=True,
        text=True,
        check=True,
        env=clean_env(),
    ).stdout
    sizes = sorted(json.loads(out).items(), key=lambda item: item[1], reverse=True)
    return [{"name": n, "bytes": b, "mb": round(b / 1e6, 1)} for n, b in sizes[:count]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read(4000).decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read(4000).decode("utf-8", "replace")


@contextmanager
def mlflow_server(
    mlflow: Path, db: Path, log: Path, env: dict[str, str], extra: tuple[str, ...] = ()
) -> Iterator[tuple[subprocess.Popen, str]]:
    """Run `mlflow server` on SQLite `db` and a free local port for the `with` block.

    Yields the process and its base URL; output goes to `log`. The server (and the workers it
    starts) is stopped on the way out.
    """
    port = free_port()
    cmd = [str(mlflow), "server", "--backend-store-uri", f"sqlite:///{db}"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", *extra]
    with log.open("w", encoding="utf-8") as handle:
        proc = subprocess.Popen(
            cmd,
            cwd=db.parent,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield proc, f"http://127.0.0.1:{port}"
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, 15)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, 9)
                    proc.wait()


def wait_healthy(proc: subprocess.Popen, url: str, seconds: float = SERVER_WAIT) -> float | None:
    """Seconds until `url`/health answered; None if the server exited or never answered."""
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        if proc.poll() is not None:
            return None
        try:
            if http_get(f"{url}/health")[0] == 200:
                return round(time.perf_counter() - start, 1)
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    return None


def server_probe(venv: Path, workdir: Path, name: str) -> dict[str, Any]:
    """Start `mlflow server` on a fresh SQLite store; does it answer /health and serve the UI?"""
    db = workdir / f"ui-{name}.db"
    db.unlink(missing_ok=True)
    log = workdir / f"server-{name}.log"
    result: dict[str, Any] = {"started": False}
    try:
        with mlflow_server(venv / "bin" / "mlflow", db, log, clean_env(venv / "bin")) as (
            proc,
            url,
        ):
            seconds = wait_healthy(proc, url)
            if seconds is None:
                result["exited"] = proc.poll()
            else:
                result.update(started=True, health_status=200, seconds_to_health=seconds)
                status, body = http_get(f"{url}/")
                result["ui_status"] = status
                lowered = body.lower()
                result["ui_is_html"] = "<html" in lowered or "<!doctype html" in lowered
                if not result["ui_is_html"]:
                    result["ui_body"] = body[:300]
                status, _ = http_get(f"{url}/api/2.0/mlflow/experiments/search?max_results=5")
                result["api_status"] = status
    except OSError as err:
        result["error"] = f"{type(err).__name__}: {err}"
        return result
    result["ok"] = bool(result.get("started") and result.get("ui_is_html"))
    if not result["ok"]:
        result["tail"] = tail(log.read_text(encoding="utf-8", errors="replace"))
    return result


def cli_checks(venv: Path, workdir: Path, name: str, probe_server: bool) -> dict[str, Any]:
    mlflow = venv / "bin" / "mlflow"
    checks: dict[str, Any] = {"mlflow_entry_point": mlflow.exists()}
    for sub in ("ui", "server"):
        outcome = run([str(mlflow), sub, "--help"], env=clean_env(venv / "bin"), timeout=120)
        checks[f"{sub}_help"] = {k: v for k, v in outcome.items() if k != "output"}
    if probe_server:
        checks["server_probe"] = server_probe(venv, workdir, name)
    return checks


def skinny_pipeline(venv: Path, source: Path, workdir: Path) -> dict[str, Any]:
    """`dvc repro` in a committed copy of the default bake with the skinny venv on PATH."""
    project = workdir / "pipeline-skinny" / source.name
    if project.parent.exists():
        shutil.rmtree(project.parent)
    shutil.copytree(source, project, symlinks=True)
    env = {**clean_env(venv / "bin"), **GIT_IDENTITY}
    log = workdir / "pipeline-skinny.log"
    log.write_text("", encoding="utf-8")
    for cmd in (["git", "add", "-A"], ["git", "commit", "-q", "-m", "Bake"]):
        outcome = run(cmd, cwd=project, env=env, log=log)
        if not outcome["ok"]:
            return {"project": str(project), "ok": False, "failed": cmd, "tail": outcome["tail"]}
    which = shutil.which("dvc", path=env["PATH"])
    repro = run(["dvc", "repro"], cwd=project, env=env, log=log, timeout=PIPELINE_TIMEOUT)
    result: dict[str, Any] = {
        "project": str(project),
        "log": str(log),
        "dvc": which,
        "repro_ok": repro["ok"],
        "repro_seconds": repro["seconds"],
    }
    if not repro["ok"]:
        result["repro_tail"] = repro["tail"]
    store = project / "mlflow.db"
    result["mlflow_db_exists"] = store.exists()
    probe = run(
        [venv_python(venv), "-c", TRACKING_PROBE, f"sqlite:///{store}"],
        cwd=project,
        env=env,
        timeout=300,
    )
    try:
        tracking = json.loads(probe["output"].strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        tracking = {"error": tail(probe["output"])}
    result["tracking"] = tracking
    result["run_recorded"] = bool(tracking.get("runs"))
    result["logged_model"] = bool(tracking.get("logged_models"))
    result["model_loads"] = bool(tracking.get("model_loads"))
    result["ok"] = bool(repro["ok"] and result["run_recorded"] and result["logged_model"])
    return result


def merge_into(path: Path, results: dict[str, Any]) -> None:
    data: dict[str, Any] = {}
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    data["install"] = results
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--python", default="python3.11", help="interpreter for the venvs")
    parser.add_argument("--into", type=Path, help="merge the results under 'install' here")
    parser.add_argument("--skip-pipeline", action="store_true", help="no skinny dvc repro")
    parser.add_argument("--skip-server", action="store_true", help="no mlflow server probe")
    parser.add_argument("--keep", action="store_true", help="keep the warm/wheelhouse venvs")
    return parser


def results_header(python: str, workdir: Path) -> dict[str, Any]:
    """When, on what machine and with which Python (`python`'s version) the measure runs."""
    python_version = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "python": python_version,
        "workdir": str(workdir),
    }


def bake_variants(workdir: Path) -> tuple[Path, Path, Path]:
    """The default and the serving bake, and a pristine copy of the default for the pipeline."""
    core_project = bake(workdir / "bake-core", {})
    serve_project = bake(workdir / "bake-serve", {"include_serving": "yes"})
    # A pristine copy for the pipeline, taken before pip builds in the bake (egg-info, build/).
    pristine = workdir / "bake-core-pristine" / core_project.name
    if pristine.parent.exists():
        shutil.rmtree(pristine.parent)
    shutil.copytree(core_project, pristine, symlinks=True)
    return core_project, serve_project, pristine


def measure_core(
    args: argparse.Namespace, workdir: Path, project: Path, dist: str
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """`measure` the default bake; if it installed, its largest distributions and key versions."""
    steps = [[str(project), str(vendored_library(project))]]
    core, core_dists = measure("core", args.python, workdir, steps, [[dist]], args.keep)
    if core["cold"]["ok"]:
        core["top_distributions"] = top_dists(workdir / "venv-core")
        core["versions"] = {
            n: dist_version(core_dists, n)
            for n in ("mlflow", "mlflow-skinny", "mlflow-tracing", "dvc", "scikit-learn")
        }
    return core, core_dists


def measure_serve(args: argparse.Namespace, workdir: Path, project: Path) -> dict[str, Any]:
    """`measure` the serving bake with its `[serve]` extra."""
    serve, _ = measure(
        "serve",
        args.python,
        workdir,
        [[f"{project}[serve]", str(vendored_library(project))]],
        [[f"{distribution_name(project)}[serve]"]],
        args.keep,
    )
    return serve


def measure_skinny(
    args: argparse.Namespace,
    workdir: Path,
    project: Path,
    dist: str,
    mlflow_version: str | None,
    core_dists: list[dict[str, str]],
) -> dict[str, Any]:
    """`measure` the default bake with mlflow-skinny at core's mlflow version; diff vs core."""
    if mlflow_version is None:
        return {"skipped": "core install failed: no mlflow version to match"}
    deps = skinny_requirements(project, mlflow_version)
    steps = [["--no-deps", str(project), str(vendored_library(project))], deps]
    offline = [["--no-deps", dist, "gitops-ml"], deps]
    skinny, skinny_dists = measure("skinny", args.python, workdir, steps, offline, args.keep)
    if skinny["cold"]["ok"]:
        skinny["has_full_mlflow"] = dist_version(skinny_dists, "mlflow") is not None
        core_names = {canonicalize_name(d["name"]) for d in core_dists}
        skinny_names = {canonicalize_name(d["name"]) for d in skinny_dists}
        skinny["dropped_vs_core"] = sorted(core_names - skinny_names)
        skinny["added_vs_core"] = sorted(skinny_names - core_names)
    return skinny


def _figure(variants: dict[str, Any], name: str, phase: str, key: str) -> Any:
    """One figure of one install (cold, warm, wheelhouse) of a variant; None if missing."""
    return (variants.get(name, {}).get(phase) or {}).get(key)


def summary_figures(variants: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of each variant, and what skinny saves on disk against core."""
    figures: dict[str, Any] = {
        name: {
            "cold_s": _figure(variants, name, "cold", "install_seconds"),
            "warm_s": _figure(variants, name, "warm", "install_seconds"),
            "wheelhouse_s": _figure(variants, name, "wheelhouse", "install_seconds"),
            "venv_mb": round((_figure(variants, name, "cold", "venv_bytes") or 0) / 1e6, 1),
            "dists": _figure(variants, name, "cold", "distributions"),
            "downloaded_cold": (_figure(variants, name, "cold", "wheels") or {}).get("downloaded"),
            "pip_cache_mb": round((variants[name].get("pip_cache_bytes") or 0) / 1e6, 2),
        }
        for name in variants
    }
    core_bytes = _figure(variants, "core", "cold", "venv_bytes")
    skinny_bytes = _figure(variants, "skinny", "cold", "venv_bytes")
    if core_bytes and skinny_bytes:
        figures["skinny_saves_mb"] = round((core_bytes - skinny_bytes) / 1e6, 1)
    return figures


def skinny_features(
    args: argparse.Namespace, workdir: Path, variants: dict[str, Any], pristine: Path
) -> dict[str, Any]:
    """What the skinny venv can do (pipeline, mlflow CLI and server); core's CLI to compare."""
    features: dict[str, Any] = {}
    if variants.get("skinny", {}).get("cold", {}).get("ok"):
        skinny_venv = workdir / "venv-skinny"
        if not args.skip_pipeline:
            features["pipeline"] = skinny_pipeline(skinny_venv, pristine, workdir)
        features["cli_skinny"] = cli_checks(skinny_venv, workdir, "skinny", not args.skip_server)
    if variants["core"]["cold"]["ok"]:
        core_venv = workdir / "venv-core"
        features["cli_core"] = cli_checks(core_venv, workdir, "core", not args.skip_server)
    return features


def main(argv: list[str] | None = None) -> int:
    """Bake, measure each variant's install, check what skinny can do; print one JSON line."""
    args = _parser().parse_args(argv)
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    results = results_header(args.python, workdir)
    core_project, serve_project, pristine = bake_variants(workdir)
    results["bakes"] = {"core": str(core_project), "serve": str(serve_project)}

    dist = distribution_name(core_project)
    variants: dict[str, Any] = {}
    variants["core"], core_dists = measure_core(args, workdir, core_project, dist)
    mlflow_version = dist_version(core_dists, "mlflow")
    results["venv_pip"] = dist_version(core_dists, "pip")
    results["mlflow_version"] = mlflow_version
    variants["serve"] = measure_serve(args, workdir, serve_project)
    variants["skinny"] = measure_skinny(
        args, workdir, core_project, dist, mlflow_version, core_dists
    )
    results["variants"] = variants
    for name, figures in variants.items():
        if (figures.get("cold") or {}).get("ok"):
            figures["top_site_packages"] = top_dirs(workdir / f"venv-{name}")
    results["summary"] = summary_figures(variants)
    results["skinny_features"] = skinny_features(args, workdir, variants, pristine)

    print(json.dumps(results))
    if args.into is not None:
        merge_into(args.into, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
