"""The README and CONTRIBUTING.md say what the repository holds, and nothing outside it.

The README's actions table is compared with every `actions/*/action.yml`, so adding, renaming
or removing an action, an input or an output on either side fails here until both agree; the
repository layout table (CONTRIBUTING.md, which the README points to) with every top-level
folder, so a new folder fails here until it is described. Every picture the README shows is a
PNG of the repository, of a sensible size.
"""

from __future__ import annotations

import ast
import re
import struct
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
DOCS = [README, CONTRIBUTING]
PROJECT = ROOT / "{{cookiecutter.project_slug}}"
ACTIONS_TABLE_HEADER = re.compile(r"^\|\s*action\s*\|\s*inputs\b", re.IGNORECASE)
LAYOUT_TABLE_HEADER = re.compile(r"^\|\s*path\s*\|\s*what lives there\s*\|", re.IGNORECASE)
# An image: `![alt](path "title")` or `<img src="path">`.
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*([^)\s]+)[^)]*\)|<img\b[^>]*?\bsrc=[\"']([^\"']+)", re.I)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMAGE_BYTES = (2_000, 400_000)
"""A README picture's size in bytes: more than a blank, small enough to load fast."""
IMAGE_PIXELS = (300, 4_000)
"""Its width and height in pixels."""

# Paths that point out of the repository: a parent directory, or a machine's own folders.
OUTSIDE_PATHS = [
    re.compile(r"\.\.[/\\]"),
    re.compile(r"(?<![\w:/.~-])~/"),
    re.compile(r"(?<![\w:/.-])/(?:work|tmp|home|root|Users|mnt|opt|srv|var|usr|etc)/"),
]
# Inline code naming a file of this repository (a baked project's paths are not checked).
REPO_PREFIXES = (
    "hooks/",
    "tools/",
    "actions/",
    "devkit/",
    "benchmarks/",
    "tests/",
    f"{PROJECT.name}/",
)


def cells(row: str) -> list[str]:
    """The cells of one Markdown table row (a `\\|` inside a cell is not a separator)."""
    parts = re.split(r"(?<!\\)\|", row.strip())
    return [part.strip() for part in parts[1:-1]]


def code_names(cell: str) -> set[str]:
    """The names in a table cell: its inline code, leaving out what is in parentheses
    (defaults and notes: `` `champion` (`latest`) `` names `champion`)."""
    previous = None
    while previous != cell:
        previous, cell = cell, re.sub(r"\([^()]*\)", "", cell)
    return set(re.findall(r"`([^`]+)`", cell))


def table_rows(doc: Path, header: re.Pattern[str], title: str) -> tuple[list[str], list[str]]:
    """The one table of `doc` whose header row matches `header`: (header cells, body rows)."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if header.match(line)]
    assert len(starts) == 1, f"{doc.name} needs exactly one table headed {title!r}"
    rows = []
    for line in lines[starts[0] + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return cells(lines[starts[0]]), rows


def readme_actions_table() -> dict[str, dict[str, set[str]]]:
    """The README's actions table: action name -> {"inputs": names, "outputs": names}."""
    head, rows = table_rows(README, ACTIONS_TABLE_HEADER, "| action | inputs ...")
    header = [cell.lower() for cell in head]
    column = {
        key: next(i for i, name in enumerate(header) if name.startswith(key))
        for key in ("action", "inputs", "outputs")
    }
    table: dict[str, dict[str, set[str]]] = {}
    for line in rows:
        row = cells(line)
        names = code_names(row[column["action"]])
        assert len(names) == 1, f"README actions table: one action per row, got {line!r}"
        (action,) = names
        assert action not in table, f"README actions table lists {action!r} twice"
        table[action] = {
            "inputs": code_names(row[column["inputs"]]),
            "outputs": code_names(row[column["outputs"]]),
        }
    return table


