"""Finish a baked project: prune unselected options, bring in the data, infer its schema,
give it its uv.lock, `git init`, and write DVC's files with the chosen remote. Nothing is
committed for the user."""

import json
import sys
from pathlib import Path

# Jinja stays inside a string literal so this file is valid Python for linters.
ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
# The template's absolute path, from template_location.py (`_repo_dir` may be relative).
sys.path.insert(0, str(Path(r"""{{ template_dir }}""") / "hooks"))

from finish_project import finish  # noqa: E402

if __name__ == "__main__":
    sys.exit(finish(ANSWERS, Path.cwd()))
