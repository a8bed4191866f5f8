"""A Jinja extension that gives the template absolute paths the hooks can rely on.

Cookiecutter renders each hook and runs it from the new project's folder, and it records the
template's location (`_repo_dir`) exactly as the user typed it: `cookiecutter .` gives ".",
which means nothing from there. Cookiecutter imports this module (named in `_extensions` in
cookiecutter.json) from the template folder while the user's working directory is still
current, so resolving `__file__` here gives the one absolute path that works in the hooks,
whether the template came from a relative or absolute path, a git clone or an unpacked zip.

The same holds for paths the user types, such as `dataset_path`: cookiecutter renders the
values of cookiecutter.json (the private `__` ones too) in `prompt_for_config`, before it
changes directory, so `{{ '.' | absolute_path }}` there is the folder the user ran cookiecutter
in. In a hook the filter would give the template's folder (cookiecutter renders hooks from
there): use it only in cookiecutter.json.
"""

import os
from pathlib import Path

from jinja2.ext import Extension

TEMPLATE_DIR = Path(__file__).resolve().parent


def absolute_path(path: str) -> str:
    """`path` with `~` expanded, made absolute against the current directory ("" stays "")."""
    path = path.strip()
    return os.path.abspath(os.path.expanduser(path)) if path else ""


class TemplateLocation(Extension):
    """Adds the global `template_dir` (the template's absolute path) and the filter
    `absolute_path`."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["template_dir"] = str(TEMPLATE_DIR)
        environment.filters["absolute_path"] = absolute_path
