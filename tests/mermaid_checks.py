"""Whether GitHub can draw the Mermaid charts the toolkit writes: mermaid's own parser decides.

GitHub draws a ```mermaid block of a comment in the browser, with mermaid; a block that does
not parse shows as an error box instead. `parse_failures(diagrams)` runs the npm `mermaid`
package's `mermaid.parse` under node (tests/mermaid/parse.mjs, the versions locked there and
installed by `python3 tasks.py test`) over a list of diagrams in one call, and says which fail.
`mermaid_blocks(markdown)` finds the diagrams in a body.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

MERMAID = Path(__file__).resolve().parent / "mermaid"
PARSE = MERMAID / "parse.mjs"
_BLOCK = re.compile(r"^```mermaid[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_DIRECTIVE = re.compile(r"^\s*%%\{\s*init\s*:", re.MULTILINE)


def mermaid_blocks(markdown: str) -> list[str]:
    """The text of every ```mermaid fenced block in `markdown`, in order."""
    return [found.group(1) for found in _BLOCK.finditer(markdown)]


def parse(diagrams: list[str]) -> list[dict]:
    """Mermaid's verdict on each diagram, in one node call: `{"ok": True, "type", "config"}`
    (the diagram type, the configuration its init directive set) or `{"ok": False, "error"}`.
    """
    node = shutil.which("node")
    if node is None or not (MERMAID / "node_modules" / "mermaid").is_dir():
        raise RuntimeError(
            "mermaid's parser is not installed: `python3 tasks.py test` installs node and runs"
            f" `npm ci` in {MERMAID}"
        )
    done = subprocess.run(
        [node, PARSE],
        input=json.dumps(diagrams),
        capture_output=True,
        text=True,
        cwd=MERMAID,
        timeout=120,
    )
    if done.returncode:
        raise RuntimeError(f"parse.mjs failed ({done.returncode}): {done.stderr[-2000:]}")
    results = json.loads(done.stdout)
    assert len(results) == len(diagrams), "parse.mjs gave a result per diagram"
    return results


def parse_failures(diagrams: list[str]) -> list[str]:
    """What is wrong with each diagram mermaid would not draw as written: one message per
    failing diagram, naming its position and its first line after any directive; [] when all
    parse.

    A diagram with an init directive that mermaid ignored (it does so silently when the
    directive is not valid JSON) fails too: its colours would not be those its caption names.
    """
    failures = []
    for index, (diagram, result) in enumerate(zip(diagrams, parse(diagrams), strict=True)):
        lines = [line for line in diagram.splitlines() if line.strip()]
        first = next((line for line in lines if not line.lstrip().startswith("%%")), "(empty)")
        if not result["ok"]:
            failures.append(f"diagram {index} ({first}): {result['error']}")
        elif _DIRECTIVE.search(diagram) and not result["config"]:
            failures.append(f"diagram {index} ({first}): its init directive was ignored")
    return failures
