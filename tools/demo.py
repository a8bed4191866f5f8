"""The main job: bake the default project into build/demo/, set it up, train it, release it.

Run through `python3 tasks.py demo`. It does what a new user does: `cookiecutter`, then
`make setup` (a virtual environment of the project's own, exactly as its uv.lock pins it), a
first commit, `make repro`, and prints the metrics. Then it plays GitHub's part offline: the
project's real push workflow runs under `act` against a local stand-in of GitHub's API, and
the demo prints the release it made.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from act_runner import push_event, run_act
from cookiecutter.main import cookiecutter
from github_standin import GitHubStandIn

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "demo"


def step(title: str, *cmd: str, cwd: Path, env: dict[str, str]) -> None:
    """Run one step of the demo, timing it; stop the demo if it fails."""
    print(f"\n== {title}: {' '.join(cmd)}", flush=True)
    started = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env)
    if result.returncode:
        sys.exit(f"demo: '{' '.join(cmd)}' failed with exit code {result.returncode}")
    print(f"   ({time.perf_counter() - started:.1f}s)")


def main() -> None:
    """Bake, set up, commit and train the default project; print its metrics."""
    started = time.perf_counter()
    shutil.rmtree(BUILD, ignore_errors=True)
    BUILD.mkdir(parents=True)
    print(f"== bake the default project into {BUILD.relative_to(ROOT)}/")
    project = Path(cookiecutter(str(ROOT), no_input=True, output_dir=str(BUILD)))
    env = dict(os.environ, DVC_NO_ANALYTICS="1")
    env.setdefault("GIT_AUTHOR_NAME", "Demo")
    env.setdefault("GIT_AUTHOR_EMAIL", "demo@example.com")
    env.setdefault("GIT_COMMITTER_NAME", env["GIT_AUTHOR_NAME"])
    env.setdefault("GIT_COMMITTER_EMAIL", env["GIT_AUTHOR_EMAIL"])
    # The user's `make setup` needs uv on PATH (pipx install uv); here it is the template's.
    uv = Path(sys.executable).parent / "uv"
    step("set up the project's environment", "make", "setup", f"UV={uv}", cwd=project, env=env)
    step("first commit", "git", "add", "-A", cwd=project, env=env)
    step("first commit", "git", "commit", "-q", "-m", "Bake the project", cwd=project, env=env)
    step("train", "make", "repro", cwd=project, env=env)
    metrics = json.loads((project / "metrics.json").read_text())
    print("\n== metrics.json (test set)")
    for name, value in metrics.items():
        print(f"   {name:<10} {value}")
    step("commit the trained pipeline", "git", "add", "-A", cwd=project, env=env)
    step("commit the trained pipeline", "git", "commit", "-q", "-m", "Train", cwd=project, env=env)
    release_on_push(project, env)
    print(f"\nThe project is in {project}: read its README.md.")
    print(f"Demo took {time.perf_counter() - started:.0f}s.")


def release_on_push(project: Path, env: dict[str, str]) -> None:
    """Run the push workflow under act against the GitHub stand-in; print the release."""
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True, check=True
    ).stdout.strip()
    print("\n== git push: the train workflow under act, GitHub played by a local stand-in")
    started = time.perf_counter()
    with GitHubStandIn(token="demo-token") as github:
        result = run_act(
            project,
            "push",
            push_event(sha),
            api_url=github.base_url,
            token="demo-token",
            work=BUILD / "act",
        )
        print(f"   ({time.perf_counter() - started:.1f}s; log: {BUILD / 'act' / 'act-push.log'})")
        if not result.succeeded or not github.releases:
            sys.exit("demo: the push workflow did not publish a release; see the log above")
        release = github.latest_release
        print(f"\n== Release {release['tag_name']} (latest: the champion)")
        for asset in release["assets"]:
            print(f"   {asset['name']:<14} {asset['size']:>9,} bytes  {asset['digest']}")
        print("\n" + release["body"].split("## Parameters")[0].rstrip())
        github.assert_contract()


if __name__ == "__main__":
    main()
