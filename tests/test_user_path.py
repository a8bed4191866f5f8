"""The template as a new user meets it: cookiecutter alone, any way of naming the template,
then the baked project set up from its own lock, trained, tested and pushed under act: the
push workflow publishes the release, and its re-run restores from DVC's cache and publishes
nothing again.

Nothing here uses the test environment's packages: the bakes run a cookiecutter whose
environment holds nothing else (as `pipx install cookiecutter` gives), and the baked project
gets its own `.venv` from its own `uv.lock` through `make setup`, with only `uv` on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from act_runner import REPOSITORY as REPO
from conftest import TEMPLATE, UV, VENV, commit_all, cookiecutter_cli
from github_standin import GitHubStandIn
from gitops_ml.checksums import parse_sums
from messy_data import TARGET
from release_checks import release_is_complete, run_push

TOKEN = "ghs_user_path_token"
FORMS = ["relative-dot", "relative-parent", "absolute", "git-url", "zip"]
DATASETS = ["churn", "diabetes", "csv"]


def shipped_files() -> list[str]:
    """The files a clone of this checkout holds (tracked, or new and not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=TEMPLATE,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    return [name.decode() for name in listed if name and (TEMPLATE / name.decode()).is_file()]


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> dict[str, Path]:
    """The template as users get it: a clone-like folder, a git repository and a zip."""
    root = tmp_path_factory.mktemp("published")
    tree = root / "cookiecutter-gitops-ml"
    for name in shipped_files():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(TEMPLATE / name, tree / name)
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=tree, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tree, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "template"], cwd=tree, check=True)
    archive = root / "cookiecutter-gitops-ml-main.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("cookiecutter-gitops-ml-main/", "")  # as GitHub's "Download ZIP"
        for name in shipped_files():
            handle.write(tree / name, f"cookiecutter-gitops-ml-main/{name}")
    return {"tree": tree, "zip": archive}


def user_env(home: Path) -> dict[str, str]:
    """A user's shell: their own HOME, no test environment on PATH, nothing preloaded."""
    path = [p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != VENV / "bin"]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VIRTUAL_ENV", "PYTHON", "UV_", "MLFLOW_", "DVC_", "GIT_"))
    }
    config = home / "cookiecutter.yaml"
    config.write_text(
        f"cookiecutters_dir: {home / 'cookiecutters'}\nreplay_dir: {home / 'replay'}\n"
    )
    return env | {
        "PATH": os.pathsep.join(path),
        "COOKIECUTTER_CONFIG": str(config),
        "DVC_NO_ANALYTICS": "1",
    }


