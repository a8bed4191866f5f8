"""The hooks type a CSV without pandas; the project's `validate` reads it with pandas.

Schema inference runs where cookiecutter runs, on the standard library alone, so it re-creates
what `pandas.read_csv` (default options) makes of each column. These tests hold it to that:
column for column, the dtype, the gaps, the values and the way a value is quoted in a reason
must be what pandas gives, on the messy CSV, the bundled samples and hand-written tricky files;
the schema rendered from them must accept the data pandas reads; and every hook module must
import and run with pandas, numpy and scikit-learn out of reach.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import TEMPLATE
from csv_intake import as_plain_csv, load_table, read_plain, read_text
from make_diabetes_data import OUT as BUNDLED_DIABETES
from make_diabetes_data import diabetes_csv
from messy_data import TARGET, write_messy_csv
from schema_inference import NA_VALUES, infer_columns, parse_column, render_schema_module

RAW = TEMPLATE / "{{cookiecutter.project_slug}}" / "data" / "raw"
HOOKS = TEMPLATE / "hooks"
NA_TOKENS = ["", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "None"]
NA_TOKENS += ["<NA>", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN"]

TRICKY = {
    "ints with gaps": (
        "n,with_gap,signed,all_missing,y\n1,10,-3,,a\n2,,+4,NA,b\n3,30,007,null,a\n4,NaN, 5 ,,b\n"
    ),
    "true/false with and without gaps": (
        "flag,flag_gaps,flag_any_case,flag_any_case_gaps,not_flag,y\n"
        "True,True,true,tRuE,True,a\n"
        "False,,FALSE,,yes,b\n"
        "True,False,True,false,False,a\n"
        "False,True,false,FALSE, True,b\n"
    ),
    "missing-value markers": "x,label,y\n"
    + "".join(
        f'"{token}",{label},{i % 2}\n'
        for i, (token, label) in enumerate(
            zip(NA_TOKENS, [" NA", "NA ", "none", "NAN", "Null", "n/a", "nan "] * 3, strict=False)
        )
    )
    + "1.5,x,0\n",
    "exponents, signs and infinity": (
        "e,neg,inf,dot,y\n"
        "1e5,-1,inf,.5,a\n"
        "2.5E-3,-2.5,-Infinity,5.,b\n"
        "-1e+02,-0.0,1.0,+.25,a\n"
        "1E5,3,INF,1.e3,b\n"
    ),
    "spaces around values": (
        " spaced name ,padded_int,padded_float,padded_text,y\n"
        " 1, 1.5 , x ,a,a\n"
        "2 ,2.5\t,y ,b,b\n"
        "\t3,-1 ,  z,c,a\n"
    ),
    "quoted fields": (
        'note,amount,y\n"a, b",1,a\n"line one\nline two",2,b\n"say ""hi""",3,a\n"x",4,b\n'
    ),
    "blank lines, short rows, unnamed column": (
        "\n   \nk,,y\r\n1,2,a\r\n\r\n3\r\n \t \r\n5,6,b\r\n"
    ),
    "constant columns": (
        "one_int,one_float,one_flag,one_flag_gaps,one_text,int_label,y\n"
        "5,2.5,true,True,x,1,a\n"
        "5,2.5,TRUE,,x,,b\n"
        "5,,True,True,,0,a\n"
    ),
    "numbers mixed with text": "code,y\n001,a\n002,b\nA3,a\n4.5,b\n",
}

# Where a tricky file gets a regression target too (besides the last column, classification).
REGRESSION = {
    "ints with gaps": "with_gap",
    "exponents, signs and infinity": "neg",
    "constant columns": "int_label",
}


def test_missing_markers_are_pandas_defaults():
    from pandas._libs.parsers import STR_NA_VALUES

    assert NA_VALUES == set(NA_TOKENS) == STR_NA_VALUES


def _schema_dtype(series: pd.Series) -> str:
    """The dtype the schema gives a column pandas read: the rule inference always followed."""
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_numeric_dtype(series):
        return "float"
    return "str"


