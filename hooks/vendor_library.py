"""Give a baked project its copy of the `gitops-ml` runtime library: `vendor/gitops-ml/`.

The project depends on the library through an editable path source (`[tool.uv.sources]` in
its pyproject.toml), so `uv.lock` resolves offline and pins the library's version, and
`cruft update` moves the copy forward with the rest of the template. The copy is the
template's `actions/` distribution: its pyproject.toml, CHANGELOG.md and the `gitops_ml`
package's modules. Standard library only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]
LIBRARY = TEMPLATE / "actions"
VENDORED = Path("vendor") / "gitops-ml"
"""Where the library goes in a baked project."""
PACKAGE = "gitops_ml"


def library_files(library: Path = LIBRARY) -> list[Path]:
    """The library's files, relative to `library`: metadata, changelog, the package's modules."""
    modules = sorted((library / PACKAGE).glob("*.py"))
    return [Path("pyproject.toml"), Path("CHANGELOG.md")] + [
        module.relative_to(library) for module in modules
    ]


def vendor_library(project: Path, library: Path = LIBRARY) -> Path:
    """Copy the library into `project/vendor/gitops-ml/` (replacing an older copy); return it."""
    target = project / VENDORED
    if target.exists():
        shutil.rmtree(target)
    for name in library_files(library):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(library / name, target / name)
    return target
