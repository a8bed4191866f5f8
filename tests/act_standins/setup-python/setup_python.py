"""Create a virtual environment in $RUNNER_TEMP that sees $STANDIN_SITE_PACKAGES, put it on PATH.

The test environment already holds every package a baked project needs; a `.pth` file makes
them visible, so `pip install -e .` in a workflow installs only the project itself, offline.
Its command-line tools (dvc, mlflow, ...) are linked into the new environment's bin.
"""

import os
import sys
import venv
from pathlib import Path

target = Path(os.environ.get("RUNNER_TEMP", "/tmp")) / "standin-python"
venv.create(target, with_pip=False, symlinks=True, clear=True)
site = next((target / "lib").glob("python3*/site-packages"))
(site / "standin-shared.pth").write_text(os.environ["STANDIN_SITE_PACKAGES"] + "\n")
shared_bin = Path(os.environ["STANDIN_SITE_PACKAGES"]).parents[2] / "bin"
for tool in shared_bin.iterdir():
    own = target / "bin" / tool.name
    if not own.exists() and not tool.name.startswith(("python", "pip", "activate", "gitops-ml")):
        own.symlink_to(tool)
with open(os.environ["GITHUB_PATH"], "a", encoding="utf-8") as handle:
    handle.write(f"{target / 'bin'}\n")
with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as handle:
    handle.write(f"python-version={sys.version_info.major}.{sys.version_info.minor}\n")
print(f"setup-python stand-in: {target} (Python {sys.version.split()[0]})")