@pytest.fixture(scope="module")
def csv_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every file to compare, as the project holds it: UTF-8, comma-separated."""
    folder = tmp_path_factory.mktemp("csv")
    messy = write_messy_csv(folder / "messy source.csv")
    files = {
        "messy": folder / "messy.csv",
        "churn": RAW / "churn.csv",
        "diabetes": RAW / "diabetes.csv",
    }
    files["messy"].write_text(as_plain_csv(read_text(messy)), encoding="utf-8")
    for i, (name, text) in enumerate(TRICKY.items()):
        files[name] = folder / f"tricky-{i}.csv"
        files[name].write_bytes(text.encode("utf-8"))
    return files


CASES = ["messy", "churn", "diabetes", *TRICKY]


@pytest.mark.parametrize("case", CASES)
def test_columns_are_typed_as_pandas_types_them(csv_files, case):
    path = csv_files[case]
    frame = pd.read_csv(path)
    as_text = pd.read_csv(path, dtype=str)
    table = load_table(read_plain(path))
    assert list(table.columns) == list(frame.columns)
    assert table.rows == len(frame)
    for name, cells in table.columns.items():
        column, series = parse_column(cells), frame[name]
        if _booleans_with_gaps(series):
            # pandas holds Python booleans; `validate` reads such a column as text, so the
            # inference keeps the cells as written (their spellings are the allowed values).
            series = as_text[name]
        present = series.dropna()
        found = (column.dtype, column.nullable, column.missing, column.values)
        expected = (
            _schema_dtype(series),
            bool(series.isna().any()),
            int(series.isna().sum()),
            present.tolist(),
        )
        assert found == expected, f"{case}: column {name!r} ({series.dtype})"
        assert len(column.unique()) == series.nunique(), name
        if len(present):
            assert column.show(column.values[0]) == repr(present.iloc[0]), name


@pytest.mark.parametrize("case", CASES)
def test_rendered_schema_accepts_what_pandas_reads(csv_files, case):
    path = csv_files[case]
    table = load_table(read_plain(path))
    default_target = {"messy": TARGET, "churn": "churned", "diabetes": "progression"}
    tasks = [(default_target.get(case, "y"), "classification")]
    if case == "diabetes":
        tasks = [("progression", "regression")]
    if case in REGRESSION:
        tasks.append((REGRESSION[case], "regression"))
    for target, task in tasks:
        specs = infer_columns(table, target, task)
        source = render_schema_module(
            specs, task=task, target=target, source="data/raw/x.csv", rows=table.rows
        )
        namespace: dict = {}
        exec(compile(source, "schema.py", "exec"), namespace)
        frame = pd.read_csv(path)
        if case not in BOOLEANS_WITH_GAPS:
            assert len(namespace["SCHEMA"].validate(frame)) == len(frame), (case, target)
        frame = _read_as_validate_does(path, specs)
        assert len(namespace["SCHEMA"].validate(frame)) == len(frame), (case, target)


def _read_as_validate_does(path: Path, specs: list) -> pd.DataFrame:
    """The project's `validate` reads the columns its schema calls text as text."""
    text = {spec.name: "str" for spec in specs if spec.dtype == "str"}
    return pd.read_csv(path, encoding="utf-8-sig", dtype=text)


BOOLEANS_WITH_GAPS = {"true/false with and without gaps", "constant columns"}
"""Cases with a true/false column with gaps: text to `validate` (and to the schema)."""


def _booleans_with_gaps(series: pd.Series) -> bool:
    present = series.dropna()
    return (
        series.dtype == object
        and len(present) > 0
        and all(isinstance(v, bool) for v in present)
        and bool(series.isna().any())
    )


def test_validate_accepts_true_false_in_any_case_with_gaps(tmp_path):
    path = tmp_path / "flags.csv"
    path.write_text("flag,y\ntrue,a\n,b\nFALSE,a\ntrue,b\n", encoding="utf-8")
    specs = infer_columns(load_table(read_plain(path)), "y", "classification")
    namespace: dict = {}
    exec(
        render_schema_module(specs, task="classification", target="y", source="x", rows=4),
        namespace,
    )
    namespace["SCHEMA"].validate(_read_as_validate_does(path, specs))


def test_the_bundled_diabetes_data_is_scikit_learns():
    assert BUNDLED_DIABETES.read_bytes() == diabetes_csv().encode("utf-8"), (
        "data/raw/diabetes.csv is stale: run .venv/bin/python tools/make_diabetes_data.py"
    )


def test_messy_source_and_its_plain_copy_give_one_table(csv_files, messy_csv):
    """A semicolon-separated Windows-1252 file and the project's UTF-8 copy parse alike."""
    assert load_table(read_text(messy_csv)) == load_table(read_plain(csv_files["messy"]))


# ---------------------------------------------------------------- standard library only

BLOCKED = ("pandas", "numpy", "sklearn", "scipy", "pandera", "pyarrow")

