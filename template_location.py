"""A Jinja extension that tells the hooks where this template lives, as an absolute path.

Cookiecutter renders each hook and runs it from the new project's folder, and it records the
template's location (`_repo_dir`) exactly as the user typed it: `cookiecutter .` gives ".",
which means nothing from there. Cookiecutter imports this module (named in `_extensions` in
cookiecutter.json) from the template folder while the user's working directory is still
current, so resolving `__file__` here gives the one absolute path that works in the hooks,
whether the template came from a relative or absolute path, a git clone or an unpacked zip.
"""

from pathlib import Path

from jinja2.ext import Extension

TEMPLATE_DIR = Path(__file__).resolve().parent


class TemplateLocation(Extension):
    """Adds the global `template_dir`: the template's absolute path."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["template_dir"] = str(TEMPLATE_DIR)
