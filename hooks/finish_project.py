"""The post-generation steps, called by `post_gen_project.py` with the answers and the new folder.

Prune the files of options not chosen, bring in the dataset (the bundled churn sample, the
bundled copy of scikit-learn's diabetes data, or the user's CSV) and infer its schema, copy in
the gitops-ml library, give the project its uv.lock, `git init`, and write DVC's files with the
chosen remote. Nothing is committed on the user's behalf."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

from answers import DIABETES_TARGET, dataset_file
from csv_intake import as_plain_csv, load_table, read_plain, read_text
from dvc_files import init_dvc
from project_lock import write_project_lock
from schema_inference import ColumnSpec, infer_columns, render_schema_module
from template_record import record_template
from vendor_library import vendor_library

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
    for dataset in ("churn", "diabetes"):
        if answers["dataset"] != dataset:
            paths.append(f"data/raw/{dataset}.csv")
    return paths


def prune(answers: dict, project: Path) -> None:
    """Delete the files of options not chosen."""
    for relative in pruned_paths(answers):
        path = project / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def name_diabetes_target(raw: Path, target: str) -> None:
    """Give the bundled diabetes data's target column (the last) the name the user chose.

    The file ships with the target named `DIABETES_TARGET` (see tools/make_diabetes_data.py);
    only its header line changes, quoted as the csv module (and pandas) quote a name.
    """
    if target == DIABETES_TARGET:
        return
    first_line, _, rest = raw.read_bytes().decode("utf-8").partition("\n")
    names = first_line.rstrip("\r").split(",")
    if names[-1] != DIABETES_TARGET:
        raise ValueError(f"{raw}: the last column is {names[-1]!r}, not {DIABETES_TARGET!r}")
    header = io.StringIO()
    ending = "\r\n" if first_line.endswith("\r") else "\n"
    csv.writer(header, lineterminator=ending).writerow([*names[:-1], target])
    raw.write_bytes((header.getvalue() + rest).encode("utf-8"))


def copy_user_csv(source: str | Path, destination: Path) -> list[str]:
    """Copy the user's CSV into the project as UTF-8, comma-separated; return what was changed."""
    csv_text = read_text(source)
    if csv_text.is_plain:
        shutil.copyfile(csv_text.path, destination)
    else:
        destination.write_text(as_plain_csv(csv_text), encoding="utf-8")
    return csv_text.notes


def write_schema(answers: dict, project: Path, raw: Path) -> list[ColumnSpec]:
    """Infer the schema of `raw` and write it as the project's `schema.py`."""
    table = load_table(read_plain(raw))
    specs = infer_columns(table, answers["target_column"], answers["task"])
    source = render_schema_module(
        specs,
        task=answers["task"],
        target=answers["target_column"],
        source=raw.relative_to(project).as_posix(),
        rows=table.rows,
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
        name_diabetes_target(raw, answers["target_column"])
        print(f"Using scikit-learn's diabetes data, bundled as {answers['__raw_data']}.")
    else:
        notes = copy_user_csv(dataset_file(answers), raw)
        done = f" as UTF-8, comma-separated CSV ({'; '.join(notes)})" if notes else ""
        print(f"Copied {answers['dataset_path']} to {answers['__raw_data']}{done}.")
    specs = write_schema(answers, project, raw)
    print(describe(specs, f"src/{answers['package_name']}/schema.py"))


def init_repositories(answers: dict, project: Path) -> None:
    """`git init` (branch main) and DVC's files, with the remote if one was chosen, staged."""
    remote = answers["dvc_remote"] != "none"
    written = init_dvc(project, answers["dvc_remote_url"].strip() if remote else None)
    if shutil.which("git") is None:
        print("git is not installed: run `git init -b main` in the project yourself.")
        return
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    subprocess.run(["git", "add", "--", *written], cwd=project, check=True)


def finish(answers: dict, project: Path) -> int:
    """Run every post-generation step; return the process exit code."""
    prune(answers, project)
    try:
        bring_in_data(answers, project)
        vendor_library(project)
        write_project_lock(project, answers["project_slug"])
        record_template(answers, project)
        init_repositories(answers, project)
    except (OSError, ValueError, subprocess.CalledProcessError) as err:
        print(f"error: could not finish the project: {err}", file=sys.stderr)
        return 1
    print(f"\nDone: {answers['project_slug']}/ is ready. Next: cd {answers['project_slug']}")
    print("  make setup   # virtual environment with the project and its tools")
    print("  make repro   # validate, prepare, train and evaluate (dvc repro)")
    return 0