STDLIB_ONLY = """
import importlib, json, shutil, sys
from pathlib import Path

for name in {blocked!r}:
    sys.modules[name] = None  # `import name` now fails, even where site-packages hold it
hooks, messy, work, answers = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), sys.argv[4]
answers = json.loads(answers)
modules = {{}}
for path in sorted(hooks.glob("*.py")):
    if path.stem not in ("pre_gen_project", "post_gen_project"):  # Jinja templates of scripts
        modules[path.stem] = importlib.import_module(path.stem)
answers_, csv_intake, schema_inference, finish_project = (
    modules[name] for name in ("answers", "csv_intake", "schema_inference", "finish_project")
)
out = {{"no_site": sys.flags.no_site, "modules": sorted(modules), "problems": {{}}}}
for dataset, changes in answers["cases"].items():
    out["problems"][dataset] = answers_.all_problems(answers["defaults"] | changes)
table = csv_intake.load_table(csv_intake.read_text(messy))
specs = schema_inference.infer_columns(table, answers["messy_target"], "classification")
out["messy_roles"] = {{spec.name: spec.role for spec in specs}}
out["raw"] = {{}}
for dataset, changes in answers["cases"].items():
    project = work / dataset  # a rendered project, as far as the data goes
    raw = project / "data" / "raw"
    (project / "src" / "pkg").mkdir(parents=True)
    raw.mkdir(parents=True)
    for name in ("churn", "diabetes"):
        shutil.copyfile(answers[name + "_csv"], raw / (name + ".csv"))
    baked = answers["defaults"] | changes | {{"package_name": "pkg"}}
    finish_project.prune(baked, project)
    finish_project.bring_in_data(baked, project)
    out["raw"][dataset] = sorted(path.name for path in raw.iterdir())
out["loaded"] = sorted(
    name for name, module in sys.modules.items()
    if module is not None and name.split(".")[0] in {blocked!r}
)
print(json.dumps(out))
"""


def test_every_hook_module_runs_on_the_standard_library_alone(tmp_path, messy_csv):
    config = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
    defaults = {k: v[0] if isinstance(v, list) else v for k, v in config.items()}
    defaults |= {"project_slug": "churn-model", "package_name": "churn_model"}
    defaults |= {"target_column": "churned", "dvc_remote_url": ""}
    cases = {
        "churn": {},
        "diabetes": {
            "dataset": "diabetes",
            "task": "regression",
            "target_column": "disease score",
            "__raw_data": "data/raw/diabetes.csv",
        },
        "csv": {
            "dataset": "csv",
            "dataset_path": str(messy_csv),
            "target_column": TARGET,
            "__raw_data": "data/raw/customer_data_2024.csv",
        },
    }
    answers = {
        "defaults": defaults,
        "cases": cases,
        "messy_target": TARGET,
        "churn_csv": str(RAW / "churn.csv"),
        "diabetes_csv": str(RAW / "diabetes.csv"),
    }
    result = subprocess.run(
        [sys.executable, "-S", "-s", "-c", STDLIB_ONLY.format(blocked=BLOCKED)]
        + [str(HOOKS), str(messy_csv), str(tmp_path), json.dumps(answers)],
        # No site-packages (`-S`, `-s`): only the standard library and the hooks' folder, found
        # as the hook scripts find it.
        env={"PYTHONPATH": str(HOOKS), "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["no_site"] == 1 and out["loaded"] == []
    assert {"answers", "csv_intake", "schema_inference", "finish_project"} <= set(out["modules"])
    assert out["problems"] == {"churn": [], "diabetes": [], "csv": []}
    assert out["raw"] == {
        "churn": ["churn.csv"],
        "diabetes": ["diabetes.csv"],
        "csv": ["customer_data_2024.csv"],
    }

    table = load_table(read_text(messy_csv))
    expected_roles = {s.name: s.role for s in infer_columns(table, TARGET, "classification")}
    assert out["messy_roles"] == expected_roles

    # The diabetes bake: the bundled file, its target renamed, its schema inferred.
    diabetes = tmp_path / "diabetes"
    raw = (diabetes / "data" / "raw" / "diabetes.csv").read_text(encoding="utf-8")
    assert raw.splitlines()[0] == "age,sex,bmi,bp,s1,s2,s3,s4,s5,s6,disease score"
    assert raw.split("\n", 1)[1] == diabetes_csv().split("\n", 1)[1]
    frame = pd.read_csv(diabetes / "data" / "raw" / "diabetes.csv")
    namespace: dict = {}
    exec((diabetes / "src" / "pkg" / "schema.py").read_text(encoding="utf-8"), namespace)
    assert namespace["TARGET"] == "disease score" and namespace["TASK"] == "regression"
    assert len(namespace["NUMERIC_FEATURES"]) == 10
    assert len(namespace["SCHEMA"].validate(frame)) == 442

    # The csv bake: the user's file copied as plain CSV, its schema inferred.
    user = tmp_path / "csv"
    namespace = {}
    exec((user / "src" / "pkg" / "schema.py").read_text(encoding="utf-8"), namespace)
    assert namespace["TARGET"] == TARGET
    assert namespace["CATEGORICAL_FEATURES"] == ["Plan type"]
