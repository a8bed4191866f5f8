"""Disk footprint of what a baked project installs, measured on an existing environment.

Walks the requirement tree from a `pyproject.toml`'s dependencies (and chosen extras) through
the distributions installed where this runs (importlib.metadata), and sums the sizes of each
distribution's files as listed in its RECORD. Nothing is downloaded, so install *time* is not
measured here.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def dist_size(dist: metadata.Distribution) -> int:
    total = 0
    for file in dist.files or []:
        try:
            total += Path(dist.locate_file(file)).stat().st_size
        except OSError:
            pass
    return total


def closure(
    requirements: list[str], extras: tuple[str, ...] = (), exclude: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Installed distributions pulled in by `requirements`: {name: {size, via}} and missing.

    Distributions named in `exclude` (canonical names) are left out with all they alone pull in.
    """
    seen: dict[str, dict[str, Any]] = {}
    missing: set[str] = set()
    queue: list[tuple[Requirement, tuple[str, ...], str]] = [
        (Requirement(r), extras, "(project)") for r in requirements
    ]
    while queue:
        req, active_extras, parent = queue.pop()
        env = default_environment()
        if req.marker is not None:
            if not any(req.marker.evaluate({**env, "extra": e}) for e in (*active_extras, "")):
                continue
        name = canonicalize_name(req.name)
        if name in exclude:
            continue
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            missing.add(name)
            continue
        entry = seen.get(name)
        new_extras = set(req.extras) - (entry["extras"] if entry else set())
        if entry is None:
            entry = seen[name] = {"size": dist_size(dist), "via": parent, "extras": set()}
        elif not new_extras:
            continue
        entry["extras"] |= set(req.extras)
        for sub in dist.requires or []:
            queue.append((Requirement(sub), tuple(req.extras), name))
    return {"dists": seen, "missing": sorted(missing)}


def project_requirements(pyproject: Path, extras: tuple[str, ...] = ()) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    reqs = list(project.get("dependencies", []))
    for extra in extras:
        reqs += project.get("optional-dependencies", {}).get(extra, [])
    return reqs


def footprint(pyproject: Path) -> dict[str, Any]:
    core = closure(project_requirements(pyproject))
    serve = closure(project_requirements(pyproject, ("serve",)))
    mlflow_full = closure(["mlflow"])
    skinny = closure(["mlflow-skinny"])
    # mlflow comes through gitops-ml[pipeline]: leave it out wherever it is required.
    others = closure(project_requirements(pyproject), exclude=frozenset({"mlflow"}))
    only_full_mlflow = {n: d["size"] for n, d in core["dists"].items() if n not in others["dists"]}
    only_skinny = {n for n in skinny["dists"] if n not in others["dists"]}

    def total(c: dict[str, Any]) -> int:
        return sum(d["size"] for d in c["dists"].values())

    return {
        "core_bytes": total(core),
        "core_count": len(core["dists"]),
        "core_missing": core["missing"],
        "serve_bytes": total(serve),
        "serve_count": len(serve["dists"]),
        "serve_missing": serve["missing"],
        "top": sorted(((n, d["size"]) for n, d in core["dists"].items()), key=lambda t: -t[1])[:12],
        "serve_only": sorted(
            ((n, d["size"]) for n, d in serve["dists"].items() if n not in core["dists"]),
            key=lambda t: -t[1],
        )[:8],
        "mlflow_closure_bytes": total(mlflow_full),
        "mlflow_skinny_closure_bytes": total(skinny),
        "mlflow_only_bytes": sum(only_full_mlflow.values()),
        "mlflow_skinny_only_bytes": sum(
            skinny["dists"][n]["size"] for n in only_skinny if n in skinny["dists"]
        ),
        "mlflow_only_top": sorted(only_full_mlflow.items(), key=lambda t: -t[1])[:10],
        "skinny_has_sqlalchemy": "sqlalchemy" in skinny["dists"],
        "skinny_has_alembic": "alembic" in skinny["dists"],
    }
