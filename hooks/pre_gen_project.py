"""Refuse bad answers before anything is written (cookiecutter removes the folder on failure)."""

import json
import sys
from pathlib import Path

# Jinja stays inside a string literal so this file is valid Python for linters.
ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
# The template's absolute path, from template_location.py (`_repo_dir` may be relative).
sys.path.insert(0, str(Path(r"""{{ template_dir }}""") / "hooks"))

from answers import all_problems  # noqa: E402


def main() -> int:
    """Print every problem with the answers and return non-zero if there is one."""
    problems = all_problems(ANSWERS)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(
            "Nothing was generated. Fix the answers above and run cookiecutter again.",
            file=sys.stderr,
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
