"""The post-generation steps, called by `post_gen_project.py` with the answers and the new folder.

Prune the files of options not chosen, bring in the dataset (bundled sample, scikit-learn's
diabetes data, or the user's CSV) and infer its schema, then `git init`, `dvc init` and
configure the DVC remote. Nothing is committed on the user's behalf.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

from csv_intake import as_plain_csv, read_text
from schema_inference import ColumnSpec, infer_columns, render_schema_module

SERVING_FILES = (
    ".dockerignore",
    "Dockerfile",
    "src/{package}/serve.py",
    "tests/test_serve.py",
)


def pruned_paths(answers: dict) -> list[str]:
    """Files of the generated project that the chosen options do not use."""
    paths: list[str] = []
    if answers["include_serving"] != "yes":
        paths += [p.format(package=answers["package_name"]) for p in SERVING_FILES]
    if answers["dataset"] != "churn":
        paths.append("data/raw/churn.csv")
    return paths


def prune(answers: dict, project: Path) -> None:
    """Delete the files of options not chosen."""
    for relative in pruned_paths(answers):
        path = project / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def write_diabetes_csv(destination: Path, target: str) -> None:
    """Write scikit-learn's bundled diabetes data (raw units) as a CSV with `target` last."""
    import pandas as pd
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes(scaled=False)
    frame = pd.DataFrame(bunch.data, columns=bunch.feature_names)
    frame[target] = bunch.target
    for column in frame.columns:
        if (frame[column] == frame[column].round()).all():
            frame[column] = frame[column].astype("int64")
    frame.to_csv(destination, index=False, lineterminator="\n")


def copy_user_csv(source: str, destination: Path) -> list[str]:
    """Copy the user's CSV into the project as UTF-8, comma-separated; return what was changed."""
    csv_text = read_text(source)
    if csv_text.is_plain:
        shutil.copyfile(csv_text.path, destination)
    else:
        destination.write_text(as_plain_csv(csv_text), encoding="utf-8")
    return csv_text.notes


def write_schema(answers: dict, project: Path, raw: Path) -> list[ColumnSpec]:
    """Infer the schema of `raw` and write it as the project's `schema.py`."""
    import pandas as pd

    frame = pd.read_csv(raw)
    specs = infer_columns(frame, answers["target_column"], answers["task"])
    source = render_schema_module(
        specs,
        task=answers["task"],
        target=answers["target_column"],
        source=raw.relative_to(project).as_posix(),
        rows=len(frame),
    )
    (project / "src" / answers["package_name"] / "schema.py").write_text(source, encoding="utf-8")
    return specs


def describe(specs: list[ColumnSpec], schema_path: str) -> str:
    """A short table of the inferred roles, for the person who ran cookiecutter."""
    lines = [f"Inferred the data schema into {schema_path}:"]
    width = max(len(repr(s.name)) for s in specs)
    for spec in specs:
        role = spec.role if spec.role in ("target", "numeric", "categorical") else "not a feature"
        lines.append(f"  {spec.name!r:<{width}}  {role:<13}  {spec.reason}")
    return "\n".join(lines)


def bring_in_data(answers: dict, project: Path) -> None:
    """Put the dataset under data/raw/ and, unless it is the bundled sample, infer its schema."""
    dataset = answers["dataset"]
    if dataset == "churn":
        return  # the bundled sample ships with its schema (see tools/refresh_churn_schema.py)
    raw = project / answers["__raw_data"]
    raw.parent.mkdir(parents=True, exist_ok=True)
    if dataset == "diabetes":
        write_diabetes_csv(raw, answers["target_column"])
        print(f"Wrote scikit-learn's diabetes data to {answers['__raw_data']}.")
    else:
        notes = copy_user_csv(answers["dataset_path"], raw)
        done = f" ({'; '.join(notes)})" if notes else ""
        print(f"Copied {answers['dataset_path']} to {answers['__raw_data']}{done}.")
    specs = write_schema(answers, project, raw)
    print(describe(specs, f"src/{answers['package_name']}/schema.py"))


def _dvc_command() -> list[str] | None:
    if importlib.util.find_spec("dvc") is not None:
        return [sys.executable, "-m", "dvc"]
    found = shutil.which("dvc")
    return [found] if found else None


def init_repositories(answers: dict, project: Path) -> None:
    """`git init` (branch main) and `dvc init`, then add the DVC remote if one was chosen."""
    has_git = shutil.which("git") is not None
    if has_git:
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    else:
        print("git is not installed: run `git init -b main` in the project yourself.")
    dvc = _dvc_command()
    if dvc is None:
        print("DVC is not installed where cookiecutter ran: `make setup` runs `dvc init`.")
        return
    subprocess.run(
        [*dvc, "init", "-q", *([] if has_git else ["--no-scm"])], cwd=project, check=True
    )
    if answers["dvc_remote"] != "none":
        url = answers["dvc_remote_url"].strip()
        subprocess.run([*dvc, "remote", "add", "-d", "storage", url], cwd=project, check=True)


def finish(answers: dict, project: Path) -> int:
    """Run every post-generation step; return the process exit code."""
    prune(answers, project)
    try:
        bring_in_data(answers, project)
        init_repositories(answers, project)
    except (OSError, ValueError, subprocess.CalledProcessError) as err:
        print(f"error: could not finish the project: {err}", file=sys.stderr)
        return 1
    print(f"\nDone: {answers['project_slug']}/ is ready. Next: cd {answers['project_slug']}")
    print("  make setup   # virtual environment with the project and its tools")
    print("  make repro   # validate, prepare, train and evaluate (dvc repro)")
    return 0