def declared_actions() -> dict[str, dict[str, set[str]]]:
    """Every `actions/<name>/action.yml`: name -> {"inputs": names, "outputs": names}."""
    actions = {}
    for path in sorted(ROOT.glob("actions/*/action.yml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        actions[path.parent.name] = {
            "inputs": set(spec.get("inputs") or {}),
            "outputs": set(spec.get("outputs") or {}),
        }
    return actions


def test_there_are_actions_to_document():
    assert len(declared_actions()) >= 7, "actions/*/action.yml not found"


def test_readme_lists_exactly_the_actions_in_actions_folder():
    listed, declared = set(readme_actions_table()), set(declared_actions())
    assert listed == declared, (
        f"README actions table lists {sorted(listed - declared)} that have no action.yml, "
        f"and lacks {sorted(declared - listed)}"
    )


@pytest.mark.parametrize("action", sorted(declared_actions()))
@pytest.mark.parametrize("kind", ["inputs", "outputs"])
def test_readme_lists_each_actions_inputs_and_outputs(action, kind):
    table = readme_actions_table()
    if action not in table:
        pytest.fail(f"README actions table has no row for {action!r}")
    listed, declared = table[action][kind], declared_actions()[action][kind]
    assert listed == declared, (
        f"actions/{action}/action.yml {kind}: README lists {sorted(listed - declared)} "
        f"that are not declared, and lacks {sorted(declared - listed)}"
    )


def ignored_patterns() -> list[str]:
    """The patterns of the repository's `.gitignore` (each matches a file or folder name)."""
    return [
        line.strip().rstrip("/")
        for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def top_level_folders() -> set[str]:
    """The repository's top-level folders, as `name/`: all but hidden and git-ignored ones."""
    ignored = ignored_patterns()
    return {
        f"{path.name}/"
        for path in ROOT.iterdir()
        if path.is_dir()
        and not path.name.startswith(".")
        and not any(fnmatch(path.name, pattern) for pattern in ignored)
    }


def test_layout_table_lists_every_top_level_folder():
    _, rows = table_rows(CONTRIBUTING, LAYOUT_TABLE_HEADER, "| path | what lives there |")
    listed = set().union(*(code_names(cells(row)[0]) for row in rows))
    folders = top_level_folders()
    assert {"actions/", "devkit/", "hooks/", "tests/"} <= folders, "top-level folders not found"
    assert folders <= listed, (
        f"CONTRIBUTING.md's repository layout table lacks {sorted(folders - listed)}"
    )


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_docs_name_no_path_outside_the_repository(doc):
    found = [
        f"line {number}: {line.strip()}"
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1)
        if any(pattern.search(line) for pattern in OUTSIDE_PATHS)
    ]
    assert not found, f"{doc.name} names paths outside the repository:\n" + "\n".join(found)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_docs_links_stay_inside_the_repository_and_exist(doc):
    for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text(encoding="utf-8")):
        if re.match(r"^(https?:|mailto:|#)", target):
            continue
        path = (doc.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{doc.name} links outside the repository: {target}"
        assert path.exists(), f"{doc.name} links to a missing file: {target}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_docs_name_only_repository_files_that_exist(doc):
    text = re.sub(r"^```.*?^```", "", doc.read_text(encoding="utf-8"), flags=re.S | re.M)
    missing = []
    for token in re.findall(r"`([^`\n]+)`", text):
        if re.fullmatch(r"test_\w+\.py", token):  # the test map names the template's tests
            path = ROOT / "tests" / token
        elif token.startswith(REPO_PREFIXES) and not any(ch in token for ch in "<>*… "):
            path = ROOT / token
        else:
            continue
        if not path.exists():
            missing.append(token)
    assert not missing, f"{doc.name} names files the repository does not have: {missing}"


def task_commands() -> set[str]:
    """The command names in tasks.py's `commands = {...}` table."""
    tree = ast.parse((ROOT / "tasks.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "commands" for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            return {key.value for key in node.value.keys if isinstance(key, ast.Constant)}
    raise AssertionError("tasks.py has no `commands = {...}` table")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_tasks_command_named_exists(doc):
    named = set(re.findall(r"python3? tasks\.py\s+([\w-]+)", doc.read_text(encoding="utf-8")))
    unknown = named - task_commands()
    assert not unknown, f"{doc.name} names tasks.py commands that do not exist: {sorted(unknown)}"


def test_readme_gives_the_two_commands():
    named = set(re.findall(r"python3 tasks\.py\s+([\w-]+)", README.read_text(encoding="utf-8")))
    assert {"demo", "test"} <= named


def readme_images() -> list[str]:
    """Every image the README shows, as written (Markdown or `<img>`), in order."""
    return [md or tag for md, tag in IMAGE.findall(README.read_text(encoding="utf-8"))]


def test_readme_shows_a_report_comment():
    assert "docs/report-comment.png" in readme_images()


@pytest.mark.parametrize("image", readme_images())
def test_readme_images_are_pngs_of_the_repository(image):
    """Each picture is a file of the repository, not git-ignored, and a real PNG of a sensible
    size (read from its header: the signature, then the IHDR chunk's width and height)."""
    assert not re.match(r"^[a-z][a-z0-9+.-]*:", image, re.I), f"{image}: not a repository file"
    path = (ROOT / image).resolve()
    assert path.is_relative_to(ROOT) and path.is_file(), f"README shows a missing file: {image}"
    parts = path.relative_to(ROOT).parts
    ignored = [p for p in ignored_patterns() if any(fnmatch(part, p) for part in parts)]
    assert not ignored, f"{image} is git-ignored ({ignored}): it would not be committed"
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", f"{image} is not a PNG"
    low, high = IMAGE_BYTES
    assert low <= len(data) <= high, f"{image}: {len(data):,} bytes, not {low:,} to {high:,}"
    width, height = struct.unpack(">II", data[16:24])
    low, high = IMAGE_PIXELS
    assert low <= width <= high and low <= height <= high, f"{image}: {width} × {height} px"
