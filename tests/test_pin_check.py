"""The setup action's one line when a project's gitops-ml is older than the actions it runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import TEMPLATE, bake
from gitops_ml.pin_check import locked_version, pin_problem, version_tuple

ACTIONS_PYPROJECT = TEMPLATE / "actions" / "pyproject.toml"
ACTIONS_VERSION = re.search(r'^version = "(.+)"$', ACTIONS_PYPROJECT.read_text(), re.M).group(1)


@pytest.mark.parametrize(
    ("project", "actions", "older"),
    [
        ("1.2.0", "1.2.0", False),
        ("1.3.0", "1.2.0", False),
        ("1.10.0", "1.9.3", False),  # numbers, not text: 10 > 9
        ("1.1.9", "1.2.0", True),
        ("0.9.0", "1.0.0", True),
        ("1.2.0rc1", "1.2.0", False),
    ],
)
def test_only_an_older_project_is_refused(project, actions, older):
    assert (pin_problem(project, actions) is not None) is older


def test_the_refusal_names_both_versions_and_the_way_to_bump():
    problem = pin_problem("1.1.0", "1.2.0")
    assert "\n" not in problem
    assert "1.1.0" in problem and "1.2.0" in problem and "cruft update" in problem
    assert "uv.lock lists none" in pin_problem(None, "1.2.0")


def test_versions_compare_as_numbers():
    assert version_tuple("1.10.0") > version_tuple("1.9.9")


def test_the_lock_entry_is_read_by_name_not_by_position():
    lock = (
        'version = 1\n\n[[package]]\nname = "gitops-ml-devkit"\nversion = "9.9.9"\n'
        '\n[[package]]\nname = "gitops-ml"\nversion = "1.2.0"\nsource = { editable = "x" }\n'
    )
    assert locked_version(lock) == "1.2.0"
    assert locked_version(lock.replace('"gitops-ml"', '"other"')) is None


def _check(project) -> subprocess.CompletedProcess:
    """The check as the setup action runs it: from the actions' copy (PYTHONPATH), with the
    standard library only (`-S`: no site-packages, so no installed gitops-ml either)."""
    env = os.environ | {"PYTHONPATH": str(TEMPLATE / "actions")}
    argv = [sys.executable, "-S", "-m", "gitops_ml.pin_check", "--project", str(project)]
    argv += ["--actions-pyproject", str(ACTIONS_PYPROJECT)]
    return subprocess.run(argv, env=env, capture_output=True, text=True)


def test_a_fresh_bake_passes_and_an_older_pin_gets_one_line(tmp_path):
    project = bake(tmp_path)
    assert _check(project).returncode == 0
    lock = project / "uv.lock"
    old = lock.read_text().replace(
        f'name = "gitops-ml"\nversion = "{ACTIONS_VERSION}"',
        'name = "gitops-ml"\nversion = "1.0.0"',
    )
    assert old != lock.read_text()
    lock.write_text(old)
    refused = _check(project)
    assert refused.returncode == 1
    [line] = refused.stdout.splitlines()
    assert line.startswith("::error::") and "1.0.0" in line and ACTIONS_VERSION in line
