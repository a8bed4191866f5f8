"""Write the files `dvc init` (and `dvc remote add -d`) would, with the standard library.

The bake must work where only cookiecutter is installed, so the hook cannot run DVC. These are
the three files DVC 3 writes for a new repository, byte for byte.
"""

from __future__ import annotations

from pathlib import Path

DVC_GITIGNORE = "/config.local\n/tmp\n/cache\n"
DVCIGNORE = (
    "# Add patterns of files dvc should ignore, which could improve\n"
    "# the performance. Learn more at\n"
    "# https://dvc.org/doc/user-guide/dvcignore\n"
)
_NEEDS_QUOTES = set("#,'\"")


def _config_value(value: str) -> str:
    """`value` as DVC's config writer (configobj) stores it: quoted only when it must be."""
    if "\n" in value or ('"' in value and "'" in value):
        raise ValueError(f"{value!r} cannot be stored in .dvc/config")
    if _NEEDS_QUOTES & set(value) or value != value.strip():
        quote = "'" if '"' in value else '"'
        return f"{quote}{value}{quote}"
    return value


def dvc_config(remote_url: str | None) -> str:
    """The text of `.dvc/config`: empty, or a default remote named `storage`."""
    if not remote_url:
        return ""
    return (
        "[core]\n    remote = storage\n"
        f"['remote \"storage\"']\n    url = {_config_value(remote_url)}\n"
    )


def init_dvc(project: Path, remote_url: str | None) -> list[str]:
    """Create `.dvc/` and `.dvcignore` in `project`; return the paths written (for `git add`)."""
    (project / ".dvc").mkdir()
    files = {
        ".dvc/config": dvc_config(remote_url),
        ".dvc/.gitignore": DVC_GITIGNORE,
        ".dvcignore": DVCIGNORE,
    }
    for relative, text in files.items():
        (project / relative).write_text(text, encoding="utf-8")
    return list(files)