def user_env_with_uv(home: Path) -> dict[str, str]:
    """`user_env` plus `uv`, the one tool the user installs (`pipx install uv`), on PATH."""
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "uv").symlink_to(UV)
    env = user_env(home)
    return env | {"PATH": f"{home / 'bin'}{os.pathsep}{env['PATH']}"}


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("form", FORMS)
def test_bakes_from_anywhere_with_only_cookiecutter(
    tmp_path, published, messy_answers, monkeypatch, form, dataset
):
    tree = published["tree"]
    home = tmp_path / "home"
    home.mkdir()
    for key, value in user_env(home).items():
        monkeypatch.setenv(key, value)
    answers = {"dataset": dataset}
    if dataset == "diabetes":
        answers["task"] = "regression"
    if dataset == "csv":
        answers |= messy_answers
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    template, cwd, output = {
        "relative-dot": (".", tree, tmp_path / "out"),
        "relative-parent": (os.path.relpath(tree, elsewhere), elsewhere, Path("out")),
        "absolute": (tree, tmp_path, tmp_path / "out"),
        "git-url": (f"git+file://{tree}", tmp_path, tmp_path / "out"),
        "zip": (published["zip"], tmp_path, tmp_path / "out"),
    }[form]
    result = cookiecutter_cli(template, output, answers, cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr

    project = (cwd / output / "churn-model").resolve()
    schema = (project / "src/churn_model/schema.py").read_text()
    target = {"churn": "churned", "diabetes": "progression", "csv": TARGET}[dataset]
    assert f'TARGET = "{target}"' in schema
    if dataset != "churn":
        assert "Inferred the data schema into src/churn_model/schema.py" in result.stdout
    assert (project / ".dvc" / "config").is_file() and (project / ".git").is_dir()
    locked = subprocess.run(
        [UV, "lock", "--locked", "--offline", "--python", sys.executable],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert locked.returncode == 0, locked.stderr


SHOP_CSV = "basket,visits,segment,bought\n" + "".join(
    f"{10 + i * 3 % 17}.5,{i % 6},{'ab'[i % 2]},{'yes' if i % 3 else 'no'}\n" for i in range(40)
)


@pytest.fixture
def user_folder(tmp_path, monkeypatch) -> Path:
    """The folder a user runs cookiecutter in, holding `data/shop.csv`."""
    home = tmp_path / "home"
    home.mkdir()
    for key, value in user_env(home).items():
        monkeypatch.setenv(key, value)
    folder = tmp_path / "user"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "shop.csv").write_text(SHOP_CSV, encoding="utf-8")
    return folder


@pytest.mark.parametrize("output", ["relative", "absolute"])
def test_a_relative_dataset_path_is_read_from_where_cookiecutter_runs(
    tmp_path, user_folder, output
):
    """Cookiecutter runs the hooks in the new project, but `data/shop.csv` was typed here."""
    out = Path("../projects") if output == "relative" else tmp_path / "projects"
    answers = {"dataset": "csv", "dataset_path": "data/shop.csv", "target_column": "bought"}
    result = cookiecutter_cli(TEMPLATE, out, answers, cwd=user_folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Copied data/shop.csv to data/raw/shop.csv." in result.stdout
    project = (user_folder / out / "churn-model").resolve()
    assert project.parent == tmp_path / "projects"
    assert (project / "data/raw/shop.csv").read_text(encoding="utf-8") == SHOP_CSV
    assert 'TARGET = "bought"' in (project / "src/churn_model/schema.py").read_text()


def test_a_relative_dataset_path_that_is_not_there_is_named_as_typed(tmp_path, user_folder):
    out = tmp_path / "projects"
    out.mkdir()
    answers = {"dataset": "csv", "dataset_path": "data/nope.csv", "target_column": "bought"}
    result = cookiecutter_cli(TEMPLATE, out, answers, cwd=user_folder)
    assert result.returncode != 0
    missing = user_folder / "data" / "nope.csv"
    assert f"error: dataset_path data/nope.csv (= {missing}): no such file" in result.stderr
    assert "Nothing was generated" in result.stderr
    assert list(out.rglob("*")) == []


@pytest.mark.slow
@pytest.mark.act
def test_a_user_sets_up_trains_tests_and_pushes_from_the_projects_own_lock(tmp_path, published):
    env = user_env_with_uv(tmp_path / "home")
    baked = cookiecutter_cli(published["tree"], tmp_path, {})
    assert baked.returncode == 0, baked.stderr
    project = tmp_path / "churn-model"

    def make(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["make", *args], cwd=project, env=env, capture_output=True, text=True, timeout=900
        )
        assert result.returncode == 0, f"make {args}\n{result.stdout}\n{result.stderr}"
        return result

    make("setup")
    python = project / ".venv" / "bin" / "python"
    assert python.is_file()
    # Exactly the lock's versions, in the project's own environment, not the tests'.
    lock = tomllib.loads((project / "uv.lock").read_text())
    pinned = {(p["name"], p["version"]) for p in lock["package"]}
    shown = subprocess.run(
        [
            python,
            "-c",
            "import sklearn, pandas, sys; print(sklearn.__version__, pandas.__version__)"
            "; print(sys.prefix)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert ("scikit-learn", shown[0]) in pinned and ("pandas", shown[1]) in pinned
    assert Path(shown[2]) == project / ".venv" and Path(shown[2]) != Path(sys.prefix)

    make("repro")
    assert (project / "metrics.json").is_file()
    make("test")
    make("lint")
    sha = commit_all(project, "Train the first model")
    with GitHubStandIn(token=TOKEN) as github:
        first = run_push(project, sha, github, TOKEN, tmp_path)
        assert first.succeeded, first.log[-4000:]
        # The workflow's check job ran the project's own lint and tests before training.
        assert "Lint and test" in first.log and "make test" in first.log
        release = release_is_complete(github)
        assert release["tag_name"].startswith("model-") and release["tag_name"].endswith(sha[:7])
        assert release["target_commitish"] == sha
        assert "## Metrics (test set)" in release["body"] and sha in release["body"]
        # The card names the environment that trained the model: the released environment.json.
        [asset] = [a for a in release["assets"] if a["name"] == "environment.json"]
        environment = json.loads(github.asset_content(asset["id"]))
        assert sorted(environment["packages"]) == ["numpy", "pandas", "scikit-learn", "skops"]
        card = release["body"].split("## Environment\n")[1].split("\n## ")[0]
        assert f"- Python `{environment['python']}`" in card
        for name, version in environment["packages"].items():
            assert f"| {name} | `{version}` |" in card
        gate = first.outputs("gate")
        assert gate == {"passed": "true", "summary": gate["summary"]}
        assert "Model metrics (test set)" in first.summaries()
        assert first.outputs("setup")["cache-hit"] == "false"
        assert "Running stage 'train'" in first.log  # a cold cache trains (to the same bytes)
        status = github.statuses[-1]
        assert (status["context"], status["state"], status["sha"]) == ("model-gate", "success", sha)

        # The champion is usable: fetched, verified, and loaded with the project's own code.
        api = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": github.base_url}
        champion = tmp_path / "champion"
        fetched = subprocess.run(
            [project / ".venv" / "bin" / "gitops-ml", "fetch-model", "--dest", champion],
            cwd=project,
            env=env | api,
            capture_output=True,
            text=True,
        )
        assert fetched.returncode == 0, fetched.stderr
        assert f"{release['tag_name']}:" in fetched.stdout
        loaded = subprocess.run(
            [
                python,
                "-c",
                "import sys; from pathlib import Path; from gitops_ml.model_files import"
                " load_model; from churn_model.features import TRUSTED_TYPES as T;"
                " print(type(load_model(Path(sys.argv[1]), T, sys.argv[2])).__name__)",
                champion / "model.skops",
                parse_sums((champion / "SHA256SUMS").read_text())["model.skops"],
            ],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
        )
        assert loaded.stdout.strip() == "Pipeline", loaded.stderr

        # Re-running the push restores from DVC's cache and publishes nothing again.
        before = len(github.requests)
        second = run_push(project, sha, github, TOKEN, tmp_path)
        assert second.succeeded, second.log[-4000:]
        assert second.outputs("setup")["cache-hit"] == "true"
        assert "Running stage" not in second.log
        assert second.outputs("publish")["published"] == "false"
        writes = [r for r in github.requests[before:] if r.method in ("POST", "PATCH", "DELETE")]
        assert [r for r in writes if "/releases" in r.target] == []
        release_is_complete(github)
        github.assert_contract()


@pytest.fixture
def baked(tmp_path) -> tuple[Path, dict[str, str], Path]:
    """A freshly baked default project and a user's environment with uv on PATH."""
    env = user_env_with_uv(tmp_path / "home")
    result = cookiecutter_cli(TEMPLATE, tmp_path, {})
    assert result.returncode == 0, result.stderr
    return tmp_path / "churn-model", env, tmp_path / "home" / "bin"


def _setup(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "setup", *args], cwd=project, env=env, capture_output=True, text=True
    )


def _add_a_dependency(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('"pyarrow>=15",', '"pyarrow>=15",\n    "tabulate>=0.9",')
    )


def _delete_the_lock(project: Path) -> None:
    (project / "uv.lock").unlink()


@pytest.mark.parametrize(
    ("spoil", "message"),
    [(_add_a_dependency, "needs to be updated"), (_delete_the_lock, "Unable to find lockfile")],
    ids=["stale", "missing"],
)
def test_setup_refuses_a_stale_or_missing_lock_naming_the_fix(baked, spoil, message):
    project, env, _ = baked
    spoil(project)
    result = _setup(project, env)
    assert result.returncode != 0
    assert message in result.stderr and "run `uv lock`" in result.stderr
    assert not (project / ".venv").exists()


def test_setup_refuses_a_python_outside_requires_python(baked):
    project, env, _ = baked
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('requires-python = ">=3.10"', 'requires-python = ">=3.99"')
    )
    result = _setup(project, env, f"PYTHON={sys.executable}")
    assert result.returncode != 0
    assert "incompatible with the project's Python requirement: `>=3.99`" in result.stderr
    assert not (project / ".venv").exists()


def test_setup_without_uv_says_how_to_install_it(baked):
    project, env, uv_bin = baked
    env = env | {
        "PATH": os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != str(uv_bin))
    }
    if shutil.which("uv", path=env["PATH"]):
        pytest.fail(f"uv is on this machine's own PATH ({shutil.which('uv', path=env['PATH'])})")
    result = _setup(project, env)
    assert result.returncode != 0
    assert "make setup needs uv: install it with 'pipx install uv'" in result.stderr
