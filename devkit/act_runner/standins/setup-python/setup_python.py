"""Create a fresh virtual environment of this machine's Python in $RUNNER_TEMP, put it on PATH.

Like the real action's interpreter it holds only pip: the project's own environment is then
installed from its lock by the setup action, exactly as on GitHub. Under the tests pip installs
offline (uv's wheel is in the test environment's wheelhouse, named by $PIP_FIND_LINKS).
"""

import os
import sys
import venv
from pathlib import Path

target = Path(os.environ.get("RUNNER_TEMP", "/tmp")) / "standin-python"
venv.create(target, with_pip=True, symlinks=True, clear=True)
with open(os.environ["GITHUB_PATH"], "a", encoding="utf-8") as handle:
    handle.write(f"{target / 'bin'}\n")
with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as handle:
    handle.write(f"python-version={sys.version_info.major}.{sys.version_info.minor}\n")
print(f"setup-python stand-in: {target} (Python {sys.version.split()[0]})")
